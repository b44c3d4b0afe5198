"""What the analytic model costs on a large design (issue #10: under 50 ms for 500 components).

* ``analyze``: :func:`app.analysis.model.analyze` from the document, saturation
  search included (median of ``ROUNDS``);
* ``analyze_no_saturation``: the same without the saturation search;
* ``prepared_at``: :meth:`PreparedModel.at` for a new load on a prepared design
  (what a planner or a forecast sweeping loads pays per load).

The design (:func:`wide_design`): one Poisson client, a load balancer, then
layers of 20 blocking services (2 replicas x 8 workers, default finite
queues, exponential and gamma service times alternating), each calling two
services of the next layer with probability 0.5, the last layer databases.
Every service blocks on its calls, so the saturation search bisects.

    python bench/analytic_bench.py [--rounds R] [--size N]

Results go to bench/results/analytic_bench.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.analysis.model import analyze, prepare  # noqa: E402
from app.model import Component, Document, Link, ServiceTime, Workload  # noqa: E402

WIDTH = 20


def wide_design(size: int) -> Document:
    """A layered call graph of ``size`` components in all (client and balancer included)."""
    services = size - 2
    layers = [list(range(i, min(i + WIDTH, services))) for i in range(0, services, WIDTH)]
    components = [
        Component(id="users", type="client", workload=Workload("poisson", rate_rps=200.0)),
        Component(id="lb", type="load_balancer"),
    ]
    links = [Link("users", "lb")]
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        for i in layer:
            dist = "exponential" if i % 2 else "gamma"
            components.append(Component(
                id=f"s{i}", type="database" if last else "microservice", replicas=2,
                concurrency=8, service_time=ServiceTime(dist, mean_ms=1.0 + (i % 5))))
            if depth == 0:
                links.append(Link("lb", f"s{i}"))
        if not last:
            nxt = layers[depth + 1]
            for j, i in enumerate(layer):
                targets = dict.fromkeys((nxt[j % len(nxt)], nxt[(j + 7) % len(nxt)]))
                for t in targets:  # one link per pair (a short last layer may repeat one)
                    links.append(Link(f"s{i}", f"s{t}", probability=0.5, latency_ms=0.2))
    return Document(name=f"wide-{size}", components=components, links=links)


def _timed_ms(fn: Callable[[], object], rounds: int) -> dict[str, float]:
    """Median wall time, fastest wall time and median CPU time of ``rounds`` calls (ms).

    On a machine shared with other jobs the wall time includes waiting for a
    core; the process's CPU time is the code's own cost.
    """
    wall, cpu = [], []
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"median": 1000.0 * statistics.median(wall), "min": 1000.0 * min(wall),
            "cpu_median": 1000.0 * statistics.median(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--size", type=int, default=500)
    args = parser.parse_args()
    doc = wide_design(args.size)
    model = prepare(doc)
    loads = iter([1.0 + 0.01 * i for i in range(10 * args.rounds)])
    result: dict[str, Any] = {
        "size": args.size,
        "links": len(doc.links),
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average": os.getloadavg()[0],
        "analyze_ms": _timed_ms(lambda: analyze(doc), args.rounds),
        "analyze_no_saturation_ms": _timed_ms(lambda: analyze(doc, saturation=False),
                                               args.rounds),
        "prepared_at_ms": _timed_ms(lambda: model.at(next(loads), saturation=False),
                                     args.rounds),
    }
    sample = analyze(doc)
    result["saturation_rps"] = sample.saturation_rps
    result["bottleneck"] = sample.bottleneck
    out = ROOT / "bench" / "results" / "analytic_bench.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
