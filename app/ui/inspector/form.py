"""A form of :class:`FieldSpec` sections: the shared body of the component and link editors.

A section may be *switchable* (a checkable group box): switched off, the
record it edits is absent from the file and the section collapses to its
title line, which keeps the inspector compact; switched on, it shows its
fields. A field's problem shows in its own section, just under the fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

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
#: A switched-off section: its title line, no empty frame under it.
_OFF_STYLE = "QGroupBox { border: none; margin-top: 0px; padding-top: 2px; min-height: 24px; }"
#: (spec, candidate value) -> the model validator's message, or None.
Checker = Callable[[FieldSpec, Value], str | None]


class RecordForm(QWidget):
    """Sections of labelled fields; emits :attr:`field_committed` for each finished edit."""

    field_committed = Signal(object, object)  # FieldSpec, value
    #: A switchable section was switched on (True) or off by the user: (title, on).
    section_toggled = Signal(str, bool)

    def __init__(
        self,
        sections: Sequence[Section],
        check: Checker,
        parent: QWidget | None = None,
        switchable: Collection[str] = (),
    ) -> None:
        super().__init__(parent)
        self.fields: dict[str, NumberField | ChoiceField] = {}
        self._labels: dict[str, QLabel] = {}
        self._boxes: dict[str, QGroupBox] = {}
        self._on: dict[str, bool] = {}
        self._wanted: dict[str, bool] = {}
        self._section_of: dict[str, str] = {}
        self._problem_labels: dict[str, PlainLabel] = {}
        self._forms: dict[str, QFormLayout] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for title, specs in sections:
            box = QGroupBox(title, self)
            box.setObjectName("section_" + re.sub(r"\W+", "_", title.lower()).strip("_"))
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
                self._section_of[spec.name] = title
                self._wanted[spec.name] = True
            # The section's problems show in its last row, spanning the form, under its fields.
            problem = PlainLabel(parent=box)
            problem.setObjectName("inspectorProblem")
            problem.setWordWrap(True)
            problem.setStyleSheet("color: #dc2626;")
            form.addRow(problem)
            form.setRowVisible(problem, False)
            self._problem_labels[title] = problem
            self._boxes[title] = box
            self._forms[title] = form
            self._on[title] = True
            if title in switchable:
                box.setCheckable(True)
                box.toggled.connect(lambda on, t=title: self._on_toggled(t, on))
                self.set_section_checked(title, False)
            layout.addWidget(box)

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

    def _show_problem(self, _problem: object) -> None:
        by_section: dict[str, list[str]] = {title: [] for title in self._problem_labels}
        for name, f in self.fields.items():
            if isinstance(f, NumberField) and f.problem:
                by_section[self._section_of[name]].append(f.problem)
        for title, problems in by_section.items():
            label = self._problem_labels[title]
            label.setText("\n".join(f"⚠ {p}" for p in problems))
            self._show_row(title, label, bool(problems))

    @property
    def problem_label(self) -> PlainLabel:
        """The label of the first section showing a problem (else the first section's)."""
        shown = [lb for lb in self._problem_labels.values() if lb.text()]
        return (shown or list(self._problem_labels.values()))[0]

    def problem_label_of(self, title: str) -> PlainLabel:
        """Where the problems of the section ``title`` show (plain text, under its fields)."""
        return self._problem_labels[title]

    def _show_row(self, title: str, widget: QWidget, visible: bool) -> None:
        # setRowVisible also drops the row's spacing (hiding the widgets would not).
        self._forms[title].setRowVisible(widget, visible and self._on[title])

    def _collapse(self, title: str, on: bool) -> None:
        self._on[title] = on
        # Off: the title line alone, without an empty frame under it.
        self._boxes[title].setFlat(not on)
        self._boxes[title].setStyleSheet("" if on else _OFF_STYLE)
        self._forms[title].setContentsMargins(8, 6 if on else 0, 8, 6)
        for name, section in self._section_of.items():
            if section == title:
                self._show_row(title, self.fields[name], self._wanted[name])
        label = self._problem_labels[title]
        self._show_row(title, label, bool(label.text()))

    def _on_toggled(self, title: str, on: bool) -> None:
        self._collapse(title, on)
        self.section_toggled.emit(title, on)

    def set_section_checked(self, title: str, on: bool) -> None:
        """Show a switchable section on (rows shown) or off (only its title), silently."""
        box = self._boxes[title]
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)
        self._collapse(title, on)

    def section_box(self, title: str) -> QGroupBox:
        """The group box of the section ``title`` (checkable when switchable)."""
        return self._boxes[title]

    def set_value(self, name: str, value: Value, effective: str = "") -> None:
        """Show a stored value (and the effective one) in the field ``name``."""
        self.fields[name].set_value(value, effective)

    def set_field_visible(self, name: str, visible: bool) -> None:
        """Show or hide one row (a row of a switched-off section stays hidden until it is on)."""
        self._wanted[name] = visible
        self._show_row(self._section_of[name], self.fields[name], visible)

    def set_section_visible(self, title: str, visible: bool) -> None:
        """Show or hide a whole section."""
        self._boxes[title].setVisible(visible)

    def set_read_only(self, read_only: bool) -> None:
        """Locked during a run: the fields refuse input and look it (greyed, not editable)."""
        for field in self.fields.values():
            lock_field(field, read_only)
        for box in self._boxes.values():
            if box.isCheckable():
                box.setEnabled(not read_only)

    @property
    def has_problems(self) -> bool:
        """Whether any field holds text that is not acceptable."""
        return any(isinstance(f, NumberField) and f.problem for f in self.fields.values())
