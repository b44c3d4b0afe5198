"""The dialog offering autosaved work left by a session that did not close cleanly."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.storage import RecoveryEntry
from app.ui.accounts.widgets import local_time
from app.ui.plain_text import MarkupLabel

_ENTRY_ROLE = Qt.ItemDataRole.UserRole


def describe_entry(entry: RecoveryEntry) -> str:
    """One line for people: which design, and when it was autosaved."""
    if entry.project_name:
        what = f"Project “{entry.project_name}”"
    else:
        try:
            name = json.loads(entry.document).get("name") or "Untitled design"
        except (ValueError, AttributeError):
            name = "Untitled design"
        what = f"“{name}” (not saved to a project or file)"
    return f"{what}, autosaved {local_time(entry.saved_at)}"


class RecoveryDialog(QDialog):
    """List the recoverable entries; Restore one, Discard some, or decide later.

    Restore closes the dialog with ``chosen`` set to that :class:`RecoveryEntry`
    (the window holds one design at a time). ``discard_requested`` carries an
    entry the user threw away. Entries neither restored nor discarded are
    offered again at the next start.
    """

    discard_requested = Signal(object)

    def __init__(self, entries: list[RecoveryEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Recover unsaved work")
        self.setMinimumWidth(520)
        self.chosen: RecoveryEntry | None = None

        intro = MarkupLabel()
        intro.set_markup("<b>{app} did not close properly last time.</b><br>"
                         "Changes that were not saved were autosaved. Restore them to keep "
                         "working on them, or discard them.", app=APP_NAME)
        intro.setObjectName("recoveryIntro")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("recoveryList")
        for entry in entries:
            item = QListWidgetItem(describe_entry(entry))
            item.setData(_ENTRY_ROLE, entry)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        rows = min(max(len(entries), 2), 6)
        self.list.setSpacing(2)
        row_height = self.list.sizeHintForRow(0) + 2 * self.list.spacing()
        self.list.setFixedHeight(row_height * rows + 2 * self.list.frameWidth() + 4)
        self.list.itemDoubleClicked.connect(lambda _item: self.restore_selected())

        buttons = QDialogButtonBox()
        buttons.setObjectName("recoveryButtons")
        self.restore_button = QPushButton("Restore")
        self.restore_button.setObjectName("recoverRestoreButton")
        self.restore_button.setDefault(True)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("recoverDiscardButton")
        self.discard_button.setAutoDefault(False)
        later = QPushButton("Decide Later")
        later.setObjectName("recoverLaterButton")
        later.setAutoDefault(False)
        later.setToolTip("Keep the autosaved work: it is offered again at the next start.")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(later, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self.restore_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        later.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def entries(self) -> list[RecoveryEntry]:
        """The entries still listed."""
        return [self.list.item(row).data(_ENTRY_ROLE) for row in range(self.list.count())]

    def _selected(self) -> RecoveryEntry | None:
        item = self.list.currentItem()
        entry = item.data(_ENTRY_ROLE) if item is not None else None
        return entry if isinstance(entry, RecoveryEntry) else None

    def restore_selected(self) -> None:
        """Restore the selected entry and close."""
        entry = self._selected()
        if entry is None:
            return
        self.chosen = entry
        self.accept()

    def discard_selected(self) -> None:
        """Throw the selected entry away; close when none is left."""
        row = self.list.currentRow()
        entry = self._selected()
        if entry is None:
            return
        self.list.takeItem(row)
        self.discard_requested.emit(entry)
        if self.list.count() == 0:
            self.accept()
