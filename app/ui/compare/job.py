"""Both sides of a what-if in a background QThread, on the local process pool.

The GUI thread never waits for a run: the worker thread calls
:func:`~app.sweeps.compare.run_whatif` (or ``run_against_kept``), which
spreads the replications over the pool and reports each finished one;
progress reaches the GUI through queued signals. Cancel sets the sweep's
cancel event: the pool ends its workers at once and the thread returns with
what finished. The pool is kept between runs of one dialog (starting worker
processes costs about a second) and closed with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.model.errors import DocumentError
from app.storage import errors as storage_errors
from app.sweeps.compare import VariantError, WhatIf, WhatIfProgress
from app.sweeps.executors import Executor, make_executor
from app.sweeps.sweep import SweepError

log = logging.getLogger(__name__)

#: What the worker thread runs: ``task(executor, progress, cancel) -> WhatIf``.
Task = Callable[[Executor, WhatIfProgress, threading.Event], WhatIf]


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, task: Task, executor: Executor, cancel: threading.Event) -> None:
        super().__init__()
        self._task = task
        self._executor = executor
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._task(self._executor, self.progress.emit, self._cancel)
        except (SweepError, VariantError, DocumentError, storage_errors.StorageError) as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # shown as one line; the traceback goes to the log
            log.exception("What-if run failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)


class WhatIfJob(QObject):
    """Runs one what-if at a time in a QThread; ``shutdown`` joins it and closes the pool."""

    #: (replications finished or failed, replications in all).
    progress = Signal(int, int)
    #: The :class:`~app.sweeps.compare.WhatIf` (cancelled or not).
    finished = Signal(object)
    #: One readable line.
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None,
                 executor_factory: Callable[[], Executor] = make_executor) -> None:
        super().__init__(parent)
        self._factory = executor_factory
        self._executor: Executor | None = None
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel = threading.Event()

    @property
    def running(self) -> bool:
        """Whether a what-if is being run."""
        return self._thread is not None

    def start(self, task: Task) -> None:
        """Run ``task`` in a new thread (one at a time)."""
        if self.running:
            raise RuntimeError("a what-if is already running")
        if self._executor is None:
            self._executor = self._factory()
        self._cancel = threading.Event()
        worker = _Worker(task, self._executor, self._cancel)
        thread = QThread(self)
        thread.setObjectName("what-if")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(worker.deleteLater)
        # Queued: the worker emits in its thread, these run on the GUI thread.
        worker.progress.connect(self.progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._thread, self._worker = thread, worker
        thread.start()

    def cancel(self) -> None:
        """Stop the runs now (the pool's workers are ended); what finished is kept."""
        self._cancel.set()

    def _join(self) -> None:
        thread, self._thread, self._worker = self._thread, None, None
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()

    def _on_finished(self, result: WhatIf) -> None:
        self._join()
        self.finished.emit(result)

    def _on_failed(self, message: str) -> None:
        self._join()
        self.failed.emit(message)

    def shutdown(self) -> None:
        """Cancel, join the thread and close the pool (the dialog is closing)."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = self._worker = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()
