"""A read-only table model with fixed column titles: what the Events and Alerts docks share."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

_Index = QModelIndex | QPersistentModelIndex


class ColumnsTableModel(QAbstractTableModel):
    """A flat, read-only table: ``columns`` are the titles, :meth:`row_count` the rows.

    Subclasses give :meth:`row_count` and ``data``; row counts, column counts and
    the header are the same for every such table.
    """

    columns: tuple[str, ...] = ()

    def row_count(self) -> int:
        """Rows shown."""
        raise NotImplementedError

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        """Rows (a flat table: none under a valid parent)."""
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """See :attr:`columns`."""
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None
