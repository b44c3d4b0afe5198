"""A sweep in a process of its own: what the GUI's Sweep dialog starts.

The GUI process must hold no Dask thread: a ``distributed.Client`` runs an
event loop in a Python thread of its process, and next to Qt that thread
froze the application (a garbage collection on it can finalise Qt objects
off the GUI thread). So the dialog runs :func:`sweep_in_process` in a child
process, which builds the executor (the local pool, or a Dask client: both
live in the child), runs :func:`~app.sweeps.sweep.run_sweep` and sends its
messages over a multiprocessing queue:

* ``("started", description)`` once the executor is ready;
* ``("run", (point, replication), RunResult)`` for each finished run;
* ``("failed", (point, replication), reason)`` for each failed run;
* ``("progress", done, failed, total, (point, replication))`` after each of those;
* then exactly one of ``("done", cancelled)`` or ``("error", one line)``.

A set ``cancel`` event (a multiprocessing event) stops the sweep as
``run_sweep``'s own cancel does. The GUI rebuilds the
:class:`~app.sweeps.sweep.SweepResult` from the streamed runs, so each run
crosses the process boundary once. Qt-free, and importable in the child
without Qt.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from typing import Any

from app.engine.replication import RunResult
from app.sweeps.executors import Executor, OnDone, OnFailed, describe, make_executor
from app.sweeps.jobs import Job
from app.sweeps.sweep import Progress, SweepPlan, run_sweep

#: How often the child looks at the parent's cancel event (s).
CANCEL_POLL_S = 0.1


class Watched:
    """An executor that also hands each finished or failed run to sinks (live plots).

    :func:`run_sweep` keeps the runs to itself until it returns; this lets the
    caller see the runs as they finish, the very ones the result keeps.
    """

    def __init__(self, inner: Executor, on_run: OnDone, on_failure: OnFailed) -> None:
        self._inner = inner
        self._on_run = on_run
        self._on_failure = on_failure
        self.description = inner.description
        self.workers = inner.workers

    def run(self, jobs: Sequence[Job], on_done: OnDone, on_failed: OnFailed,
            cancel: threading.Event) -> None:
        """Run ``jobs`` on the inner executor, telling the sinks first."""
        def done(job: Job, run: RunResult) -> None:
            self._on_run(job, run)
            on_done(job, run)

        def failed(job: Job, reason: str) -> None:
            self._on_failure(job, reason)
            on_failed(job, reason)

        self._inner.run(jobs, done, failed, cancel)

    def close(self) -> None:
        """Close the inner executor."""
        self._inner.close()


def _bridge(cancel: Any, local: threading.Event, finished: threading.Event) -> None:
    """Sets ``local`` once the parent sets ``cancel`` or is gone.

    The executors wait on a threading event; and a sweep whose GUI died
    (killed, crashed) has no one to report to, so it stops too.
    """
    parent = multiprocessing.parent_process()
    while not finished.is_set():
        if cancel.wait(CANCEL_POLL_S) or (parent is not None and not parent.is_alive()):
            local.set()
            return


def sweep_in_process(plan: SweepPlan, workers: int | None, scheduler: str | None,
                     messages: Any, cancel: Any) -> None:
    """Run ``plan`` on the executor asked for; put every message on ``messages``.

    ``messages`` is a multiprocessing queue, ``cancel`` a multiprocessing
    event (see the module doc for the messages).
    """
    stop = threading.Event()
    if cancel.is_set():  # cancelled while this process started: nothing runs
        stop.set()
    try:
        inner = make_executor(workers, scheduler)
    except Exception as exc:  # any connection problem is one line for the user
        where = f"the Dask scheduler {scheduler}" if scheduler else "workers"
        messages.put(("error", f"cannot start {where}: {describe(exc)}"))
        return
    executor = Watched(inner, lambda job, run: messages.put(("run", job.key, run)),
                       lambda job, why: messages.put(("failed", job.key, why)))
    finished = threading.Event()
    watcher = threading.Thread(target=_bridge, args=(cancel, stop, finished), daemon=True,
                               name="sweep-cancel-bridge")
    watcher.start()

    def progress(p: Progress, job: Job) -> None:
        messages.put(("progress", p.done, p.failed, p.total, job.key))

    try:
        messages.put(("started", executor.description))
        result = run_sweep(plan, executor, progress=progress, cancel=stop)
    except Exception as exc:  # a broken executor: a message, never a traceback
        messages.put(("error", f"the sweep stopped: {describe(exc)}"))
        return
    finally:
        finished.set()
        watcher.join()
        executor.close()
    messages.put(("done", result.cancelled))
