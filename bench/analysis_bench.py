"""What the run analysis costs, and how often it cries wolf on a steady design.

* ``speed``: a 3,600-window run of a 50-component design (synthetic windows
  with realistic noise: the analysis' cost does not depend on where the
  numbers came from): feeding the collector window by window (paid during the
  run) and :func:`analyse_run` itself, median of ``ROUNDS``. The first call
  also pays scipy's import (``scipy.special``), reported apart.
* ``false-alarms``: long steady runs of real designs (an M/M/1 at ρ = 0.5 and
  0.8, the three-tier template at its own load for an hour): flagged windows per judged
  window, per detector, and the share of series with a "significant" trend.

    python bench/analysis_bench.py [speed|false-alarms ...] [--rounds R]

Results go to bench/results/analysis_bench.json and docs/benchmarks.md / docs/analysis.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.analysis.anomalies import (  # noqa: E402
    IqrParams,
    ZScoreParams,
    rolling_iqr,
    rolling_zscore,
)
from app.analysis.run_analysis import (  # noqa: E402
    ANOMALY_METRICS,
    RunSeriesCollector,
    analyse_run,
    detection_scale,
)
from app.analysis.trends import linear_trends  # noqa: E402
from app.engine.replication import run_replication  # noqa: E402
from app.engine.snapshot import Snapshot, WindowMetrics  # noqa: E402
from app.resources import resource_path  # noqa: E402
from tests.validation.queueing import queue_doc  # noqa: E402

WINDOWS, COMPONENTS = 3600, 50


def _synthetic_snapshots() -> list[Snapshot]:
    rng = np.random.default_rng(7)
    out = []
    for w in range(WINDOWS):
        comps = {}
        for c in range(COMPONENTS):
            rho = 0.3 + 0.01 * c
            comps[f"c{c}"] = WindowMetrics(
                arrivals=500, completed=500, throughput_rps=float(rng.poisson(500)),
                error_rate=float(rng.binomial(500, 0.001)) / 500,
                latency_p99_ms=float(rng.gamma(9.0, 1.0)), utilization=float(
                    np.clip(rng.normal(rho, 0.02), 0, 1)),
                memory_utilization=0.4 + 1e-5 * w + float(rng.normal(0, 0.001)),
                queue_length=float(rng.exponential(rho)))
        e2e = WindowMetrics(throughput_rps=float(rng.poisson(500)),
                            latency_p99_ms=float(rng.gamma(20.0, 1.0)))
        out.append(Snapshot.build(w + 1.0, 1.0, (w + 1) / WINDOWS, e2e, comps))
    return out


def speed(rounds: int) -> dict[str, Any]:
    snaps = _synthetic_snapshots()
    t0 = time.perf_counter()
    import scipy.special  # noqa: F401 - what the first analysis pays once
    scipy_s = time.perf_counter() - t0
    collect, analyse = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        col = RunSeriesCollector()
        for s in snaps:
            col.add(s)
        t1 = time.perf_counter()
        result = analyse_run(col)
        t2 = time.perf_counter()
        collect.append(t1 - t0)
        analyse.append(t2 - t1)
    return {"windows": WINDOWS, "components": COMPONENTS, "series": len(col.keys),
            "collect_s_median": statistics.median(collect),
            "analyse_s_median": statistics.median(analyse),
            "scipy_special_import_s": scipy_s,
            "anomalies": len(result["anomalies"]) + result["anomalies_left_out"]}


def _rates(times: np.ndarray, values: np.ndarray, keys: list[tuple[str, str]],
           z: ZScoreParams, q: IqrParams) -> dict[str, Any]:
    judged = flagged_z = flagged_i = 0
    per_series = {}
    for row, (cid, metric) in enumerate(keys):
        x = values[row]
        if metric not in ANOMALY_METRICS or np.nanmin(x) == np.nanmax(x):
            continue
        n_judged = max(0, int(np.count_nonzero(~np.isnan(x))) - z.min_points)
        y = detection_scale(metric, x)
        fz, fi = rolling_zscore(y, z).index.size, rolling_iqr(y, q).index.size
        judged += n_judged
        flagged_z += fz
        flagged_i += fi
        per_series[f"{cid}.{metric}"] = {"zscore": fz, "iqr": fi, "judged": n_judged}
    trends = linear_trends(times, values)
    fitted = [t for t in trends if t.p_value is not None and t.p_value < 1.0]
    return {"judged_windows": judged, "zscore_flags": flagged_z, "iqr_flags": flagged_i,
            "zscore_rate": flagged_z / judged if judged else None,
            "iqr_rate": flagged_i / judged if judged else None,
            "series_with_significant_trend": sum(t.significant for t in fitted),
            "series_fitted": len(fitted), "per_series": per_series}


def false_alarms(duration_s: float) -> dict[str, Any]:
    designs: dict[str, Any] = {
        "mm1_rho0.5": queue_doc(500.0, 1.0, 1, duration_s=duration_s, warmup_s=30, seed=5),
        "mm1_rho0.8": queue_doc(800.0, 1.0, 1, duration_s=duration_s, warmup_s=30, seed=6),
    }
    tier = resource_path("templates", "three_tier_web_app.sdsim").read_text()
    designs["three_tier_web_app"] = tier
    out = {}
    for name, doc in designs.items():
        over = {"simulation.duration_s": duration_s, "simulation.warmup_s": 30}
        result = run_replication(doc, seed=11, overrides=over)
        col = RunSeriesCollector(warmup_s=30)
        for s in result.snapshots():
            col.add(s)
        times, values = col.series()
        out[name] = {"windows": int(times.size), "series": len(col.keys)}
        for z_max, k in ((5.0, 3.0), (5.0, 4.0), (4.0, 3.0), (6.0, 5.0)):
            rates = _rates(times, values, col.keys, ZScoreParams(z_max=z_max), IqrParams(k=k))
            out[name][f"z_max={z_max:g},k={k:g}"] = rates
            print(name, z_max, k, {a: b for a, b in rates.items() if a != "per_series"},
                  flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="*", default=["speed", "false-alarms"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3630.0)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if "speed" in args.what:
        results["speed"] = speed(args.rounds)
        print(json.dumps(results["speed"], indent=1), flush=True)
    if "false-alarms" in args.what:
        results["false_alarms"] = false_alarms(args.duration)
    path = ROOT / "bench" / "results" / "analysis_bench.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(old | results, indent=1) + "\n")


if __name__ == "__main__":
    main()
