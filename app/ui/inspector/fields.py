"""Inspector fields: one widget per model field, validated as typed, committed once.

A field left empty means "not given" (``None`` in the model): the effective
value (from the profile or the type) is shown greyed as its placeholder.
Typing is checked on every keystroke, first for the kind of value (a
number, a whole number) and then by the model's own validator, so the inspector
and the file reader always agree on what is allowed. A valid value is
committed when editing finishes (Enter or focus out): one undo step per edit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.model.document import UNBOUNDED
from app.ui.plain_text import plain_tooltip

Value = object
#: Returns the model's message for a candidate value of the field, or ``None``.
ValueCheck = Callable[[Value], str | None]

_INVALID_STYLE = "QLineEdit { border: 1px solid #dc2626; border-radius: 3px; padding: 1px 3px; }"


@dataclass(frozen=True)
class FieldSpec:
    """How one model field is edited.

    Attributes:
        path: Attribute path in the record, e.g. ``("specs", "cpu_cores")``.
        label: Label shown in the form.
        kind: ``int``, ``float``, ``text``, ``choice``, ``bool`` or ``queue``
            (a whole number or "unbounded").
        choices: For ``choice``: ``(value, label)`` pairs.
        optional: Whether the field may be left empty / at its default.
        unit: Shown after the label (``ms``, ``req/s``...).
        tip: Tooltip explaining the field.
    """

    path: tuple[str, ...]
    label: str
    kind: str = "float"
    choices: Sequence[tuple[str, str]] = field(default_factory=tuple)
    optional: bool = True
    unit: str = ""
    tip: str = ""

    @property
    def name(self) -> str:
        """Dotted path; also the widget's objectName suffix (``field_<name>``)."""
        return ".".join(self.path)


def parse_number(text: str, kind: str) -> Value:
    """Turn typed text into a value of ``kind``; raises ``ValueError`` with a message."""
    text = text.strip().replace("_", "")
    if kind == "queue" and text.lower() in ("unbounded", "inf", "∞", "none", "unlimited"):
        return UNBOUNDED
    try:
        number = float(text)
    except ValueError:
        expected = "a whole number" if kind in ("int", "queue") else "a number"
        hint = ' or "unbounded"' if kind == "queue" else ""
        raise ValueError(f"must be {expected}{hint}, got {text!r}") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    if kind in ("int", "queue"):
        if number != int(number):
            raise ValueError(f"must be a whole number, got {text!r}")
        return int(number)
    return number


def format_value(value: Value) -> str:
    """How a stored value is shown in a text field."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    return str(value)


class NumberField(QLineEdit):
    """A number (or text) that may be left empty; emits :attr:`committed` once per edit."""

    committed = Signal(object)
    problem_changed = Signal(object)  # str | None

    def __init__(self, spec: FieldSpec, check: ValueCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._check = check
        self._stored: Value = None
        self._problem: str | None = None
        self.setObjectName(f"field_{spec.name}")
        self.setClearButtonEnabled(spec.optional)
        if spec.tip:
            self.setToolTip(plain_tooltip(spec.tip))
        self.textEdited.connect(self._on_edited)
        self.editingFinished.connect(self._on_finished)

    @property
    def problem(self) -> str | None:
        """Why the typed text is not acceptable (``None``: it is)."""
        return self._problem

    def set_value(self, value: Value, effective: str = "") -> None:
        """Show the stored ``value`` (and the effective one as placeholder), silently."""
        self._stored = value
        self.setText(format_value(value))
        self.setPlaceholderText(effective)
        self._set_problem(None)

    def typed_value(self) -> Value:
        """The value the text stands for; raises ``ValueError`` if it stands for none."""
        text = self.text()
        if not text.strip():
            if not self.spec.optional:
                raise ValueError("is required")
            return None
        if self.spec.kind == "text":
            return text.strip()
        return parse_number(text, self.spec.kind)

    def _evaluate(self) -> tuple[Value, str | None]:
        try:
            value = self.typed_value()
        except ValueError as exc:
            return None, f"{self.spec.label}: {exc}"
        message = self._check(value) if value is not None else None
        return value, (f"{self.spec.label}: {message}" if message else None)

    def _on_edited(self, _text: str) -> None:
        self._set_problem(self._evaluate()[1])

    def _on_finished(self) -> None:
        value, problem = self._evaluate()
        self._set_problem(problem)
        if problem is None and value != self._stored:
            self._stored = value
            self.committed.emit(value)

    def _set_problem(self, problem: str | None) -> None:
        if problem != self._problem:
            self._problem = problem
            self.setStyleSheet(_INVALID_STYLE if problem else "")
            self.setToolTip(plain_tooltip(problem or self.spec.tip))
            self.problem_changed.emit(problem)


class ChoiceField(QComboBox):
    """A choice among fixed values, optionally with a "default" entry meaning "not given"."""

    committed = Signal(object)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"field_{spec.name}")
        if spec.tip:
            self.setToolTip(plain_tooltip(spec.tip))
        self._values: list[Value] = []
        self._default_label = "Default"
        self._rebuild()
        self.activated.connect(self._on_activated)

    def _rebuild(self) -> None:
        self.blockSignals(True)
        self.clear()
        self._values = []
        if self.spec.optional:
            self.addItem(self._default_label)
            self._values.append(None)
        choices = self.spec.choices
        if self.spec.kind == "bool":
            choices = (("true", "Yes"), ("false", "No"))
        for value, label in choices:
            self.addItem(label)
            stored: Value = value
            if self.spec.kind == "bool":
                stored = value == "true"
            self._values.append(stored)
        self.blockSignals(False)

    def set_value(self, value: Value, effective: str = "") -> None:
        """Select ``value`` silently; the default entry names the effective value."""
        label = f"Default ({effective})" if effective else "Default"
        if self.spec.optional and label != self._default_label:
            self._default_label = label
            self.setItemText(0, label)
        self.blockSignals(True)
        index = self._values.index(value) if value in self._values else 0
        self.setCurrentIndex(index)
        self.blockSignals(False)

    def value(self) -> Value:
        """The selected value (``None``: the default)."""
        return self._values[self.currentIndex()] if self.currentIndex() >= 0 else None

    def _on_activated(self, index: int) -> None:
        self.committed.emit(self._values[index])
