"""Scaling curves: time per request and peak memory against design size and duration.

    python bench/engine_scaling.py [--sizes 5,50,100,200] [--durations 1,2,5,10]
                                   [--requests N] [--rounds R]
    python bench/engine_scaling.py --one COMPONENTS REQUESTS   # one run, one JSON line

**Size**: a mesh of ``K`` copies of bench/multitier.py's reference chain
(client -> load balancer -> web -> cache -> 20 % database), ``5 K``
components, the clients sharing the reference's 5,000 requests/s. Every
request does the same work whatever ``K`` (same hops, same distributions,
same link types); only the number of components each window close and each
summary go over grows, and the per-station load shrinks. **Duration**: the
reference itself (``K = 1``) for 1x .. 10x the requests.

Each point is a fresh process (so ``ru_maxrss`` is that run's peak), timed
with ``time.process_time`` (CPU seconds of build, run and summary), run
``--rounds`` times alternating the order, medians reported. Results go to
bench/results/engine_scaling.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def mesh(components: int, requests: int, seed: int = 1) -> Any:
    """``components // 5`` copies of the reference chain sharing its request rate."""
    import multitier

    from app.model import (
        UNBOUNDED,
        Component,
        Document,
        Link,
        ServiceTime,
        SimulationSettings,
        Workload,
    )

    copies = max(1, components // 5)
    comps: list[Component] = []
    links: list[Link] = []
    for k in range(copies):
        def station(name: str, ctype: str, k: int = k) -> Component:
            c, ms = multitier.STATIONS[name]
            return Component(id=f"{name}{k}", type=ctype, concurrency=c,
                             queue_capacity=UNBOUNDED, blocking=False,
                             service_time=ServiceTime("exponential", mean_ms=ms),
                             hit_ratio=1 - multitier.MISS if ctype == "cache" else None)

        comps += [Component(id=f"users{k}", type="client",
                            workload=Workload("poisson", rate_rps=multitier.RATE / copies)),
                  station("lb", "load_balancer"), station("web", "web_server"),
                  station("cache", "cache"), station("db", "database")]
        links += [Link(f"users{k}", f"lb{k}"), Link(f"lb{k}", f"web{k}"),
                  Link(f"web{k}", f"cache{k}"), Link(f"cache{k}", f"db{k}")]
    return Document(components=comps, links=links,
                    simulation=SimulationSettings(duration_s=requests / multitier.RATE,
                                                  warmup_s=0, seed=seed))


def one(components: int, requests: int) -> dict[str, Any]:
    """Build, run and summarise one mesh in this process."""
    from app.engine import Simulation

    doc = mesh(components, requests)
    c0 = time.process_time()
    summary = Simulation(doc, live=False).run()
    cpu = time.process_time() - c0
    completed = summary["end_to_end"]["completed"]
    return {
        "components": len(doc.components),
        "requests": requests,
        "completed": completed,
        "cpu_s": cpu,
        "us_per_request": 1e6 * cpu / completed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mean_ms": summary["end_to_end"]["latency_ms"]["mean"],
    }


def _spawn(components: int, requests: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(components), str(requests)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _curve(points: list[tuple[int, int]], rounds: int) -> list[dict[str, Any]]:
    runs: dict[tuple[int, int], list[dict[str, Any]]] = {p: [] for p in points}
    for r in range(rounds):
        for p in points if r % 2 == 0 else list(reversed(points)):
            res = _spawn(*p)
            runs[p].append(res)
            print(f"  {res['components']:4} components {res['requests']:7} requests: "
                  f"{res['us_per_request']:.2f} us/request, {res['peak_rss_mb']:.0f} MB",
                  flush=True)
    return [
        {
            "components": runs[p][0]["components"],
            "requests": p[1],
            "us_per_request": statistics.median(x["us_per_request"] for x in runs[p]),
            "peak_rss_mb": statistics.median(x["peak_rss_mb"] for x in runs[p]),
            "mean_ms": statistics.median(x["mean_ms"] for x in runs[p]),
        }
        for p in points
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=2, type=int, metavar=("COMPONENTS", "REQUESTS"))
    parser.add_argument("--sizes", default="5,50,100,200")
    parser.add_argument("--durations", default="1,2,5,10")
    parser.add_argument("--requests", type=int, default=20_000,
                        help="requests of the size curve and of the 1x duration")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.one:
        # As the product's engine processes (their fork server imports it first):
        # one BLAS thread, whose idle spinning would add the same CPU to every size.
        import app.engine.thread_limits  # noqa: F401

        print(json.dumps(one(*args.one)))
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    durations = [int(x) for x in args.durations.split(",")]
    print("size curve")
    size_curve = _curve([(n, args.requests) for n in sizes], args.rounds)
    print("duration curve")
    duration_curve = _curve([(5, d * args.requests) for d in durations], args.rounds)
    base = size_curve[0]["us_per_request"]
    report = {"size": size_curve, "duration": duration_curve, "rounds": args.rounds,
              "largest_vs_smallest": size_curve[-1]["us_per_request"] / base}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "engine_scaling.json").write_text(
        json.dumps(report, indent=2) + "\n")
    print("\n| components | requests | us/request (CPU) | x smallest | peak RSS MB |")
    print("|---|---|---|---|---|")
    for row in size_curve + duration_curve:
        print(f"| {row['components']} | {row['requests']} | {row['us_per_request']:.2f} "
              f"| {row['us_per_request'] / base:.2f} | {row['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
