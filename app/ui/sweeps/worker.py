"""A sweep running in a background thread: the GUI only waits and shows progress.

The thread builds the executor (a local process pool, or a Dask client) and
calls :func:`app.sweeps.sweep.run_sweep`; the runs themselves happen in the
pool's processes or on the cluster, so this thread mostly waits. Progress and
the outcome reach the GUI thread as queued signals. Cancel sets the sweep's
event: the pool's workers are ended at once and whatever finished is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, QThread, Signal

from app.engine.replication import RunResult
from app.sweeps.executors import Executor, OnDone, OnFailed, describe, make_executor
from app.sweeps.jobs import Job
from app.sweeps.sweep import Progress, SweepPlan, run_sweep


class _Watched:
    """An executor that also hands each finished run to ``sink`` (live plots).

    :func:`run_sweep` keeps the runs to itself until it returns; this lets the
    dialog draw the points as they finish, with the same runs the result keeps.
    """

    def __init__(self, inner: Executor, sink: OnDone) -> None:
        self._inner = inner
        self._sink = sink
        self.description = inner.description
        self.workers = inner.workers

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        def done(job: Job, run: RunResult) -> None:
            self._sink(job, run)
            on_done(job, run)

        self._inner.run(jobs, done, on_failed, cancel)

    def close(self) -> None:
        self._inner.close()


class SweepThread(QThread):
    """Runs one sweep plan; emits progress, then the result or a one-line failure."""

    #: (jobs done, jobs failed, jobs in all, points with every replication reported).
    progressed = Signal(int, int, int, int)
    #: ((point, replication), RunResult) of each finished run, as it finishes.
    run_done = Signal(object, object)
    #: Where the jobs run ("2 local processes", "Dask scheduler tcp://…").
    started_on = Signal(str)
    #: The :class:`~app.sweeps.sweep.SweepResult` (cancelled ones too: partial).
    result_ready = Signal(object)
    #: The sweep could not run at all (no scheduler, no pool): one line.
    failed = Signal(str)

    def __init__(self, plan: SweepPlan, workers: int | None, scheduler: str | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.workers = workers
        self.scheduler = scheduler
        self.cancel_event = threading.Event()
        self._reported: dict[int, int] = {}

    def cancel(self) -> None:
        """Stop the sweep (from any thread); the finished runs are kept."""
        self.cancel_event.set()

    def run(self) -> None:
        """The thread's body: connect, run every job, report."""
        try:
            executor: Executor = _Watched(make_executor(self.workers, self.scheduler),
                                          lambda job, run: self.run_done.emit(job.key, run))
        except Exception as exc:  # any connection problem is one line for the user
            where = f"the Dask scheduler {self.scheduler}" if self.scheduler else "workers"
            self.failed.emit(f"cannot start {where}: {describe(exc)}")
            return
        try:
            self.started_on.emit(executor.description)
            result = run_sweep(self.plan, executor, progress=self._on_progress,
                               cancel=self.cancel_event)
        except Exception as exc:  # a broken executor: a message, never a traceback
            self.failed.emit(f"the sweep stopped: {describe(exc)}")
            return
        finally:
            executor.close()
        self.result_ready.emit(result)

    def _on_progress(self, progress: Progress, job: Job) -> None:
        count = self._reported.get(job.point, 0) + 1
        self._reported[job.point] = count
        points = sum(1 for n in self._reported.values() if n >= self.plan.replications)
        self.progressed.emit(progress.done, progress.failed, progress.total, points)
