"""Engine speed before/after a change: two source trees on bench/multitier.py's network.

Each tree runs as a fresh process per round, alternating base/new so that
machine noise hits both alike. What is timed is the CPU time of the engine
(build and run, ``time.process_time``, less sensitive than wall time to other
processes on a shared machine) and, separately, of building the summary.
The ratio reported is the median of the per-round ratios new/base.

    python bench/engine_ab.py BASE_REV [--new REV] [--requests N] [--rounds R] [--features all]

``--features all`` runs the NEW tree with chaos, a breaker on every link and
autoscaling on every tier (issue #9's bound: at most 15 % slower than the same
tree without them: ``python bench/engine_ab.py HEAD --features all``).

BASE_REV and --new are git revisions of this repository (--new defaults to
the working tree). The two runs of a round use the same seed and print the
same mean latency when the change does not alter the simulated events.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
sys.path.insert(0, "bench")
import multitier
from app.engine import Simulation
from app.model import (UNBOUNDED, Component, Document, Link, ServiceTime, SimulationSettings,
                       Workload)

def station(cid, ctype):
    c, ms = multitier.STATIONS[cid]
    return Component(id=cid, type=ctype, concurrency=c, queue_capacity=UNBOUNDED,
                     blocking=False, service_time=ServiceTime("exponential", mean_ms=ms),
                     hit_ratio=1 - multitier.MISS if ctype == "cache" else None)

n, seed = int(sys.argv[1]), int(sys.argv[2])
doc = Document(
    components=[Component(id="users", type="client",
                          workload=Workload("poisson", rate_rps=multitier.RATE)),
                station("lb", "load_balancer"), station("web", "web_server"),
                station("cache", "cache"), station("db", "database")],
    links=[Link("users", "lb"), Link("lb", "web"), Link("web", "cache"), Link("cache", "db")],
    simulation=SimulationSettings(duration_s=n / multitier.RATE, warmup_s=0, seed=seed))
if len(sys.argv) > 3 and sys.argv[3] == "all":
    # Issue #9's "everything on": chaos, a breaker on every link, autoscaling on every tier.
    from app.model.document import Autoscaling, Chaos, CircuitBreaker
    doc.chaos = Chaos(level=1e-6, mttr_s=0.1)  # armed; a crash is rare in a run this short
    for link in doc.links:
        link.circuit_breaker = CircuitBreaker()
    for comp in doc.components[1:]:
        comp.autoscaling = Autoscaling(max=4, cooldown_s=2.0, provision_s=1.0)
import inspect
# A batch run (as the CLI and sweeps make): no live actions, so nothing tracked for them.
kw = {"live": False} if "live" in inspect.signature(Simulation).parameters else {}
t0 = time.process_time()
sim = Simulation(doc, **kw)
while not sim.finished:
    sim.step_window()
t1 = time.process_time()
out = sim.summary()
t2 = time.process_time()
print(json.dumps({"run": t1 - t0, "summary": t2 - t1,
                  "mean": out["end_to_end"]["latency_ms"]["mean"]}))
"""


def export(rev: str | None, into: Path) -> Path:
    """The tree of ``rev`` (or the working tree when None) under ``into``."""
    if rev is None:
        return ROOT
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "app", "bench"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_once(tree: Path, requests: int, seed: int, features: str = "none") -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(requests), str(seed), features],
                         cwd=tree,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--new", default=None)
    parser.add_argument("--requests", type=int, default=80_000)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--features", choices=("none", "all"), default="none",
                        help="turn on chaos, breakers and autoscaling in the NEW tree's design")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"base": export(args.base, Path(tmp) / "base"),
                 "new": export(args.new, Path(tmp) / "new")}
        runs: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
        for r in range(args.rounds):
            order = ("base", "new") if r % 2 == 0 else ("new", "base")
            for name in order:
                res = run_once(trees[name], args.requests, seed=r + 1,
                               features=args.features if name == "new" else "none")
                runs[name].append(res)
                print(f"round {r + 1} {name:4} run {res['run']:.3f} s  "
                      f"summary {res['summary']:.3f} s  mean {res['mean']:.6f} ms", flush=True)
    ratios = [n["run"] / b["run"] for n, b in zip(runs["new"], runs["base"], strict=True)]
    same = all(n["mean"] == b["mean"] for n, b in zip(runs["new"], runs["base"], strict=True))
    report = {
        "requests": args.requests,
        "rounds": args.rounds,
        "median_run_s": {k: statistics.median(x["run"] for x in v) for k, v in runs.items()},
        "median_summary_s": {k: statistics.median(x["summary"] for x in v)
                             for k, v in runs.items()},
        "run_ratio_new_over_base": {"median": statistics.median(ratios),
                                    "min": min(ratios), "max": max(ratios)},
        "same_results": same,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
