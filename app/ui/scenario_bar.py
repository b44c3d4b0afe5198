"""The scenario bar: duration, warm-up and seed (stored in the design), and the run speed.

Duration, warm-up and seed belong to the document, so changing them is an
undoable edit; the speed is a viewing preference kept in QSettings.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QToolBar, QWidget

from app.model.limits import MAX_SEED
from app.ui.document import EditorDocument
from app.ui.plain_text import PlainLabel, plain_tooltip

#: (label, simulated seconds per wall second; None = as fast as possible)
SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("As fast as possible", None),
    ("Real time ×1", 1.0),
    ("Real time ×2", 2.0),
    ("Real time ×5", 5.0),
    ("Real time ×10", 10.0),
    ("Real time ×50", 50.0),
    ("Real time ×100", 100.0),
)


class ScenarioBar(QToolBar):
    """A toolbar to set up the next run."""

    speed_changed = Signal(object)  # float | None

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__("Scenario", parent)
        self.setObjectName("scenarioBar")
        self._document = document
        self.duration = QDoubleSpinBox(self)
        self.duration.setObjectName("scenarioDuration")
        self.duration.setRange(1, 7 * 24 * 3600)
        self.duration.setDecimals(1)
        self.duration.setSuffix(" s")
        self.duration.setKeyboardTracking(False)  # one edit (and one undo step) per Enter
        self.duration.setToolTip("Simulated time of the run")
        self.warmup = QDoubleSpinBox(self)
        self.warmup.setObjectName("scenarioWarmup")
        self.warmup.setRange(0, 7 * 24 * 3600)
        self.warmup.setDecimals(1)
        self.warmup.setSuffix(" s")
        self.warmup.setKeyboardTracking(False)
        self.warmup.setToolTip("Requests starting before this time are left out of statistics")
        self.seed = QLineEdit(self)
        self.seed.setObjectName("scenarioSeed")
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,20}"), self))
        self.seed.setMaximumWidth(90)
        self.seed.setToolTip("Random seed: the same design and seed give identical results")
        self.speed = QComboBox(self)
        self.speed.setObjectName("scenarioSpeed")
        for label, value in SPEEDS:
            self.speed.addItem(label, value)
        self.speed.setToolTip("How fast simulated time runs on screen")
        for text, widget in (("Duration", self.duration), ("Warm-up", self.warmup),
                             ("Seed", self.seed), ("Speed", self.speed)):
            caption = PlainLabel(f" {text} ", self)
            caption.setBuddy(widget)
            self.addWidget(caption)
            self.addWidget(widget)
            self.addSeparator()
        self.duration.valueChanged.connect(self._commit)
        self.warmup.valueChanged.connect(self._commit)
        self.seed.editingFinished.connect(self._commit)
        self.speed.currentIndexChanged.connect(
            lambda _i: self.speed_changed.emit(self.current_speed()))
        document.simulation_changed.connect(self.refresh)
        document.document_reset.connect(self.refresh)
        document.locked_changed.connect(self._on_locked)
        self.refresh()

    def current_speed(self) -> float | None:
        """Simulated seconds per wall second; ``None`` = as fast as possible."""
        value = self.speed.currentData()
        return float(value) if value is not None else None

    def set_speed(self, speed: float | None) -> None:
        """Select the entry closest to ``speed``."""
        values = [v for _label, v in SPEEDS]
        if speed is None:
            index = 0
        else:
            index = min(range(1, len(values)), key=lambda i: abs((values[i] or 0) - speed))
        self.speed.setCurrentIndex(index)

    def refresh(self) -> None:
        """Show the document's run settings."""
        sim = self._document.model.simulation
        for box, value in ((self.duration, sim.duration_s), (self.warmup, sim.warmup_s)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self.seed.setText(str(sim.seed))
        self._mark(None)

    def _mark(self, problem: str | None) -> None:
        style = "border: 1px solid #dc2626;" if problem else ""
        self.warmup.setStyleSheet(style)
        self.warmup.setToolTip(plain_tooltip(problem) or "Requests starting before this time "
                               "are left out of statistics")

    def _commit(self) -> None:
        sim = self._document.model.simulation
        duration, warmup = self.duration.value(), self.warmup.value()
        if warmup >= duration:
            self._mark(f"Warm-up must be shorter than the duration ({duration:g} s)")
            return
        self._mark(None)
        try:
            seed = int(self.seed.text())
        except ValueError:
            seed = sim.seed
        seed = max(0, min(MAX_SEED, seed))
        new = dataclasses.replace(sim, duration_s=duration, warmup_s=warmup, seed=seed)
        if new != sim:
            self._document.edit_simulation(new, "Change run settings")

    def _on_locked(self, locked: bool) -> None:
        for widget in (self.duration, self.warmup, self.seed):
            widget.setEnabled(not locked)
