"""Where a sweep's jobs run: this process, a local process pool, or a Dask cluster.

Every executor has the same contract (:class:`Executor`): it runs a list of
:class:`~app.sweeps.jobs.Job` and reports each one as it finishes, in
completion order, through ``on_done`` or ``on_failed``; it returns when every
job is reported or ``cancel`` is set. Numbers never depend on the executor:
each job carries its own seed.

* :class:`SerialExecutor` runs the jobs one after another in this process (a
  cancel stops the job in progress at its next slice).
* :class:`PoolExecutor` -- the default -- spreads them over a process pool of
  one worker per usable core. A worker that dies (killed, out of memory)
  breaks the pool: finished jobs are kept, a new pool is started and the
  unfinished jobs are submitted again. Cancel drops the queued jobs and ends
  the workers at once, so the cores are free again.
* :class:`DaskExecutor` submits them to a ``dask.distributed`` scheduler (the
  user's ``tcp://`` or ``tls://`` address, or a :class:`LocalCluster` in
  tests). Dask itself moves the work of a worker that dies to another one;
  jobs that raise are retried here. Cancel drops every job not finished; a
  job already running on a worker runs to its end there (Dask cannot
  interrupt a running task) and its result is dropped.

A job that raises is retried up to ``retries`` times, except when the error
says the job itself is at fault (the design, an override, a worker of another
version): those are reported at once, since running them again gives the
same answer.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from app.engine.control import LocalControl
from app.engine.replication import RunResult
from app.model.errors import DocumentError
from app.sweeps.jobs import Job, VersionMismatchError, run_job

log = logging.getLogger(__name__)

OnDone = Callable[[Job, RunResult], None]
OnFailed = Callable[[Job, str], None]

#: How many times a job that raised is run again before it is reported failed.
DEFAULT_RETRIES = 2
#: How often a waiting executor looks at the cancel flag (seconds).
_POLL_S = 0.1


class Executor(Protocol):
    """Runs jobs and reports each one as it finishes (see the module doc)."""

    #: What the executor is, for progress lines and docs ("2 local processes").
    description: str
    #: How many jobs it runs at once.
    workers: int

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        """Run ``jobs``; report each through ``on_done`` or ``on_failed``; stop on ``cancel``."""
        ...

    def close(self) -> None:
        """Release the workers (idempotent)."""
        ...


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's total)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  retries: int = DEFAULT_RETRIES) -> Executor:
    """The executor a user asked for: Dask with a scheduler address, else a local pool.

    ``workers``: local processes (default: every usable core; 1 means serial,
    in this process). With ``scheduler`` it is ignored: the cluster has the
    workers it has.
    """
    if scheduler:
        return DaskExecutor(scheduler, retries=retries)
    n = usable_cores() if workers is None else workers
    if n < 1:
        raise ValueError("at least one worker")
    if n == 1:
        return SerialExecutor(retries=retries)
    return PoolExecutor(n, retries=retries)


def permanent(exc: BaseException) -> bool:
    """Whether ``exc`` says the job itself is at fault, so running it again is pointless."""
    return isinstance(exc, DocumentError | VersionMismatchError | ValueError | TypeError)


def describe(exc: BaseException) -> str:
    """One line for a failed job: the error's class and message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Attempts:
    """Counts the attempts of each job and decides whether a failure is retried."""

    def __init__(self, retries: int, on_failed: OnFailed) -> None:
        self._retries = retries
        self._on_failed = on_failed
        self._tries: dict[tuple[int, int], int] = {}

    def retry(self, job: Job, exc: BaseException) -> bool:
        """Whether to run ``job`` again after ``exc``; if not, it is reported failed."""
        tries = self._tries.get(job.key, 0) + 1
        self._tries[job.key] = tries
        if not permanent(exc) and tries <= self._retries:
            log.warning("job %s failed (%s); attempt %d of %d", job.key, describe(exc),
                        tries + 1, self._retries + 1)
            return True
        self._on_failed(job, describe(exc))
        return False


class SerialExecutor:
    """Runs the jobs one after another in this process."""

    workers = 1
    description = "this process"

    def __init__(self, retries: int = DEFAULT_RETRIES) -> None:
        self._retries = retries

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        """Run ``jobs`` in order; a cancel stops the job in progress at its next slice."""
        attempts = _Attempts(self._retries, on_failed)
        for job in jobs:
            while not cancel.is_set():
                control = LocalControl()
                watcher = _CancelWatcher(cancel, control)
                try:
                    result = run_job(job, control)
                except Exception as exc:  # reported per job, the sweep goes on
                    if attempts.retry(job, exc):
                        continue
                    break
                finally:
                    watcher.stop()
                if not cancel.is_set():
                    on_done(job, result)
                break
            if cancel.is_set():
                return

    def close(self) -> None:
        """Nothing to release."""


class _CancelWatcher:
    """Stops a run in this process when ``cancel`` is set (a thread that waits for it)."""

    def __init__(self, cancel: threading.Event, control: LocalControl) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(cancel, control), daemon=True,
                                        name="sweep-cancel")
        self._thread.start()

    def _watch(self, cancel: threading.Event, control: LocalControl) -> None:
        # Waits on ``_done``, not on ``cancel``: stop() then ends the thread at once
        # (waiting on ``cancel`` cost every job up to one poll in stop()'s join).
        while not self._done.wait(_POLL_S):
            if cancel.is_set():
                control.request_stop()
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def process_context() -> BaseContext:
    """How pool workers start: a fork server where there is one, else spawn.

    Never a plain fork: the GUI process has threads (Qt's among them), and a
    forked child can inherit a lock another thread held.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # The fork server is shared with the GUI's engine runs: the same first
        # module (it sizes numpy's BLAS pool before numpy is imported), whoever starts it.
        ctx.set_forkserver_preload(["app.engine.thread_limits", "app.sweeps.jobs"])
        return ctx
    return multiprocessing.get_context("spawn")


def _ignore_interrupts() -> None:
    """Pool workers ignore Ctrl-C: a terminal sends it to the whole process group, and a
    worker's KeyboardInterrupt would come back as a job's exception and break the pool.
    The parent decides: its cancel ends the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolExecutor:
    """Spreads the jobs over a local process pool (see the module doc)."""

    def __init__(self, workers: int, retries: int = DEFAULT_RETRIES) -> None:
        self.workers = workers
        self.description = f"{workers} local processes"
        self._retries = retries
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=process_context(),
                                             initializer=_ignore_interrupts)
        return self._pool

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        """Run ``jobs`` on the pool; a broken pool is replaced and its jobs run again."""
        attempts = _Attempts(self._retries, on_failed)
        todo = sorted(jobs, key=lambda j: j.key)
        fruitless = 0  # broken pools in a row that finished nothing
        while todo and not cancel.is_set():
            if fruitless > self._retries:
                # Workers die before finishing anything (a crash at start-up, no
                # memory): report the rest rather than start pools forever.
                for job in todo:
                    on_failed(job, "the worker processes keep dying before they finish a run")
                return
            todo, progressed = self._round(todo, on_done, attempts, cancel)
            fruitless = 0 if progressed else fruitless + 1
            if todo:
                log.warning("a pool worker died; running %d unfinished jobs again", len(todo))
                self._pool = None  # the broken pool has shut itself down
                todo.sort(key=lambda j: j.key)

    def _round(self, todo: list[Job], on_done: OnDone, attempts: _Attempts,
               cancel: threading.Event) -> tuple[list[Job], bool]:
        """Run ``todo`` on one pool; the jobs to run again on a new one, and any progress."""
        pool = self._start()
        running: dict[Future[RunResult], Job] = {}
        again: list[Job] = []
        progressed = False
        try:
            for job in todo:
                running[pool.submit(run_job, job)] = job
        except BrokenProcessPool:
            again = [j for j in todo if j not in running.values()]
        while running:
            if cancel.is_set():
                self._terminate()
                return [], progressed
            done, _ = wait(running, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    # A worker died: which job it held is unknown, so every job
                    # still running is run again on a new pool (finished ones stay).
                    again.append(job)
                except Exception as exc:  # reported per job
                    progressed = True
                    if attempts.retry(job, exc):
                        again.append(job)
                else:
                    progressed = True
                    on_done(job, result)
        return again, progressed

    def _terminate(self) -> None:
        """Drop queued jobs and end the workers now: a cancel frees the cores at once."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor cannot stop a running task; its workers are ended
        # instead (the pool is not used again). _processes is the only handle on them.
        processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes.values():
            proc.terminate()
        for proc in processes.values():
            proc.join(5)

    def close(self) -> None:
        """Shut the pool down (waits for its workers to exit)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Submits the jobs to a ``dask.distributed`` scheduler (see the module doc).

    ``address`` is a scheduler address (``tcp://host:8786``, ``tls://...``) or
    a cluster object (a ``LocalCluster``); ``security`` passes TLS settings.
    """

    def __init__(self, address: Any, retries: int = DEFAULT_RETRIES,
                 security: Any = None, timeout_s: float = 10.0) -> None:
        from distributed import Client  # only sweeps on a cluster pay for it

        self._client = Client(address, security=security, timeout=timeout_s,
                              set_as_default=False)
        self._retries = retries
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self._client.scheduler_info().get("workers", {}).values()))
        self.description = f"Dask scheduler {self._client.scheduler.address}"

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (tests kill workers through it)."""
        return self._client

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        """Submit ``jobs``; report each as it finishes; cancel drops the rest."""
        attempts = _Attempts(self._retries, on_failed)
        running: dict[Any, Job] = {}

        def submit(job: Job) -> None:
            # pure=False: two jobs with equal arguments are still two runs.
            running[self._client.submit(run_job, job, pure=False)] = job

        for job in jobs:
            submit(job)
        while running:
            if cancel.is_set():
                self._client.cancel(list(running), force=True)
                return
            done = [f for f in running if f.done()]
            if not done:
                cancel.wait(_POLL_S)
                continue
            for future in done:
                job = running.pop(future)
                if future.status == "finished":
                    on_done(job, future.result())
                    continue
                try:
                    exc = future.exception()
                except Exception as lost:  # cancelled or lost by the cluster
                    exc = lost
                if attempts.retry(job, exc if isinstance(exc, BaseException)
                                  else RuntimeError(str(exc))):
                    submit(job)

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self._client.close()
