"""A time axis and a crosshair shared by charts: every chart shows the same span of
simulated time, and one vertical line at the same time on every chart, with the
values of each chart's curves at that time as a plain-text label.

The time axis follows one plot (the Overview's first). pyqtgraph's own
``setXLink`` is only used inside the Overview: across widgets it lines views
up by their *screen* position, which shifts a chart on another tab.

The charts that take part are registered with :meth:`Crosshair.add_plot`
(the Overview's five, every custom dashboard's, the detail view's); moving the
mouse over any of them moves the line on all of them. Work per mouse move is
a binary search per curve: nothing depends on the length of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.ui.dashboards.metrics import format_value

#: (name, curve) pairs of a plot, asked for at each move (curves change with picks).
CurveList = Callable[[], Sequence[tuple[str, pg.PlotDataItem]]]


def value_at(curve: pg.PlotDataItem, x: float) -> float:
    """The curve's value at the sample nearest to ``x`` (NaN without samples)."""
    xs, ys = curve.getData()
    if xs is None or ys is None or len(xs) == 0:
        return math.nan
    xs = np.asarray(xs)
    i = int(np.searchsorted(xs, x))
    if i >= len(xs) or (i > 0 and x - xs[i - 1] < xs[i] - x):
        i -= 1
    return float(ys[i])


class _Target:
    """The line and label of one plot."""

    def __init__(self, plot: pg.PlotItem, curves: CurveList) -> None:
        self.plot = plot
        self.curves = curves
        pen = pg.mkPen(QGuiApplication.palette().color(QPalette.ColorRole.Text), width=1,
                       style=pg.QtCore.Qt.PenStyle.DashLine)
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self.line.setZValue(20)
        fill = QColor(QGuiApplication.palette().color(QPalette.ColorRole.Base))
        fill.setAlpha(215)
        text = QGuiApplication.palette().color(QPalette.ColorRole.Text)
        # TextItem.setText is plain text (setPlainText): a component's name stays text.
        self.label = pg.TextItem("", color=text, fill=fill, anchor=(0, 0))
        self.label.setZValue(21)
        for item in (self.line, self.label):
            item.hide()
            plot.addItem(item, ignoreBounds=True)

    def text_at(self, x: float) -> str:
        # Short: the axis names the unit, and narrow charts must not cut the label.
        rows = [f"{x:.1f} s"]
        for name, curve in self.curves():
            value = format_value(value_at(curve, x))
            rows.append(f"{name} {value}" if name else value)
        return "\n".join(rows)

    def move(self, x: float) -> None:
        (x0, x1), (_y0, y1) = self.plot.viewRange()
        self.line.setPos(x)
        self.label.setText(self.text_at(x))
        # The label sits on the side of the line with more room, at the top.
        self.label.setAnchor((1, 0) if x > (x0 + x1) / 2 else (0, 0))
        self.label.setPos(x, y1)
        self.line.show()
        self.label.show()

    def hide(self) -> None:
        self.line.hide()
        self.label.hide()


class Crosshair(QObject):
    """Keeps a vertical line at one time across all registered plots."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._targets: dict[int, _Target] = {}
        self._scenes: set[int] = set()
        #: Where the line is (simulated seconds), ``None`` while hidden.
        self.x: float | None = None
        self._time_plot: pg.PlotItem | None = None
        self._followers: dict[int, pg.PlotItem] = {}

    def set_time_plot(self, plot: pg.PlotItem) -> None:
        """The plot whose time span the followers (see :meth:`add_plot`) copy."""
        self._time_plot = plot
        plot.vb.sigXRangeChanged.connect(self._on_time_range)

    def _on_time_range(self, _box: object, x_range: tuple[float, float]) -> None:
        for plot in self._followers.values():
            plot.setXRange(*x_range, padding=0)

    def add_plot(self, plot: pg.PlotItem, curves: CurveList, follow_time: bool = False
                 ) -> None:
        """Take part: the line shows on ``plot``, its label lists ``curves()``'s values;
        with ``follow_time`` the plot also shows the time plot's span."""
        self._targets[id(plot)] = _Target(plot, curves)
        if follow_time and self._time_plot is not None:
            self._followers[id(plot)] = plot
            plot.setXRange(*self._time_plot.viewRange()[0], padding=0)
        scene = plot.scene()
        if scene is not None and id(scene) not in self._scenes:
            self._scenes.add(id(scene))
            scene.sigMouseMoved.connect(
                lambda pos, where=scene: self._on_mouse_moved(where, pos))

    def remove_plot(self, plot: pg.PlotItem) -> None:
        """Stop taking part (a dashboard chart removed)."""
        self._followers.pop(id(plot), None)
        target = self._targets.pop(id(plot), None)
        if target is not None:
            for item in (target.line, target.label):
                plot.removeItem(item)

    def label_text(self, plot: pg.PlotItem) -> str:
        """What the label on ``plot`` says now (``""`` when hidden), for tests."""
        target = self._targets.get(id(plot))
        if target is None or not target.label.isVisible():
            return ""
        return str(target.label.textItem.toPlainText())

    def line_x(self, plot: pg.PlotItem) -> float | None:
        """Where the line on ``plot`` is (``None`` when hidden), for tests."""
        target = self._targets.get(id(plot))
        if target is None or not target.line.isVisible():
            return None
        return float(target.line.value())

    def set_x(self, x: float | None) -> None:
        """Put the line at ``x`` on every plot (``None``: hide it)."""
        self.x = x
        for target in self._targets.values():
            if x is None:
                target.hide()
            else:
                target.move(x)

    def refresh(self) -> None:
        """Re-read the values under the line (new samples arrived)."""
        if self.x is not None:
            self.set_x(self.x)

    def _on_mouse_moved(self, scene: object, pos: QPointF) -> None:
        for target in self._targets.values():
            box = target.plot.vb
            if target.plot.scene() is scene and box.sceneBoundingRect().contains(pos):
                self.set_x(float(box.mapSceneToView(pos).x()))
                return
