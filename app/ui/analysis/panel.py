"""The Analysis dock's contents: the model's headline, anomalies, trends and forecasts.

Before any run it shows what the analytic model predicts for the design
(saturation load, which component saturates first, the bottleneck); after a
run, the run's ``summary["analysis"]``: anomalies, trends (significant first)
and forecasts. Selecting an anomaly or a forecast asks for its time to be
highlighted on the charts (:attr:`AnalysisPanel.time_selected`). Every text
is plain: component ids come from a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.plain_text import PlainLabel

ANOMALY_COLUMNS: Final = ("Time (s)", "Component", "Metric", "Value", "Detector", "Score")
TREND_COLUMNS: Final = ("Component", "Metric", "Slope per s", "p-value", "Significant", "Windows")
FORECAST_COLUMNS: Final = ("Component", "Metric", "Forecast", "Detail")
NO_MODEL_TEXT: Final = ("Queueing model: no prediction yet (it needs a valid design with a "
                        "client).")
NO_RUN_TEXT: Final = "Anomalies, trends and forecasts of a run appear here when it ends."
#: Table tabs by what they list (their titles carry the count).
TAB_TITLES: Final = ("Anomalies", "Trends", "Forecasts")


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if value != 0 and abs(value) < 10 ** -digits:
        return f"{value:.{digits}g}" if abs(value) >= 1e-3 else f"{value:.2e}"
    return f"{value:,.{digits}f}"


def headline_text(analytic: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    """The model's headline: offered load, saturation load, first to saturate, bottleneck."""
    if analytic is None:
        return NO_MODEL_TEXT

    def name(cid: str | None) -> str:
        return "—" if cid is None else names.get(cid, cid)

    e2e = analytic.get("end_to_end") or {}
    offered = e2e.get("offered_rps")
    sat = analytic.get("saturation_rps")
    parts = [f"Queueing model: offered {_num(offered, 1)} req/s"]
    if sat is None:
        parts.append("no saturation load (no station is loaded, or a cycle never settles)")
    else:
        head = "" if offered is None or not offered else f" ({sat / offered:.2f}× today)"
        parts.append(f"saturates at {_num(sat, 1)} req/s{head}, "
                     f"first {name(analytic.get('saturates_first'))}")
    parts.append(f"bottleneck {name(analytic.get('bottleneck'))}")
    mean = e2e.get("mean_latency_ms")
    parts.append("end-to-end mean " + ("saturated" if mean is None else
                                       f"{'' if e2e.get('exact') else '≈ '}{_num(mean)} ms"))
    return "; ".join(parts) + "."


def forecast_text(item: Mapping[str, Any]) -> tuple[str, str]:
    """(what, detail) of one forecast, for the table."""
    kind = item.get("kind")
    if kind == "p99_target":
        target = _num(item.get("target_ms"))
        if item.get("already_exceeded"):
            return (f"p99 target {target} ms already exceeded",
                    f"p99 now {_num(item.get('p99_now_ms'))} ms")
        load = item.get("load_rps")
        if load is None:
            return (f"p99 target {target} ms holds up to 1000× today's load",
                    f"p99 now {_num(item.get('p99_now_ms'))} ms")
        saturated = " (the model saturates there)" if item.get("saturated") else ""
        return (f"p99 passes {target} ms at {_num(load, 1)} req/s{saturated}",
                f"{_num(item.get('load_factor'))}× today's {_num(item.get('offered_rps'), 1)} "
                f"req/s; p99 now {_num(item.get('p99_now_ms'))} ms")
    if kind == "saturation":
        return (f"reaches {_num(item.get('level'), 0)} in {_num(item.get('at_s'), 1)} s "
                "after the run's end", f"trend {_num(item.get('slope_per_s'), 4)} per s, "
                f"p = {_num(item.get('p_value'), 3)}")
    if kind == "queue_growth":
        return ("queue grows without bound",
                f"+{_num(item.get('growth_per_s'), 2)} requests per s, "
                f"p = {_num(item.get('p_value'), 3)}")
    return (str(kind), "")


def _table(columns: Sequence[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]],
          times: Sequence[float | None]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, times[r])
            table.setItem(r, c, item)


class AnalysisPanel(QWidget):
    """The Analysis dock's widget (see the module doc)."""

    #: A row with a time was selected: highlight this simulated second on the charts.
    time_selected = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisPanel")
        self.headline = PlainLabel(NO_MODEL_TEXT, self)
        self.headline.setObjectName("analysisHeadline")
        self.headline.setWordWrap(True)
        self.run_line = PlainLabel(NO_RUN_TEXT, self)
        self.run_line.setObjectName("analysisRunLine")
        self.run_line.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.anomalies = _table(ANOMALY_COLUMNS, "analysisAnomalies", self)
        self.trends = _table(TREND_COLUMNS, "analysisTrends", self)
        self.forecasts = _table(FORECAST_COLUMNS, "analysisForecasts", self)
        for table, title in zip((self.anomalies, self.trends, self.forecasts), TAB_TITLES,
                                strict=True):
            self.tabs.addTab(table, title)
            table.itemSelectionChanged.connect(lambda t=table: self._on_selected(t))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.headline)
        layout.addWidget(self.run_line)
        layout.addWidget(self.tabs, 1)

    def show_model(self, analytic: Mapping[str, Any] | None, names: Mapping[str, str]) -> None:
        """The analytic model's headline (before a run: the design's; after: the run's)."""
        self.headline.setText(headline_text(analytic, names))

    def show_analysis(self, analysis: Mapping[str, Any] | None, names: Mapping[str, str],
                      end_s: float | None) -> None:
        """A run's ``analysis`` block (``None``: the run had none); ``end_s``: its end,
        where a forecast's extrapolation starts."""
        if analysis is None:
            self.clear_run("The run has no analysis (it failed or was stopped at once).")
            return

        def name(cid: str) -> str:
            return "end to end" if cid == "end_to_end" else names.get(cid, cid)

        anomalies = list(analysis.get("anomalies") or [])
        _fill(self.anomalies, [
            (_num(a.get("time_s"), 1), name(a.get("component", "")), a.get("metric", ""),
             _num(a.get("value"), 3), a.get("detector", ""), _num(a.get("score"), 1))
            for a in anomalies], [a.get("time_s") for a in anomalies])
        trends = sorted(analysis.get("trends") or [],
                        key=lambda t: (not t.get("significant"), t.get("p_value") or 1.0))
        _fill(self.trends, [
            (name(t.get("component", "")), t.get("metric", ""),
             _num(t.get("slope_per_s"), 4), _num(t.get("p_value"), 3),
             "yes" if t.get("significant") else "no", str(t.get("n", "")))
            for t in trends], [None] * len(trends))
        forecasts = list(analysis.get("forecasts") or [])
        _fill(self.forecasts, [
            (name(f.get("component", "")), f.get("metric", ""), *forecast_text(f))
            for f in forecasts], [end_s if f.get("kind") != "p99_target" else None
                                  for f in forecasts])
        counts = (len(anomalies), len(trends), len(forecasts))
        for index, (title, count) in enumerate(zip(TAB_TITLES, counts, strict=True)):
            self.tabs.setTabText(index, f"{title} ({count})")
        significant = sum(1 for t in trends if t.get("significant"))
        left = sum(int(analysis.get(f"{k}_left_out") or 0)
                   for k in ("anomalies", "trends", "forecasts"))
        self.run_line.setText(
            f"Last run: {analysis.get('windows', 0)} windows of "
            f"{_num(analysis.get('window_s'), 1)} s analysed; {counts[0]} anomalies, "
            f"{significant} significant trends, {counts[2]} forecasts"
            + (f" ({left} more left out)" if left else "")
            + ". Select an anomaly or a forecast to find its time on the charts.")

    def clear_run(self, text: str = NO_RUN_TEXT) -> None:
        """Forget the last run's analysis (a run starts, or the design was replaced)."""
        for index, table in enumerate((self.anomalies, self.trends, self.forecasts)):
            table.setRowCount(0)
            self.tabs.setTabText(index, TAB_TITLES[index])
        self.run_line.setText(text)

    def _on_selected(self, table: QTableWidget) -> None:
        items = table.selectedItems()
        if not items:
            return
        time_s = items[0].data(Qt.ItemDataRole.UserRole)
        if isinstance(time_s, int | float):
            self.time_selected.emit(float(time_s))
