"""The component palette: categories, a search box, drag onto the canvas, double-click to add.

A drag carries :data:`PALETTE_MIME_TYPE` with the component type key as its
payload. :func:`palette_mime_data` builds exactly what a drag carries, so tests
(and other drop sources) can deliver a genuine palette drop without running
``QDrag.exec``, which blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.catalog import CATEGORIES, COMPONENT_TYPES, types_in_category
from app.ui.icons import component_icon
from app.ui.plain_text import plain_tooltip

#: Custom mime type of a palette drag; the payload is the type key in UTF-8.
PALETTE_MIME_TYPE = "application/x-sdsim-component-type"

_TYPE_ROLE = Qt.ItemDataRole.UserRole


def palette_mime_data(type_key: str) -> QMimeData:
    """The mime data a palette drag of ``type_key`` carries."""
    if type_key not in COMPONENT_TYPES:
        raise KeyError(type_key)
    mime = QMimeData()
    mime.setData(PALETTE_MIME_TYPE, type_key.encode("utf-8"))
    return mime


def component_type_from_mime(mime: QMimeData) -> str | None:
    """The component type a palette drag carries, or ``None`` for anything else."""
    if not mime.hasFormat(PALETTE_MIME_TYPE):
        return None
    key = bytes(mime.data(PALETTE_MIME_TYPE).data()).decode("utf-8", errors="replace")
    return key if key in COMPONENT_TYPES else None


class _PaletteTree(QTreeWidget):
    """The tree whose drags carry :func:`palette_mime_data`."""

    def mimeTypes(self) -> list[str]:
        """Only our own type."""
        return [PALETTE_MIME_TYPE]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        """The dragged component type (category rows cannot be dragged)."""
        for item in items:
            key = item.data(0, _TYPE_ROLE)
            if key:
                return palette_mime_data(str(key))
        return QMimeData()


class PaletteWidget(QWidget):
    """Component types grouped by category, filterable by a search box."""

    #: The user double-clicked (or pressed Enter on) a type: add it at the canvas centre.
    component_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Search components…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.tree = _PaletteTree(self)
        self.tree.setObjectName("paletteTree")
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(24, 24))
        self.tree.setIndentation(10)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._groups: list[tuple[QTreeWidgetItem, list[tuple[str, QTreeWidgetItem]]]] = []
        self._build()

    def _build(self) -> None:
        bold = self.tree.font()
        bold.setBold(True)
        for category in CATEGORIES:
            header = QTreeWidgetItem(self.tree, [category])
            header.setFont(0, bold)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not selectable, not draggable
            header.setFirstColumnSpanned(True)
            rows = []
            for ctype in types_in_category(category):
                item = QTreeWidgetItem(header, [ctype.label])
                item.setIcon(0, component_icon(ctype.key))
                item.setData(0, _TYPE_ROLE, ctype.key)
                item.setToolTip(0, plain_tooltip(f"{ctype.label}: {ctype.description}\n"
                                                 "Drag onto the canvas, or double-click to add."))
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                rows.append((ctype.key, item))
            header.setExpanded(True)
            self._groups.append((header, rows))

    def type_item(self, type_key: str) -> QTreeWidgetItem | None:
        """The row of a component type."""
        for _header, rows in self._groups:
            for key, item in rows:
                if key == type_key:
                    return item
        return None

    def visible_types(self) -> list[str]:
        """Type keys currently shown (after the search filter)."""
        return [key for header, rows in self._groups if not header.isHidden()
                for key, item in rows if not item.isHidden()]

    def apply_filter(self, text: str) -> None:
        """Show types whose name, key, category or description contains ``text``."""
        needle = text.strip().lower()
        for header, rows in self._groups:
            any_shown = False
            for key, item in rows:
                ctype = COMPONENT_TYPES[key]
                haystack = " ".join(
                    (ctype.label, ctype.key.replace("_", " "), ctype.category, ctype.description)
                ).lower()
                shown = not needle or needle in haystack
                item.setHidden(not shown)
                any_shown = any_shown or shown
            header.setHidden(not any_shown)

    def set_enabled_for_editing(self, enabled: bool) -> None:
        """Locked during a run: no drags, no adds."""
        self.tree.setDragEnabled(enabled)
        self.tree.setEnabled(enabled)

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, _TYPE_ROLE)
        if key:
            self.component_activated.emit(str(key))
