"""Driver benchmark: how closely a paced run keeps to the requested speed, and how
soon a stop from another thread ends the run.

These are timings, so they are measured here rather than asserted in tests
(tests/unit/test_run_driver.py checks only what load cannot break: a paced
run is never ahead of the clock; pause and stop act at the next slice).

Run from the repository root::

    .venv/bin/python bench/runner_pacing.py [--rounds 5]

Prints a Markdown table for docs/benchmarks.md (section "Runner pacing").
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from app.engine import Simulation
from app.engine.control import LocalControl
from app.engine.driver import RunDriver
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def _doc(duration_s: float, rate_rps: float) -> Document:
    return Document(
        name="pacing",
        components=[
            Component(id="users", type="client",
                      workload=Workload("poisson", rate_rps=rate_rps)),
            Component(id="s", type="api_server", concurrency=4, queue_capacity=UNBOUNDED,
                      service_time=ServiceTime("exponential", mean_ms=1.0)),
        ],
        links=[Link("users", "s")],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=0.0, seed=1),
    )


def _on_thread(driver: RunDriver) -> threading.Thread:
    thread = threading.Thread(target=driver.run, daemon=True)
    thread.start()
    return thread


def paced_wall_s(speed: float, duration_s: float, rate_rps: float) -> float:
    """Wall seconds a run of ``duration_s`` simulated seconds takes at ``speed``."""
    driver = RunDriver(Simulation(_doc(duration_s, rate_rps)), LocalControl(speed))
    start = time.perf_counter()
    _on_thread(driver).join()
    return time.perf_counter() - start


def stop_latency_s(rate_rps: float) -> float:
    """Wall seconds from ``request_stop()`` (another thread) to the run's end, flat out."""
    windows = threading.Event()
    seen = [0]

    def on_snapshot(_snap: object) -> None:
        seen[0] += 1
        if seen[0] == 3:
            windows.set()

    control = LocalControl()
    thread = _on_thread(RunDriver(Simulation(_doc(100_000.0, rate_rps)), control,
                                  on_snapshot=on_snapshot))
    windows.wait()
    start = time.perf_counter()
    control.request_stop()
    thread.join()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    duration, rate = 2.0, 200.0
    print("| requested speed | simulated s | wall s (median) | achieved / requested (median) |")
    print("|---|---|---|---|")
    for speed in (1.0, 4.0, 20.0):
        walls = [paced_wall_s(speed, duration, rate) for _ in range(args.rounds)]
        ratios = [duration / w / speed for w in walls]
        print(f"| {speed:g}x | {duration:g} | {statistics.median(walls):.3f} "
              f"| {statistics.median(ratios):.3f} |")
    # The first summary built in a process pays for the imports it makes lazily
    # (scipy for the t-quantile, at the time of writing): reported on its own.
    first, *rest = [stop_latency_s(2000.0) for _ in range(args.rounds + 1)]
    print()
    print(f"request_stop() to summary, flat out at 2,000 req/s: first in the process "
          f"{1000 * first:.0f} ms; then median {1000 * statistics.median(rest):.1f} ms, "
          f"max {1000 * max(rest):.1f} ms over {len(rest)} rounds")


if __name__ == "__main__":
    main()
