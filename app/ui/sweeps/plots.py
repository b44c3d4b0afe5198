"""The sweep's charts: latency percentiles with CI bands and the analytic curve,
throughput and error rate against the swept parameter, and a heat map for two.

Every curve is a mean across replications; its band (a ``FillBetweenItem``
between the 95 % CI's bounds) shows how sure that mean is. The analytic
model's end-to-end mean and p99 are drawn dashed beside the simulated ones:
where the dashed curve turns up and leaves the bands is the knee (past a
saturated tier the model predicts seconds, or nothing: the curve breaks).
The look is the run charts' (:func:`style_run_plot`).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from app.sweeps.axes import Axis
from app.sweeps.headline import FIGURE_LABELS
from app.sweeps.sweep import SweepResult
from app.ui.charts import MIN_Y_TOP, Y_HEADROOM, style_run_plot, theme_plot
from app.ui.plain_text import PlainLabel, markup
from app.ui.sweeps.series import (
    Series,
    analytic_series,
    grid_means,
    line_points,
    positions,
    series,
)

#: Latency curves: (metric, legend name, colour).
LATENCY_CURVES: Final = (
    ("latency_mean_ms", "mean", "#8b5cf6"),
    ("latency_p50_ms", "p50", "#3b82f6"),
    ("latency_p95_ms", "p95", "#f59e0b"),
    ("latency_p99_ms", "p99", "#ef4444"),
)
#: The analytic model's curves, dashed in the colour of the simulated figure.
ANALYTIC_CURVES: Final = (("latency_mean_ms", "mean"), ("latency_p99_ms", "p99"))
#: Figures a heat map can show: metric -> (title, unit, scale).
HEAT_METRICS: Final = {
    # A title starts upper-case, except a percentile's ("p99 latency").
    metric: (name if name[1:2].isdigit() else name[:1].upper() + name[1:], unit, scale)
    for metric, (name, unit, scale) in FIGURE_LABELS.items()
    if metric not in ("latency_p90_ms", "utilization")
}
BAND_ALPHA: Final = 60
#: Cells are labelled with their values up to this many (beyond, the text would not fit).
MAX_CELL_LABELS: Final = 400


def _color(hex_color: str, alpha: int = 255) -> QColor:
    color = QColor(hex_color)
    color.setAlpha(alpha)
    return color


#: The analytic curve may lift a y axis to this many times the simulated top, no
#: more: past a saturated tier the model predicts seconds, and the simulated
#: curves (milliseconds) would become a flat line at the bottom.
ANALYTIC_TOP_FACTOR: Final = 3.0


def _top(arrays: list[np.ndarray]) -> float:
    tops = [float(np.nanmax(a)) for a in arrays if a.size and np.isfinite(a).any()]
    return max(tops, default=0.0)


def _y_top(simulated: list[np.ndarray], analytic: list[np.ndarray]) -> float:
    """The top of a y axis: every simulated value, and the analytic ones up to a limit."""
    sim = _top(simulated)
    model = _top(analytic)
    top = max(sim, min(model, ANALYTIC_TOP_FACTOR * sim) if sim > 0 else model)
    return max(MIN_Y_TOP, _round_up(top * Y_HEADROOM))


def _round_up(value: float) -> float:
    """``value`` rounded up to half a power of ten (4,968 -> 5,000; 5,003 -> 5,500).

    Finer than the run charts' 1-2-5 steps: a sweep's axis is drawn once, and
    4,632 req/s must not get an axis up to 10,000.
    """
    if value <= 0 or not math.isfinite(value):
        return 0.0
    step = 10.0 ** math.floor(math.log10(value)) / 2
    return math.ceil(value / step * (1 - 1e-12)) * step


def _set_x_axis(plot: pg.PlotItem, axis: Axis) -> None:
    """Label the x axis with the swept key; names (profiles) get one tick each."""
    plot.setLabel("bottom", markup("{key}", key=axis.key))
    bottom = plot.getAxis("bottom")
    if axis.numeric:
        bottom.setTicks(None)
    else:
        bottom.setTicks([[(float(i), str(v)) for i, v in enumerate(axis.values)]])
    xs = positions(axis)
    if xs.size:
        pad = 0.5 if not axis.numeric or xs.size == 1 else 0.0
        plot.setXRange(float(xs.min()) - pad, float(xs.max()) + pad, padding=0.04)


class Band:
    """A mean curve with its CI band: three curves and the fill between the outer two."""

    def __init__(self, plot: pg.PlotItem, color: str) -> None:
        self.mean = pg.PlotDataItem(pen=pg.mkPen(color, width=2), symbol="o", symbolSize=6,
                                    symbolBrush=color, symbolPen=None)
        edge = pg.mkPen(_color(color, 110), width=1)
        self.low = pg.PlotDataItem(pen=edge)
        self.high = pg.PlotDataItem(pen=edge)
        self.fill = pg.FillBetweenItem(self.low, self.high, brush=_color(color, BAND_ALPHA))
        for item in (self.fill, self.low, self.high, self.mean):
            plot.addItem(item)

    def set(self, data: Series) -> None:
        """Show ``data`` (empty arrays clear the curve)."""
        self.low.setData(data.x, data.low)
        self.high.setData(data.x, data.high)
        self.mean.setData(data.x, data.mean)


class SweepPlots(QWidget):
    """Latency (with bands and the analytic curves), throughput and error rate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepPlots")
        self.result: SweepResult | None = None
        self.slice_box = QComboBox()
        self.slice_box.setObjectName("sweepSlice")
        self.slice_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.slice_label = PlainLabel("")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("sweepPlotsView")
        self.graphics.ci.setSpacing(6)
        self.latency = self.graphics.addPlot(row=0, col=0, colspan=2)
        self.throughput = self.graphics.addPlot(row=1, col=0)
        self.errors = self.graphics.addPlot(row=1, col=1)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        for plot, unit in ((self.latency, "ms"), (self.throughput, "req/s"),
                           (self.errors, "%")):
            style_run_plot(plot, unit, MIN_Y_TOP)
            plot.setDownsampling(auto=False)  # a few points per curve: draw every one
            plot.setLabel("bottom", "")  # the swept key, once a sweep starts
            # Plain numbers: pyqtgraph would scale 1000..4600 req/s to "x0.001".
            plot.getAxis("bottom").enableAutoSIPrefix(False)
        #: Simulated latency figures by legend name: the mean curve and its band.
        self.bands = {name: Band(self.latency, color) for _m, name, color in LATENCY_CURVES}
        colors = {name: color for _m, name, color in LATENCY_CURVES}
        #: The analytic model's curves by legend name (dashed).
        self.analytic = {
            name: self.latency.plot(pen=pg.mkPen(colors[name], width=2,
                                                 style=Qt.PenStyle.DashLine),
                                    connect="finite")
            for _m, name in ANALYTIC_CURVES}
        self.throughput_band = Band(self.throughput, "#10b981")
        self.analytic_throughput = self.throughput.plot(
            pen=pg.mkPen("#10b981", width=2, style=Qt.PenStyle.DashLine), connect="finite")
        self.error_band = Band(self.errors, "#ef4444")
        top = QHBoxLayout()
        top.addWidget(self.slice_label)
        top.addWidget(self.slice_box)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self._show_slice(False)
        self._apply_theme()

    def _show_slice(self, on: bool) -> None:
        self.slice_box.setVisible(on)
        self.slice_label.setVisible(on)

    def show_result(self, result: SweepResult | None) -> None:
        """Plot ``result`` (partial or complete); ``None`` clears the plots."""
        self.result = result
        axes = result.plan.axes if result is not None else ()
        self.slice_box.blockSignals(True)
        self.slice_box.clear()
        if len(axes) > 1:
            self.slice_label.setText(f"Curves at {axes[1].key} =")
            self.slice_box.addItems([str(v) for v in axes[1].values])
        self.slice_box.blockSignals(False)
        self._show_slice(len(axes) > 1)
        self.redraw()

    def redraw(self) -> None:
        """Draw the current result at the chosen slice of the second axis."""
        result = self.result
        empty = Series(*(np.empty(0) for _ in range(4)))
        if result is None or not result.plan.axes:
            for band in (*self.bands.values(), self.throughput_band, self.error_band):
                band.set(empty)
            for curve in (*self.analytic.values(), self.analytic_throughput):
                curve.setData([], [])
            return
        plan = result.plan
        points = line_points(plan, max(0, self.slice_box.currentIndex()))
        drawn: list[np.ndarray] = []
        predicted: list[np.ndarray] = []
        for metric, name, _color in LATENCY_CURVES:
            data = series(result, points, metric)
            self.bands[name].set(data)
            drawn.append(data.high)
        for metric, name in ANALYTIC_CURVES:
            x, y = analytic_series(plan, points, metric)
            self.analytic[name].setData(x, y)
            predicted.append(y)
        thr = series(result, points, "throughput_rps")
        self.throughput_band.set(thr)
        ax, ay = analytic_series(plan, points, "throughput_rps")
        self.analytic_throughput.setData(ax, ay)
        err = series(result, points, "error_rate", scale=100.0)
        self.error_band.set(err)
        for plot, sim, model in ((self.latency, drawn, predicted),
                                 (self.throughput, [thr.high], [ay]),
                                 (self.errors, [err.high], [])):
            _set_x_axis(plot, plan.axes[0])
            plot.setYRange(0, _y_top(sim, model), padding=0.02)

    def _apply_theme(self) -> None:
        pal = QGuiApplication.palette()
        text = pal.color(QPalette.ColorRole.Text)
        self.graphics.setBackground(pal.color(QPalette.ColorRole.Base))
        keys = " ".join(markup('<span style="color:{color}">{name}</span>', color=color,
                               name=name) for _m, name, color in LATENCY_CURVES)
        titles = {
            self.latency: f"End-to-end latency {keys} &nbsp; band: 95 % CI &nbsp; "
                          "dashed: analytic model (mean, p99)",
            self.throughput: "Throughput &nbsp; dashed: analytic model",
            self.errors: "Error rate",
        }
        for plot, title in titles.items():
            theme_plot(plot, title, text)

    def changeEvent(self, event: QEvent) -> None:
        """Follow a light/dark switch."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)


class HeatMap(QWidget):
    """A two-parameter sweep's chosen figure as coloured cells, with a colour bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepHeatMap")
        self.result: SweepResult | None = None
        self.metric_box = QComboBox()
        self.metric_box.setObjectName("heatMetric")
        for key, (title, unit, _scale) in HEAT_METRICS.items():
            self.metric_box.addItem(f"{title} ({unit})", key)
        self.metric_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.hint = PlainLabel("A heat map needs two swept parameters.")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("heatMapView")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"),
                                        interactive=False, width=18)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        #: The values drawn (rows: the second axis, columns: the first), NaN where none.
        self.values = np.empty((0, 0))
        top = QHBoxLayout()
        top.addWidget(PlainLabel("Figure:"))
        top.addWidget(self.metric_box)
        top.addWidget(self.hint)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        #: One label per cell with its value (a heat map is read by its numbers too).
        self.labels: list[pg.TextItem] = []
        pal = QGuiApplication.palette()
        self._text = pal.color(QPalette.ColorRole.Text)
        self.graphics.setBackground(pal.color(QPalette.ColorRole.Base))
        for axis in (self.plot.getAxis("left"), self.plot.getAxis("bottom"),
                     self.colorbar.axis):
            axis.setTextPen(pg.mkPen(self._text))
            axis.enableAutoSIPrefix(False)

    def show_result(self, result: SweepResult | None) -> None:
        """Draw ``result``'s grid (two axes), or say that it needs two."""
        self.result = result
        self.redraw()

    def redraw(self) -> None:
        """Draw the chosen figure."""
        result = self.result
        two = result is not None and len(result.plan.axes) == 2
        self.hint.setVisible(not two)
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        if result is None or not two:
            self.values = np.empty((0, 0))
            self.image.clear()
            return
        key = str(self.metric_box.currentData())
        title, unit, scale = HEAT_METRICS[key]
        grid = grid_means(result, key, scale)
        self.values = grid.T  # rows: the second axis (y), columns: the first (x)
        finite = self.values[np.isfinite(self.values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if math.isclose(low, high):
            high = low + 1.0
        self.image.setImage(self.values, autoLevels=False)
        self.image.setRect(-0.5, -0.5, self.values.shape[1], self.values.shape[0])
        self.colorbar.setLevels((low, high))
        first, second = result.plan.axes
        self.plot.setLabel("bottom", markup("{key}", key=first.key))
        self.plot.setLabel("left", markup("{key}", key=second.key))
        self.plot.getAxis("bottom").setTicks(
            [[(float(i), _tick(v)) for i, v in enumerate(first.values)]])
        self.plot.getAxis("left").setTicks(
            [[(float(i), _tick(v)) for i, v in enumerate(second.values)]])
        self.plot.setTitle(markup("{title} ({unit}), mean over replications", title=title,
                                  unit=unit), size="9pt", color=self._text.name())
        rows, cols = self.values.shape
        if rows * cols <= MAX_CELL_LABELS:
            for (row, col), value in np.ndenumerate(self.values):
                if not math.isfinite(value):
                    continue
                # Dark text on the bright end of viridis, light text on the dark end.
                bright = (value - low) / (high - low) > 0.6
                label = pg.TextItem(f"{value:,.4g}", color="#111111" if bright else "#f5f5f5",
                                    anchor=(0.5, 0.5))
                label.setPos(col, row)
                self.plot.addItem(label)
                self.labels.append(label)
        self.plot.setRange(xRange=(-0.5, self.values.shape[1] - 0.5),
                           yRange=(-0.5, self.values.shape[0] - 0.5), padding=0)


def _tick(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
