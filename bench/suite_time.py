"""Test-suite benchmark: `make test` in a fresh clone, with some cores kept busy.

Issue #8's goal: a fresh clone's `make test` passes in under 8 minutes, every
time, on a 2-core machine while another process keeps one core busy. Each
round clones the repository into a temporary folder (so `make test` creates
its .venv, installs the project and runs ruff, lint-imports, mypy and pytest
from nothing), starts the busy processes, times `make test`, and stops them.

Run from the repository root (it clones the committed HEAD, not the work tree)::

    python3 bench/suite_time.py --rounds 3 --busy 1

Prints one Markdown table row per round for docs/benchmarks.md ("Test suite"):
the wall time of the whole `make test`, the CPU time it used (which does not
depend on how crowded the machine is), the load average before the round, and
pytest's own closing line. Ctrl-C is restored for the children (a background
job of a non-interactive shell starts with it ignored).
Uses only the standard library: it runs before any .venv exists.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY_LOOP = "while True: pass"


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_round(ref: str, busy: int, log_dir: Path, index: int) -> tuple[float, float, int, str]:
    """Clone ``ref`` and run ``make test`` with ``busy`` spinning processes.

    Returns the wall seconds, the CPU seconds that ``make test`` and everything
    it started used (independent of how crowded the machine is), the exit status
    and pytest's closing line.
    """
    work = Path(tempfile.mkdtemp(prefix="sdsim-fresh-"))
    spinners: list[subprocess.Popen[bytes]] = []
    try:
        clone = work / "repo"
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
                       check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
        spinners = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy)]
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH", "QT_QPA_PLATFORM")}
        log = log_dir / f"round-{index}.log"
        cpu_before = _children_cpu_s()
        start = time.perf_counter()
        with log.open("wb") as out:
            status = subprocess.run(["make", "test"], cwd=clone, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, check=False).returncode
        wall = time.perf_counter() - start
        cpu = _children_cpu_s() - cpu_before
        text = log.read_text(encoding="utf-8", errors="replace")
        closing = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", text, re.MULTILINE)
        return wall, cpu, status, closing[-1] if closing else "(no pytest closing line)"
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on a core")
    parser.add_argument("--ref", default="HEAD", help="commit to clone (default HEAD)")
    parser.add_argument("--logs", type=Path, default=None, help="keep each round's log here")
    args = parser.parse_args()
    ref = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.ref],
                         check=True, capture_output=True, text=True).stdout.strip()
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="sdsim-suite-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"commit {ref}, {args.busy} busy process(es), logs in {log_dir}")
    print("| round | make test, wall | CPU used | load before | exit | pytest's closing line |")
    print("|---|---|---|---|---|---|")
    for i in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        wall, cpu, status, closing = one_round(ref, args.busy, log_dir, i)
        print(f"| {i} | {wall // 60:.0f} min {wall % 60:.0f} s | {cpu:.0f} s | {load:.1f} "
              f"| {status} | {closing} |", flush=True)


if __name__ == "__main__":
    main()
