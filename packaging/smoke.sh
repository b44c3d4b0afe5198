#!/usr/bin/env bash
# Smoke test of the bundle `make package` built (make package-smoke): headless
# simulate on a shipped template, a sweep on two worker processes (the fork server
# and resource tracker started by the frozen executable: freeze_support at work),
# and the window shown on an Xvfb display. Exits non-zero on the first failure.
set -euo pipefail
BIN=${1:-dist/sdsim/sdsim}
[ -x "$BIN" ] || { echo "no bundle at $BIN: run make package first"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export SDSIM_DATA_DIR="$WORK/data"
TEMPLATE=$(dirname "$BIN")/_internal/app/_resources/templates/three_tier_web_app.sdsim

"$BIN" simulate "$TEMPLATE" --duration 20 --out "$WORK/run" --quiet
test -s "$WORK/run/summary.json"
echo "ok: simulate wrote $(ls "$WORK/run" | tr '\n' ' ')"

"$BIN" sweep "$TEMPLATE" --set web.replicas=2,3 -n 2 --workers 2 --duration 10 \
    --warmup 2 --out "$WORK/sweep" --quiet
test -s "$WORK/sweep/points.parquet"
echo "ok: sweep on 2 worker processes wrote $(ls "$WORK/sweep" | tr '\n' ' ')"

command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install xvfb"; exit 1; }
start=$(date +%s.%N)
SDSIM_EXIT_AFTER_SHOWN=1 QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x768x24" "$BIN"
end=$(date +%s.%N)
grep -q "Main window shown" "$SDSIM_DATA_DIR"/logs/*.log
echo "ok: window shown on Xvfb (start to quit, with Xvfb's own start: $(echo "$end - $start" | bc) s)"
