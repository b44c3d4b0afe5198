"""The tour: callouts stepping through the real palette, canvas, Run button and charts.

Each step outlines one widget of the main window and puts a small card with
Next and Skip beside it. The outline and the card are children of the window
(no extra top-level windows), so they move and resize with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.ui.plain_text import PlainLabel

#: Gap between the outlined widget and the card, and the card's width.
GAP = 12
CARD_WIDTH = 320


@dataclass(frozen=True)
class TourStep:
    """One stop: the widget to outline (found when shown), a title and a sentence or two."""

    target: Callable[[], QWidget | None]
    title: str
    text: str


class Tour(QObject):
    """Steps through :class:`TourStep` s; ``finished(completed)`` when done or skipped."""

    finished = Signal(bool)

    def __init__(self, window: QWidget, steps: list[TourStep]) -> None:
        super().__init__(window)
        self.window = window
        self.steps = steps
        self.index = -1
        self.outline = QFrame(window)
        self.outline.setObjectName("tourOutline")
        self.outline.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        accent = window.palette().color(QPalette.ColorRole.Highlight).name()
        self.outline.setStyleSheet(f"#tourOutline {{ border: 3px solid {accent}; "
                                   "border-radius: 6px; background: transparent; }")
        self.card = QFrame(window)
        self.card.setObjectName("tourCard")
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setAutoFillBackground(True)
        # An opaque card: the canvas and docks under it must not show through its text.
        self.card.setStyleSheet(f"#tourCard {{ background-color: palette(window); "
                                f"border: 2px solid {accent}; border-radius: 6px; }}")
        self.card.setFixedWidth(CARD_WIDTH)
        self.step_label = PlainLabel("", self.card)
        self.title_label = PlainLabel("", self.card)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.text_label = PlainLabel("", self.card)
        self.text_label.setWordWrap(True)
        self.skip_button = QPushButton("Skip tour", self.card)
        self.skip_button.setObjectName("tourSkip")
        self.next_button = QPushButton("Next", self.card)
        self.next_button.setObjectName("tourNext")
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self.card)
        layout.addWidget(self.step_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        layout.addLayout(buttons)
        self.skip_button.clicked.connect(lambda: self.stop(completed=False))
        self.next_button.clicked.connect(self.next)
        self.outline.hide()
        self.card.hide()
        window.installEventFilter(self)

    def start(self) -> None:
        """Show the first step."""
        self.index = -1
        self.next()

    def next(self) -> None:
        """Go to the next step whose widget is on screen; finish after the last."""
        while self.index + 1 < len(self.steps):
            self.index += 1
            target = self.steps[self.index].target()
            if target is not None and target.isVisible():
                self._show(self.steps[self.index], target)
                return
        self.stop(completed=True)

    def stop(self, *, completed: bool) -> None:
        """Hide the tour (finished or skipped) and say so."""
        if not self.card.isVisible() and self.index < 0:
            return
        self.window.removeEventFilter(self)
        self.outline.hide()
        self.card.hide()
        self.index = -1
        self.finished.emit(completed)
        self.outline.deleteLater()
        self.card.deleteLater()
        self.deleteLater()

    @property
    def current_target(self) -> QWidget | None:
        """The widget outlined now (``None`` when the tour is not showing)."""
        return self.steps[self.index].target() if 0 <= self.index < len(self.steps) else None

    def _show(self, step: TourStep, target: QWidget) -> None:
        last = self.index == len(self.steps) - 1
        self.step_label.setText(f"Step {self.index + 1} of {len(self.steps)}")
        self.title_label.setText(step.title)
        self.text_label.setText(step.text)
        self.next_button.setText("Done" if last else "Next")
        self.skip_button.setVisible(not last)
        self._place(target)
        self.outline.show()
        self.card.show()
        self.outline.raise_()
        self.card.raise_()
        self.next_button.setFocus()

    def _place(self, target: QWidget) -> None:
        """Outline ``target`` and put the card beside it, inside the window."""
        top_left = target.mapTo(self.window, QPoint(0, 0))
        area = QRect(top_left, target.size())
        self.outline.setGeometry(area.adjusted(-3, -3, 3, 3))
        self.card.adjustSize()
        size = self.card.sizeHint().expandedTo(self.card.minimumSizeHint())
        size.setWidth(CARD_WIDTH)
        bounds = self.window.rect().adjusted(GAP, GAP, -GAP, -GAP)
        candidates = [
            QPoint(area.right() + GAP, area.top()),                     # right of it
            QPoint(area.left(), area.bottom() + GAP),                   # below it
            QPoint(area.left() - GAP - size.width(), area.top()),       # left of it
            QPoint(area.left(), area.top() - GAP - size.height()),      # above it
        ]
        # The first side where the card, kept inside the window, leaves the widget visible.
        placed = [self._inside(QRect(p, size), bounds) for p in candidates]
        spot = next((r for r in placed if not r.intersects(area)),
                    self._inside(QRect(area.center() - QPoint(size.width() // 2,
                                                              size.height() // 2), size), bounds))
        self.card.setGeometry(spot)

    @staticmethod
    def _inside(rect: QRect, bounds: QRect) -> QRect:
        x = min(max(rect.x(), bounds.left()), bounds.right() - rect.width())
        y = min(max(rect.y(), bounds.top()), bounds.bottom() - rect.height())
        return QRect(QPoint(x, y), rect.size())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the window when it is resized."""
        if watched is self.window and event.type() == QEvent.Type.Resize:
            target = self.current_target
            if target is not None and self.card.isVisible():
                self._place(target)
        return False
