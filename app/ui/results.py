"""The results panel: the run's summary as a table, end to end and per component."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.plain_text import PlainLabel

COLUMNS = (
    "Component", "Requests", "Completed", "Rejected", "Timed out", "Failed", "Error rate",
    "Throughput (req/s)", "Mean latency (ms)", "95 % CI (ms)", "p50", "p95", "p99", "Max",
    "Utilization", "Mean queue",
)


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


def summary_rows(summary: Mapping[str, Any], names: Mapping[str, str]) -> list[list[str]]:
    """Table rows (as text) for a ``summary.json``-shaped dictionary."""
    rows = []
    e2e = summary.get("end_to_end") or {}
    lat = e2e.get("latency_ms") or {}
    rows.append([
        "End to end", _fmt(e2e.get("requests")), _fmt(e2e.get("completed")),
        _fmt(e2e.get("rejected")), _fmt(e2e.get("timed_out")), _fmt(e2e.get("failed")),
        _percent(e2e.get("error_rate"), 2), _fmt(e2e.get("throughput_rps"), 1),
        _fmt(lat.get("mean")), _ci(lat), _fmt(lat.get("p50")), _fmt(lat.get("p95")),
        _fmt(lat.get("p99")), _fmt(lat.get("max")), "", "",
    ])
    for cid, comp in (summary.get("components") or {}).items():
        lat = comp.get("latency_ms") or {}
        rows.append([
            names.get(cid, cid), _fmt(comp.get("arrivals")), _fmt(comp.get("completed")),
            _fmt(comp.get("rejected")), _fmt(comp.get("timed_out")), _fmt(comp.get("failed")),
            "", _fmt(comp.get("throughput_rps"), 1), _fmt(lat.get("mean")), _ci(lat),
            _fmt(lat.get("p50")), _fmt(lat.get("p95")), _fmt(lat.get("p99")),
            _fmt(lat.get("max")), _percent(comp.get("utilization"), 1),
            _fmt(comp.get("mean_queue_length")),
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
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c > 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
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
            "Latency CIs are 95 % batch-means intervals.")

    def clear(self) -> None:
        """Forget the previous run's results: a run is starting."""
        self.table.setRowCount(0)
        self.caption.setText("Running…")

    def clear_results(self) -> None:
        """Forget the previous run's results: the design was replaced (File ▸ New, Open)."""
        self.table.setRowCount(0)
        self.caption.setText(NO_RUN_TEXT)
