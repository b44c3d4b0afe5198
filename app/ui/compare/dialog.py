"""The What-if dialog: the design as it is against a variant or a kept run, side by side.

The user picks what to compare with -- every client's load ×k, one more
replica on a component, another profile for a component, a fault on a
component, or a run kept with the project -- and how many replications,
then presses Run. Both sides run in the background on the local process
pool with the same replication seeds (:class:`~app.ui.compare.job.WhatIfJob`);
the progress bar moves and Cancel stops at once. The table shows each
headline figure on both sides (mean ± 95 % CI), the difference with its CI,
and whether it is significant (Welch's t-test at 5 %), written out in words.
Save run keeps the current side's replications with the open project, to
compare against later even after the design changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.document import Document
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads
from app.model.profiles import PROFILES
from app.storage import StoredRun
from app.storage import errors as storage_errors
from app.sweeps.compare import (
    Variant,
    VariantError,
    WhatIf,
    WhatIfProgress,
    default_fault,
    fault_variant,
    load_variant,
    profile_variant,
    replica_variant,
    replication_records,
    run_against_kept,
    run_settings,
    run_whatif,
)
from app.sweeps.executors import Executor
from app.ui.compare.cells import COLUMNS, cells
from app.ui.compare.job import Task, WhatIfJob
from app.ui.compare.kept import NOT_SIGNED_IN, KeptRuns
from app.ui.plain_text import PlainLabel, message_box

if TYPE_CHECKING:
    from app.ui.document import EditorDocument

W = TypeVar("W", bound=QWidget)
#: What to compare with: (combo text, kind).
CHOICES: Final = (("Load ×k (every client)", "load"), ("One more replica", "replica"),
                  ("Another profile", "profile"), ("A fault", "fault"),
                  ("A run kept with the project", "kept"))
FAULTS: Final = (("Crash (middle third of the run)", "crash"),
                 ("Slowdown ×2 (middle third)", "slowdown"),
                 ("10 % errors (middle third)", "error_rate"))
DEFAULT_REPLICATIONS: Final = 5
MAX_REPLICATIONS: Final = 200
#: The significant rows' tint (the text says it too).
_SIGNIFICANT_TINT: Final = QColor(255, 214, 102, 110)


@dataclass(frozen=True, slots=True)
class _Ran:
    """What the last Run ran: the design's text and model, the seed, the other side."""

    text: str
    doc: Document
    seed: int
    other: str
    against: dict[str, Any]


class CompareDialog(QDialog):
    """Compare the design with a variant or a kept run, and keep runs with the project."""

    def __init__(self, document: EditorDocument, kept: KeptRuns, selected: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Compare what-if")
        self.document = document
        self.kept = kept
        self.outcome: WhatIf | None = None
        self._ran: _Ran | None = None
        self._closing = False
        self.job = WhatIfJob(self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)

        self.choice = _named(QComboBox(), "variantChoice")
        for text, kind in CHOICES:
            self.choice.addItem(text, kind)
        self.factor = _named(QDoubleSpinBox(), "loadFactor")
        self.factor.setRange(0.01, 100.0)
        self.factor.setDecimals(2)
        self.factor.setPrefix("× ")
        self.factor.setValue(2.0)
        self.component = _named(QComboBox(), "variantComponent")
        serving = [c for c in document.model.components if c.type != "client"]
        for comp in serving:
            self.component.addItem(comp.display_name, comp.id)
        if selected is not None and self.component.findData(selected) >= 0:
            self.component.setCurrentIndex(self.component.findData(selected))
        self.profile = _named(QComboBox(), "variantProfile")
        for key, prof in PROFILES.items():
            self.profile.addItem(prof.label, key)
        self.fault = _named(QComboBox(), "variantFault")
        for text, kind in FAULTS:
            self.fault.addItem(text, kind)
        self.kept_runs = _named(QComboBox(), "keptRuns")
        self.replications = _named(QSpinBox(), "replications")
        self.replications.setRange(2, MAX_REPLICATIONS)
        self.replications.setValue(DEFAULT_REPLICATIONS)
        self.replications.setSuffix(" each side")
        self.form = form = QFormLayout()
        form.addRow("Compare the design with", self.choice)
        form.addRow("Load factor", self.factor)
        form.addRow("Component", self.component)
        form.addRow("Profile", self.profile)
        form.addRow("Fault", self.fault)
        self.delete_button = _named(QPushButton("Delete…"), "deleteKeptRun")
        self.kept_row = QWidget()
        kept_layout = QHBoxLayout(self.kept_row)
        kept_layout.setContentsMargins(0, 0, 0, 0)
        kept_layout.addWidget(self.kept_runs, 1)
        kept_layout.addWidget(self.delete_button)
        form.addRow("Kept run", self.kept_row)
        form.addRow("Replications", self.replications)

        self.progress = _named(QProgressBar(), "compareProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not run yet")
        self.status = _named(PlainLabel(
            "Both sides run with the same replication seeds (common random numbers); a "
            "difference is significant when Welch's t-test says so at 5 %."), "compareStatus")
        self.status.setWordWrap(True)
        self.table = _named(QTableWidget(0, len(COLUMNS)), "compareTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = _named(PlainLabel(""), "compareSummary")
        self.summary.setWordWrap(True)

        self.label = _named(QLineEdit(), "runLabel")
        self.label.setPlaceholderText("A label for the current side's runs")
        self.label.setMaxLength(200)
        self.save_button = _named(QPushButton("Save run"), "saveRunButton")
        self.save_button.setEnabled(False)
        self.save_note = _named(PlainLabel(""), "saveNote")
        self.save_note.setWordWrap(True)
        save_row = QHBoxLayout()
        save_row.addWidget(self.label, 1)
        save_row.addWidget(self.save_button)

        buttons = QDialogButtonBox()
        self.run_button = _named(QPushButton("Run"), "runCompareButton")
        self.run_button.setDefault(True)
        self.cancel_button = _named(QPushButton("Cancel"), "cancelCompareButton")
        self.cancel_button.setEnabled(False)
        self.close_button = _named(QPushButton("Close"), "closeButton")
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save_run)
        self.delete_button.clicked.connect(self.delete_kept_run)
        self.choice.currentIndexChanged.connect(self._update_rows)
        self.kept_runs.currentIndexChanged.connect(self._update_rows)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(save_row)
        layout.addWidget(self.save_note)
        layout.addWidget(buttons)
        self.resize(900, 600)
        self.refresh_kept_runs()
        self._update_rows()

    # -- choices -----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """What the design is compared with: load, replica, profile, fault or kept."""
        return str(self.choice.currentData())

    def choose(self, kind: str) -> None:
        """Select the comparison ``kind`` (as picking it in the first box)."""
        self.choice.setCurrentIndex(self.choice.findData(kind))

    def refresh_kept_runs(self) -> None:
        """Fill the kept-run box from the project (newest first)."""
        self.kept_runs.clear()
        try:
            runs = self.kept.list()
        except storage_errors.StorageError as exc:
            runs = []
            self.status.setText(f"Cannot list the kept runs: {exc}")
        for info in runs:
            when = info.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            self.kept_runs.addItem(f"{info.label} ({info.replications} replications, "
                                   f"{when} UTC)", info)
        if not runs:
            self.kept_runs.addItem("No kept runs" if self.kept.available else NOT_SIGNED_IN,
                                   None)
        self._update_save()

    def _update_rows(self) -> None:
        kind = self.kind
        visible = {self.factor: kind == "load",
                   self.component: kind in ("replica", "profile", "fault"),
                   self.profile: kind == "profile", self.fault: kind == "fault",
                   self.kept_row: kind == "kept"}
        for widget, shown in visible.items():
            self.form.setRowVisible(widget, shown)
        info = self.kept_runs.currentData() if kind == "kept" else None
        if info is not None:
            self.replications.setValue(info.replications)
        self.delete_button.setEnabled(self.kept_runs.currentData() is not None
                                      and not self.job.running)
        self.replications.setEnabled(kind != "kept" and not self.job.running)
        other = "kept run" if kind == "kept" else "variant"
        for col, text in ((2, other.capitalize()), (3, f"Difference ({other} − current)")):
            header = self.table.horizontalHeaderItem(col)
            if header is not None:
                header.setText(text)
        self._update_save()

    def variant(self, doc: Document) -> Variant:
        """The chosen variant of ``doc`` (raises :class:`VariantError`)."""
        kind = self.kind
        if kind == "load":
            return load_variant(doc, self.factor.value())
        cid = self.component.currentData()
        if cid is None:
            raise VariantError("the design has no component that serves requests")
        if kind == "replica":
            return replica_variant(doc, cid)
        if kind == "profile":
            return profile_variant(doc, cid, str(self.profile.currentData()))
        return fault_variant(doc, default_fault(doc, cid, str(self.fault.currentData())))

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run both sides in the background and show the comparison when they finish."""
        if self.job.running:
            return
        try:
            text = dumps(self.document.model)
            doc = loads(text)
        except DocumentError as exc:
            self._show_problem(f"The design has problems to fix first: {exc}")
            return
        base_dir = self.document.path.parent if self.document.path is not None else None
        n = self.replications.value()
        try:
            if self.kind == "kept":
                stored = self._chosen_run()
                task = _against_kept(doc, stored, base_dir)
                n, seed = len(stored.replications), stored.info.seed
                other = f"the kept run “{stored.info.label}”"
                against = {"kind": "kept", "label": stored.info.label, "run_id": stored.info.id}
            else:
                variant = self.variant(doc)
                task = _whatif(doc, variant, n, base_dir)
                seed, other = doc.simulation.seed, variant.label
                against = variant.settings()
        except (VariantError, storage_errors.StorageError) as exc:
            self._show_problem(str(exc))
            return
        self._ran = _Ran(text, doc, seed, other, against)
        self.outcome = None
        self.table.setRowCount(0)
        self.summary.setText("")
        total = n if self.kind == "kept" else 2 * n
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m replications")
        self.status.setText(f"Running the current design and {other}…")
        self._set_running(True)
        self.job.start(task)

    def _chosen_run(self) -> StoredRun:
        info = self.kept_runs.currentData()
        if info is None:
            raise VariantError("choose a kept run (Save run keeps one with the project)")
        return self.kept.load(info.id)

    def cancel(self) -> None:
        """Stop the runs now; the table stays empty (nothing complete to compare)."""
        if self.job.running:
            self.status.setText("Cancelling…")
            self.job.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.choice, self.factor, self.component, self.profile, self.fault,
                       self.kept_runs):
            widget.setEnabled(not running)
        self.delete_button.setEnabled(not running and self.kept_runs.currentData() is not None)
        self.replications.setEnabled(not running and self.kind != "kept")
        self._update_save()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_failed(self, message: str) -> None:
        if self._closing:
            return
        self._set_running(False)
        self._show_problem(f"Could not compare: {message}")

    def _show_problem(self, message: str) -> None:
        self.status.setText(message[:1].upper() + message[1:])

    def _on_finished(self, result: WhatIf) -> None:
        if self._closing:
            return
        self.outcome = result
        self._set_running(False)
        if result.cancelled:
            finished = len(result.current.runs) + (len(result.other.runs) if result.other
                                                   else 0)
            self.status.setText(f"Cancelled: {finished} of {self.progress.maximum()} "
                                "replications had finished; nothing to compare.")
            return
        self.progress.setValue(self.progress.maximum())
        self._fill(result)
        failures = result.failures
        note = f" {len(failures)} replications failed: {failures[0]}" if failures else ""
        significant = sum(1 for r in result.rows if r.significant)
        assert self._ran is not None
        self.status.setText(f"Done: {significant} of {len(result.rows)} figures differ "
                            f"significantly (Welch's t-test, 5 %).{note}")
        self.summary.setText(
            f"Current design against {self._ran.other}: {len(result.current.runs)} replications "
            f"a side, seeds derived from {self._ran.seed}. Mean ± 95 % CI; the difference's "
            "95 % CI in brackets.")
        if self.kept.available and not self.label.text().strip():
            self.label.setText(f"{self._ran.doc.name}, compared with {self._ran.other}"[:200])

    def _fill(self, result: WhatIf) -> None:
        self.table.setRowCount(len(result.rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, row in enumerate(result.rows):
            for col, text in enumerate(cells(row)):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if row.significant:
                    item.setBackground(QBrush(_SIGNIFICANT_TINT))
                    if col == len(COLUMNS) - 1:
                        item.setFont(bold)
                self.table.setItem(r, col, item)

    # -- keeping runs --------------------------------------------------------------------------

    def _update_save(self) -> None:
        can = (self.kept.available and self.outcome is not None and not self.job.running
               and bool(self.outcome.current.runs) and not self.outcome.cancelled)
        self.save_button.setEnabled(can)
        self.label.setEnabled(self.kept.available)
        if not self.kept.available:
            self.save_note.setText(NOT_SIGNED_IN)
        elif self.outcome is None:
            self.save_note.setText(f"Save run keeps the current side's replications with "
                                   f"“{self.kept.project_name}”.")

    def save_run(self) -> None:
        """Keep the current side's replications with the project."""
        result, ran = self.outcome, self._ran
        if result is None or ran is None or not self.save_button.isEnabled():
            return
        records = replication_records(result.current)
        try:
            info = self.kept.save(self.label.text(), ran.text, records, seed=ran.seed,
                                  settings=run_settings(ran.doc, len(records),
                                                        compared_with=ran.against))
        except storage_errors.StorageError as exc:
            self.save_note.setText(f"Not saved: {exc}")
            return
        self.refresh_kept_runs()
        self.save_button.setEnabled(False)
        self.save_note.setText(f"Kept “{info.label}” with “{self.kept.project_name}”: choose "
                               "“A run kept with the project” to compare with it later.")

    def ask_delete(self, label: str) -> bool:
        """Whether the user confirms deleting the kept run ``label`` (tests replace this)."""
        buttons = QMessageBox.StandardButton
        box = message_box(self, QMessageBox.Icon.Question, "Delete kept run",
                          f"Delete the kept run “{label}”? Its results cannot be recovered.",
                          buttons=buttons.Yes | buttons.Cancel, default=buttons.Cancel)
        return box.exec() == buttons.Yes

    def delete_kept_run(self) -> None:
        """Delete the chosen kept run (after a confirmation), e.g. one reported damaged."""
        info = self.kept_runs.currentData()
        if info is None or self.job.running or not self.ask_delete(info.label):
            return
        try:
            self.kept.delete(info.id)
        except storage_errors.StorageError as exc:
            self._show_problem(f"Not deleted: {exc}")
            return
        self.refresh_kept_runs()
        self._update_rows()
        self.status.setText(f"Deleted the kept run “{info.label}”.")

    # -- closing -------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop a run in progress and close the worker processes."""
        self._closing = True
        self.job.shutdown()

    def done(self, result: int) -> None:
        """Closing stops a run in progress (its workers are ended)."""
        self.shutdown()
        super().done(result)


def _whatif(doc: Document, variant: Variant, n: int, base_dir: Path | None) -> Task:
    def task(executor: Executor, progress: WhatIfProgress, cancel: threading.Event) -> WhatIf:
        return run_whatif(doc, variant, n, executor, base_dir=base_dir, progress=progress,
                          cancel=cancel)
    return task


def _against_kept(doc: Document, stored: StoredRun, base_dir: Path | None) -> Task:
    def task(executor: Executor, progress: WhatIfProgress, cancel: threading.Event) -> WhatIf:
        return run_against_kept(doc, stored.replications, stored.info.seed, executor,
                                base_dir=base_dir, progress=progress, cancel=cancel)
    return task


def _named(widget: W, name: str) -> W:
    """``widget`` with its object name set (tests and style sheets find it by name)."""
    widget.setObjectName(name)
    return widget
