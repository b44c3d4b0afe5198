"""The component detail view: everything one component did over a run.

A non-modal dialog (objectName ``component_detail``) opened by double-clicking
a node once a run has data: a chart per group of metrics (traffic, latency,
resources, errors, replicas), a table of every per-window metric (last, mean,
max), its links' figures (calls, failures, retries, breaker), the run's
events about it and, in their own tab, its alerts (events whose kind starts
with ``alert_``). It follows a run in progress: batches are appended as they
arrive (work per window is the component's metrics and its links, never the
run's history) and drawn on the charts' redraw timer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.events import RunEvent
from app.engine.snapshot import Snapshot
from app.model.dashboards import DASHBOARD_METRICS
from app.model.document import Document
from app.model.resilience import link_key
from app.ui.charts import AXIS_WIDTH, SERIES_COLORS
from app.ui.crosshair import Crosshair
from app.ui.dashboards.metrics import METRIC_GROUPS, METRIC_INFO, format_value
from app.ui.dashboards.series import RunSeries
from app.ui.events.panel import detail_text, kind_text
from app.ui.plain_text import PlainLabel, markup

#: Events whose kind starts with this are alerts (pending, firing, resolved).
ALERT_PREFIX = "alert_"
METRIC_COLUMNS = ("Metric", "Group", "Last", "Mean", "Max")
LINK_COLUMNS = ("Link", "Calls", "Calls/s (mean)", "Failed", "Timed out", "Retried",
                "Short-circuited", "p95 (ms, last)", "Breaker")
EVENT_COLUMNS = ("Time (s)", "What", "Detail")


@dataclass
class LinkTotals:
    """One link's figures summed over the run so far, and its last window's."""

    calls: int = 0
    failed: int = 0
    timed_out: int = 0
    retried: int = 0
    short_circuited: int = 0
    rps_total: float = 0.0
    windows: int = 0
    p95_last: float | None = None
    breaker: str | None = None


def _table(columns: Sequence[str], name: str, parent: QWidget, stretch: int = 0
           ) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The column with words takes the spare width, not a number.
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


#: Short names in a group's chart, whose title says the rest ("Latency (ms)": "p95").
_LEGENDS = {"latency_p50_ms": "p50", "latency_p95_ms": "p95", "latency_p99_ms": "p99",
            "utilization": "CPU", "memory_utilization": "memory", "replicas": "serving",
            "replicas_up": "up"}


def _legend(metric: str) -> str:
    return _LEGENDS.get(metric, METRIC_INFO[metric].label)


def _set_row(table: QTableWidget, row: int, texts: Sequence[str]) -> None:
    for col, text in enumerate(texts):
        item = table.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            if col > 0 and table.objectName() != "detailEvents":
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, col, item)
        if item.text() != text:
            item.setText(text)


class ComponentDetail(QDialog):
    """Every metric, link figure, event and alert of one component over the run."""

    def __init__(self, component_id: str, model: Document, crosshair: Crosshair | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("component_detail")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.component_id = component_id
        comp = model.component(component_id)
        self.name = comp.display_name
        self.setWindowTitle(f"{self.name} \u2014 component detail")
        self._links = [link_key(link.source, link.target) for link in model.links
                       if component_id in (link.source, link.target)]
        self._crosshair = crosshair
        self.series = RunSeries((component_id, m) for m in DASHBOARD_METRICS)
        self.link_totals: dict[str, LinkTotals] = {key: LinkTotals() for key in self._links}
        self.events: list[RunEvent] = []
        self._dirty = False
        self.header = PlainLabel(f"{self.name} ({comp.type})", self)
        self.header.setObjectName("detailHeader")
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("detailCharts")
        self.graphics.setBackground(QGuiApplication.palette().color(QPalette.ColorRole.Base))
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._build_plots()
        self.metrics_table = _table(METRIC_COLUMNS, "detailMetrics", self)
        self.metrics_table.setRowCount(len(DASHBOARD_METRICS))
        self._metric_order = [m for group, _t, _p in METRIC_GROUPS
                              for m in DASHBOARD_METRICS if METRIC_INFO[m].group == group]
        self.links_table = _table(LINK_COLUMNS, "detailLinks", self)
        self.events_table = _table(EVENT_COLUMNS, "detailEvents", self, stretch=2)
        self.alerts_table = _table(EVENT_COLUMNS, "detailAlerts", self, stretch=2)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("detailTabs")
        self.tabs.addTab(self.metrics_table, "Metrics")
        self.tabs.addTab(self.links_table, "Links")
        self.tabs.addTab(self.events_table, "Events")
        self.tabs.addTab(self.alerts_table, "Alerts")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.graphics)
        split.addWidget(self.tabs)
        split.setSizes([560, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        self.resize(1120, 620)

    def _build_plots(self) -> None:
        text = QGuiApplication.palette().color(QPalette.ColorRole.Text)
        for i, (group, title, metrics) in enumerate(METRIC_GROUPS):
            plot = self.graphics.addPlot(row=i // 2, col=i % 2)
            legend = " ".join(
                markup('<span style="color:{color}">\u25a0 {name}</span>',
                       color=SERIES_COLORS[j % len(SERIES_COLORS)],
                       name=_legend(m))
                for j, m in enumerate(metrics)) if len(metrics) > 1 else ""
            plot.setTitle(markup("{title}", title=title) + " " + legend, color=text.name(),
                          size="9pt")
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setClipToView(True)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.enableAutoRange(axis="y", enable=False)
            plot.setYRange(0.0, 1.0, padding=0.02)
            for j, metric in enumerate(metrics):
                pen = pg.mkPen(SERIES_COLORS[j % len(SERIES_COLORS)], width=2)
                self.curves[metric] = plot.plot(pen=pen, connect="finite")
            self.plots[group] = plot
            if self._crosshair is not None:
                self._crosshair.add_plot(plot, partial(self._group_curves, metrics),
                                         follow_time=True)

    def _group_curves(self, metrics: Sequence[str]) -> list[tuple[str, pg.PlotDataItem]]:
        return [(_legend(m), self.curves[m]) for m in metrics]

    def detach(self) -> None:
        """Leave the shared crosshair and time axis (the view closes)."""
        if self._crosshair is not None:
            for plot in self.plots.values():
                self._crosshair.remove_plot(plot)
            self._crosshair = None

    # -- data ----------------------------------------------------------------------------

    def restart(self, snapshots: Iterable[Snapshot] = (),
                events: Iterable[RunEvent] = ()) -> None:
        """Forget what was shown and take a run's past (or nothing: a run starts)."""
        self.series = RunSeries((self.component_id, m) for m in DASHBOARD_METRICS)
        self.link_totals = {key: LinkTotals() for key in self._links}
        self.events = []
        for table in (self.events_table, self.alerts_table):
            table.setRowCount(0)
        self.append(list(snapshots), with_events=False)
        self.set_events(events)

    def append(self, batch: Sequence[Snapshot], with_events: bool = True) -> None:
        """Take a batch of the run (drawn at the next :meth:`redraw`)."""
        for snapshot in batch:
            self.series.append(snapshot)
            for key, totals in self.link_totals.items():
                figures = snapshot.links.get(key)
                if figures is None:
                    continue
                totals.calls += figures.calls
                totals.failed += figures.failed
                totals.timed_out += figures.timed_out
                totals.retried += figures.retried
                totals.short_circuited += figures.short_circuited
                totals.rps_total += figures.calls_rps
                totals.windows += 1
                totals.p95_last = figures.latency_p95_ms
                totals.breaker = figures.breaker
            if with_events:
                self.events.extend(e for e in snapshot.events if self.concerns(e))
        self._dirty = True

    def set_events(self, events: Iterable[RunEvent]) -> None:
        """Replace the events shown by those of ``events`` about this component."""
        self.events = [e for e in events if self.concerns(e)]
        self._dirty = True

    def concerns(self, event: RunEvent) -> bool:
        """Whether an event is about this component or one of its links."""
        return event.target == self.component_id or event.target in self.link_totals

    def alert_events(self) -> list[RunEvent]:
        """This component's alerts (pending, firing, resolved), oldest first."""
        return [e for e in self.events if e.kind.startswith(ALERT_PREFIX)]

    # -- drawing -------------------------------------------------------------------------

    def redraw(self) -> None:
        """Show what arrived since the last redraw (nothing if nothing did)."""
        if not self._dirty:
            return
        self._dirty = False
        series, cid = self.series, self.component_id
        t = series.time()
        for group, _title, metrics in METRIC_GROUPS:
            top = 1.0
            for metric in metrics:
                self.curves[metric].setData(t, series.values((cid, metric)))
                peak = series.peak((cid, metric))
                if not math.isnan(peak):
                    top = max(top, peak * 1.08)
            self.plots[group].setYRange(0.0, top, padding=0.02)
        simulated = f"{t[-1]:g} s simulated" if len(t) else "no windows yet"
        self.header.setText(f"{self.name} \u00b7 {series.count} windows, {simulated}")
        for row, metric in enumerate(self._metric_order):
            info = METRIC_INFO[metric]
            key = (cid, metric)
            _set_row(self.metrics_table, row, (
                f"{info.label} ({info.unit})", info.group, format_value(series.last(key)),
                format_value(series.mean(key)), format_value(series.peak(key))))
        self._show_links()
        self._show_events(self.events_table, [e for e in self.events
                                              if not e.kind.startswith(ALERT_PREFIX)])
        self._show_events(self.alerts_table, self.alert_events())

    def _show_links(self) -> None:
        self.links_table.setRowCount(len(self.link_totals))
        for row, (key, totals) in enumerate(self.link_totals.items()):
            mean_rps = totals.rps_total / totals.windows if totals.windows else math.nan
            p95 = math.nan if totals.p95_last is None else totals.p95_last
            _set_row(self.links_table, row, (
                key, f"{totals.calls:,}", format_value(mean_rps), f"{totals.failed:,}",
                f"{totals.timed_out:,}", f"{totals.retried:,}", f"{totals.short_circuited:,}",
                format_value(p95), totals.breaker or "\u2014"))

    def _show_events(self, table: QTableWidget, events: list[RunEvent]) -> None:
        if table.rowCount() == len(events):
            return  # events are only ever appended: the same count is the same rows
        table.setRowCount(len(events))
        for row, event in enumerate(events):
            what = kind_text(event.kind)
            if event.target != self.component_id:
                what = f"{what} ({event.target})"
            _set_row(table, row, (f"{event.time_s:g}", what, detail_text(event.detail)))
