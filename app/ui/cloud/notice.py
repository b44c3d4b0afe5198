"""The non-modal notice that a sync kept both versions of a project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.plain_text import message_box


class ConflictLike(Protocol):
    """What the notice reads of a conflict note (``app.cloud.client.session.ConflictNote``)."""

    @property
    def name(self) -> str:
        """The project's name."""

    @property
    def copy_name(self) -> str | None:
        """The copy that keeps this computer's version (``None``: a delete that lost)."""


def conflict_text(conflicts: Sequence[ConflictLike]) -> tuple[str, str]:
    """(main text, details) of the notice."""
    if len(conflicts) == 1:
        c = conflicts[0]
        text = f"“{c.name}” was changed on this computer and on another one. Both were kept."
    else:
        text = (f"{len(conflicts)} projects were changed on this computer and on another one. "
                "Both versions of each were kept.")
    lines = [f"“{c.name}” now has the other computer's version; your version is "
             f"“{c.copy_name}”." if c.copy_name else
             f"“{c.name}” was deleted here but changed on another computer, so it is back."
             for c in conflicts]
    lines.append("Both are in Account ▸ Projects…: compare them, keep what you need and "
                 "delete the other.")
    return text, "\n\n".join(lines)


def show_conflict_notice(parent: QWidget, conflicts: Sequence[ConflictLike]) -> QMessageBox:
    """Show the notice without blocking (the sync and the editor carry on)."""
    text, informative = conflict_text(conflicts)
    box = message_box(parent, QMessageBox.Icon.Information, "Sync kept both versions", text,
                      informative=informative)
    box.setObjectName("cloudConflictNotice")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
