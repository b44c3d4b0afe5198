"""Live charts of a run (pyqtgraph): throughput, latency percentiles, errors, load, queues.

Samples go into preallocated numpy buffers as batches arrive; the plots are
redrawn by *one* GUI timer at ~20 Hz, whatever the engine's speed, with
``setData`` on views of those buffers (pyqtgraph's advice: never redraw per
event). The buffers are sized for the whole run up front, so appending never
reallocates; a view handed to pyqtgraph is never written to afterwards.

A window without a completed request has no latency (``None`` in the
snapshot): it is stored as NaN and drawn as a gap (``connect="finite"``),
never as 0. The y axes of the unbounded plots start at 0 and never shrink to
a degenerate range, so an all-zero run shows a flat line on a sane axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.engine.snapshot import Snapshot
from app.ui.chart_buffers import E2E_SERIES, MetricBuffers, finite_max, nice_ceil
from app.ui.chart_markers import EventMarkers
from app.ui.crosshair import Crosshair
from app.ui.plain_text import PlainLabel, markup

REDRAW_INTERVAL_MS = 50
#: Between two plots shown by :meth:`ChartsPanel.reveal_in_turns` (about one frame).
REVEAL_INTERVAL_MS = 16
#: The smallest top of a y axis that grows with the data (an all-zero run still
#: shows 0..1 req/s, 0..1 ms, 0..1 request), and the head-room above the data.
MIN_Y_TOP = 1.0
Y_HEADROOM = 1.08
#: Plots whose y axis follows the data (the others are fixed 0-100 %).
AUTO_Y_PLOTS = ("throughput", "latency", "queue")
#: (key, title, unit): the first three plots are end to end, the last two per component.
PLOT_SPECS = (
    ("throughput", "Throughput", "req/s"),
    ("latency", "Latency", "ms"),
    ("errors", "Error rate", "%"),
    ("utilization", "Utilization", "%"),
    ("queue", "Queue length", "requests"),
)
#: Headings over groups of plots: (text, first column, columns). One heading says
#: what the three end-to-end plots measure, so each plot's own title stays short
#: and five plots fit side by side on a 1366-pixel screen.
PLOT_GROUPS = (
    ("End to end: every request, as its client sees it", 0, 3),
    ("Per component (ticked on the left)", 3, 2),
)
SERIES_COLORS = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899",
                 "#14b8a6", "#eab308", "#6366f1", "#f97316")
DEFAULT_PICKS = 3
AXIS_WIDTH = 58
LATENCY_COLORS = (("p50", "#3b82f6"), ("p95", "#f59e0b"), ("p99", "#ef4444"))
def _swatch(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(color))
    return QIcon(pix)


def theme_plot(plot: pg.PlotItem, title: str, text: QColor) -> None:
    """Colour a plot's title and axes from the palette's text colour (light or dark theme)."""
    axis_color = QColor(text)
    axis_color.setAlpha(170)
    plot.setTitle(title, color=text.name(), size="9pt")
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(axis_color))
        axis.setTextPen(pg.mkPen(text))


def style_run_plot(plot: pg.PlotItem, unit: str, y_top: float) -> None:
    """A run chart's look: plain unit, time axis, grid, no mouse, our own y range.

    Shared by the Overview, the custom dashboards and the component detail view.
    """
    # Plain units: pyqtgraph's SI prefixes would turn req/s into "kreq/s".
    plot.setLabel("left", f"({unit})")
    plot.setLabel("bottom", "simulated time (s)")
    # A fixed axis width: new tick labels ("0.8" -> "4400") must not re-lay out
    # all the plots in the middle of a run (that was the costliest redraw).
    plot.getAxis("left").setWidth(AXIS_WIDTH)
    plot.showGrid(x=True, y=True, alpha=0.25)
    # The axes draw the grid too, so every new curve point repainted all of them:
    # ticks, labels and grid replayed from a QPicture, the costliest part of a frame
    # (issue #14). Cached as pixmaps, a frame blits them; a range change redraws.
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Grid lines at the labelled ticks only. pyqtgraph's two finer levels of faint
        # lines were most of an axis redraw (10 axes: 52 ms -> 15 ms, 1400x300 panel),
        # and a run's first frame redraws them all (issue #14's stall).
        axis.setStyle(maxTickLevel=0)
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    # Our own y range (fitted per redraw): autorange of an all-zero series is degenerate.
    plot.enableAutoRange(axis="y", enable=False)
    plot.setYRange(0, y_top, padding=0.02)


class ChartsPanel(QWidget):
    """The Charts dock's contents: a component picker and five live plots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartsPanel")
        self.buffers: MetricBuffers | None = None
        self.redraw_count = 0
        #: The top of each data-following y axis after the last redraw.
        self.y_top: dict[str, float] = dict.fromkeys(AUTO_Y_PLOTS, MIN_Y_TOP)
        self._dirty = False
        self._names: dict[str, str] = {}
        self._picked: list[str] = []
        self._component_curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        #: (id, name) of the components the curves above were made for.
        self._curve_owners: list[tuple[str, str]] = []
        self.picker = QListWidget(self)
        self.picker.setObjectName("chartComponents")
        self.picker.setToolTip("Components whose utilization and queue length are plotted")
        self.picker.setMaximumWidth(190)
        self.picker.itemChanged.connect(self._on_pick_changed)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("chartsView")
        self.graphics.ci.setSpacing(4)
        self._plots: dict[str, pg.PlotItem] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._build_plots()
        #: The run's events as vertical markers on every plot.
        self.markers = EventMarkers(self._plots.values())
        #: One time line across these plots and every custom dashboard's (shared).
        self.crosshair = Crosshair(self)
        self.crosshair.set_time_plot(self._plots["throughput"])
        self._join_crosshair()
        # The plots are shown from the start (empty), so their costly first paint
        # happens with the window, not in the middle of a run.
        self.hint = PlainLabel(
            "Press Run (F5): throughput, latency, errors, and the utilization and queue "
            "length of the components ticked on the left appear here live.", self)
        self.hint.setObjectName("chartsHint")
        self.hint.setEnabled(False)
        # Its text changes when a run starts: that must not re-lay out the plots.
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        picker_box = QVBoxLayout()
        picker_box.addWidget(PlainLabel("Per component:", self))
        picker_box.addWidget(self.picker)
        plots_box = QVBoxLayout()
        plots_box.addWidget(self.hint)
        plots_box.addWidget(self.graphics, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(picker_box)
        layout.addLayout(plots_box, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self.redraw)
        #: Plots still transparent after :meth:`reveal_in_turns`, first to show first.
        self._unrevealed: list[pg.PlotItem] = []
        self._reveal_timer = QTimer(self)  # owned: never fires after the panel is gone
        self._reveal_timer.setSingleShot(True)
        # A frame apart, not 0 ms: a zero timer restarted from its own handler may run
        # again before the paint it asked for, and the plots would share one paint.
        self._reveal_timer.setInterval(REVEAL_INTERVAL_MS)
        self._reveal_timer.timeout.connect(self._reveal_next)
        self._apply_theme()

    def _build_plots(self) -> None:
        self.headings: list[pg.LabelItem] = [
            self.graphics.addLabel(text, row=0, col=col, colspan=span)
            for text, col, span in PLOT_GROUPS
        ]
        first: pg.PlotItem | None = None
        for col, (key, title, unit) in enumerate(PLOT_SPECS):
            plot = self.graphics.addPlot(row=1, col=col, title=title)
            style_run_plot(plot, unit, 100 if key not in AUTO_Y_PLOTS else MIN_Y_TOP)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self._plots[key] = plot
        # connect="finite": a NaN (a window without the figure) is a gap in the line.
        self._curves["throughput"] = self._plots["throughput"].plot(
            pen=pg.mkPen("#10b981", width=2), connect="finite")
        for key, color in LATENCY_COLORS:
            self._curves[key] = self._plots["latency"].plot(
                pen=pg.mkPen(color, width=2), connect="finite")
        self._curves["error_rate"] = self._plots["errors"].plot(
            pen=pg.mkPen("#ef4444", width=2), connect="finite")
        # No legends over the data: latency names its curves in the title, and the
        # per-component colours are the swatches in the picker.

    @property
    def time_plot(self) -> pg.PlotItem:
        """The plot whose time axis every chart follows (link others' X to it)."""
        return self._plots["throughput"]

    def plot(self, key: str) -> pg.PlotItem:
        """One of the Overview's plots (``throughput``, ``latency``, ...), for tests."""
        return self._plots[key]

    def _join_crosshair(self) -> None:
        fixed = {
            "throughput": [("", "throughput")],
            "latency": [(key, key) for key, _color in LATENCY_COLORS],
            "errors": [("", "error_rate")],
        }
        for key, series in fixed.items():
            self.crosshair.add_plot(self._plots[key], partial(self._fixed_curves, series))
        for key, which in (("utilization", 0), ("queue", 1)):
            self.crosshair.add_plot(self._plots[key], partial(self._picked_curves, which))

    def _fixed_curves(self, series: list[tuple[str, str]]) -> list[tuple[str, pg.PlotDataItem]]:
        return [(name, self._curves[curve]) for name, curve in series]

    def _picked_curves(self, which: int) -> list[tuple[str, pg.PlotDataItem]]:
        return [(self._names.get(cid, cid), curves[which])
                for cid, curves in self._component_curves.items()]

    # -- run lifecycle -----------------------------------------------------------------------

    def prepare(self, components: Iterable[tuple[str, str]]) -> None:
        """Offer these ``(id, name)`` components in the picker and build their curves.

        Called whenever the design changes (and again by :meth:`start_run`); it does
        nothing when the components are unchanged, so pressing Run stays cheap.
        """
        comps = list(components)
        if comps == list(self._names.items()):
            return
        self._names = dict(comps)
        ids = [cid for cid, _name in comps]
        previous = [cid for cid in self._picked if cid in self._names]
        self._picked = previous or ids[:DEFAULT_PICKS]
        self.picker.blockSignals(True)
        self.picker.clear()
        for cid, name in comps:
            item = QListWidgetItem(name, self.picker)
            item.setData(Qt.ItemDataRole.UserRole, cid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if cid in self._picked
                               else Qt.CheckState.Unchecked)
        self.picker.blockSignals(False)
        self._rebuild_component_curves()

    def set_time_span(self, duration_s: float) -> None:
        """Show the run's length on the time axis before it starts."""
        x_range = (0.0, float(max(1.0, math.ceil(duration_s))))
        if tuple(self._plots["throughput"].viewRange()[0]) != x_range:
            self._plots["throughput"].setXRange(*x_range, padding=0)

    def start_run(self, components: Iterable[tuple[str, str]], windows: int) -> None:
        """Prepare buffers for a run of ``windows`` windows over ``(id, name)`` components."""
        self.prepare(components)
        self.buffers = MetricBuffers(list(self._names), windows + 2)
        self.redraw_count = 0
        self.y_top = dict.fromkeys(AUTO_Y_PLOTS, MIN_Y_TOP)
        # Same one line as before: the plots' layout (costly to redo) does not move.
        self.hint.setText("Live figures of the current run; the table of results follows "
                          "when it ends.")
        self.set_time_span(windows)
        self.markers.clear()
        self._dirty = True
        self.redraw()
        self.timer.start()

    def append(self, batch: Iterable[Snapshot]) -> None:
        """Take a batch of snapshots (cheap: copies into the buffers, no drawing)."""
        if self.buffers is None:
            return
        for snapshot in batch:
            self.buffers.append(snapshot)
            for event in snapshot.events:
                self.markers.add(event.kind, event.time_s)
        self._dirty = True

    def finish_run(self) -> None:
        """Final redraw; the timer stops."""
        self.timer.stop()
        self._dirty = True
        self.redraw()

    def reveal_in_turns(self) -> None:
        """Show the plots one a frame, each in a turn of its own, the first a frame from now.

        Call it just before the panel comes into view (the Charts dock raised from
        behind the Results): the turn that raises it then lays out and paints the
        panel without any plot, and each plot and its two axes get a paint of their
        own; five plots and ten axes in one turn were the longest GUI stall of a
        run on a busy machine, and one plot with the raise still the second longest
        (issue #14). All five are shown about 80 ms after the raise.
        """
        plots = list(self._plots.values())
        for plot in plots:
            plot.setOpacity(0.0)  # a transparent item is not painted at all
        self._unrevealed = plots
        self._reveal_timer.start()

    def _reveal_next(self) -> None:
        if self._unrevealed:
            self._unrevealed.pop(0).setOpacity(1.0)
        if self._unrevealed:
            self._reveal_timer.start()  # a frame later: this plot's paint comes between

    @property
    def plots_pending_reveal(self) -> int:
        """Plots :meth:`reveal_in_turns` has not shown yet (tests)."""
        return len(self._unrevealed)

    @property
    def plots(self) -> list[pg.PlotItem]:
        """The plots of the overview row (for items others draw on them: alert spans)."""
        return list(self._plots.values())

    @property
    def sample_count(self) -> int:
        """Windows received in the current run."""
        return self.buffers.count if self.buffers is not None else 0

    @property
    def picked_components(self) -> list[str]:
        """Ids of the components plotted individually."""
        return list(self._picked)

    def set_picked_components(self, component_ids: Iterable[str]) -> None:
        """Plot exactly these components' utilization and queue length."""
        wanted = set(component_ids)
        for i in range(self.picker.count()):
            item = self.picker.item(i)
            cid = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(Qt.CheckState.Checked if cid in wanted else Qt.CheckState.Unchecked)

    def curve_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """What a plot shows now (``throughput``, ``p95``, ``util:<id>``...), for tests."""
        if key.startswith(("util:", "queue:")):
            kind, cid = key.split(":", 1)
            curve = self._component_curves[cid][0 if kind == "util" else 1]
        else:
            curve = self._curves[key]
        x, y = curve.getData()
        return (np.asarray(x if x is not None else []), np.asarray(y if y is not None else []))

    # -- drawing -----------------------------------------------------------------------------

    def redraw(self) -> None:
        """Push new samples to the plots (the timer's tick; does nothing if none arrived)."""
        buffers = self.buffers
        if not self._dirty or buffers is None:
            return
        self._dirty = False
        self.markers.flush()
        n = buffers.count
        t = buffers.time[:n]
        for key, _field, _scale in E2E_SERIES:
            self._curves[key].setData(t, buffers.e2e[key][:n])
        for cid, (util, queue) in self._component_curves.items():
            row = buffers.index[cid]
            util.setData(t, buffers.utilization[row, :n])
            queue.setData(t, buffers.queue[row, :n])
        if n and t[-1] > self._plots["throughput"].viewRange()[0][1]:
            self._plots["throughput"].setXRange(0, math.ceil(t[-1]), padding=0)
        self._fit_y(n)
        self.crosshair.refresh()
        self.redraw_count += 1

    def _fit_y(self, n: int) -> None:
        """Y from 0 to just above the highest finite value, at least 0..MIN_Y_TOP."""
        buffers = self.buffers
        assert buffers is not None
        series = {
            "throughput": [buffers.e2e["throughput"][:n]],
            "latency": [buffers.e2e[key][:n] for key, _color in LATENCY_COLORS],
            "queue": [buffers.queue[buffers.index[cid], :n] for cid in self._component_curves],
        }
        for key, arrays in series.items():
            top = max((finite_max(a) for a in arrays), default=0.0)
            new_top = max(MIN_Y_TOP, nice_ceil(top * Y_HEADROOM))
            if new_top != self.y_top[key] or self.redraw_count == 0:
                self.y_top[key] = new_top
                # A little padding: a line at 0 shows above the axis, not on it.
                self._plots[key].setYRange(0.0, new_top, padding=0.02)

    def _on_pick_changed(self, _item: QListWidgetItem) -> None:
        self._picked = [
            str(self.picker.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.picker.count())
            if self.picker.item(i).checkState() == Qt.CheckState.Checked
        ]
        self._rebuild_component_curves()
        self._dirty = True
        self.redraw()

    def _rebuild_component_curves(self) -> None:
        util_plot, queue_plot = self._plots["utilization"], self._plots["queue"]
        wanted = [(cid, self._names.get(cid, cid)) for cid in self._picked]
        if wanted == self._curve_owners:
            self._show_swatches()
            return  # the same picks as the last run: keep the curves (cheaper start)
        for util, queue in self._component_curves.values():
            util_plot.removeItem(util)
            queue_plot.removeItem(queue)
        self._component_curves.clear()
        # No curve names: pyqtgraph would render a component's name as HTML in a legend.
        for i, (cid, _name) in enumerate(wanted):
            pen = pg.mkPen(SERIES_COLORS[i % len(SERIES_COLORS)], width=2)
            self._component_curves[cid] = (util_plot.plot(pen=pen, connect="finite"),
                                           queue_plot.plot(pen=pen, connect="finite"))
        self._curve_owners = wanted
        self._show_swatches()

    def _show_swatches(self) -> None:
        """Each ticked component shows its curve's colour in the picker (the legend)."""
        colors = {cid: SERIES_COLORS[i % len(SERIES_COLORS)]
                  for i, cid in enumerate(self._picked)}
        self.picker.blockSignals(True)
        for i in range(self.picker.count()):
            item = self.picker.item(i)
            color = colors.get(str(item.data(Qt.ItemDataRole.UserRole)))
            item.setIcon(_swatch(color) if color else QIcon())
        self.picker.blockSignals(False)

    # -- theme -------------------------------------------------------------------------------

    def _apply_theme(self) -> None:
        pal = QGuiApplication.palette()
        background = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        self.graphics.setBackground(background)
        titles = {key: title for key, title, _unit in PLOT_SPECS}
        titles["latency"] += " " + " ".join(
            markup('<span style="color:{color}">{key}</span>', color=color, key=key)
            for key, color in LATENCY_COLORS)
        for heading, (heading_text, _col, _span) in zip(self.headings, PLOT_GROUPS,
                                                        strict=True):
            heading.setText(heading_text, color=text.name(), size="9pt", bold=True)
        for key, plot in self._plots.items():
            theme_plot(plot, titles[key], text)

    def changeEvent(self, event: QEvent) -> None:
        """Follow a light/dark switch."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)
