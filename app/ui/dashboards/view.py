"""One custom dashboard on screen: its charts on a grid, fed live from the run.

Each chart plots one metric of the components it names (or the end-to-end
figures). The data are a :class:`~app.ui.dashboards.series.RunSeries` of just
those series; drawing happens on the Overview's redraw timer (the caller
calls :meth:`DashboardView.redraw`), never per snapshot. Every chart's time
axis follows the Overview's, and every chart joins the shared crosshair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from app.engine.snapshot import Snapshot
from app.model.dashboards import END_TO_END_SERIES, Dashboard, DashboardChart
from app.ui.charts import SERIES_COLORS, style_run_plot
from app.ui.crosshair import Crosshair
from app.ui.dashboards.metrics import METRIC_INFO, metric_title
from app.ui.dashboards.series import RunSeries, SeriesKey
from app.ui.plain_text import PlainLabel, markup

#: A chart's y axis never shrinks below 0..1 (an all-zero series still has an axis).
MIN_TOP = 1.0
#: The least height of a grid row: a dashboard taller than the dock scrolls instead of
#: squeezing its charts (and their crosshair labels) flat.
ROW_MIN_HEIGHT = 190


def series_name(cid: str, names: Mapping[str, str]) -> str:
    """What a chart calls a series: the component's name, or "End to end"."""
    return "End to end" if cid == END_TO_END_SERIES else names.get(cid, cid)


def chart_keys(board: Dashboard) -> list[SeriesKey]:
    """Every (component, metric) series the dashboard's charts need, once each."""
    keys: dict[SeriesKey, None] = {}
    for chart in board.charts:
        for cid in chart.components:
            keys[(cid, chart.metric)] = None
    return list(keys)


class DashboardView(QWidget):
    """The charts of one :class:`Dashboard`, on its grid."""

    def __init__(self, board: Dashboard, names: Mapping[str, str], *,
                 crosshair: Crosshair | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.board = board
        self._names = dict(names)
        self._crosshair = crosshair
        self.series = RunSeries(chart_keys(board))
        self._dirty = False
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("dashboardCharts")
        self.graphics.setBackground(QGuiApplication.palette().color(QPalette.ColorRole.Base))
        self.graphics.ci.setSpacing(6)
        #: One plot per chart, in the dashboard's order, with its curves by component.
        self.plots: list[pg.PlotItem] = []
        self.curves: list[dict[str, pg.PlotDataItem]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        if not board.charts:
            hint = PlainLabel("No charts yet: press \u201cAdd chart\u2026\u201d to plot a metric "
                              "of the components you pick.", self)
            hint.setObjectName("dashboardHint")
            hint.setEnabled(False)
            layout.addWidget(hint)
        rows = max((chart.row + chart.rows for chart in board.charts), default=0)
        self.graphics.setMinimumHeight(rows * ROW_MIN_HEIGHT)
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(self.graphics)
        layout.addWidget(self.scroller, 1)
        for chart in board.charts:
            self._add_chart(chart)

    def _add_chart(self, chart: DashboardChart) -> None:
        text = QGuiApplication.palette().color(QPalette.ColorRole.Text)
        plot = self.graphics.addPlot(row=chart.row, col=chart.col, rowspan=chart.rows,
                                     colspan=chart.cols)
        info = METRIC_INFO[chart.metric]
        style_run_plot(plot, info.unit, MIN_TOP)
        curves: dict[str, pg.PlotDataItem] = {}
        legend = []
        for i, cid in enumerate(chart.components):
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            curves[cid] = plot.plot(pen=pg.mkPen(color, width=2), connect="finite")
            legend.append(markup('<span style="color:{color}">\u25a0 {name}</span>',
                                 color=color, name=series_name(cid, self._names)))
        title = markup("{title}", title=chart.title or metric_title(chart.metric))
        plot.setTitle(title + " &nbsp; " + " ".join(legend), color=text.name(), size="9pt")
        for side in ("left", "bottom"):
            plot.getAxis(side).setTextPen(pg.mkPen(text))
        self.plots.append(plot)
        self.curves.append(curves)
        if self._crosshair is not None:
            self._crosshair.add_plot(plot, partial(self._named_curves, curves),
                                     follow_time=True)

    def _named_curves(self, curves: dict[str, pg.PlotDataItem]
                      ) -> list[tuple[str, pg.PlotDataItem]]:
        return [(series_name(cid, self._names), curve) for cid, curve in curves.items()]

    def chart_label(self, index: int) -> str:
        """A chart as plain text: its title and what it plots (menus, tests)."""
        chart = self.board.charts[index]
        names = ", ".join(series_name(cid, self._names) for cid in chart.components)
        return f"{chart.title or metric_title(chart.metric)}: {names}"

    def detach(self) -> None:
        """Leave the shared crosshair (the view is about to go)."""
        if self._crosshair is not None:
            for plot in self.plots:
                self._crosshair.remove_plot(plot)

    # -- data ----------------------------------------------------------------------------

    def restart(self, snapshots: Iterable[Snapshot] = ()) -> None:
        """Forget the data and take ``snapshots`` (a new run, or a run's past)."""
        self.series = RunSeries(chart_keys(self.board))
        self.series.extend(snapshots)
        self._dirty = True

    def append(self, batch: Sequence[Snapshot]) -> None:
        """Take a batch (no drawing: :meth:`redraw` does, on the redraw timer)."""
        self.series.extend(batch)
        self._dirty = True

    def redraw(self) -> None:
        """Push new samples to the curves and fit the y axes (nothing if none arrived)."""
        if not self._dirty:
            return
        self._dirty = False
        t = self.series.time()
        for chart, plot, curves in zip(self.board.charts, self.plots, self.curves,
                                       strict=True):
            top = 0.0
            for cid, curve in curves.items():
                key = (cid, chart.metric)
                values = self.series.values(key)
                curve.setData(t, values)
                peak = self.series.peak(key)
                if not math.isnan(peak):
                    top = max(top, peak)
            plot.setYRange(0.0, max(MIN_TOP, top * 1.08), padding=0.02)

    def curve_data(self, chart: int, cid: str) -> tuple[np.ndarray, np.ndarray]:
        """What chart ``chart`` shows for ``cid`` now, for tests."""
        x, y = self.curves[chart][cid].getData()
        return (np.asarray(x if x is not None else []), np.asarray(y if y is not None else []))
