"""What alert rules cost a run: per tracked alert per window, and on a whole run.

    python bench/alerts_bench.py [--components N] [--windows W] [--rounds R]

    python bench/alerts_bench.py --micro-windows W --rounds 0   (under callgrind)

``micro``: the evaluator alone on a synthetic window close of N components
with the three default rules (3 N tracked alerts, values below the
thresholds: the common case, one read and one comparison each); reports CPU
nanoseconds per tracked alert per window. ``run``: a real run of a client
spreading 20 requests/s per component over N components through a load
balancer for W one-second windows, with the default rules and with
``"alerts": []``, alternating, R rounds; reports the median CPU-time ratio
(defaults / off). Results: docs/benchmarks.md, "Issue 10: alert rules".
"""

from __future__ import annotations

import argparse
import statistics
import time

from app.engine.alerts import AlertEvaluator
from app.engine.events import EventLog
from app.engine.hooks import WindowClose
from app.engine.simulation import Simulation
from app.engine.snapshot import WindowMetrics
from app.model.alerts import DEFAULT_ALERTS, AlertTargets
from app.model.document import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def design(components: int, windows: int, alerts_on: bool, rps: float = 20.0) -> Document:
    servers = [Component(f"s{i}", "api_server", concurrency=4, queue_capacity=UNBOUNDED,
                         blocking=False, service_time=ServiceTime("exponential", mean_ms=20.0))
               for i in range(components)]
    return Document(
        components=[Component("users", "client",
                              workload=Workload("poisson", rate_rps=rps * components)),
                    Component("lb", "load_balancer"), *servers],
        links=[Link("users", "lb"), *(Link("lb", s.id) for s in servers)],
        simulation=SimulationSettings(duration_s=float(windows), warmup_s=0.0, seed=3),
        alerts=None if alerts_on else [],
    )


def micro(components: int, windows: int) -> float:
    doc = design(components, 1, True)
    ids = {c.id for c in doc.components if c.type != "client"}
    t = [0.0]
    evaluator = AlertEvaluator(DEFAULT_ALERTS, AlertTargets(doc), EventLog(lambda: t[0]), ids,
                               set())
    metrics = WindowMetrics(utilization=0.5, memory_utilization=0.3, error_rate=0.0)
    close = WindowClose(1.0, 1.0, WindowMetrics(), dict.fromkeys(ids, metrics), {}, False)
    start = time.process_time()
    for _ in range(windows):
        evaluator.window_closed(close)
    spent = time.process_time() - start
    return spent / (windows * len(evaluator.alerts)) * 1e9


def run_cpu(components: int, windows: int, alerts_on: bool, rps: float) -> float:
    sim = Simulation(design(components, windows, alerts_on, rps), live=False)
    start = time.process_time()
    while not sim.finished:
        sim.step_window()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rps", type=float, default=20.0, help="requests/s per component")
    parser.add_argument("--micro-windows", type=int, default=2000,
                        help="windows of the micro benchmark (0: skip the runs)")
    args = parser.parse_args()
    ns = micro(args.components, args.micro_windows)
    print(f"micro: {ns:.0f} ns CPU per tracked alert per window "
          f"({3 * args.components} tracked)")
    ratios = []
    for r in range(args.rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        times = {on: run_cpu(args.components, args.windows, on, args.rps) for on in order}
        ratios.append(times[True] / times[False])
        print(f"round {r + 1}: defaults {times[True]:.3f} s, off {times[False]:.3f} s, "
              f"ratio {ratios[-1]:.3f}", flush=True)
    if not ratios:
        return
    print(f"run: median ratio defaults/off {statistics.median(ratios):.3f} "
          f"(rounds {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main()
