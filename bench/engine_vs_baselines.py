"""Our engine against a minimal SimPy model and Ciw on the same multi-tier network.

Each implementation runs as a whole fresh process (interpreter start, imports,
build, run, results), ``ROUNDS`` times, alternating ours/simpy/ciw/ceiling so
that machine noise hits them alike (``ceiling``: bench/heapq_ceiling.py, a
bare heapq event loop for the same network). Reported: the median whole-process wall
time and the median in-process run time, and the ratios against ours.

    python bench/engine_vs_baselines.py [--requests N] [--rounds R] [--impls ours,simpy]
                                        [--base REV]

``--base REV`` adds ``base``: our engine as of git revision REV (exported to
a temporary tree), so a before/after pair and minimal SimPy run alternately
in one session. Besides wall times, each process's CPU seconds (user + sys,
from ``getrusage``) are reported: on a shared machine they move less than
wall time when other processes take the cores.

Results go to bench/results/engine_vs_baselines.json and are summarised in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPLS = ("ours", "simpy", "ciw", "ceiling")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(impl: str, requests: int, seed: int, tree: Path = ROOT) -> dict[str, float]:
    """One whole process of ``impl``; ``tree`` is the source tree it runs from."""
    name = "ours" if impl == "base" else impl
    t0, c0 = time.perf_counter(), _children_cpu()
    out = subprocess.run(
        [sys.executable, str(tree / "bench" / "multitier.py"), name, str(requests), str(seed)],
        cwd=tree, capture_output=True, text=True, check=True,
        # One BLAS thread for every implementation, as the product's engine
        # processes have (app/engine/thread_limits.py): numpy's idle pool spins.
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1",
             "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    result["cpu_s"] = cpu
    return result


def export(rev: str, into: Path) -> Path:
    """The tree of git revision ``rev`` (app and bench) under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "app", "bench"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--impls", default=",".join(IMPLS),
                        help="comma-separated subset of ours,simpy,ciw,ceiling")
    parser.add_argument("--base", default=None, help="also run our engine as of this git rev")
    parser.add_argument("--out", default="engine_vs_baselines.json")
    args = parser.parse_args()
    impls = tuple(i for i in args.impls.split(",") if i)
    if args.base:
        impls = (impls[0], "base", *impls[1:])
    tmp = tempfile.TemporaryDirectory()
    trees = dict.fromkeys(impls, ROOT)
    if args.base:
        trees["base"] = export(args.base, Path(tmp.name) / "base")
    runs: dict[str, list[dict[str, float]]] = {impl: [] for impl in impls}
    for r in range(args.rounds):
        order = impls if r % 2 == 0 else tuple(reversed(impls))
        for impl in order:
            res = run_once(impl, args.requests, seed=r + 1, tree=trees[impl])
            runs[impl].append(res)
            print(f"round {r + 1} {impl:6} process {res['process_s']:.2f} s  "
                  f"cpu {res['cpu_s']:.2f} s  run {res['run_s']:.2f} s  "
                  f"mean {res['mean_ms']:.3f} ms", flush=True)
    tmp.cleanup()
    # Per-round ratios (same round, same seed, neighbouring in time) are the
    # fairest comparison on a shared machine; their median is reported too.
    per_round = {
        impl: {
            key: statistics.median(x[key] / o[key]
                                   for x, o in zip(runs[impl], runs["ours"], strict=True))
            for key in ("process_s", "cpu_s", "run_s")
        }
        for impl in impls
    }
    med = {
        impl: {
            "process_s": statistics.median(x["process_s"] for x in runs[impl]),
            "cpu_s": statistics.median(x["cpu_s"] for x in runs[impl]),
            "run_s": statistics.median(x["run_s"] for x in runs[impl]),
            "mean_ms": statistics.median(x["mean_ms"] for x in runs[impl]),
            "completed": statistics.median(x["completed"] for x in runs[impl]),
        }
        for impl in impls
    }
    report = {
        "requests": args.requests,
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "base": args.base,
        "median": med,
        "ratio_vs_ours": {
            impl: {
                "process": med[impl]["process_s"] / med["ours"]["process_s"],
                "cpu": med[impl]["cpu_s"] / med["ours"]["cpu_s"],
                "run": med[impl]["run_s"] / med["ours"]["run_s"],
            }
            for impl in impls
        },
        "median_of_round_ratios_vs_ours": per_round,
        "runs": runs,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / args.out).write_text(json.dumps(report, indent=2) + "\n")
    print("\n| implementation | process s (median) | cpu s (median) | run s (median) "
          "| x ours (process) | x ours (cpu) | x ours (run) | mean latency ms |")
    print("|---|---|---|---|---|---|---|---|")
    for impl in impls:
        m, q = med[impl], per_round[impl]
        print(f"| {impl} | {m['process_s']:.2f} | {m['cpu_s']:.2f} | {m['run_s']:.2f} "
              f"| {q['process_s']:.2f} | {q['cpu_s']:.2f} | {q['run_s']:.2f} "
              f"| {m['mean_ms']:.3f} |")
    print("(x ours: median over rounds of the same round's ratio)")


if __name__ == "__main__":
    main()
