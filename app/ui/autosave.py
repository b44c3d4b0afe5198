"""Autosave of the open design to the store's recovery slot, every 30 s while unsaved.

The slot is what :class:`~app.ui.project_session.ProjectSession` offers back
after a crash (``store.recovery.pending``). A timer runs only while the design
has unsaved changes, and a tick writes only when something changed since the
last write, so an idle window does not touch the database. The slot is cleared
once the changes are saved, or thrown away on purpose (New, Open, Discard).
A write takes ~7 ms, so it runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from app.model import fileformat
from app.storage import Store, UserSession, errors
from app.ui.document import EditorDocument

log = logging.getLogger(__name__)

#: The issue's interval: at most 30 s of work lost in a crash.
AUTOSAVE_INTERVAL_MS = 30_000


@dataclass(frozen=True)
class AutosaveTarget:
    """Where the open design is autosaved: the store, the user (or offline), the project."""

    store: Store
    session: UserSession | None
    project_id: str | None

    def same_slot(self, other: AutosaveTarget) -> bool:
        """True when both name one slot (a renewed session of the same user does)."""
        user = self.session.user_id if self.session else None
        other_user = other.session.user_id if other.session else None
        return (self.store is other.store and user == other_user
                and self.project_id == other.project_id)


class Autosave(QObject):
    """Writes ``document`` to the recovery slot that ``target()`` names.

    ``target`` returns ``None`` when there is nowhere to write (no database).
    ``written`` is emitted after each write, ``failed`` with a message when a
    write fails (logged; the user keeps working).
    """

    written = Signal()
    failed = Signal(str)

    def __init__(self, document: EditorDocument, target: Callable[[], AutosaveTarget | None],
                 interval_ms: int = AUTOSAVE_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._target = target
        self._changed_since_write = False
        self._slot: AutosaveTarget | None = None  # the slot last written (to clear it)
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.write_now)
        document.changed.connect(self._on_changed)
        document.modified_changed.connect(self._on_modified)

    @property
    def slot(self) -> AutosaveTarget | None:
        """The recovery slot holding this window's unsaved work, if one was written."""
        return self._slot

    def _on_changed(self) -> None:
        self._changed_since_write = True

    def _on_modified(self, modified: bool) -> None:
        if modified:
            if not self.timer.isActive():
                self.timer.start()
            return
        # Saved, replaced (New, Open, Discard) or undone back to the saved state:
        # nothing is left to recover.
        self.timer.stop()
        self.clear()

    def write_now(self) -> bool:
        """Autosave now if there are unsaved changes not yet written; True if written."""
        target = self._target()
        if target is None or not self._document.is_modified or not self._changed_since_write:
            return False
        try:
            target.store.recovery.write(target.session, target.project_id,
                                        fileformat.dumps(self._document.model))
        except errors.StorageError as exc:
            log.warning("Autosave failed: %s", exc)
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        if self._slot is not None and not self._slot.same_slot(target):
            self._clear(self._slot)  # the design moved (e.g. became a project)
        self._slot = target
        self._changed_since_write = False
        self.written.emit()
        return True

    def clear(self) -> None:
        """The work was saved or thrown away on purpose: delete the slot."""
        if self._slot is not None:
            self._clear(self._slot)
            self._slot = None

    @staticmethod
    def _clear(slot: AutosaveTarget) -> None:
        try:
            slot.store.recovery.clear(slot.session, slot.project_id)
        except errors.StorageError as exc:  # the slot goes at the clean shutdown anyway
            log.warning("Could not clear the recovery slot: %s", exc)

    def stop(self) -> None:
        """Stop the timer (shutting down)."""
        self.timer.stop()
