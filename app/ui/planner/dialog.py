"""The "Plan capacity…" dialog: targets in, a plan table out, applied as one undo step.

The user types a total request rate and an end-to-end p99 (the p99 defaults
to the design's end-to-end ``latency_p99_ms`` alert rule), presses Plan, and
the planner (:mod:`app.analysis.planner`) runs in a separate process
(:class:`~app.ui.planner.job.PlannerJob`) while a progress bar moves. The
table shows each tier's replicas now and planned, predicted and simulated
p99; Apply sets the planned replicas in one undoable edit (Ctrl+Z restores
them all). Every text from the design is shown as plain text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.analysis.planner import MAX_TARGET_P99_MS, MAX_TARGET_RPS, Plan, p99_target_from_alerts
from app.ui.plain_text import PlainLabel
from app.ui.planner.job import PlannerJob

if TYPE_CHECKING:
    from app.ui.document import EditorDocument

COLUMNS: Final = ("Component", "Replicas now", "Replicas planned", "Predicted p99 (ms)",
                  "Simulated p99 (ms)")
W = TypeVar("W", bound=QWidget)
#: The p99 offered when the design has no end-to-end p99 rule (ms).
DEFAULT_P99_MS: Final = 100.0


class PlannerDialog(QDialog):
    """Plan replicas for a load and a p99 target, and apply the plan to the design."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plannerDialog")
        self.setWindowTitle("Plan capacity")
        self.document = document
        self.plan: Plan | None = None
        self.job = PlannerJob(self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_plan)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(self._on_cancelled)

        self.rps = _named(QDoubleSpinBox(), "targetRps")
        self.rps.setRange(0.001, MAX_TARGET_RPS)
        self.rps.setDecimals(3)
        self.rps.setSuffix(" req/s")
        self.rps.setValue(max(self._offered_rps(), 1.0))
        self.p99 = _named(QDoubleSpinBox(), "targetP99")
        self.p99.setRange(0.001, MAX_TARGET_P99_MS)
        self.p99.setDecimals(3)
        self.p99.setSuffix(" ms")
        rule = p99_target_from_alerts(document.model)
        self.p99.setValue(rule if rule is not None else DEFAULT_P99_MS)
        form = QFormLayout()
        form.addRow("Total offered load", self.rps)
        form.addRow("End-to-end p99 target", self.p99)
        self._proposed = (self.p99.value(),
                          "from the design's end-to-end latency_p99_ms alert rule"
                          if rule is not None else "no end-to-end p99 rule: a default")
        self.source = PlainLabel(self._proposed[1])
        self.source.setObjectName("p99Source")
        self.p99.valueChanged.connect(self._on_p99_changed)
        form.addRow("", self.source)

        self.progress = _named(QProgressBar(), "planProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = PlainLabel("Press Plan: the analytic model proposes replicas, a "
                                 "simulation at the target load confirms them.")
        self.status.setObjectName("planStatus")
        self.status.setWordWrap(True)
        self.table = _named(QTableWidget(0, len(COLUMNS)), "planTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = PlainLabel("")
        self.summary.setObjectName("planSummary")
        self.summary.setWordWrap(True)
        self.notes = _named(QPlainTextEdit(), "planNotes")
        self.notes.setReadOnly(True)
        self.notes.setMaximumHeight(90)
        self.notes.setPlaceholderText("Notes on the plan appear here.")

        buttons = QDialogButtonBox()
        self.plan_button = _named(QPushButton("Plan"), "planButton")
        self.plan_button.setDefault(True)
        self.apply_button = _named(QPushButton("Apply"), "applyButton")
        self.apply_button.setEnabled(False)
        self.cancel_button = _named(QPushButton("Cancel"), "cancelButton")
        self.cancel_button.setEnabled(False)
        self.close_button = _named(QPushButton("Close"), "closeButton")
        buttons.addButton(self.plan_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ApplyRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.plan_button.clicked.connect(self.start)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.job.cancel)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def _on_p99_changed(self, value: float) -> None:
        """Say where the target comes from: the proposal, or the user once they change it."""
        proposed, origin = self._proposed
        self.source.setText(origin if value == proposed else "your target")

    def _offered_rps(self) -> float:
        """The design's total offered rate today (the model's), or 0 if it cannot say."""
        from app.analysis.model import prepare

        try:
            return prepare(self.document.model, base_dir=self._base_dir()).total_client_rps
        except (ValueError, ArithmeticError, KeyError, OSError):
            return 0.0  # an incomplete design: the user types the rate

    def _base_dir(self) -> Path | None:
        """The design's folder (trace workloads), if it has been saved."""
        path = self.document.path
        return path.parent if path is not None else None

    # -- planning ---------------------------------------------------------------------------

    def start(self) -> None:
        """Plan the design as it is now, at the typed targets, in a separate process."""
        from app.model.errors import DocumentError
        from app.model.fileformat import dumps

        if self.job.running:
            return
        try:
            text = dumps(self.document.model)
        except DocumentError as exc:
            self._on_failed(f"the design has problems to fix first: {exc}")
            return
        self.plan = None
        self.table.setRowCount(0)
        self.summary.setText("")
        self.notes.setPlainText("")
        self.progress.setValue(0)
        self.status.setText("Planning…")
        self._set_running(True)
        seed = self.document.model.simulation.seed
        self.job.start(text, self._base_dir(), self.rps.value(), self.p99.value(), (seed,))

    def _set_running(self, running: bool) -> None:
        self.plan_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.rps.setEnabled(not running)
        self.p99.setEnabled(not running)
        self.apply_button.setEnabled(False)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(1000 * min(max(fraction, 0.0), 1.0)))
        self.status.setText(text[:1].upper() + text[1:] + "…")

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText(f"Could not plan: {message}")

    def _on_cancelled(self) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.status.setText("Cancelled.")

    def _on_plan(self, plan: Plan) -> None:
        self._set_running(False)
        self.plan = plan
        self.progress.setValue(1000)
        self.table.setRowCount(len(plan.components))
        for row, comp in enumerate(plan.components):
            added = comp.replicas_planned - comp.replicas_now
            planned = f"{comp.replicas_planned}" + (f" (+{added})" if comp.changed else "")
            cells = (comp.component, str(comp.replicas_now), planned,
                     _ms(comp.predicted_p99_ms),
                     _ms(comp.simulated_p99_ms) if plan.confirmed else "not simulated")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if col == 2 and comp.changed:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, col, item)
        simulated = (f"simulated {_ms(plan.simulated_p99_ms)} ms over "
                     f"{plan.confirm_duration_s:g} s" if plan.confirmed else "not simulated")
        verdict = "Target met." if plan.met else "Target NOT met."
        self.summary.setText(
            f"End to end at {plan.target_rps:,.6g} req/s: p99 predicted "
            f"{_ms(plan.predicted_p99_ms)} ms, {simulated}; target {plan.target_p99_ms:g} ms. "
            f"{verdict}")
        self.notes.setPlainText("\n".join(plan.notes))
        changes = len(plan.replicas)
        if not plan.met:
            self.status.setText("No plan meets the target: see the notes below.")
        else:
            self.status.setText(f"{changes} tier{'s' if changes != 1 else ''} to scale."
                                if changes else "No change needed.")
        self.apply_button.setEnabled(plan.met and changes > 0 and not self.document.locked)

    # -- applying ---------------------------------------------------------------------------

    def apply(self) -> None:
        """Set the planned replicas in one undo step (Ctrl+Z restores them all)."""
        plan = self.plan
        if plan is None or self.document.locked:
            return
        edits = []
        for cid, replicas in plan.replicas.items():
            if not self.document.has_component(cid):
                self.status.setText(f"The design changed since the plan ({cid} is gone): "
                                    f"plan again.")
                return
            edits.append(dataclasses.replace(self.document.component(cid), replicas=replicas))
        stack = self.document.undo_stack
        stack.beginMacro(f"Apply capacity plan ({len(edits)} tier"
                         f"{'s' if len(edits) != 1 else ''})")
        for new in edits:
            self.document.edit_component(new, f"Replicas of {new.id}")
        stack.endMacro()
        self.apply_button.setEnabled(False)
        self.status.setText("Applied: Edit > Undo restores the replicas.")

    def done(self, result: int) -> None:
        """Closing stops a plan in progress (its process is terminated)."""
        self.job.shutdown()
        super().done(result)


def _named(widget: W, name: str) -> W:
    """``widget`` with its object name set (tests and style sheets find it by name)."""
    widget.setObjectName(name)
    return widget


def _ms(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:,.1f}"
