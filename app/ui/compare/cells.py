"""The comparison rows as the What-if table's text: names, means ± CI, differences, verdicts.

Significance is written out ("Yes, higher" / "no"), never shown by colour alone.
"""

from __future__ import annotations

import math
from typing import Final

from app.engine.snapshot import END_TO_END
from app.sweeps.compare import ComparisonRow
from app.sweeps.estimates import Estimate
from app.sweeps.headline import FIGURE_LABELS

COLUMNS: Final = ("Figure", "Current", "Variant", "Difference (variant − current)",
                  "Significant?")

#: Metric -> (what people call it, unit, factor to that unit).
_METRICS: Final = FIGURE_LABELS


def figure_name(row: ComparisonRow) -> str:
    """``"End to end · p99 latency (ms)"``, ``"db · utilization (%)"``."""
    label, unit, _ = _METRICS.get(row.metric, (row.metric, "", 1.0))
    where = "End to end" if row.component == END_TO_END else row.component
    return f"{where} · {label}" + (f" ({unit})" if unit else "")


def _scale(row: ComparisonRow) -> float:
    return _METRICS.get(row.metric, ("", "", 1.0))[2]


def number(value: float | None, scale: float = 1.0) -> str:
    """A figure with about four significant digits; "—" when there is none."""
    if value is None or not math.isfinite(value):
        return "—"
    v = float(f"{value * scale:.4g}")  # 9.9996 reads 10.00, not 10.000
    if v == 0:
        return "0"
    digits = max(0, 3 - math.floor(math.log10(abs(v))))
    return f"{v:,.{min(digits, 6)}f}"


def side(est: Estimate, row: ComparisonRow) -> str:
    """``"14.29 ± 0.8"`` (mean ± 95 % half-width), or the mean alone below two values."""
    scale = _scale(row)
    if est.mean is None:
        return "not measured"
    half = est.half_width
    return number(est.mean, scale) + ("" if half is None else f" ± {number(half, scale)}")


def difference(row: ComparisonRow) -> str:
    """``"+10.7 (+75 %) [8.1, 13.3]"``: B − A, relative change and the 95 % CI of B − A."""
    if row.difference is None:
        return "—"
    scale = _scale(row)
    text = ("+" if row.difference > 0 else "") + number(row.difference, scale)
    if row.relative is not None:
        text += f" ({row.relative * 100:+.0f} %)"
    if row.diff_low is not None and row.diff_high is not None and row.diff_low != row.diff_high:
        text += f" [{number(row.diff_low, scale)}, {number(row.diff_high, scale)}]"
    return text


def verdict(row: ComparisonRow) -> str:
    """``"Yes, higher (p = 0.001)"``, ``"no (p = 0.43)"``, or why there is no test."""
    if row.p_value is None:
        return "n/a (fewer than 2 values)"
    p = "p < 0.001" if row.p_value < 0.001 else f"p = {row.p_value:.3f}"
    if not row.significant:
        return f"no ({p})"
    way = "higher" if (row.difference or 0) > 0 else "lower"
    return f"YES, {way} ({p})"


def cells(row: ComparisonRow) -> tuple[str, str, str, str, str]:
    """The five cells of ``row`` in :data:`COLUMNS` order."""
    return (figure_name(row), side(row.a, row), side(row.b, row), difference(row), verdict(row))
