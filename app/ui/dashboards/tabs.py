"""The Charts dock's tabs: the Overview first (the default), then the design's dashboards.

Editing a dashboard (new, rename, delete, add or remove a chart) goes through
the document's keyed-collection API (``dashboards``), so each edit is one undo
step and the tabs are rebuilt from the model when it changes. The views are
fed by the run controller's batches and redrawn on the Overview's redraw
timer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.snapshot import Snapshot
from app.model.dashboards import Dashboard, DashboardChart, check_dashboards, next_free_cell
from app.model.document import Document
from app.model.errors import Problem
from app.ui.charts import ChartsPanel
from app.ui.dashboards.dialogs import ChartDialog, NameDialog
from app.ui.dashboards.view import DashboardView
from app.ui.document import EditorDocument
from app.ui.run_controller import chart_components

OVERVIEW_TAB = "Overview"
_BOARD_PATH = re.compile(r"^\$\.dashboards\[\d+\]\.?")


def mnemonic_free(text: str) -> str:
    """``text`` for a tab or menu, where ``&`` would otherwise mark a shortcut key."""
    return text.replace("&", "&&")


def first_problem(model: Document, boards: list[Dashboard]) -> str | None:
    """What the model's rules say about ``boards`` in ``model`` (``None``: fine)."""
    problems: list[Problem] = []
    check_dashboards(Document(components=model.components, dashboards=boards), problems)
    if not problems:
        return None
    where = _BOARD_PATH.sub("", problems[0].path)
    return f"{where}: {problems[0].message}" if where else problems[0].message


class DashboardTabs(QWidget):
    """The Overview and one tab per custom dashboard, with the buttons that edit them.

    ``views_rebuilt`` is emitted after the dashboard views were made anew (an
    edit, an undo, New or Open), so what decorates their plots (alert spans)
    can follow.
    """

    views_rebuilt = Signal()

    def __init__(self, document: EditorDocument, overview: ChartsPanel,
                 snapshots: Callable[[], Sequence[Snapshot]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartTabs")
        self._document = document
        self._overview = overview
        self._snapshots = snapshots
        self.views: list[DashboardView] = []
        #: The dialog open now (tests type into it), ``None`` when none is.
        self.dialog: NameDialog | ChartDialog | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("chartTabWidget")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(overview, OVERVIEW_TAB)
        self.new_button = QPushButton("New dashboard\u2026", self)
        self.new_button.setObjectName("newDashboard")
        self.add_chart_button = QPushButton("Add chart\u2026", self)
        self.add_chart_button.setObjectName("addChart")
        self.menu_button = QToolButton(self)
        self.menu_button.setObjectName("dashboardMenuButton")
        self.menu_button.setText("Dashboard")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self)
        self.menu.setObjectName("dashboardMenu")
        self.rename_action = self.menu.addAction("Rename\u2026")
        self.remove_chart_menu = self.menu.addMenu("Remove chart")
        self.remove_chart_menu.setObjectName("removeChartMenu")
        self.remove_chart_menu.aboutToShow.connect(self._fill_remove_menu)
        self.menu.addSeparator()
        self.delete_action = self.menu.addAction("Delete dashboard")
        self.menu_button.setMenu(self.menu)
        self.tabs.setCornerWidget(self._corner())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.new_button.clicked.connect(self.ask_new_dashboard)
        self.add_chart_button.clicked.connect(self.ask_add_chart)
        self.rename_action.triggered.connect(self.ask_rename)
        self.delete_action.triggered.connect(self.delete_current)
        self.tabs.currentChanged.connect(lambda _i: self._on_tab_changed())
        document.collection_changed.connect(self._on_collection_changed)
        # A new design: the last run (of the design before) is forgotten, not shown.
        document.document_reset.connect(lambda: self.rebuild(with_past=False))
        document.locked_changed.connect(lambda _locked: self._update_buttons())
        self.rebuild()

    def _corner(self) -> QWidget:
        corner = QWidget(self)
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 2, 10, 2)
        for widget in (self.new_button, self.add_chart_button, self.menu_button):
            row.addWidget(widget)
        return corner

    # -- what is shown -------------------------------------------------------------------

    @property
    def boards(self) -> list[Dashboard]:
        """The design's dashboards."""
        return list(self._document.model.dashboards)

    def current_index(self) -> int | None:
        """Index in :attr:`boards` of the dashboard in front (``None``: the Overview)."""
        index = self.tabs.currentIndex() - 1
        return index if 0 <= index < len(self.views) else None

    def _on_collection_changed(self, name: str) -> None:
        if name == "dashboards":
            self.rebuild()

    def rebuild(self, with_past: bool = True) -> None:
        """One tab per dashboard of the model (after an edit, an undo, New or Open);
        ``with_past``: filled with the last run's windows."""
        current = self.tabs.currentIndex()
        for view in self.views:
            view.detach()
            self.tabs.removeTab(self.tabs.indexOf(view))
            view.deleteLater()
        names = {c.id: c.display_name for c in self._document.model.components}
        self.views = []
        past = self._snapshots() if with_past else []
        for board in self._document.model.dashboards:
            view = DashboardView(board, names,
                                 crosshair=self._overview.crosshair, parent=self)
            view.restart(past)
            view.redraw()
            self.views.append(view)
            self.tabs.addTab(view, mnemonic_free(board.name))
        self.tabs.setCurrentIndex(min(current, self.tabs.count() - 1))
        self._update_buttons()
        self.views_rebuilt.emit()

    def _on_tab_changed(self) -> None:
        self._update_buttons()
        self.redraw()  # what arrived while the tab was behind

    def _update_buttons(self) -> None:
        editable = not self._document.locked
        on_board = self.current_index() is not None
        self.new_button.setEnabled(editable)
        self.add_chart_button.setEnabled(editable and on_board)
        self.menu_button.setEnabled(editable and on_board)

    # -- run data ------------------------------------------------------------------------

    def start_run(self) -> None:
        """A run starts: every dashboard forgets the last one."""
        for view in self.views:
            view.restart()

    def append(self, batch: Sequence[Snapshot]) -> None:
        """A batch of the run (drawn on the next :meth:`redraw`)."""
        for view in self.views:
            view.append(batch)

    def redraw(self) -> None:
        """The redraw timer's tick: only the dashboard in front draws (others when shown)."""
        index = self.current_index()
        if index is not None:
            self.views[index].redraw()

    # -- editing (each one undo step) ----------------------------------------------------

    def _open(self, dialog: NameDialog | ChartDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        dialog.open()

    def ask_new_dashboard(self) -> None:
        """Ask for a name, then add an empty dashboard and show it."""
        boards = self.boards
        default = f"Dashboard {len(boards) + 1}"
        dialog = NameDialog("New dashboard", default, lambda name: first_problem(
            self._document.model, [*boards, Dashboard(str(name))]), self)
        dialog.accepted.connect(lambda: self._add_board(dialog.name))
        self._open(dialog)

    def _add_board(self, name: str) -> None:
        self._document.add_items("dashboards", [Dashboard(name)], "New dashboard")
        self.tabs.setCurrentIndex(self.tabs.count() - 1)

    def ask_add_chart(self) -> None:
        """Ask for a chart (metric, components, place) and add it to the dashboard in front."""
        index = self.current_index()
        if index is None:
            return
        board = self.boards[index]

        def candidate(chart: object) -> list[Dashboard]:
            assert isinstance(chart, DashboardChart)
            boards = self.boards
            boards[index] = replace(board, charts=(*board.charts, chart))
            return boards

        dialog = ChartDialog(chart_components(self._document.model),
                             next_free_cell(board.charts),
                             lambda chart: first_problem(self._document.model,
                                                         candidate(chart)), self)
        dialog.accepted.connect(lambda: self._set_board(index, candidate(dialog.chart())[index],
                                                        "Add chart"))
        self._open(dialog)

    def _set_board(self, index: int, board: Dashboard, text: str) -> None:
        self._document.replace_item("dashboards", index, board, text)
        self.tabs.setCurrentIndex(index + 1)

    def ask_rename(self) -> None:
        """Ask for a new name for the dashboard in front."""
        index = self.current_index()
        if index is None:
            return
        board = self.boards[index]

        def candidate(name: object) -> list[Dashboard]:
            boards = self.boards
            boards[index] = replace(board, name=str(name))
            return boards

        dialog = NameDialog("Rename dashboard", board.name, lambda name: first_problem(
            self._document.model, candidate(name)), self)
        dialog.accepted.connect(lambda: self._set_board(
            index, replace(board, name=dialog.name), "Rename dashboard"))
        self._open(dialog)

    def delete_current(self) -> None:
        """Delete the dashboard in front (Undo brings it back)."""
        index = self.current_index()
        if index is not None:
            self._document.remove_items("dashboards", [index], "Delete dashboard")

    def remove_chart(self, chart_index: int) -> None:
        """Take one chart off the dashboard in front."""
        index = self.current_index()
        if index is None:
            return
        board = self.boards[index]
        charts = tuple(c for i, c in enumerate(board.charts) if i != chart_index)
        self._set_board(index, replace(board, charts=charts), "Remove chart")

    def _fill_remove_menu(self) -> None:
        self.remove_chart_menu.clear()
        index = self.current_index()
        charts = self.boards[index].charts if index is not None else ()
        if not charts:
            self.remove_chart_menu.addAction("No charts").setEnabled(False)
        view = self.views[index] if index is not None else None
        for i, chart in enumerate(charts):
            label = view.chart_label(i) if view is not None else chart.metric
            action = self.remove_chart_menu.addAction(mnemonic_free(label))
            action.triggered.connect(lambda _c=False, i=i: self.remove_chart(i))
