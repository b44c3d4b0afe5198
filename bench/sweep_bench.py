"""A 20-point sweep: serial against 2 local worker processes against a 2-process Dask cluster.

Run from the repository root (the machine otherwise idle; it takes about 3 minutes)::

    .venv/bin/python bench/sweep_bench.py [duration_s]

The sweep is the three-tier template (800 req/s) with ``web.replicas`` from 3
to 22 (20 points, one replication each): the same arrivals at every point,
so every point costs about the same; each run is ``duration_s`` simulated
seconds (default 100: 2.3-2.6 s of wall time per point on an idle core here, so
every point takes at least the 2 s the issue asks for).
A rate sweep would not do: its points' cost grows with the rate. It runs

* serially in this process (:class:`SerialExecutor`),
* on a local pool of 2 processes (:class:`PoolExecutor`, the default on a
  2-core machine), and
* on a ``dask.distributed`` ``LocalCluster`` of 2 worker processes of one
  thread each (:class:`DaskExecutor`), whose start-up is timed apart,

and checks that the three give the same numbers. Start-up (the pool's and the
cluster's) is timed apart from the sweep and reported both ways. The Dask path's per-point
overhead is measured on 40 tiny jobs (half a simulated second each):
``(dask time - serial time) / jobs`` with one Dask worker, so that no
parallelism hides it. Prints a table and writes ``bench/results/sweep_bench.json``
(with ``uptime``'s load averages before and after, and the CPU seconds each
mode's processes got over its wall time -- the cores it obtained -- since the
machine is shared and a loaded one cannot show the speed-up).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.resources import resource_path
from app.sweeps.axes import parse_axis
from app.sweeps.executors import DaskExecutor, Executor, PoolExecutor, SerialExecutor
from app.sweeps.sweep import SweepPlan, SweepResult, plan_sweep, run_sweep

RESULTS = Path(__file__).resolve().parent / "results" / "sweep_bench.json"
TEMPLATE = resource_path("templates", "three_tier_web_app.sdsim")
AXIS = "web.replicas=3:22:1"


def _plan(axis: str, duration_s: float, replications: int = 1) -> SweepPlan:
    from app.engine.overrides import apply_overrides

    doc = apply_overrides(TEMPLATE.read_text(encoding="utf-8"),
                          {"simulation.duration_s": duration_s,
                           "simulation.warmup_s": min(5.0, duration_s / 4)})
    return plan_sweep(doc, [parse_axis(axis)], replications)


def _timed(plan: SweepPlan, executor: Executor) -> tuple[float, SweepResult]:
    started = time.perf_counter()
    result = run_sweep(plan, executor)
    elapsed = time.perf_counter() - started
    assert result.complete, result.failures
    return elapsed, result


def _numbers(result: SweepResult) -> dict[tuple[int, int], Any]:
    # wall_s is the only figure that differs between two runs of one text and seed.
    return {k: {n: v for n, v in run.summary.items() if n != "wall_s"}
            for k, run in result.runs.items()}


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far."""
    import psutil  # a dependency of distributed

    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 100.0
    from distributed import LocalCluster

    load_before = _load()
    plan = _plan(AXIS, duration)
    assert len(plan.points) == 20
    cpu_before = _cpu_s([os.getpid()])
    serial_s, serial = _timed(plan, SerialExecutor())
    serial_cpu_s = _cpu_s([os.getpid()]) - cpu_before
    walls = sorted(run.summary["wall_s"] for run in serial.runs.values())
    # Tiny jobs (0.5 simulated s) for the Dask overhead, serial side: before any
    # cluster exists, since a LocalCluster's scheduler and the client run event-loop
    # threads in this process that would slow a serial run here. Best of three.
    tiny = _plan(AXIS, 0.5, replications=2)
    tiny_serial_s = min(_timed(tiny, SerialExecutor())[0] for _ in range(3))
    pool = PoolExecutor(2)
    try:
        # Start-up (the fork server, two workers importing the engine) timed apart,
        # as the cluster's is: two tiny jobs make both workers start.
        pool_startup_s, _ = _timed(_plan("web.replicas=3,4", 0.5), pool)
        pids = list(pool._pool._processes) if pool._pool else []  # the pool has no public pids
        cpu_before = _cpu_s(pids)
        pool_s, pooled = _timed(plan, pool)
        pool_cpu_s = _cpu_s(pids) - cpu_before
    finally:
        pool.close()
    started = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=":0")
    dask = DaskExecutor(cluster)
    dask.client.wait_for_workers(2)
    startup_s = time.perf_counter() - started
    try:
        pids = list(dask.client.run(os.getpid).values())
        cpu_before = _cpu_s(pids)
        dask_s, dasked = _timed(plan, dask)
        dask_cpu_s = _cpu_s(pids) - cpu_before
    finally:
        dask.close()
        cluster.close()
    assert _numbers(serial) == _numbers(pooled) == _numbers(dasked), "executors disagree"

    # Per-job overhead: the same tiny jobs on one Dask worker, best of three.
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=":0")
    dask = DaskExecutor(cluster)
    dask.client.wait_for_workers(1)
    try:
        _timed(tiny, dask)  # the worker's first job imports the engine: not overhead
        tiny_dask_s = min(_timed(tiny, dask)[0] for _ in range(3))
    finally:
        dask.close()
        cluster.close()
    load_after = _load()

    out = {
        "points": len(plan.points),
        "duration_s": duration,
        "cores": os.cpu_count(),
        "point_wall_s": {"min": round(walls[0], 2), "median": round(walls[10], 2),
                         "max": round(walls[-1], 2)},
        "serial_s": round(serial_s, 2),
        "pool2_s": round(pool_s, 2),
        "pool_startup_s": round(pool_startup_s, 2),
        "dask2_s": round(dask_s, 2),
        "speedup_pool2": round(serial_s / pool_s, 2),
        "speedup_pool2_with_startup": round(serial_s / (pool_s + pool_startup_s), 2),
        "speedup_dask2": round(serial_s / dask_s, 2),
        "speedup_dask2_with_startup": round(serial_s / (dask_s + startup_s), 2),
        "dask_cluster_startup_s": round(startup_s, 2),
        "tiny_jobs": tiny.total_jobs,
        "tiny_serial_s": round(tiny_serial_s, 3),
        "tiny_dask1_s": round(tiny_dask_s, 3),
        "dask_overhead_per_job_ms": round((tiny_dask_s - tiny_serial_s) / tiny.total_jobs
                                          * 1000, 1),
        # CPU seconds the sweep's processes got, over the wall time: the cores each
        # mode actually obtained (on a shared machine, less than it asked for).
        "serial_cores_obtained": round(serial_cpu_s / serial_s, 2),
        "pool2_cores_obtained": round(pool_cpu_s / pool_s, 2),
        "dask2_cores_obtained": round(dask_cpu_s / dask_s, 2),
        "cpu_s": {"serial": round(serial_cpu_s, 1), "pool2": round(pool_cpu_s, 1),
                  "dask2": round(dask_cpu_s, 1)},
        "load_before": load_before,
        "load_after": load_after,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for key, value in out.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
