"""A sweep in a child process, watched by a background thread: the GUI only shows progress.

The sweep runs in a process of its own (:func:`app.sweeps.process.sweep_in_process`):
the executor -- a local process pool, or a Dask client with its event-loop
thread -- never lives in the GUI process (Dask's threads next to Qt froze
the application). This thread starts that process, relays its messages as
queued signals to the GUI thread, and rebuilds the
:class:`~app.sweeps.sweep.SweepResult` from the runs it streams. Cancel sets
the process's event: the pool's workers are ended at once and whatever
finished is kept; a process that does not stop within
:data:`CANCEL_GRACE_S` is terminated.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Final

from PySide6.QtCore import QObject, QThread, Signal

from app.sweeps.executors import describe
from app.sweeps.process import sweep_in_process
from app.sweeps.sweep import SweepPlan, SweepResult

#: How long the thread waits for a message before it looks at cancel again (s).
POLL_S: Final = 0.1
#: How long a cancelled sweep process may take to stop before it is terminated (s).
CANCEL_GRACE_S: Final = 10.0


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
        """The thread's body: start the sweep's process, relay its messages, reap it."""
        from app.ui.run_worker import engine_context

        ctx = engine_context()
        messages = ctx.Queue()
        stop = ctx.Event()
        # Not a daemon: it starts the pool's processes (daemons may have no
        # children). It stops by itself when this process goes away.
        process = ctx.Process(  # type: ignore[attr-defined]
            target=sweep_in_process, name="sdsim-sweep", daemon=False,
            args=(self.plan, self.workers, self.scheduler, messages, stop))
        try:
            process.start()
        except Exception as exc:  # no process for the sweep: one line for the user
            self.failed.emit(f"cannot start the sweep: {describe(exc)}")
            messages.close()
            return
        try:
            self._relay(process, messages, stop)
        finally:
            stop.set()
            _reap(process)
            messages.close()
            messages.join_thread()

    def _relay(self, process: Any, messages: Any, stop: Any) -> None:
        """Turn the process's messages into signals until its outcome (or its end)."""
        result = SweepResult(self.plan)
        cancelled_at: float | None = None
        while True:
            if self.cancel_event.is_set() and cancelled_at is None:
                stop.set()
                cancelled_at = time.monotonic()
            alive = process.is_alive()  # before reading: a dead process has sent all
            try:
                message = messages.get(timeout=POLL_S)
            except queue.Empty:
                if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                    result.cancelled = True  # it would not stop: _reap ends it
                    self.result_ready.emit(result)
                    return
                if not alive:
                    self.failed.emit("the sweep stopped unexpectedly "
                                     f"(exit code {process.exitcode})")
                    return
                continue
            kind = message[0]
            if kind == "started":
                result.executor = str(message[1])
                self.started_on.emit(result.executor)
            elif kind == "run":
                result.runs[message[1]] = message[2]
                self.run_done.emit(message[1], message[2])
            elif kind == "failed":
                result.failures[message[1]] = str(message[2])
            elif kind == "progress":
                self._on_progress(*message[1:])
            elif kind == "done":
                result.cancelled = bool(message[1])
                self.result_ready.emit(result)
                return
            else:
                self.failed.emit(str(message[1]))
                return

    def _on_progress(self, done: int, failed: int, total: int, key: tuple[int, int]) -> None:
        count = self._reported.get(key[0], 0) + 1
        self._reported[key[0]] = count
        points = sum(1 for n in self._reported.values() if n >= self.plan.replications)
        self.progressed.emit(done, failed, total, points)


def _reap(process: Any) -> None:
    """Wait for the sweep's process; terminate it, then kill it, if it lingers."""
    process.join(CANCEL_GRACE_S)
    if process.is_alive():
        process.terminate()
        process.join(5.0)
    if process.is_alive():
        process.kill()
        process.join()
