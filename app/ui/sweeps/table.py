"""The sweep's table: one row per point, its axis values and each end-to-end figure.

A figure reads ``mean ± half-width`` of its 95 % CI across replications (the
mean alone below two replications, empty when none measured it); the last
columns are the analytic model's mean and p99. The full tables, per component
too, are what Export writes (:func:`app.sweeps.table.write_tables`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.engine.snapshot import END_TO_END
from app.sweeps.estimates import Estimate
from app.sweeps.headline import END_TO_END_METRICS
from app.sweeps.sweep import SweepResult
from app.ui.table_model import ColumnsTableModel

ANALYTIC_COLUMNS = (("analytic latency_mean_ms", "latency_mean_ms"),
                    ("analytic latency_p99_ms", "latency_p99_ms"))
_SCALED = {"error_rate": 100.0, "availability": 100.0}


def _figure(est: Estimate | None, scale: float) -> str:
    if est is None or est.mean is None:
        return ""
    half = est.half_width
    text = f"{est.mean * scale:,.4g}"
    return text if half is None else f"{text} ± {half * scale:,.2g}"


class SweepTableModel(ColumnsTableModel):
    """Points × figures of a (partial or complete) sweep."""

    def __init__(self) -> None:
        super().__init__()
        self.result: SweepResult | None = None
        self._rows: list[tuple[str, ...]] = []

    def show_result(self, result: SweepResult | None) -> None:
        """Fill the table from ``result`` (points without a finished run are left out)."""
        self.beginResetModel()
        self.result = result
        self._rows = []
        if result is None:
            self.columns = ()
        else:
            self.columns = (*(a.key for a in result.plan.axes), "runs", "failed",
                            *(f"{m} (%)" if m in _SCALED else m for m in END_TO_END_METRICS),
                            *(title for title, _m in ANALYTIC_COLUMNS))
            for point in result.plan.points:
                ests = result.estimates(point.index)
                runs = sum(1 for k in result.runs if k[0] == point.index)
                if not runs:
                    continue
                failed = sum(1 for k in result.failures if k[0] == point.index)
                analytic = result.plan.analytic.get(point.index, {})
                self._rows.append((
                    *(str(v) for _k, v in point.overrides), str(runs), str(failed),
                    *(_figure(ests.get((m, END_TO_END)), _SCALED.get(m, 1.0))
                      for m in END_TO_END_METRICS),
                    *(_predicted(analytic.get((m, END_TO_END))) for _t, m in ANALYTIC_COLUMNS)))
        self.endResetModel()

    def row_count(self) -> int:
        """Points with at least one finished run."""
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, numbers right-aligned."""
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _predicted(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:,.4g}"
