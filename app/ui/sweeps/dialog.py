"""The "Sweep…" dialog: one or two parameters over replications, run in the background.

The user picks up to two parameters of the design (the selected component's
first), a range or a list for each, the replications and where the runs go
(local processes, or a Dask scheduler: remembered in the settings). The run
count shows before anything starts; a mistake gets the axis parser's or the
planner's one-line message. Start plans the sweep (every point's overrides
are checked first) and runs it in a :class:`~app.ui.sweeps.worker.SweepThread`;
Cancel stops it at any time and keeps what finished, shown like a complete
result; Start runs the sweep again. The result is plotted
(:mod:`app.ui.sweeps.plots`), tabulated and exported as CSV and Parquet
tables or a PNG of the plots.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.replication import RunResult
from app.model.errors import DocumentError
from app.sweeps.axes import Axis, AxisError, grid
from app.sweeps.executors import usable_cores
from app.sweeps.sweep import MAX_REPLICATIONS, SweepError, SweepPlan, SweepResult, plan_sweep
from app.sweeps.table import write_tables
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.settings import app_settings
from app.ui.sweeps.axis_editor import AxisEditor
from app.ui.sweeps.parameters import design_parameters
from app.ui.sweeps.plots import HeatMap, SweepPlots
from app.ui.sweeps.settings import read_scheduler, read_workers, write_executor
from app.ui.sweeps.table import SweepTableModel
from app.ui.sweeps.worker import SweepThread

if TYPE_CHECKING:
    from app.ui.document import EditorDocument
    from app.ui.main_window import MainWindow

DEFAULT_REPLICATIONS: Final = 5
#: The plots follow a running sweep at most this often (ms): a redraw per run
#: would keep the GUI busy on a fast cluster.
LIVE_REDRAW_MS: Final = 400
#: The largest local pool offered (a bigger machine types a Dask scheduler).
MAX_LOCAL_WORKERS: Final = 256


class SweepDialog(QDialog):
    """Sweep parameters of the design over replications; plot, tabulate and export."""

    def __init__(self, document: EditorDocument, selected: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepDialog")
        self.setWindowTitle("Sweep")
        self.document = document
        self.plan: SweepPlan | None = None
        self.sweep_result: SweepResult | None = None
        self.sweep_thread: SweepThread | None = None
        self._started_at = 0.0
        self._where = ""
        #: The running sweep's finished runs so far, drawn as they come.
        self.live: SweepResult | None = None
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REDRAW_MS)
        self._live_timer.timeout.connect(self._draw_live)

        params = design_parameters(document.model, selected)
        self.axis1 = AxisEditor("axis1")
        self.axis1.set_parameters(params)
        self.use_axis2 = QCheckBox("Second parameter")
        self.use_axis2.setObjectName("useAxis2")
        self.axis2 = AxisEditor("axis2")
        self.axis2.set_parameters(params, params[1].key if len(params) > 1 else None)
        self.axis2.setEnabled(False)
        self.replications = QSpinBox()
        self.replications.setObjectName("replications")
        self.replications.setRange(1, MAX_REPLICATIONS)
        self.replications.setValue(DEFAULT_REPLICATIONS)
        self.replications.setMaximumWidth(120)
        self.replications.setToolTip(plain_tooltip(
            "Independent runs per point, each with its own seed; the 95 % CI comes from "
            "their spread"))
        settings = app_settings()
        self.workers = QSpinBox()
        self.workers.setObjectName("workers")
        self.workers.setRange(0, MAX_LOCAL_WORKERS)
        self.workers.setSpecialValueText(f"all cores ({usable_cores()})")
        self.workers.setValue(read_workers(settings) or 0)
        self.scheduler = QLineEdit(read_scheduler(settings))
        self.scheduler.setObjectName("daskScheduler")
        self.scheduler.setPlaceholderText("empty: run on this computer")
        self.scheduler.setToolTip(plain_tooltip(
            "A Dask scheduler's address (tcp://host:8786): the runs go to its workers, "
            "which must run the same version of the app"))
        self.count = PlainLabel("")
        self.count.setObjectName("runCount")
        self.count.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Parameter", self.axis1)
        form.addRow(self.use_axis2, self.axis2)
        form.addRow("Replications", self.replications)
        where = QHBoxLayout()
        where.addWidget(self.workers)
        where.addWidget(PlainLabel("local processes, or Dask scheduler"))
        where.addWidget(self.scheduler, 1)
        form.addRow("Workers", where)
        form.addRow("", self.count)

        self.progress = QProgressBar()
        self.progress.setObjectName("sweepProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m runs")
        self.status = PlainLabel("")
        self.status.setObjectName("sweepStatus")
        self.status.setWordWrap(True)

        self.plots = SweepPlots()
        self.heat_map = HeatMap()
        self.table_model = SweepTableModel()
        self.table = QTableView()
        self.table.setObjectName("sweepTable")
        self.table.setModel(self.table_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sweepTabs")
        self.tabs.addTab(self.plots, "Plots")
        self.tabs.addTab(self.heat_map, "Heat map")
        self.tabs.addTab(self.table, "Table")

        self.start_button = self._button("Start", "startSweep", self.start)
        self.start_button.setDefault(True)
        self.cancel_button = self._button("Cancel", "cancelSweep", self.cancel)
        self.export_button = self._button("Export tables…", "exportTables",
                                          self._ask_export_tables)
        self.png_button = self._button("Export PNG…", "exportPng", self._ask_export_png)
        self.close_button = self._button("Close", "closeSweep", self.reject)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.export_button, self.png_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        for editor in (self.axis1, self.axis2):
            editor.changed.connect(self.recount)
        self.use_axis2.toggled.connect(self._on_axis2)
        self.replications.valueChanged.connect(lambda _v: self.recount())
        self._set_running(False)
        self.recount()
        self.resize(1100, 820)

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # -- the sweep's shape -------------------------------------------------------------------

    def axes(self) -> list[Axis]:
        """The axes as typed; ``AxisError`` with the parser's message when one is wrong."""
        editors = [self.axis1, self.axis2] if self.use_axis2.isChecked() else [self.axis1]
        return [editor.axis() for editor in editors]

    def recount(self) -> bool:
        """Show how many runs the sweep makes, or what is wrong; whether it can start."""
        try:
            axes = self.axes()
            points = len(grid(axes))
        except AxisError as exc:
            self.count.setText(f"⚠ {exc}")
            self.start_button.setEnabled(False)
            return False
        reps = self.replications.value()
        self.count.setText(f"{points:,} point{'s' if points != 1 else ''} × {reps} "
                           f"replication{'s' if reps != 1 else ''} = {points * reps:,} runs")
        self.start_button.setEnabled(self.sweep_thread is None)
        return True

    def _on_axis2(self, on: bool) -> None:
        self.axis2.setEnabled(on)
        self.recount()

    def _base_dir(self) -> Path | None:
        path = self.document.path
        return path.parent if path is not None else None

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Check the sweep, then run it in the background (a rerun starts afresh)."""
        if self.sweep_thread is not None or not self.recount():
            return
        try:
            plan = plan_sweep(self.document.model, self.axes(), self.replications.value(),
                              base_dir=self._base_dir())
        except (SweepError, AxisError, DocumentError) as exc:
            self.status.setText(f"Cannot start: {exc}")
            return
        scheduler = self.scheduler.text().strip()
        workers = self.workers.value() or None
        write_executor(app_settings(), workers, scheduler)
        self.plan = plan
        self.progress.setRange(0, plan.total_jobs)
        self.progress.setValue(0)
        self._where = ""
        self.status.setText("Starting the workers…")
        # No Qt parent: Python owns the thread and drops it once it has finished
        # (a child deleted with the dialog would leave a dangling wrapper).
        thread = SweepThread(plan, workers, scheduler or None)
        thread.progressed.connect(self._on_progress)
        thread.run_done.connect(self._on_run_done)
        thread.started_on.connect(self._on_started_on)
        thread.result_ready.connect(self._on_result)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_thread_finished)
        self.sweep_thread = thread
        self.sweep_result = None
        self.live = SweepResult(plan)
        self.show_result(self.live)  # the axes, and the analytic curves at once
        self._started_at = time.monotonic()
        self._set_running(True)
        thread.start()

    def cancel(self) -> None:
        """Stop the sweep; the runs that finished are kept and shown."""
        if self.sweep_thread is not None:
            self.sweep_thread.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    @property
    def running(self) -> bool:
        """Whether a sweep is in progress."""
        return self.sweep_thread is not None

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.axis1, self.use_axis2, self.replications, self.workers,
                       self.scheduler):
            widget.setEnabled(not running)
        self.axis2.setEnabled(not running and self.use_axis2.isChecked())
        has_result = not running and self.sweep_result is not None and bool(self.sweep_result.runs)
        self.export_button.setEnabled(has_result)
        self.png_button.setEnabled(has_result)

    def _on_started_on(self, where: str) -> None:
        self._where = where
        self.status.setText(f"Running ({where})…")

    def _on_progress(self, done: int, failed: int, total: int, points: int) -> None:
        if self.sweep_thread is None or self.sweep_thread.cancel_event.is_set():
            return
        plan = self.plan
        n_points = len(plan.points) if plan is not None else 0
        self.progress.setMaximum(total)
        self.progress.setValue(done + failed)
        failures = f", {failed} failed" if failed else ""
        self.status.setText(f"{done + failed} of {total} runs{failures}; {points} of "
                            f"{n_points} points done ({self._where or 'starting'})")

    def _on_run_done(self, key: tuple[int, int], run: RunResult) -> None:
        if self.live is not None:
            self.live.runs[key] = run
            if not self._live_timer.isActive():
                self._live_timer.start()

    def _draw_live(self) -> None:
        if self.sweep_thread is not None and self.live is not None:
            self.show_result(self.live)

    def _on_result(self, result: SweepResult) -> None:
        self._live_timer.stop()
        self.live = None
        self.sweep_result = result
        elapsed = time.monotonic() - self._started_at
        total = result.plan.total_jobs
        done = len(result.runs)
        complete = sum(1 for p in result.plan.points
                       if all((p.index, k) in result.runs
                              for k in range(result.plan.replications)))
        if result.cancelled:
            text = (f"Cancelled: {done} of {total} runs kept ({complete} of "
                    f"{len(result.plan.points)} points complete). Start runs the sweep again.")
        else:
            text = f"Done: {done} of {total} runs in {elapsed:,.1f} s ({result.executor})."
        if result.failures:
            first = next(iter(sorted(result.failures.items())))
            text += (f" {len(result.failures)} run{'s' if len(result.failures) != 1 else ''} "
                     f"failed, e.g. point {first[0][0]}: {first[1]}")
        self.progress.setValue(done + len(result.failures))
        self.status.setText(text)
        self.show_result(result)

    def show_result(self, result: SweepResult | None) -> None:
        """Plot and tabulate ``result`` (a partial one too)."""
        self.plots.show_result(result)
        self.heat_map.show_result(result)
        self.table_model.show_result(result)
        self.table.resizeColumnsToContents()

    def _on_failed(self, message: str) -> None:
        self._live_timer.stop()
        self.live = None
        self.status.setText(f"Could not sweep: {message}")

    def _on_thread_finished(self) -> None:
        self.sweep_thread = None
        self._set_running(False)
        self.recount()

    def shutdown(self) -> None:
        """Stop a sweep in progress and wait for its thread (the dialog or app is closing)."""
        thread = self.sweep_thread
        if thread is not None:
            thread.cancel()
            thread.wait()

    def done(self, result: int) -> None:
        """Closing cancels a sweep in progress."""
        self.shutdown()
        super().done(result)

    def _ask_export_tables(self) -> None:
        self.export_tables()

    def _ask_export_png(self) -> None:
        self.export_png()

    # -- export ------------------------------------------------------------------------------

    def export_tables(self, folder: str | Path | None = None) -> list[Path]:
        """Write points and replications as CSV and Parquet into ``folder`` (asks if None)."""
        if self.sweep_result is None:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Export the sweep's tables")
            if not folder:
                return []
        try:
            written = write_tables(self.sweep_result, Path(folder))
        except OSError as exc:
            self.status.setText(f"Could not export: {exc.strerror or exc}")
            return []
        self.status.setText(f"Exported {', '.join(p.name for p in written)} to {folder}")
        return written

    def export_png(self, path: str | Path | None = None) -> Path | None:
        """Save the shown tab (plots, heat map or table) as PNG (asks where if None)."""
        if path is None:
            name, _filter = QFileDialog.getSaveFileName(
                self, "Export the sweep's plot", f"{self.document.model.name}-sweep.png",
                "PNG images (*.png)")
            if not name:
                return None
            path = name
        target = Path(path)
        if not self.tabs.currentWidget().grab().save(str(target), "PNG"):
            self.status.setText(f"Could not write {target}")
            return None
        self.status.setText(f"Exported {target.name}")
        return target


def open_sweep(window: MainWindow) -> SweepDialog:
    """Show the Sweep dialog for ``window``'s design, the selected item's fields first."""
    dialog: SweepDialog | None = getattr(window, "sweep_dialog", None)
    if dialog is not None:
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
    components = window.scene.selected_component_ids()
    links = window.scene.selected_link_keys()
    selected = (components[0] if components
                else f"{links[0][0]}->{links[0][1]}" if links else None)
    dialog = SweepDialog(window.document, selected, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.destroyed.connect(lambda: setattr(window, "sweep_dialog", None))
    window.closed.connect(dialog.shutdown)
    window.sweep_dialog = dialog  # type: ignore[attr-defined]
    dialog.show()
    return dialog
