"""Running slow storage calls (bcrypt: ~270 ms per hash) off the GUI thread.

Signing in, registering and changing a password each spend one or two bcrypt
rounds (0.3-0.6 s): long enough to freeze the window visibly, so they run on
a private one-thread :class:`QThreadPool` while the dialog shows a busy bar.
Everything else in the accounts dialogs (listing, saving, renaming projects)
takes a few milliseconds and runs synchronously.

The result crosses back to the GUI thread through a queued signal; results
are immutable records from :mod:`app.storage.records`, so nothing is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot


class _Relay(QObject):
    """Carries one task's outcome from the worker thread to the GUI thread.

    The relay lives in the GUI thread and is the receiver of its own signals,
    so the queued connections run the handlers there. Its parent (the runner)
    owns it, so it is deleted with the runner, on the GUI thread, whichever
    thread drops the last Python reference. (A relay is a few hundred bytes,
    one per click. Calling ``deleteLater`` on it from its own queued slot
    crashed under PySide6 6.12 in the UI tests, so it is simply kept.)
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, on_success: Callable[[Any], None],
                 on_error: Callable[[Exception], None],
                 on_finished: Callable[[_Relay], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_success = on_success
        self._on_error = on_error
        self._on_finished = on_finished
        queued = Qt.ConnectionType.QueuedConnection
        self.succeeded.connect(self._deliver_success, queued)
        self.failed.connect(self._deliver_error, queued)

    @Slot(object)
    def _deliver_success(self, value: object) -> None:
        try:
            self._on_success(value)
        finally:
            self._on_finished(self)

    @Slot(object)
    def _deliver_error(self, exc: object) -> None:
        try:
            assert isinstance(exc, Exception)
            self._on_error(exc)
        finally:
            self._on_finished(self)


def _job(call: Callable[[], Any], relay: _Relay) -> Callable[[], None]:
    """The function the pool runs: ``call()``, then hand the outcome to ``relay``."""

    def run() -> None:
        try:
            result = call()
        except Exception as exc:  # handed to the GUI thread, shown to the user
            relay.failed.emit(exc)
        else:
            relay.succeeded.emit(result)

    return run


class TaskRunner(QObject):
    """Runs one blocking call at a time in the background; ``busy_changed`` tracks it."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        """True while a call is running."""
        return bool(self._relays)

    def run(
        self,
        call: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Run ``call()`` in the pool, then ``on_success(result)`` or ``on_error(exc)`` here."""
        relay = _Relay(on_success, on_error, self._finished, self)
        was_busy = self.busy
        self._relays.add(relay)
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_job(call, relay))

    def _finished(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        if not self.busy:
            self.busy_changed.emit(False)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until the running call ends (used when a dialog closes)."""
        return self._pool.waitForDone(msecs)
