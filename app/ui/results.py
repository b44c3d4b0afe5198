"""The results panel: the run's summary as a table, end to end and per component."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.analysis.figures import (
    APPROX,
    NO_FIGURE,
    latency_text,
    outside_ci,
    prediction_notes,
    utilization_text,
)
from app.ui.plain_text import PlainLabel, plain_tooltip
from app.ui.theme import LOAD_HIGH

COLUMNS = (
    "Component", "Requests", "Completed", "Rejected", "Timed out", "Failed", "Error rate",
    "Throughput (req/s)", "Mean latency (ms)", "95 % CI (ms)", "Analytic mean (ms)", "p50",
    "p95", "p99", "Max", "Utilization", "Analytic utilization", "Mean queue",
)
#: The analytic model's columns, each beside the simulated figure it predicts.
ANALYTIC_MEAN_COLUMN = COLUMNS.index("Analytic mean (ms)")
ANALYTIC_UTILIZATION_COLUMN = COLUMNS.index("Analytic utilization")
#: Where an analytic mean outside the run's CI is flagged (the model is exact there).
OUTSIDE_CI_MARK = " ⚠"
OUTSIDE_CI_TEXT = ("The analytic mean lies outside the run's 95 % confidence interval, "
                   "where the model is exact: a short or unsteady run, or a bug worth "
                   "reporting.")


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the results table: its text, a plain-text tooltip, a warning flag."""

    text: str
    tooltip: str = ""
    warn: bool = False


NO_RUN_TEXT = "No run yet. Results of a finished run appear here."


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):  # not enough data
            return "—"
        return f"{value:,.{digits}f}"
    return str(value)


def _percent(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}%}"


def stopped_during_warmup(summary: Mapping[str, Any]) -> bool:
    """Whether the run was stopped before warm-up ended (no statistics; a missing key: no)."""
    return bool(summary.get("stopped_during_warmup", False))


#: What the results say about a run stopped before warm-up ended (the CLI says the same).
WARMUP_STOP_TEXT = "stopped during warm-up: no statistics yet"


def figures_caption(summary: Mapping[str, Any]) -> str:
    """What the figures on the canvas are after a run (the exported PNG's caption)."""
    simulated = summary.get("simulated_s", 0.0)
    warmup = summary.get("warmup_s", 0.0)
    return (f"Run summary over {max(0.0, simulated - warmup):g} s after a {warmup:g} s "
            f"warm-up (seed {summary.get('seed', '—')}): utilization · throughput · "
            "mean queue per component, requests per second per link, end-to-end "
            "throughput and p95 latency on a single client.")


def _ci(latency: Mapping[str, Any]) -> str:
    ci = latency.get("mean_ci95")
    if not ci or ci[0] is None or ci[1] is None:
        return "—"
    return f"{ci[0]:,.2f} – {ci[1]:,.2f}"


def _analytic_mean(pred: Mapping[str, Any] | None, latency: Mapping[str, Any]) -> Cell:
    """The analytic mean beside the simulated one; flagged when exact and outside the CI."""
    if pred is None:
        return Cell(NO_FIGURE, "No analytic model for this run.")
    tooltip = prediction_notes(pred)
    flagged = bool(pred.get("exact")) and outside_ci(pred.get("mean_latency_ms"),
                                                     latency.get("mean_ci95"))
    if flagged:
        return Cell(latency_text(pred) + OUTSIDE_CI_MARK, f"{OUTSIDE_CI_TEXT}\n{tooltip}",
                    warn=True)
    return Cell(latency_text(pred), tooltip)


def _e2e_prediction(analytic: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The end-to-end prediction in a component prediction's shape (for the same cells)."""
    if analytic is None:
        return None
    e2e = analytic.get("end_to_end") or {}
    exact = bool(e2e.get("exact"))
    notes = [] if exact else ["a station on the way is approximate or not fully modelled "
                              "(see its row), or a parallel fan-out takes the slowest mean"]
    return {"mean_latency_ms": e2e.get("mean_latency_ms"), "exact": exact,
            "model": "end-to-end sum of the calls' responses", "notes": notes,
            "saturated": e2e.get("mean_latency_ms") is None and bool(
                analytic.get("saturates_first"))}


def summary_rows(summary: Mapping[str, Any], names: Mapping[str, str]) -> list[list[Cell]]:
    """Table rows for a ``summary.json``-shaped dictionary (``analytic`` is optional)."""
    analytic: Mapping[str, Any] | None = summary.get("analytic")
    predictions: Mapping[str, Any] = (analytic or {}).get("components") or {}
    rows = []
    e2e = summary.get("end_to_end") or {}
    lat = e2e.get("latency_ms") or {}
    rows.append([
        Cell("End to end"), *map(Cell, (
            _fmt(e2e.get("requests")), _fmt(e2e.get("completed")),
            _fmt(e2e.get("rejected")), _fmt(e2e.get("timed_out")), _fmt(e2e.get("failed")),
            _percent(e2e.get("error_rate"), 2), _fmt(e2e.get("throughput_rps"), 1),
            _fmt(lat.get("mean")), _ci(lat))),
        _analytic_mean(_e2e_prediction(analytic), lat),
        *map(Cell, (_fmt(lat.get("p50")), _fmt(lat.get("p95")), _fmt(lat.get("p99")),
                    _fmt(lat.get("max")), "", "", "")),
    ])
    for cid, comp in (summary.get("components") or {}).items():
        lat = comp.get("latency_ms") or {}
        pred = predictions.get(cid) if analytic is not None else None
        rows.append([
            Cell(names.get(cid, cid)), *map(Cell, (
                _fmt(comp.get("arrivals")), _fmt(comp.get("completed")),
                _fmt(comp.get("rejected")), _fmt(comp.get("timed_out")),
                _fmt(comp.get("failed")), "", _fmt(comp.get("throughput_rps"), 1),
                _fmt(lat.get("mean")), _ci(lat))),
            _analytic_mean(pred, lat),
            *map(Cell, (_fmt(lat.get("p50")), _fmt(lat.get("p95")), _fmt(lat.get("p99")),
                        _fmt(lat.get("max")), _percent(comp.get("utilization"), 1))),
            Cell(utilization_text(pred),
                 prediction_notes(pred) if pred else "No analytic model for this run."),
            Cell(_fmt(comp.get("mean_queue_length"))),
        ])
    return rows


class ResultsPanel(QWidget):
    """Shows the summary of the last run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.caption = PlainLabel(NO_RUN_TEXT, self)
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("resultsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.table)

    def show_summary(
        self, summary: Mapping[str, Any], names: Mapping[str, str], stopped: bool = False
    ) -> None:
        """Fill the table from a summary (``names``: component id -> display name).

        A run stopped during warm-up has no statistics: the panel says so instead of
        showing a table of zeros.
        """
        if stopped_during_warmup(summary):
            self.table.setRowCount(0)
            simulated = summary.get("simulated_s", 0.0)
            warmup = summary.get("warmup_s", 0.0)
            self.caption.setText(
                f"Run {WARMUP_STOP_TEXT} ({simulated:g} s simulated of a {warmup:g} s "
                "warm-up; statistics start when warm-up ends).")
            return
        rows = summary_rows(summary, names)
        # Built once, not per cell: a 50-component table has ~800 cells, and the
        # enum arithmetic alone was a quarter of filling it (issue #14).
        numeric = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        warn = QBrush(LOAD_HIGH)
        table = self.table
        table.setUpdatesEnabled(False)
        try:
            table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                bold = None
                for c, cell in enumerate(row):
                    item = QTableWidgetItem(cell.text)
                    if cell.tooltip:
                        item.setToolTip(plain_tooltip(cell.tooltip))
                    if cell.warn:
                        item.setForeground(warn)
                    if c > 0:
                        item.setTextAlignment(numeric)
                    if r == 0:
                        if bold is None:
                            bold = item.font()
                            bold.setBold(True)
                        item.setFont(bold)
                    table.setItem(r, c, item)
        finally:
            table.setUpdatesEnabled(True)
        simulated = summary.get("simulated_s", 0.0)
        warmup = summary.get("warmup_s", 0.0)
        wall = summary.get("wall_s", 0.0)
        state = "Stopped early" if stopped else "Finished"
        reason = summary.get("stop_reason")
        if reason:  # the engine's run-time guard ended a run that did more than allowed
            state = f"Stopped: {reason}. Partial results"
        self.caption.setText(
            f"{state}: {simulated:g} s simulated (first {warmup:g} s of warm-up excluded), "
            f"seed {summary.get('seed', '—')}, {wall:.2f} s of computing. "
            "Latency CIs are 95 % batch-means intervals; analytic figures are queueing "
            f"theory's for the same design ({APPROX.strip()} approximate: hover for why).")

    def clear(self) -> None:
        """Forget the previous run's results: a run is starting."""
        self.table.setRowCount(0)
        self.caption.setText("Running…")

    def clear_results(self) -> None:
        """Forget the previous run's results: the design was replaced (File ▸ New, Open)."""
        self.table.setRowCount(0)
        self.caption.setText(NO_RUN_TEXT)
