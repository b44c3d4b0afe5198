"""The Events dock: every state change of the run, as it happens, in a table.

Rows are appended in batches on the charts' redraw timer (the run controller
hands them over), through a table model: no widget per row, so the run's
10,000 events cost a list append each. The table follows the newest event
while the user has not scrolled up to read older ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.engine.events import RunEvent
from app.model.resolve import parse_link_key
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.table_model import ColumnsTableModel

COLUMNS = ("Time (s)", "Kind", "Target", "Detail")
#: Kinds as a user reads them.
KIND_TEXT = {
    "crash": "crash", "recover": "recovered", "live_recover": "recover (live)",
    "live_refused": "refused", "zone_outage": "zone outage", "error_rate": "error rate",
    "breaker_open": "breaker open", "breaker_half_open": "breaker half-open",
    "breaker_closed": "breaker closed", "scale_up": "scale up", "scale_down": "scale down",
}
IDLE_CAPTION = ("Crashes, recoveries, breakers, scaling and your live actions appear here "
                "during a run. Right-click a component or link while it runs to inject a fault.")
_Index = QModelIndex | QPersistentModelIndex


def kind_text(kind: str) -> str:
    """``slowdown_end`` -> "slowdown ended"; known kinds by :data:`KIND_TEXT`."""
    if kind in KIND_TEXT:
        return KIND_TEXT[kind]
    if kind.endswith("_end"):
        return f"{kind_text(kind[:-4])} ended"
    return kind.replace("_", " ")


def detail_text(detail: Mapping[str, Any]) -> str:
    """``replica 0 · live · failed 12``: the event's detail on one line."""
    parts = []
    for key, value in detail.items():
        if key == "source":
            parts.append(str(value))
        elif isinstance(value, float):
            parts.append(f"{key.replace('_', ' ')} {value:g}")
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return " · ".join(parts)


def target_label(target: str, names: Mapping[str, str]) -> str:
    """An event's target as a user reads it: a component's name (``names``: id -> name),
    a link as "A → B", anything else (a zone, ``end_to_end``) as itself."""
    ends = parse_link_key(target)
    if ends is not None:
        source, dest = ends
        return f"{names.get(source, source)} → {names.get(dest, dest)}"
    return names.get(target, target)


class EventTableModel(ColumnsTableModel):
    """The run's events, oldest first (read-only)."""

    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[RunEvent] = []
        self.names: dict[str, str] = {}

    def row_count(self) -> int:
        """Events shown."""
        return len(self.events)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """One cell as plain text."""
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            # A narrow dock cuts the row: its tooltip shows the whole of it, as plain text.
            event = self.events[index.row()]
            return plain_tooltip(
                f"{event.time_s:.3f} s · {kind_text(event.kind)} · "
                f"{self.target_text(event.target)}\n{detail_text(event.detail)}")
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        event = self.events[index.row()]
        column = index.column()
        if column == 0:
            return f"{event.time_s:.2f}"
        if column == 1:
            return kind_text(event.kind)
        if column == 2:
            return self.target_text(event.target)
        return detail_text(event.detail)

    def target_text(self, target: str) -> str:
        """A component's name, a link as "A → B", a zone as itself."""
        return target_label(target, self.names)

    def extend(self, events: Sequence[RunEvent]) -> None:
        """Append events (one row insertion for the whole batch)."""
        if not events:
            return
        first = len(self.events)
        self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
        self.events.extend(events)
        self.endInsertRows()

    def clear(self) -> None:
        """No events (a new run)."""
        self.beginResetModel()
        self.events = []
        self.endResetModel()


class EventsPanel(QWidget):
    """The Events dock's contents: a caption, the table and "Add to scheduled faults"."""

    #: The user asked to keep the last run's live actions as scheduled faults.
    add_to_faults_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventsPanel")
        self.model = EventTableModel(self)
        self.caption = PlainLabel(IDLE_CAPTION, self)
        self.caption.setObjectName("eventsCaption")
        self.caption.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("eventsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 125, 160)):
            self.table.setColumnWidth(column, width)
        self.add_button = QPushButton("Add to scheduled faults", self)
        self.add_button.setObjectName("addLiveFaults")
        self.add_button.setToolTip("Keep this run's live actions in the design as scheduled "
                                   "faults, to replay them in the next run (one undo step)")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_to_faults_requested)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._dropped = 0

    def clear(self) -> None:
        """No run to show (a new or opened design)."""
        self.model.clear()
        self.caption.setText(IDLE_CAPTION)

    def start_run(self, names: Mapping[str, str]) -> None:
        """Empty the list for a new run; targets are shown by these component names."""
        self.model.names = dict(names)
        self.model.clear()
        self._dropped = 0
        self.caption.setText("Events of the current run.")

    def append(self, events: Iterable[RunEvent]) -> None:
        """Add a batch of events (the redraw timer's tick); follow the newest."""
        batch = list(events)
        if not batch:
            return
        bar = self.table.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.model.extend(batch)
        if at_end:
            self.table.scrollToBottom()

    def finish_run(self, summary: Mapping[str, Any] | None) -> None:
        """Say how many events the run had (and how many the log dropped)."""
        dropped = int((summary or {}).get("events_dropped") or 0)
        count = len(self.model.events)
        text = f"{count:,} event{'s' if count != 1 else ''} in the last run"
        if dropped:
            text += f" ({dropped:,} more not kept)"
        self.caption.setText(text + ".")

    @property
    def events(self) -> list[RunEvent]:
        """The events listed, oldest first."""
        return list(self.model.events)
