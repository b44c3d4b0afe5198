"""The version-history dialog: every saved version, a preview, and restore."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.storage import Store, UserSession, VersionInfo, errors
from app.ui.accounts.widgets import MessageLabel, local_time
from app.ui.plain_text import Button, MarkupLabel, PlainLabel, ask, plain_tooltip

_NUMBER_ROLE = Qt.ItemDataRole.UserRole


def _pretty(text: str) -> str:
    """The document as indented JSON (stored text may be compact)."""
    if "\n" in text.strip():
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class VersionHistoryDialog(QDialog):
    """List a project's versions, preview one, and restore it as the newest version."""

    version_restored = Signal(object)

    def __init__(self, store: Store, session: UserSession, project_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionHistoryDialog")
        self.resize(820, 520)
        self.store = store
        self.session = session
        self.project_id = project_id
        self._versions: list[VersionInfo] = []

        self.title = MarkupLabel()
        self.title.setObjectName("versionTitle")
        self.list = QTreeWidget()
        self.list.setObjectName("versionList")
        self.list.setHeaderLabels(["Version", "Saved", "By", "Note"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformRowHeights(True)
        header = self.list.header()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.list.currentItemChanged.connect(self._show_selected)

        self.summary = PlainLabel()
        self.summary.setObjectName("versionSummary")
        self.summary.setWordWrap(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("versionPreview")
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.preview, 1)
        splitter = QSplitter()
        splitter.setObjectName("versionSplitter")
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([480, 340])

        self.message = MessageLabel("versionMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("versionButtons")
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def current_version(self) -> int:
        """The newest version number."""
        return self._versions[0].number if self._versions else 0

    def refresh(self) -> None:
        """Reload the list of versions (newest first) and select the newest."""
        try:
            project = self.store.projects.get(self.session, self.project_id)
            self._versions = self.store.projects.versions(self.session, self.project_id)
        except errors.StorageError as exc:
            self.message.show_error(str(exc))
            self.restore_button.setEnabled(False)
            return
        self.setWindowTitle(f"History — {project.name}")
        count = len(self._versions)
        plural = "s" if count != 1 else ""
        self.title.set_markup("<b>{name}</b>: {count} version{plural}. Restoring a version "
                              "saves it again as the newest one.",
                              name=project.name, count=count, plural=plural)
        self.list.clear()
        for version in self._versions:
            item = QTreeWidgetItem([
                str(version.number), local_time(version.created_at),
                version.author_email or "(deleted account)", version.note,
            ])
            item.setData(0, _NUMBER_ROLE, version.number)
            item.setToolTip(3, plain_tooltip(version.note))
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)

    def selected_version(self) -> int | None:
        """The number of the selected version, if any."""
        item = self.list.currentItem()
        return int(item.data(0, _NUMBER_ROLE)) if item is not None else None

    def select_version(self, number: int) -> None:
        """Select version ``number`` in the list."""
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(0, _NUMBER_ROLE) == number:
                self.list.setCurrentItem(item)
                return

    def _show_selected(self) -> None:
        number = self.selected_version()
        self.restore_button.setEnabled(number is not None and number != self.current_version)
        if number is None:
            self.summary.clear()
            self.preview.clear()
            return
        try:
            document = self.store.projects.get(self.session, self.project_id, number).document
            if number > 1:
                changes = self.store.projects.changes(self.session, self.project_id, number - 1,
                                                      number)
                summary = f"Changes from version {number - 1}: {changes.describe()}."
            else:
                summary = "The first version."
        except errors.StorageError as exc:
            self.message.show_error(str(exc))
            return
        if number == self.current_version:
            summary += " This is the current version."
        self.summary.setText(summary)
        self.preview.setPlainText(_pretty(document))

    def restore_selected(self) -> VersionInfo | None:
        """Ask, then save the selected version again as the newest one."""
        number = self.selected_version()
        if number is None or number == self.current_version:
            return None
        answer = ask(
            self, "Restore version",
            f"Restore version {number}? It will be saved as a new version; "
            "nothing in the history is lost.",
            default=Button.Yes,
        )
        if answer != Button.Yes:
            return None
        try:
            restored = self.store.projects.restore(self.session, self.project_id, number)
        except errors.StorageError as exc:
            self.message.show_error(str(exc))
            return None
        self.refresh()
        self.message.show_info(f"Version {number} restored as version {restored.number}.")
        self.version_restored.emit(restored)
        return restored
