"""A form of :class:`FieldSpec` sections: the shared body of the component and link editors."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.ui.inspector.fields import ChoiceField, FieldSpec, NumberField, Value
from app.ui.plain_text import PlainLabel, plain_tooltip

Section = tuple[str, Sequence[FieldSpec]]


def lock_field(field: QWidget, locked: bool) -> None:
    """Make an inspector field read-only while a run locks the design, and look so.

    Read-only alone changes nothing on screen (Fusion draws a read-only line edit
    like an editable one), so a locked field is disabled too: greyed in every theme.
    """
    if isinstance(field, QLineEdit | QPlainTextEdit):
        field.setReadOnly(locked)
    field.setEnabled(not locked)
#: (spec, candidate value) -> the model validator's message, or None.
Checker = Callable[[FieldSpec, Value], str | None]


class RecordForm(QWidget):
    """Sections of labelled fields; emits :attr:`field_committed` for each finished edit."""

    field_committed = Signal(object, object)  # FieldSpec, value

    def __init__(
        self, sections: Sequence[Section], check: Checker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.fields: dict[str, NumberField | ChoiceField] = {}
        self._labels: dict[str, QLabel] = {}
        self._boxes: dict[str, QGroupBox] = {}
        self._form_of: dict[str, QFormLayout] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for title, specs in sections:
            box = QGroupBox(title, self)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setContentsMargins(8, 6, 8, 6)
            for spec in specs:
                widget = self._make_field(spec, check)
                text = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
                label = PlainLabel(text, box)
                label.setBuddy(widget)
                if spec.tip:
                    label.setToolTip(plain_tooltip(spec.tip))
                form.addRow(label, widget)
                self.fields[spec.name] = widget
                self._labels[spec.name] = label
                self._form_of[spec.name] = form
            self._boxes[title] = box
            layout.addWidget(box)
        self.problem_label = PlainLabel(parent=self)
        self.problem_label.setObjectName("inspectorProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #dc2626;")
        self.problem_label.setVisible(False)
        layout.addWidget(self.problem_label)

    def _make_field(self, spec: FieldSpec, check: Checker) -> NumberField | ChoiceField:
        def commit(value: Value) -> None:
            self.field_committed.emit(spec, value)

        def check_value(value: Value) -> str | None:
            return check(spec, value)

        if spec.kind in ("choice", "bool"):
            choice = ChoiceField(spec, self)
            choice.committed.connect(commit)
            return choice
        field = NumberField(spec, check_value, self)
        field.committed.connect(commit)
        field.problem_changed.connect(self._show_problem)
        return field

    def _show_problem(self, problem: object) -> None:
        problems = [f.problem for f in self.fields.values()
                    if isinstance(f, NumberField) and f.problem]
        self.problem_label.setText("\n".join(f"⚠ {p}" for p in problems))
        self.problem_label.setVisible(bool(problems))

    def set_value(self, name: str, value: Value, effective: str = "") -> None:
        """Show a stored value (and the effective one) in the field ``name``."""
        self.fields[name].set_value(value, effective)

    def set_field_visible(self, name: str, visible: bool) -> None:
        """Show or hide one row."""
        # setRowVisible also drops the row's spacing (hiding the widgets would not).
        self._form_of[name].setRowVisible(self.fields[name], visible)

    def set_section_visible(self, title: str, visible: bool) -> None:
        """Show or hide a whole section."""
        self._boxes[title].setVisible(visible)

    def set_read_only(self, read_only: bool) -> None:
        """Locked during a run: the fields refuse input and look it (greyed, not editable)."""
        for field in self.fields.values():
            lock_field(field, read_only)

    @property
    def has_problems(self) -> bool:
        """Whether any field holds text that is not acceptable."""
        return any(isinstance(f, NumberField) and f.problem for f in self.fields.values())
