"""One sweep axis as the user edits it: a parameter, then a range or a list of values.

The editor only gathers text; :func:`app.sweeps.axes.parse_axis` judges it, so
the dialog and the command line accept exactly the same axes and give the
same messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QStackedWidget, QWidget

from app.sweeps.axes import Axis, parse_axis
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.sweeps.parameters import Parameter

RANGE: Final = "Range"
LIST: Final = "List"


class AxisEditor(QWidget):
    """Parameter, Range/List, then START to STOP step STEP, or a comma-separated list."""

    #: Any field changed (the dialog recounts the runs).
    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._params: list[Parameter] = []
        self.parameter = QComboBox()
        self.parameter.setObjectName(f"{name}Parameter")
        self.parameter.setMinimumContentsLength(22)
        self.parameter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode = QComboBox()
        self.mode.setObjectName(f"{name}Mode")
        self.mode.addItems([RANGE, LIST])
        self.start = self._edit(f"{name}Start", "first value")
        self.stop = self._edit(f"{name}Stop", "last value (included when a step lands on it)")
        self.step = self._edit(f"{name}Step", "step between values")
        self.values = self._edit(f"{name}Values", "values separated by commas")
        range_page = QWidget()
        row = QHBoxLayout(range_page)
        row.setContentsMargins(0, 0, 0, 0)
        for label, edit in (("from", self.start), ("to", self.stop), ("step", self.step)):
            row.addWidget(PlainLabel(label))
            row.addWidget(edit, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(range_page)
        self.pages.addWidget(self.values)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.parameter, 2)
        layout.addWidget(self.mode)
        layout.addWidget(self.pages, 3)
        self.parameter.currentIndexChanged.connect(self._on_parameter)
        self.mode.currentTextChanged.connect(self._on_mode)

    def _edit(self, name: str, tip: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setToolTip(plain_tooltip(tip))
        edit.textChanged.connect(lambda _t: self.changed.emit())
        return edit

    def set_parameters(self, params: Sequence[Parameter], key: str | None = None) -> None:
        """Offer ``params`` and pick ``key`` (default: the first)."""
        self._params = list(params)
        self.parameter.blockSignals(True)
        self.parameter.clear()
        for p in self._params:
            self.parameter.addItem(p.key)  # a combo box item is plain text
        self.parameter.blockSignals(False)
        keys = [p.key for p in self._params]
        self.parameter.setCurrentIndex(keys.index(key) if key in keys else 0)
        self._on_parameter(self.parameter.currentIndex())

    @property
    def current(self) -> Parameter | None:
        """The chosen parameter."""
        i = self.parameter.currentIndex()
        return self._params[i] if 0 <= i < len(self._params) else None

    def select(self, key: str) -> None:
        """Choose the parameter ``key`` (its suggested values are filled in)."""
        keys = [p.key for p in self._params]
        self.parameter.setCurrentIndex(keys.index(key))

    def set_range(self, start: str, stop: str, step: str) -> None:
        """Sweep START..STOP by STEP."""
        self.mode.setCurrentText(RANGE)
        self.start.setText(start)
        self.stop.setText(stop)
        self.step.setText(step)

    def set_values(self, text: str) -> None:
        """Sweep the comma-separated ``text``."""
        self.mode.setCurrentText(LIST)
        self.values.setText(text)

    def spec(self) -> str:
        """The axis as ``key=values`` text (what ``--set`` takes)."""
        p = self.current
        key = p.key if p is not None else ""
        if self.mode.currentText() == RANGE:
            parts = [e.text().strip() for e in (self.start, self.stop, self.step)]
            return f"{key}={':'.join(parts)}"
        return f"{key}={self.values.text().strip()}"

    def axis(self) -> Axis:
        """The parsed axis; ``AxisError`` (a readable message) when the text is not one."""
        return parse_axis(self.spec())

    def _on_parameter(self, _index: int) -> None:
        p = self.current
        if p is None:
            return
        self.mode.setEnabled(p.numeric)
        for edit in (self.start, self.stop, self.step, self.values):
            edit.blockSignals(True)
        self.values.setText(p.suggested_list())
        if p.numeric:
            self.values.setToolTip(plain_tooltip("values separated by commas"))
            self.set_range(*p.suggested_range())
        else:
            self.mode.setCurrentText(LIST)
            self.values.setToolTip(plain_tooltip("Names separated by commas: "
                                                 + ", ".join(p.choices)))
        for edit in (self.start, self.stop, self.step, self.values):
            edit.blockSignals(False)
        self.changed.emit()

    def _on_mode(self, text: str) -> None:
        self.pages.setCurrentIndex(0 if text == RANGE else 1)
        self.changed.emit()
