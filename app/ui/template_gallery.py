"""New design: a blank canvas or one of the architecture templates, shown with previews."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.errors import DocumentError
from app.model.templates import list_architecture_templates, load_architecture_template
from app.ui.canvas.preview import PREVIEW_FONT_PX, preview_image
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.theme import CanvasColors

log = logging.getLogger(__name__)

#: Big enough for a five-column design's names at 10 px (and three across at 1366×768).
PREVIEW_SIZE = QSize(384, 200)
#: Key of the "blank design" entry.
BLANK = ""


def _blank_preview() -> QPixmap:
    colors = CanvasColors.from_palette()
    pix = QPixmap(PREVIEW_SIZE)
    pix.fill(colors.background)
    painter = QPainter(pix)
    painter.setPen(colors.node_border)
    painter.drawRect(pix.rect().adjusted(0, 0, -1, -1))
    font = painter.font()
    font.setPixelSize(PREVIEW_FONT_PX + 3)
    painter.setFont(font)
    painter.setPen(colors.node_text)
    painter.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "Empty canvas")
    painter.end()
    return pix


class TemplateGallery(QDialog):
    """Pick a blank design or a template; :meth:`selected_key` says which."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateGallery")
        self.setWindowTitle("New design")
        self.list = QListWidget(self)
        self.list.setObjectName("templateList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(PREVIEW_SIZE)
        self.list.setGridSize(QSize(PREVIEW_SIZE.width() + 24, PREVIEW_SIZE.height() + 44))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setMinimumSize(3 * (PREVIEW_SIZE.width() + 24) + 30,
                                 2 * (PREVIEW_SIZE.height() + 44) + 10)
        self.description = PlainLabel(parent=self)
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(40)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentItemChanged.connect(self._on_current)
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel("Start from an empty canvas or a ready-made architecture:",
                                    self))
        layout.addWidget(self.list)
        layout.addWidget(self.description)
        layout.addWidget(buttons)
        self._populate()

    def _populate(self) -> None:
        blank = QListWidgetItem(QIcon(_blank_preview()), "Blank design", self.list)
        blank.setData(Qt.ItemDataRole.UserRole, BLANK)
        blank.setData(Qt.ItemDataRole.UserRole + 1, "An empty canvas.")
        try:
            templates = list_architecture_templates()
        except DocumentError:  # a broken template file must not block New
            log.exception("Architecture templates could not be listed")
            templates = []
        for info in templates:
            try:
                image = preview_image(load_architecture_template(info.key), PREVIEW_SIZE)
            except (DocumentError, KeyError):
                log.exception("Template %s could not be previewed", info.key)
                continue
            item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), info.name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, info.key)
            item.setData(Qt.ItemDataRole.UserRole + 1, info.description)
            item.setToolTip(plain_tooltip(info.description))
        self.list.setCurrentRow(0)

    def _on_current(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.description.setText(str(item.data(Qt.ItemDataRole.UserRole + 1)) if item else "")

    def keys(self) -> list[str]:
        """Keys of the entries, blank first."""
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())]

    def select(self, key: str) -> None:
        """Select the entry with this key."""
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(i)

    def selected_key(self) -> str:
        """The chosen template's key (:data:`BLANK` for an empty design)."""
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else BLANK
