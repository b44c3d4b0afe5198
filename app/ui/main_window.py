"""The main window: canvas in the middle, palette, inspector, charts and results docked around.

The window only wires parts together: the :class:`EditorDocument` (model,
signals, undo stack), the canvas that watches it, the file and run
controllers, and the actions. Editing goes through the document's editing
operations, so every change is one undo step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QProgressBar,
    QToolButton,
    QWidget,
)

from app import APP_NAME
from app.model.document import Document
from app.model.validation import problems_by_component
from app.ui.actions import WindowActions
from app.ui.canvas import DiagramScene, DiagramView
from app.ui.dock_tab_bars import restore_dock_state
from app.ui.document import EditorDocument
from app.ui.editing import SelectionEditor
from app.ui.files import FileController, SaveHandler
from app.ui.inspector import InspectorPanel
from app.ui.palette import PaletteWidget
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.run_states import IDLE, PAUSED
from app.ui.scenario_bar import ScenarioBar
from app.ui.settings import (
    KEY_GEOMETRY,
    KEY_SNAP,
    KEY_STATE,
    STATE_VERSION,
    app_settings,
    read_bytes,
    read_run_defaults,
    read_snap,
    read_speed,
    recent_files,
    remove_recent_file,
    write_speed,
)
from app.ui.welcome import install_help_actions

if TYPE_CHECKING:
    from app.engine.snapshot import Snapshot

VALIDATION_DELAY_MS = 150


def icon_only_toolbar_actions(a: WindowActions) -> list[QAction]:
    """Toolbar actions shown as an icon alone: ones every desktop user knows by their icon."""
    return [a.new, a.open, a.save, a.undo, a.redo]


class MainWindow(QMainWindow):
    """The application's one top-level window."""

    #: The window closed for good (after the unsaved-changes prompt): a clean shutdown.
    closed = Signal()

    def __init__(self, parent: QWidget | None = None, *, defer_panels: bool = False) -> None:
        """Build the window; with ``defer_panels`` only what its first frame shows.

        The charts, results, events, faults, alerts and analysis panels, and the run
        controller behind them, import numpy, pyqtgraph and the engine (about half a
        second here). ``run_gui`` passes ``defer_panels=True``, shows the window with
        those docks empty, and calls :meth:`build_panels` right after the first frame,
        before the event loop takes any input; everyone else gets the whole window.
        """
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._fit_to_screen(1440, 900)
        # The first blank design uses the run settings chosen in Settings, like File ▸ New.
        start = Document(simulation=read_run_defaults(app_settings()))
        self.document = EditorDocument(start, self)
        self._project_title: str | None = None
        self._panels_built = False
        self.scene = DiagramScene(self.document, self)
        self.view = DiagramView(self.scene, self)
        self.setCentralWidget(self.view)
        self.palette_panel = PaletteWidget()
        self.inspector = InspectorPanel(self.document)
        # Every dock exists from the start (empty until build_panels), so the saved dock
        # layout is restored once, before the first frame, and nothing moves afterwards.
        self.palette_dock = self._dock("palette", "Palette", self.palette_panel,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("inspector", "Inspector", self.inspector,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.charts_dock = self._dock("charts", "Charts", None,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.results_dock = self._dock("results", "Results", None,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.faults_dock = self._dock("faults", "Faults", None,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.events_dock = self._dock("events", "Events", None,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.charts_dock, self.results_dock)
        self.tabifyDockWidget(self.results_dock, self.events_dock)
        self.tabifyDockWidget(self.events_dock, self.faults_dock)
        self.alerts_dock = self._dock("alerts", "Alerts", None,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.faults_dock, self.alerts_dock)
        self.analysis_dock = self._dock("analysis", "Analysis", None,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector_dock, self.analysis_dock)
        self.inspector_dock.raise_()
        self.charts_dock.raise_()
        self.resizeDocks([self.palette_dock, self.inspector_dock], [230, 340],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.charts_dock], [270], Qt.Orientation.Vertical)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("runProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p %")
        self.progress.setVisible(False)
        self.zoom_label = PlainLabel("100 %", self)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.files = FileController(self.document, self)
        self.editor = SelectionEditor(self.document, self.scene, self.view, self)
        self.window_actions = WindowActions.create(self, self.document.undo_stack)
        self.scenario_bar = ScenarioBar(self.document, self)
        self._build_menus_and_toolbars()
        self._validation_timer = QTimer(self)
        self._validation_timer.setSingleShot(True)
        self._validation_timer.setInterval(VALIDATION_DELAY_MS)
        self._validation_timer.timeout.connect(self.refresh_problems)
        self._connect()
        self._restore_settings()
        self._update_title()
        self.refresh_problems()
        self._update_actions()
        self.statusBar().showMessage("Ready", 3000)
        if not defer_panels:
            self.build_panels()

    def build_panels(self) -> None:
        """Build the run side: the bottom and analysis docks' panels and the run controller.

        Called once, by ``__init__`` or (``defer_panels``) right after the first frame.
        """
        if self._panels_built:
            return
        # Imported here, not at the top: these pull in numpy, pyqtgraph and the engine.
        from app.ui.alerts.marks import AlertMarks
        from app.ui.alerts.panel import AlertsPanel
        from app.ui.analysis.panel import AnalysisPanel
        from app.ui.analysis.predictions import DesignPredictions
        from app.ui.analysis.view import AnalysisView
        from app.ui.charts import ChartsPanel
        from app.ui.dashboards.detail_opener import ComponentDetails
        from app.ui.dashboards.tabs import DashboardTabs
        from app.ui.events.live_menu import LiveFaults
        from app.ui.events.panel import EventsPanel
        from app.ui.faults_editor import FaultsEditor
        from app.ui.results import ResultsPanel
        from app.ui.run_controller import RunController
        from app.ui.run_view import RunView
        from app.ui.run_worker import warm_up_engine

        self.charts = ChartsPanel()
        self.results = ResultsPanel()
        self.events_panel = EventsPanel()
        self.chart_tabs = DashboardTabs(self.document, self.charts,
                                        self._run_snapshots)
        self.charts_dock.setWidget(self.chart_tabs)
        self.results_dock.setWidget(self.results)
        self.faults_editor = FaultsEditor(self.document)
        self.faults_dock.setWidget(self.faults_editor)
        self.events_dock.setWidget(self.events_panel)
        self.alerts_panel = AlertsPanel(self.document)
        self.alerts_dock.setWidget(self.alerts_panel)
        self.analysis_panel = AnalysisPanel()
        self.analysis_dock.setWidget(self.analysis_panel)
        self.runner = RunController(self.document, scene=self.scene, charts=self.charts,
                                    results=self.results, progress=self.progress,
                                    events=self.events_panel, parent=self)
        self.runner.add_event_listener(self.alerts_panel)
        self.predictions = DesignPredictions(self.document, self.scene, self.inspector, self)
        self.analysis = AnalysisView(self.analysis_panel, self.predictions,
                                     document=self.document, charts=self.charts,
                                     charts_dock=self.charts_dock, parent=self)
        self.runner.add_event_listener(self.analysis)
        self.alert_marks = AlertMarks(self.alerts_panel, self.runner, self.scene, self.charts,
                                      dashboards=self.chart_tabs, parent=self)
        self.live = LiveFaults(self.document, self.runner, self.events_panel, self)
        self.view.context_menu_provider = self.live.menu_for_item
        self.run_view = RunView(self.document, self.runner, scene=self.scene,
                                charts=self.charts, results=self.results,
                                charts_dock=self.charts_dock, results_dock=self.results_dock,
                                palette=self.palette_panel, parent=self)
        self.details = ComponentDetails(self.view, self.runner, self.document,
                                        self.charts.crosshair, self)
        self.run_menu.insertAction(self._live_faults_anchor, self.live.add_action)
        self.run_menu.insertSeparator(self.live.add_action)
        self._panels_built = True
        self._connect_panels()
        self.runner.speed = self.scenario_bar.current_speed()
        self.refresh_problems()
        self._update_actions()
        QTimer.singleShot(0, warm_up_engine)

    # -- construction ------------------------------------------------------------------------

    def _dock(
        self, name: str, title: str, widget: QWidget | None, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if widget is not None:
            dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus_and_toolbars(self) -> None:
        a = self.window_actions
        menu = self.menuBar()
        self.file_menu = file_menu = menu.addMenu("&File")
        file_menu.addActions([a.new, a.open])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setObjectName("menuRecent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([a.save, a.save_as])
        file_menu.addSeparator()
        file_menu.addActions([a.export_png, a.export_csv])
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        # File ▸ Export Report…: the report renderer is imported when it is used, not
        # while the window is built (~35 ms of start-up).
        self.export_report_action = report = QAction("Export &Report…", self)
        report.setObjectName("actionExportReport")
        report.setStatusTip("Preview the last run's report and save it as PDF or PNG")
        report.triggered.connect(lambda _checked=False: self.export_report())
        file_menu.insertAction(a.export_png, report)
        self.edit_menu = edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([a.undo, a.redo])
        edit_menu.addSeparator()
        edit_menu.addActions([a.copy, a.paste, a.duplicate, a.delete])
        edit_menu.addSeparator()
        edit_menu.addAction(a.select_all)
        view_menu = menu.addMenu("&View")
        view_menu.addActions([a.zoom_in, a.zoom_out, a.fit_view, a.actual_size])
        view_menu.addSeparator()
        view_menu.addAction(a.snap)
        view_menu.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.charts_dock, self.results_dock,
                     self.events_dock, self.faults_dock, self.alerts_dock, self.analysis_dock):
            view_menu.addAction(dock.toggleViewAction())
        self.run_menu = run_menu = menu.addMenu("&Run")
        run_menu.addActions([a.run, a.pause, a.stop])
        # Live faults' action and a separator go before this one once the panels are built.
        self._live_faults_anchor = run_menu.addSeparator()
        self.plan_action = QAction("Plan &capacity…", self)
        self.plan_action.setObjectName("actionPlanCapacity")
        self.plan_action.setStatusTip("Find the fewest replicas per tier for a load and a "
                                      "p99 target")
        self.plan_action.triggered.connect(self.open_planner)
        run_menu.addAction(self.plan_action)
        self.sweep_action = QAction("S&weep…", self)
        self.sweep_action.setObjectName("actionSweep")
        self.sweep_action.setStatusTip("Run the design over a range of one or two parameters, "
                                       "with replications and confidence intervals")
        self.sweep_action.triggered.connect(self.open_sweep)
        run_menu.addAction(self.sweep_action)
        self.compare_action = run_menu.addAction("Compare &what-if…", self.open_compare)
        self.compare_action.setObjectName("actionCompareWhatIf")
        self.help_menu = help_menu = menu.addMenu("&Help")
        help_menu.addAction(a.about)
        self.first_run = install_help_actions(self, edit_menu, help_menu)
        main_bar = self.addToolBar("Main")
        main_bar.setObjectName("mainToolBar")
        main_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        main_bar.addActions([a.new, a.open, a.save])
        main_bar.addSeparator()
        main_bar.addActions([a.undo, a.redo])
        main_bar.addSeparator()
        main_bar.addActions([a.run, a.pause, a.stop])
        main_bar.addSeparator()
        main_bar.addActions([a.fit_view, a.export_png])
        # File and edit actions show their icons only (their names are in the tooltips and
        # menus): with text beside every icon, the two bars needed 1,450 px and the scenario
        # bar's Speed box went into the overflow menu at 1366×768.
        for action in icon_only_toolbar_actions(a):
            button = main_bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.main_bar = main_bar
        self.addToolBar(self.scenario_bar)

    def _connect(self) -> None:
        a, doc = self.window_actions, self.document
        a.new.triggered.connect(self.files.new)
        a.open.triggered.connect(self.files.open)
        a.save.triggered.connect(self.files.save)
        a.save_as.triggered.connect(self.files.save_as)
        a.export_png.triggered.connect(lambda _checked=False: self.export_png())
        a.export_csv.triggered.connect(lambda _checked=False: self.export_csv())
        a.quit.triggered.connect(self.close)
        a.copy.triggered.connect(self.editor.copy)
        a.paste.triggered.connect(self.editor.paste)
        a.duplicate.triggered.connect(self.editor.duplicate)
        a.delete.triggered.connect(self.editor.delete)
        self.editor.clipboard_changed.connect(self._update_actions)
        a.select_all.triggered.connect(self.scene.select_all)
        a.zoom_in.triggered.connect(self.view.zoom_in)
        a.zoom_out.triggered.connect(self.view.zoom_out)
        a.fit_view.triggered.connect(self.view.fit_to_view)
        a.actual_size.triggered.connect(self.view.reset_zoom)
        a.snap.toggled.connect(self._set_snap)
        a.about.triggered.connect(lambda _checked=False: self.first_run.show_about())
        self.palette_panel.component_activated.connect(self.add_component_at_center)
        self.scene.selectionChanged.connect(self._on_selection_changed)
        self.scene.connection_refused.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z:.0%}"))
        self.files.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        doc.changed.connect(self._validation_timer.start)
        doc.changed.connect(self._update_actions)
        doc.modified_changed.connect(lambda _m: self._update_title())
        doc.path_changed.connect(self._update_title)
        doc.properties_changed.connect(self._update_title)
        doc.document_reset.connect(self._on_reset)
        doc.locked_changed.connect(self._on_locked)

    def _connect_panels(self) -> None:
        a = self.window_actions
        a.run.triggered.connect(self.runner.run)
        a.pause.triggered.connect(lambda checked: self.runner.pause(bool(checked)))
        a.stop.triggered.connect(self.runner.stop)
        self.scenario_bar.speed_changed.connect(self._set_speed)
        self.runner.message.connect(lambda text: self.statusBar().showMessage(text))
        self.runner.state_changed.connect(self._on_run_state)
        self.runner.run_started.connect(self.chart_tabs.start_run)
        self.runner.batch_received.connect(self.chart_tabs.append)
        self.runner.run_finished.connect(self.chart_tabs.redraw)
        self.charts.timer.timeout.connect(self.chart_tabs.redraw)
        self.charts.timer.timeout.connect(self.details.redraw)

    def _fit_to_screen(self, width: int, height: int) -> None:
        """The first-run size, shrunk to the screen's free area (a 1366×768 laptop)
        and placed inside it; a saved geometry replaces it later."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(width, height)
            return
        free = screen.availableGeometry()
        size = QSize(min(width, free.width()), min(height, free.height()))
        self.resize(size)
        self.move(free.x() + (free.width() - size.width()) // 2,
                  free.y() + (free.height() - size.height()) // 2)

    def _restore_settings(self) -> None:
        settings = app_settings()
        geometry = read_bytes(settings, KEY_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        # The dock layout is always set by one restore, the saved one or else the default
        # built above: that retires the tab bars Qt 6.11 leaves behind (dock_tab_bars.py).
        state = read_bytes(settings, KEY_STATE)
        if state is None or not self.restore_dock_layout(state):
            self.restore_dock_layout(self.saveState(STATE_VERSION))
        self.scenario_bar.set_speed(read_speed(settings))  # the runner takes it when built
        self.window_actions.snap.setChecked(read_snap(settings))
        self.scene.snap_to_grid = self.window_actions.snap.isChecked()

    def restore_dock_layout(self, state: QByteArray | bytes) -> bool:
        """Restore a dock layout from ``saveState``; False (layout unchanged) if it is not one."""
        return restore_dock_state(self, state, STATE_VERSION)

    def save_settings(self) -> None:
        """Keep geometry, dock layout and preferences for the next start."""
        settings = app_settings()
        settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        settings.setValue(KEY_STATE, self.saveState(STATE_VERSION))
        write_speed(settings, self.runner.speed if self._panels_built
                    else self.scenario_bar.current_speed())
        settings.setValue(KEY_SNAP, self.window_actions.snap.isChecked())

    def _run_snapshots(self) -> list[Snapshot]:
        """The last run's windows (none before the run controller exists)."""
        runner = getattr(self, "runner", None)
        return runner.snapshots if runner is not None else []

    # -- public API (scripts, tests) ---------------------------------------------------------

    def load_file(self, path: str | Path) -> None:
        """Open a ``.sdsim`` file without prompting; raises DocumentError or OSError."""
        self.files.load_file(path)

    def set_save_handler(self, handler: SaveHandler) -> None:
        """Save through ``handler(document, path)`` (e.g. a project store) instead of a file."""
        self.files.save_handler = handler

    def set_project_title(self, text: str | None) -> None:
        """Show ``text`` (an open project) in the title instead of the design and file name."""
        self._project_title = text
        self._update_title()

    def _ask_save_path(self, title: str, default_name: str, file_filter: str) -> str | None:
        name, _filter = QFileDialog.getSaveFileName(self, title, default_name, file_filter)
        return name or None

    def export_png(self, path: str | Path | None = None) -> Path | None:
        """Write the diagram as PNG (asks where when ``path`` is None)."""
        if path is None:
            path = self._ask_save_path("Export diagram", f"{self.document.model.name}.png",
                                       "PNG images (*.png)")
            if path is None:
                return None
        from app.ui.canvas.export import export_png

        target = Path(path)
        size = export_png(self.scene, target, caption=self.run_view.figures_caption)
        self.statusBar().showMessage(f"Exported {target.name} ({size.width()}×{size.height()})",
                                     4000)
        return target

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the last run's metrics as tidy CSV (asks where when ``path`` is None)."""
        if not self.runner.snapshots:
            return None
        if path is None:
            path = self._ask_save_path("Export metrics",
                                       f"{self.document.model.name}-metrics.csv",
                                       "CSV files (*.csv)")
            if path is None:
                return None
        target = Path(path)
        from app.reports.csv_writer import write_metrics_csv

        rows = write_metrics_csv(list(self.runner.snapshots), target)
        self.statusBar().showMessage(f"Exported {rows:,} rows to {target.name}", 4000)
        return target

    def add_component_at_center(self, type_key: str) -> str | None:
        """Add a component in the middle of the visible canvas (palette double-click)."""
        return self.editor.add_at_center(type_key)

    def refresh_problems(self) -> None:
        """Mark nodes with the validator's problems (run shortly after each edit)."""
        model = self.document.model
        grouped = problems_by_component(model, self.document.problems())
        self.scene.set_problems({cid: [p.message for p in problems]
                                 for cid, problems in grouped.items()})
        if not self._panels_built:
            return
        from app.ui.run_controller import chart_components

        # Build the chart curves now, so pressing Run has less to do.
        self.charts.prepare(chart_components(model))
        if self.runner.state == IDLE:
            self.charts.set_time_span(model.simulation.duration_s)

    # -- reactions ---------------------------------------------------------------------------

    def _on_selection_changed(self) -> None:
        self.inspector.show_selection(self.scene.selected_component_ids(),
                                      self.scene.selected_link_keys())
        self._update_actions()

    def _on_reset(self) -> None:
        self.refresh_problems()
        self.view.fit_to_view()
        self._on_selection_changed()

    def _on_locked(self, locked: bool) -> None:
        # Only a run locks the document, and RunView greys the palette out a turn
        # after Run (its repaint was a third of the press's paint, issue #14); the
        # document refuses drops meanwhile. Here it comes back when the run ends.
        if not locked:
            self.palette_panel.set_enabled_for_editing(True)
        self._update_actions()

    def _on_run_state(self, _state: str) -> None:
        self._update_actions()

    def _set_snap(self, on: bool) -> None:
        self.scene.snap_to_grid = on

    def _set_speed(self, speed: float | None) -> None:
        self.runner.set_speed(speed)

    def _update_title(self) -> None:
        model, path = self.document.model, self.document.path
        where = f" ({path.name})" if path is not None else ""
        shown = self._project_title or f"{model.name}{where}"
        self.setWindowTitle(f"{APP_NAME} — {shown}[*]")
        self.setWindowModified(self.document.is_modified)

    def _update_actions(self) -> None:
        a = self.window_actions
        state = self.runner.state if self._panels_built else IDLE
        editable = not self.document.locked
        has_selection = bool(self.scene.selectedItems())
        has_components = bool(self.scene.selected_component_ids())
        for action in (a.new, a.open):
            action.setEnabled(state == IDLE)
        a.undo.setEnabled(editable and self.document.undo_stack.canUndo())
        a.redo.setEnabled(editable and self.document.undo_stack.canRedo())
        a.copy.setEnabled(has_components)
        a.duplicate.setEnabled(editable and has_components)
        a.delete.setEnabled(editable and has_selection)
        a.paste.setEnabled(editable and self.editor.clipboard.has_fragment())
        a.run.setEnabled(state in (IDLE, PAUSED) and bool(self.document.model.components))
        a.pause.setEnabled(state != IDLE)
        a.pause.setChecked(state == PAUSED)
        a.stop.setEnabled(state != IDLE)
        a.export_csv.setEnabled(state == IDLE and bool(self._run_snapshots()))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(app_settings())
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        for text in files:
            action = self.recent_menu.addAction(Path(text).name)
            action.setToolTip(plain_tooltip(text))
            action.setStatusTip(text)
            action.triggered.connect(lambda _c=False, p=text: self._open_recent(p))

    def _open_recent(self, text: str) -> None:
        if not Path(text).exists():
            remove_recent_file(app_settings(), text)
            self.files.show_error("Cannot open design", f"{text} no longer exists.")
            return
        self.files.open_path(Path(text))

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the action icons in the new text colour after a theme switch."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "window_actions"):
            self.window_actions.refresh_icons()
        super().changeEvent(event)

    def open_planner(self) -> None:
        """Show the capacity planner for the design as it is now (one dialog at a time)."""
        from app.ui.planner.dialog import PlannerDialog

        dialog: PlannerDialog | None = getattr(self, "planner_dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return
        dialog = PlannerDialog(self.document, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._forget_planner)
        self.planner_dialog: PlannerDialog | None = dialog
        dialog.show()

    def export_report(self) -> None:
        """Preview the last run's report (File ▸ Export Report…)."""
        from app.ui.report_export import open_report_preview

        open_report_preview(self)

    def open_sweep(self) -> None:
        """Show the Sweep dialog, the selected component's parameters first."""
        from app.ui.sweeps.dialog import open_sweep

        open_sweep(self)

    def open_compare(self) -> None:
        """Show the What-if dialog: the design against a variant or a kept run."""
        from app.ui.compare import open_compare_dialog

        open_compare_dialog(self)

    def _forget_planner(self) -> None:
        self.planner_dialog = None

    def closeEvent(self, event: QCloseEvent) -> None:
        """Offer to save; stop and join a running simulation; remember the layout."""
        if not self.files.maybe_save():
            event.ignore()
            return
        if self._panels_built:
            self.runner.shutdown()
            self.predictions.shutdown()
        planner = getattr(self, "planner_dialog", None)
        if planner is not None:
            planner.job.shutdown()
        self.save_settings()
        event.accept()
        self.closed.emit()
