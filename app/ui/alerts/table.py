"""The Alerts dock's list of the run's alerts: firing, pending and resolved, live.

A read-only table model over :meth:`AlertBoard.sorted_entries`; it is reset
(not patched) when the board changes, at most once per frame, because the
sort order moves rows (an alert firing jumps to the top). Plain text only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.ui.alerts.board import FIRING, PENDING, AlertEntry
from app.ui.canvas.node_item import ALERT_COLORS
from app.ui.events.panel import target_label
from app.ui.plain_text import plain_tooltip
from app.ui.table_model import ColumnsTableModel

COLUMNS: Final = ("State", "Severity", "Alert", "Target", "Condition", "Since (s)",
                  "Fired (s)", "Resolved (s)", "Peak")
#: Columns holding times or numbers (right-aligned).
_NUMERIC: Final = frozenset({5, 6, 7, 8})
#: Text colours of the severities: the canvas badge's (readable on light and dark).
SEVERITY_COLORS: Final = ALERT_COLORS
_Index = QModelIndex | QPersistentModelIndex


def _time(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _peak(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


class AlertTableModel(ColumnsTableModel):
    """The alert episodes of the run, as :meth:`AlertBoard.sorted_entries` orders them."""

    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AlertEntry] = []
        self.names: dict[str, str] = {}

    def row_count(self) -> int:
        """Alerts shown."""
        return len(self.rows)

    def cell_text(self, row: int, column: int) -> str:
        """One cell as the table shows it."""
        entry = self.rows[row]
        values = (entry.state, entry.severity, entry.name,
                  target_label(entry.target, self.names), entry.condition,
                  _time(entry.since_s), _time(entry.fired_at_s), _time(entry.resolved_at_s),
                  _peak(entry.peak))
        return values[column]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Plain text, right-aligned numbers, coloured state and severity."""
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        entry = self.rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(" · ".join(
                f"{COLUMNS[c]} {self.cell_text(row, c)}" for c in range(len(COLUMNS))
                if self.cell_text(row, c)))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 1 and entry.severity in SEVERITY_COLORS:
                return QColor(SEVERITY_COLORS[entry.severity])
            if column == 0 and entry.state in (FIRING, PENDING):
                return QColor("#dc2626" if entry.state == FIRING else "#d97706")
        return None

    def show(self, entries: list[AlertEntry], names: Mapping[str, str] | None = None) -> None:
        """List these entries (in this order)."""
        self.beginResetModel()
        self.rows = list(entries)
        if names is not None:
            self.names = dict(names)
        self.endResetModel()
