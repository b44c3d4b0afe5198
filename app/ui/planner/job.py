"""One planning job in a separate process, watched from the GUI thread by a timer.

See :mod:`app.analysis.planner_process` for why a process and what it sends.
The GUI never blocks on it: a 50 ms timer drains the message queue; a cancel
sets the shared event and, if the process has not answered within
:data:`CANCEL_GRACE_S`, terminates it.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from app.analysis.planner_process import PlanRequest, plan_in_process

#: How often the GUI reads the planner's messages (ms).
POLL_MS: Final = 50
#: How long a cancelled planner may take to stop before it is terminated.
CANCEL_GRACE_S: Final = 5.0


class PlannerJob(QObject):
    """Starts, watches and stops the planner's process."""

    #: (fraction 0..1, what it is doing).
    progress = Signal(float, str)
    #: The :class:`~app.analysis.planner.Plan` (a picklable, frozen copy).
    finished = Signal(object)
    #: One readable line.
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: Any = None
        self._messages: Any = None
        self._cancel: Any = None
        self._cancel_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        """Whether a planner process is being watched."""
        return self._process is not None

    def start(self, doc_text: str, base_dir: Path | None, target_rps: float, p99_ms: float,
              seeds: tuple[int, ...]) -> None:
        """Plan ``doc_text`` (canonical ``.sdsim`` text) in a new process."""
        from app.ui.run_worker import engine_context

        if self.running:
            raise RuntimeError("a plan is already being made")
        ctx = engine_context()
        self._messages = ctx.Queue()
        self._cancel = ctx.Event()
        self._cancel_at = None
        self._process = ctx.Process(  # type: ignore[attr-defined]
            target=plan_in_process, name="sdsim-planner", daemon=True,
            args=(PlanRequest(doc_text, str(base_dir) if base_dir is not None else None,
                              target_rps, p99_ms, seeds), self._messages, self._cancel))
        self._process.start()
        self._timer.start()

    def cancel(self) -> None:
        """Ask the planner to stop; it is terminated if it does not within the grace time."""
        if self.running and self._cancel_at is None:
            self._cancel.set()
            self._cancel_at = time.monotonic()

    def shutdown(self) -> None:
        """Stop at once (the dialog is closing): terminate and reap the process."""
        if self._process is not None:
            self._cancel.set()
            self._process.join(0.5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(2.0)
        self._finish()

    def _finish(self) -> None:
        self._timer.stop()
        if self._process is not None and not self._process.is_alive():
            self._process.close()
        self._process = None
        if self._messages is not None:
            self._messages.close()
        self._messages = self._cancel = None

    def _poll(self) -> None:
        """Drain the queue; emit the outcome once it arrives (or the process is gone)."""
        if self._process is None:
            return
        alive = self._process.is_alive()  # before draining: a dead process has sent all
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                break
            kind = message[0]
            if kind == "progress":
                self.progress.emit(float(message[1]), str(message[2]))
                continue
            self._process.join(2.0)
            self._finish()
            if kind == "plan":
                self.finished.emit(message[1])
            elif kind == "cancelled":
                self.cancelled.emit()
            else:
                self.failed.emit(str(message[1]))
            return
        if self._cancel_at is not None and time.monotonic() - self._cancel_at > CANCEL_GRACE_S:
            self.shutdown()
            self.cancelled.emit()
        elif not alive:
            code = self._process.exitcode
            self._finish()
            self.failed.emit(f"the planner stopped unexpectedly (exit code {code})")
