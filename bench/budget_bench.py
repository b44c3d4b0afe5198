"""What the work budget and the run-time guard cost.

* ``estimate``: :func:`app.engine.budget.check_run_budget` on large designs
  (a 20,000-component chain, a 2,000-component graph with 100,000 links, a
  2,000-component async ring solved sparsely), median of ``ROUNDS``.
* ``guard``: a template run with the guard's check between slices against
  the same run with the check replaced by a no-op, alternating, median
  ratio (the guard sums the stations' visit counters and reads
  ``/proc/self/statm`` 8 times per window).
* ``trace``: reading a 32 MB trace file (the size limit).

    python bench/budget_bench.py [--rounds R]

Results go to bench/results/budget_bench.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine import Simulation  # noqa: E402
from app.engine.budget import check_run_budget  # noqa: E402
from app.engine.trace_files import MAX_TRACE_BYTES, read_trace_file  # noqa: E402
from app.model import Component, Document, Link, ServiceTime, Workload  # noqa: E402
from app.model.fileformat import load  # noqa: E402


def _station(cid: str) -> Component:
    return Component(id=cid, type="api_server", concurrency=4,
                     service_time=ServiceTime("constant", mean_ms=0.1))


def _users() -> Component:
    return Component(id="users", type="client", workload=Workload("poisson", rate_rps=100))


def chain(n: int) -> Document:
    ids = [f"s{i}" for i in range(n)]
    links = [Link("users", ids[0])] + [Link(a, b) for a, b in itertools.pairwise(ids)]
    return Document(components=[_users(), *map(_station, ids)], links=links)


def dense(n: int, links_per: int) -> Document:
    ids = [f"s{i}" for i in range(n)]
    links = [Link("users", ids[0])]
    for i, a in enumerate(ids):
        links += [Link(a, ids[j]) for j in range(i + 1, min(n, i + 1 + links_per))]
    return Document(components=[_users(), *map(_station, ids)], links=links)


def async_ring(n: int) -> Document:
    ids = [f"r{i}" for i in range(n)]
    links = [Link("users", ids[0])] + [
        Link(ids[i], ids[(i + 1) % n], mode="async", probability=0.5 if i == n - 1 else None)
        for i in range(n)
    ]
    return Document(components=[_users(), *map(_station, ids)], links=links)


def _median_time(fn: Any, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class _NoGuard:
    def check(self, sim: Simulation) -> None:
        return None


def _run(guarded: bool) -> float:
    doc = load(ROOT / "resources" / "templates" / "three_tier_web_app.sdsim")
    sim = Simulation(doc, duration_s=10, warmup_s=1, seed=1)
    if not guarded:
        sim._guard = _NoGuard()  # type: ignore[assignment]  # the baseline: no check at all
    t = time.perf_counter()
    while not sim.finished:
        sim.step_window()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    results: dict[str, Any] = {"python": platform.python_version(), "rounds": rounds}
    designs = {
        "chain_20000": chain(19_999),
        "dense_2000x50_links": dense(2_000, 50),
        "async_ring_2000": async_ring(2_000),
    }
    results["estimate_s"] = {
        name: _median_time(lambda d=doc: check_run_budget(d, 60.0, 0.0, None), rounds)
        for name, doc in designs.items()
    }
    ratios = []
    for _ in range(rounds):
        plain = _run(False)
        guarded = _run(True)
        ratios.append(guarded / plain)
    results["guard_run_time_ratio_median"] = statistics.median(ratios)
    with tempfile.TemporaryDirectory() as folder:
        trace = Path(folder) / "t.csv"
        line = b"12345.678901\n"
        trace.write_bytes(line * (MAX_TRACE_BYTES // len(line)))
        results["trace_32mb_read_s"] = _median_time(lambda: read_trace_file(trace), 3)
    out = ROOT / "bench" / "results" / "budget_bench.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
