"""The Alerts dock: the run's alerts (live) and the design's alert rules, in two tabs.

The panel is fed like the Events dock (a
:class:`~app.ui.run_controller.RunEventListener`: the run controller hands it
each frame's events); it keeps an :class:`AlertBoard` and emits
:attr:`AlertsPanel.alerts_changed` when the board changes, which the canvas
badges and chart spans (:mod:`app.ui.alerts.marks`) follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.events import RunEvent
from app.ui.alerts.board import FIRING, PENDING, RESOLVED, AlertBoard
from app.ui.alerts.rules_editor import RulesEditor
from app.ui.alerts.table import AlertTableModel
from app.ui.document import EditorDocument
from app.ui.plain_text import PlainLabel

IDLE_CAPTION: Final = ("Alerts of a run appear here as their rules fire (pending, firing, "
                       "resolved). The Rules tab lists and edits the rules.")


class AlertsPanel(QWidget):
    """The Alerts dock's contents."""

    #: The run's alerts changed (new state, new run, forgotten run).
    alerts_changed = Signal()

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPanel")
        self.board = AlertBoard()
        self.model = AlertTableModel(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("alertsTabs")
        live = QWidget(self)
        self.caption = PlainLabel(IDLE_CAPTION, live)
        self.caption.setObjectName("alertsCaption")
        self.caption.setWordWrap(True)
        self.table = QTableView(live)
        self.table.setObjectName("alertsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((60, 62, 110, 84, 162, 58, 58, 80)):
            self.table.setColumnWidth(column, width)
        # The condition takes the spare width: stretching the last column (Peak)
        # pushed a short number to the far right of a wide dock.
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        live_layout = QVBoxLayout(live)
        live_layout.setContentsMargins(0, 4, 0, 0)
        live_layout.addWidget(self.caption)
        live_layout.addWidget(self.table, 1)
        self.rules = RulesEditor(document, self)
        self.tabs.addTab(live, "Alerts")
        self.tabs.addTab(self.rules, "Rules")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

    # -- RunEventListener --------------------------------------------------------------------

    def start_run(self, names: Mapping[str, str]) -> None:
        """A new run: no alerts yet; targets are shown by these names."""
        self.board.clear()
        self.model.show([], names)
        self.caption.setText("Alerts of the current run.")
        self.alerts_changed.emit()

    def append(self, events: Iterable[RunEvent]) -> None:
        """A frame's events: alert events update the list."""
        if self.board.feed(events):
            self._show()

    def finish_run(self, summary: Mapping[str, Any] | None) -> None:
        """The run ended: its summary's ``alerts`` are the final list."""
        self.board.finish(summary)
        self._show()
        counts = self.counts()
        fired = counts[FIRING] + counts[RESOLVED]
        if fired == 0 and counts[PENDING] == 0:
            self.caption.setText("No alert fired in the last run.")
        else:
            self.caption.setText(
                f"Last run: {fired} alert{'s' if fired != 1 else ''} fired "
                f"({counts[FIRING]} still firing at the end, {counts[RESOLVED]} resolved)"
                + (f", {counts[PENDING]} pending." if counts[PENDING] else "."))

    def clear(self) -> None:
        """The design was replaced: no run to show."""
        self.board.clear()
        self.model.show([])
        self.caption.setText(IDLE_CAPTION)
        self.alerts_changed.emit()

    # -- queries -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many alerts are pending, firing and resolved."""
        out = dict.fromkeys((PENDING, FIRING, RESOLVED), 0)
        for entry in self.board.entries:
            out[entry.state] = out.get(entry.state, 0) + 1
        return out

    def _show(self) -> None:
        self.model.show(self.board.sorted_entries())
        self.alerts_changed.emit()
