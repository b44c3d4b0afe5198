"""Our engine against a minimal SimPy model and Ciw on the same multi-tier network.

Each implementation runs as a whole fresh process (interpreter start, imports,
build, run, results), ``ROUNDS`` times, alternating ours/simpy/ciw so that
machine noise hits all three alike. Reported: the median whole-process wall
time and the median in-process run time, and the ratios against ours.

    python bench/engine_vs_baselines.py [--requests N] [--rounds R]

Results go to bench/results/engine_vs_baselines.json and are summarised in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPLS = ("ours", "simpy", "ciw")


def run_once(impl: str, requests: int, seed: int) -> dict[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "multitier.py"), impl, str(requests), str(seed)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    wall = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {impl: [] for impl in IMPLS}
    for r in range(args.rounds):
        order = IMPLS if r % 2 == 0 else tuple(reversed(IMPLS))
        for impl in order:
            res = run_once(impl, args.requests, seed=r + 1)
            runs[impl].append(res)
            print(f"round {r + 1} {impl:6} process {res['process_s']:.2f} s  "
                  f"run {res['run_s']:.2f} s  mean {res['mean_ms']:.3f} ms", flush=True)
    med = {
        impl: {
            "process_s": statistics.median(x["process_s"] for x in runs[impl]),
            "run_s": statistics.median(x["run_s"] for x in runs[impl]),
            "mean_ms": statistics.median(x["mean_ms"] for x in runs[impl]),
            "completed": statistics.median(x["completed"] for x in runs[impl]),
        }
        for impl in IMPLS
    }
    report = {
        "requests": args.requests,
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "median": med,
        "ratio_vs_ours": {
            impl: {
                "process": med[impl]["process_s"] / med["ours"]["process_s"],
                "run": med[impl]["run_s"] / med["ours"]["run_s"],
            }
            for impl in IMPLS
        },
        "runs": runs,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "engine_vs_baselines.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n| implementation | process s (median) | run s (median) | x ours (process) "
          "| x ours (run) | mean latency ms |")
    print("|---|---|---|---|---|---|")
    for impl in IMPLS:
        m, q = med[impl], report["ratio_vs_ours"][impl]
        print(f"| {impl} | {m['process_s']:.2f} | {m['run_s']:.2f} | {q['process']:.2f} "
              f"| {q['run']:.2f} | {m['mean_ms']:.3f} |")


if __name__ == "__main__":
    main()
