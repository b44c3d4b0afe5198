"""A chain as deep as the file format allows: build, run and summary times, peak memory.

    python bench/deep_chain.py [N]

users -> s0 -> s1 -> ... -> s(N-1) over zero-latency links (every reply
reaches its caller in the same instant), four requests over 2 simulated
seconds. Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from app.engine import Simulation
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def chain(n: int) -> Document:
    comps = [Component(id="users", type="client", workload=Workload("constant", rate_rps=2.0))]
    comps += [Component(id=f"s{i}", type="api_server", concurrency=1, queue_capacity=UNBOUNDED,
                        service_time=ServiceTime("constant", mean_ms=0.01)) for i in range(n)]
    links = [Link("users", "s0")] + [Link(f"s{i}", f"s{i + 1}") for i in range(n - 1)]
    return Document(name="chain", components=comps, links=links,
                    simulation=SimulationSettings(duration_s=2.0, warmup_s=0.0, seed=1))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    doc = chain(n)
    t0 = time.perf_counter()
    sim = Simulation(doc)
    t1 = time.perf_counter()
    while not sim.finished:
        sim.step_window()
    t2 = time.perf_counter()
    out = sim.summary()
    t3 = time.perf_counter()
    print(json.dumps({
        "components": n,
        "build_s": round(t1 - t0, 2),
        "run_s": round(t2 - t1, 2),
        "summary_s": round(t3 - t2, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "completed": out["end_to_end"]["completed"],
        "mean_ms": out["end_to_end"]["latency_ms"]["mean"],
    }))


if __name__ == "__main__":
    main()
