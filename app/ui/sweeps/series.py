"""A sweep result as arrays to plot: one figure along the first axis, or a grid of two.

Qt-free. A point's estimate is the mean across its finished replications with
a 95 % CI (``app.sweeps.estimates``); a point with no finished replication is
left out of a curve (a cancelled sweep draws what it has), and a point with
one replication has no CI, so its band is drawn with zero width at the mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.engine.snapshot import END_TO_END
from app.sweeps.axes import Axis, Point
from app.sweeps.sweep import SweepPlan, SweepResult


@dataclass(frozen=True, slots=True)
class Series:
    """One figure along the x axis: positions, means and CI bounds (same length)."""

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def positions(axis: Axis) -> np.ndarray:
    """Where each of ``axis``'s values sits on a plot: the value, or its index for names."""
    if axis.numeric:
        return np.asarray(axis.values, dtype=float)
    return np.arange(len(axis.values), dtype=float)


def line_points(plan: SweepPlan, other: int = 0) -> list[Point]:
    """The points along the first axis, at the ``other``-th value of the second axis."""
    if len(plan.axes) < 2:
        return list(plan.points)
    second = len(plan.axes[1].values)
    return [p for p in plan.points if p.index % second == other]


def series(result: SweepResult, points: list[Point], metric: str, scale: float = 1.0,
           component: str = END_TO_END) -> Series:
    """``metric`` of ``component`` at ``points`` (those with a value), times ``scale``."""
    xs = positions(result.plan.axes[0]) if result.plan.axes else np.zeros(1)
    stride = len(result.plan.axes[1].values) if len(result.plan.axes) > 1 else 1
    out: list[tuple[float, float, float, float]] = []
    for point in points:
        est = result.estimates(point.index).get((metric, component))
        if est is None or est.mean is None:
            continue
        low = est.ci_low if est.ci_low is not None else est.mean
        high = est.ci_high if est.ci_high is not None else est.mean
        out.append((float(xs[point.index // stride]), est.mean * scale, low * scale,
                    high * scale))
    arr = np.asarray(out, dtype=float).reshape(-1, 4)
    return Series(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy(), arr[:, 3].copy())


def analytic_series(plan: SweepPlan, points: list[Point], metric: str,
                    component: str = END_TO_END) -> tuple[np.ndarray, np.ndarray]:
    """``(x, value)`` of the analytic model's ``metric`` at every one of ``points``.

    A point the model cannot predict (a saturated tier) is NaN: the dashed
    curve breaks there, which is where the knee is.
    """
    xs = positions(plan.axes[0]) if plan.axes else np.zeros(1)
    stride = len(plan.axes[1].values) if len(plan.axes) > 1 else 1
    x = np.asarray([xs[p.index // stride] for p in points], dtype=float)
    values = [plan.analytic.get(p.index, {}).get((metric, component)) for p in points]
    y = np.asarray([v if v is not None and math.isfinite(v) else np.nan for v in values],
                   dtype=float)
    return x, y


def grid_means(result: SweepResult, metric: str, scale: float = 1.0,
               component: str = END_TO_END) -> np.ndarray:
    """The mean of ``metric`` at every point of a two-axis sweep, shape (first, second).

    A point without a value is NaN.
    """
    first, second = (len(a.values) for a in result.plan.axes[:2])
    grid = np.full((first, second), np.nan)
    for point in result.plan.points:
        est = result.estimates(point.index).get((metric, component))
        if est is not None and est.mean is not None:
            grid[point.index // second, point.index % second] = est.mean * scale
    return grid
