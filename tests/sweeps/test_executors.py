"""Executors with real processes: serial, the local pool and a Dask LocalCluster.

Every test here runs real jobs in real processes: the pool's forkserver
children, the Dask cluster's nanny-managed worker processes (the cluster
itself runs in a child process; each test connects its own client and closes
it, so no Dask thread outlives a test in this process). The designs are
tiny (a few thousand simulated requests per job), so the whole file stays
fast; the jobs that must still be running when a test cancels or kills a
worker are a fraction of a second long, and no assertion depends on time.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.context import ForkServerProcess
from typing import Any

import pytest

from app.engine.replication import RunResult
from app.sweeps.axes import parse_axis
from app.sweeps.executors import DaskExecutor, Executor, PoolExecutor, SerialExecutor
from app.sweeps.jobs import Job, run_job
from app.sweeps.sweep import Progress, SweepPlan, SweepResult, plan_sweep, run_sweep
from tests.support.dask_cluster import ClusterProcess, dask_threads
from tests.sweeps.conftest import CLUSTER_WORKERS, slow_doc, tiny_doc

Summaries = dict[tuple[int, int], dict[str, Any]]

#: Tests that use the Dask cluster share one test process under ``--dist loadgroup``,
#: so a parallel run starts one cluster, not one per xdist worker.
DASK = pytest.mark.xdist_group("dask")

#: Replications of the "slow" plan: enough that work is left when the first job ends.
SLOW_JOBS = 6


def _numbers(result: SweepResult) -> Summaries:
    """Each run's summary without ``wall_s`` (the one figure that may differ)."""
    return {key: {k: v for k, v in run.summary.items() if k != "wall_s"}
            for key, run in result.runs.items()}


def _windows(result: SweepResult) -> dict[tuple[int, int], Any]:
    return {key: run.windows for key, run in result.runs.items()}


@pytest.fixture(scope="module")
def small_plan() -> SweepPlan:
    """Two points x three replications, every window kept (compared too)."""
    return plan_sweep(tiny_doc(), [parse_axis("users.rate_rps=20,60")], 3, keep_windows=True)


@pytest.fixture(scope="module")
def small_serial(small_plan: SweepPlan) -> SweepResult:
    result = run_sweep(small_plan, SerialExecutor())
    assert result.complete and not result.failures
    return result


@pytest.fixture(scope="module")
def slow_plan() -> SweepPlan:
    return plan_sweep(slow_doc(20.0), (), SLOW_JOBS)


@pytest.fixture(scope="module")
def slow_serial(slow_plan: SweepPlan) -> SweepResult:
    result = run_sweep(slow_plan, SerialExecutor())
    assert result.complete
    return result


@pytest.fixture
def dask_executor(dask_cluster: ClusterProcess) -> Iterator[DaskExecutor]:
    """A client of the session's cluster, this test's own; both workers are up at its end.

    Closing the client ends its event-loop thread: this process (which also
    runs Qt tests) is left with no Dask thread, which the teardown checks.
    """
    executor = DaskExecutor(dask_cluster.address)
    executor.client.wait_for_workers(CLUSTER_WORKERS, timeout=60)
    try:
        yield executor
    finally:
        try:
            executor.client.wait_for_workers(CLUSTER_WORKERS, timeout=60)
        finally:
            executor.close()
        assert dask_threads() == []


@pytest.fixture
def pool() -> Iterator[PoolExecutor]:
    executor = PoolExecutor(2)
    try:
        yield executor
    finally:
        executor.close()


def _pool_children(before: set[int]) -> list[Any]:
    """The pool's worker processes: forkserver children started since ``before``.

    (The Dask cluster's workers are not: they are the cluster process's children.)
    """
    return [p for p in multiprocessing.active_children()
            if isinstance(p, ForkServerProcess) and p.pid not in before]


def _on_first(action: Callable[[], None]) -> Callable[[Progress, Job], None]:
    """A progress callback that runs ``action`` once, when the first job is reported."""
    fired = threading.Event()

    def progress(_progress: Progress, _job: Job) -> None:
        if not fired.is_set():
            fired.set()
            action()

    return progress


def _no_retries(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if "attempt" in r.getMessage()]


# -- identical numbers everywhere ----------------------------------------------------------


@DASK
def test_serial_pool_and_dask_give_identical_results(
        small_plan: SweepPlan, small_serial: SweepResult, pool: PoolExecutor,
        dask_executor: DaskExecutor) -> None:
    reference = _numbers(small_serial)
    assert len(reference) == 6
    # Sanity: the replications differ (their own seeds), the points differ (their rates).
    assert reference[(0, 0)]["end_to_end"] != reference[(0, 1)]["end_to_end"]
    assert reference[(0, 0)]["end_to_end"] != reference[(1, 0)]["end_to_end"]
    for executor in (pool, dask_executor):
        result = run_sweep(small_plan, executor)
        assert result.complete and not result.failures and not result.cancelled
        assert _numbers(result) == reference, executor.description
        assert _windows(result) == _windows(small_serial), executor.description
        assert result.estimates(1) == small_serial.estimates(1)


@DASK
def test_closing_the_dask_executor_leaves_no_dask_thread(
        small_plan: SweepPlan, small_serial: SweepResult, dask_cluster: ClusterProcess) -> None:
    # Dask's threads must not outlive a sweep in a process that runs Qt: the
    # client's event loop ("IO loop") runs while the executor is open, and
    # closing it ends that thread. The cluster itself is another process.
    assert dask_threads() == []
    executor = DaskExecutor(dask_cluster.address)
    try:
        executor.client.wait_for_workers(CLUSTER_WORKERS, timeout=60)
        assert "IO loop" in dask_threads()
        result = run_sweep(small_plan, executor)
    finally:
        executor.close()
    assert _numbers(result) == _numbers(small_serial)
    assert dask_threads() == []
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if "IO loop" in n or "tornado" in n.lower()], names


def test_a_second_sweep_reuses_the_pool(small_plan: SweepPlan, small_serial: SweepResult,
                                        pool: PoolExecutor) -> None:
    before = {p.pid for p in multiprocessing.active_children()}
    first = run_sweep(small_plan, pool)
    workers = {p.pid for p in _pool_children(before)}
    second = run_sweep(small_plan, pool)
    assert _numbers(first) == _numbers(second) == _numbers(small_serial)
    assert workers and {p.pid for p in _pool_children(before)} == workers


# -- cancel ----------------------------------------------------------------------------------


def _assert_cancelled_keeping_finished(result: SweepResult, reference: SweepResult) -> None:
    assert result.cancelled and not result.complete and not result.failures
    assert 1 <= len(result.runs) < SLOW_JOBS
    kept = _numbers(result)
    assert kept == {key: _numbers(reference)[key] for key in kept}


def test_serial_cancel_after_the_first_job(slow_plan: SweepPlan,
                                           slow_serial: SweepResult) -> None:
    cancel = threading.Event()
    result = run_sweep(slow_plan, SerialExecutor(), cancel=cancel,
                       progress=_on_first(cancel.set))
    _assert_cancelled_keeping_finished(result, slow_serial)
    assert list(result.runs) == [(0, 0)]


def test_serial_cancel_stops_the_job_in_progress() -> None:
    # A run of 10^6 simulated seconds would take hours: the sweep returns only
    # because the cancel stops the job that is running (or the test times out).
    plan = plan_sweep(slow_doc(1e6), (), 3)
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        result = run_sweep(plan, SerialExecutor(), cancel=cancel)
    finally:
        timer.cancel()
        timer.join()
    assert result.cancelled and result.runs == {} and result.failures == {}


def test_pool_cancel_keeps_finished_runs_and_ends_the_workers(
        small_plan: SweepPlan, small_serial: SweepResult, pool: PoolExecutor) -> None:
    # Point 0's jobs are short; point 1's would run for hours. When the first
    # job is reported, a worker has taken one of point 1's: only ending the
    # workers (not waiting for them) lets the workers be gone afterwards.
    plan = plan_sweep(slow_doc(20.0), [parse_axis("simulation.duration_s=20,1e6")], 2)
    before = {p.pid for p in multiprocessing.active_children()}
    workers: list[Any] = []
    cancel = threading.Event()

    def cancel_now() -> None:
        workers.extend(_pool_children(before))
        cancel.set()

    try:
        result = run_sweep(plan, pool, cancel=cancel, progress=_on_first(cancel_now))
        alive = [p.pid for p in workers if p.is_alive()]
    finally:
        for p in workers:  # a regression must not leave hour-long runs behind
            if p.is_alive():
                p.kill()
    assert len(workers) == 2 and alive == []
    assert result.cancelled and not result.failures
    assert set(result.runs) in ({(0, 0)}, {(0, 1)}, {(0, 0), (0, 1)})
    jobs = {job.key: job for job in plan.jobs()}
    for key, run in result.runs.items():
        assert run.summary["end_to_end"] == run_job(jobs[key]).summary["end_to_end"]
    assert _pool_children(before) == []
    # The executor still works after a cancel: it starts a new pool.
    again = run_sweep(small_plan, pool)
    assert again.complete and _numbers(again) == _numbers(small_serial)


@DASK
def test_dask_cancel_keeps_finished_runs_and_drops_the_rest(
        slow_plan: SweepPlan, slow_serial: SweepResult, dask_executor: DaskExecutor) -> None:
    cancel = threading.Event()
    result = run_sweep(slow_plan, dask_executor, cancel=cancel, progress=_on_first(cancel.set))
    _assert_cancelled_keeping_finished(result, slow_serial)

    # The scheduler forgets the cancelled jobs (a running one ends on its worker).
    def tasks_left(dask_scheduler: Any) -> int:
        return len(dask_scheduler.tasks)

    client = dask_executor.client
    for _ in range(600):  # up to 30 s: a hang guard, not a timing assertion
        if client.run_on_scheduler(tasks_left) == 0:
            break
        time.sleep(0.05)
    assert client.run_on_scheduler(tasks_left) == 0


# -- a worker killed mid-sweep ---------------------------------------------------------------


def test_pool_worker_killed_mid_sweep_loses_nothing(
        slow_plan: SweepPlan, slow_serial: SweepResult, pool: PoolExecutor,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="app.sweeps.executors")
    before = {p.pid for p in multiprocessing.active_children()}
    killed: list[int] = []
    reported: list[tuple[int, int]] = []

    def kill_one() -> None:
        # Work is still queued, so both workers are running a job.
        victim = _pool_children(before)[0]
        killed.append(victim.pid)
        os.kill(victim.pid, signal.SIGKILL)

    first = _on_first(kill_one)

    def progress(p: Progress, job: Job) -> None:
        reported.append(job.key)
        first(p, job)

    result = run_sweep(slow_plan, pool, progress=progress)
    assert killed
    assert result.complete and not result.failures and not result.cancelled
    assert sorted(reported) == [(0, k) for k in range(SLOW_JOBS)]  # each reported once
    assert _numbers(result) == _numbers(slow_serial)
    assert any("a pool worker died" in r.getMessage() for r in caplog.records)
    assert killed[0] not in {p.pid for p in _pool_children(before)}


@DASK
def test_dask_worker_killed_mid_sweep_loses_nothing(
        slow_plan: SweepPlan, slow_serial: SweepResult, dask_executor: DaskExecutor) -> None:
    client = dask_executor.client
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        pids = client.run(os.getpid)
        busy = [addr for addr, keys in client.processing().items() if keys]
        assert busy, "no job running when the first one finished"
        killed.append(pids[busy[0]])
        os.kill(pids[busy[0]], signal.SIGKILL)

    result = run_sweep(slow_plan, dask_executor, progress=_on_first(kill_a_busy_worker))
    assert killed
    assert result.complete and not result.failures and not result.cancelled
    assert _numbers(result) == _numbers(slow_serial)
    # The nanny replaced the killed worker process.
    client.wait_for_workers(CLUSTER_WORKERS, timeout=60)
    assert killed[0] not in client.run(os.getpid).values()


# -- a job from another version --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["serial", "pool", pytest.param("dask", marks=DASK)])
def test_a_job_from_another_version_fails_at_once(
        kind: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="app.sweeps.executors")
    executor: Executor
    if kind == "serial":
        executor = SerialExecutor()
    else:
        executor = request.getfixturevalue("pool" if kind == "pool" else "dask_executor")
    plan = plan_sweep(tiny_doc(), (), 2)
    good, second = plan.jobs()
    stale = Job(0, 1, plan.doc_text, seed=second.seed, app_version="0.0.0-stale")
    done: dict[tuple[int, int], RunResult] = {}
    failed: dict[tuple[int, int], str] = {}
    executor.run([good, stale], lambda j, r: done.__setitem__(j.key, r),
                 lambda j, why: failed.__setitem__(j.key, why), threading.Event())
    assert list(done) == [(0, 0)]
    assert done[(0, 0)].summary["end_to_end"] == run_job(good).summary["end_to_end"]
    assert list(failed) == [(0, 1)]
    assert failed[(0, 1)].startswith("VersionMismatchError: this worker runs System Design "
                                     "Simulator")
    assert "0.0.0-stale" in failed[(0, 1)]
    assert _no_retries(caplog)
