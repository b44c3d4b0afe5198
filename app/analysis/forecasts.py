"""Capacity forecasts: when a resource saturates at its trend, and at what load p99 breaks.

Both are extrapolations and say so in docs/analysis.md:

* :func:`time_to_saturation` follows a significant positive least-squares
  trend of a fraction (utilization, memory utilization) from the run's end
  to 1.0. Beyond ``horizon_s`` it answers ``None``: a straight line carried
  ten times further than the data it came from predicts nothing.
* :func:`load_at_p99_target` scales the simulated end-to-end p99 by the
  analytic model's mean latency: ``p99(k) ≈ p99_now · mean(k) / mean(1)``
  at load factor ``k`` (offered rate ``k · offered_rps``), and finds the
  smallest ``k`` where that exceeds the target by bisection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from app.analysis.trends import Trend

#: A load factor the p99 search never goes beyond: a design that keeps its target at
#: 1000 times today's load has no answer worth giving.
MAX_LOAD_FACTOR = 1000.0
#: Bisection steps at most (each halves the bracket; 60 is below float resolution).
MAX_BISECTIONS = 60
#: Stop when the bracket is this narrow relative to its upper end.
LOAD_TOLERANCE = 1e-4


def time_to_saturation(trend: Trend, end_s: float, *, level: float = 1.0,
                       horizon_s: float | None = None) -> float | None:
    """Simulated seconds after ``end_s`` until the trend line reaches ``level``.

    ``None`` unless the trend is significant and rising, or when the answer
    lies beyond ``horizon_s``; 0.0 when the fitted line is already at or above
    ``level`` at ``end_s``.
    """
    if not trend.significant or trend.slope_per_s is None or trend.slope_per_s <= 0:
        return None
    now = trend.value_at(end_s)
    if now is None:
        return None
    at_s = max(0.0, (level - now) / trend.slope_per_s)
    if not math.isfinite(at_s) or (horizon_s is not None and at_s > horizon_s):
        return None
    return at_s


@dataclass(frozen=True, slots=True)
class P99Break:
    """Where the end-to-end p99 crosses its target as the offered load grows.

    Attributes:
        load_factor: Multiple of today's offered rate at which p99 first exceeds
            the target (1.0 when it already does).
        load_rps: ``load_factor × offered_rps``.
        saturated: The analytic model has no finite latency at ``load_factor``
            (a component reaches ρ = 1 before p99 crosses the target by scaling).
        already_exceeded: Today's p99 is already above the target.
    """

    load_factor: float
    load_rps: float
    saturated: bool
    already_exceeded: bool


def load_at_p99_target(
    offered_rps: float,
    p99_now_ms: float,
    target_ms: float,
    mean_latency_ms_at: Callable[[float], float | None],
    *,
    max_factor: float = MAX_LOAD_FACTOR,
    max_iterations: int = MAX_BISECTIONS,
) -> P99Break | None:
    """The smallest offered load at which the scaled p99 exceeds ``target_ms``.

    Args:
        offered_rps: Today's offered rate (the run's), > 0.
        p99_now_ms: The simulated end-to-end p99 at that rate, > 0.
        target_ms: The p99 target (an end-to-end ``latency_p99_ms`` alert threshold).
        mean_latency_ms_at: The analytic end-to-end mean latency (ms) at load
            factor ``k``; ``None`` when the model saturates there.
        max_factor: Search no further than this multiple of today's load.
        max_iterations: Bisection steps at most.

    Returns:
        The break point, or ``None`` when there is none up to ``max_factor``,
        the inputs are not positive finite numbers, or the model has no finite
        latency at today's load (nothing to scale from).
    """
    if not all(math.isfinite(v) and v > 0 for v in (offered_rps, p99_now_ms, target_ms)):
        return None
    if p99_now_ms > target_ms:
        return P99Break(1.0, offered_rps, False, True)
    base = mean_latency_ms_at(1.0)
    if base is None or not math.isfinite(base) or base <= 0:
        return None

    def exceeds(k: float) -> tuple[bool, bool]:
        """(p99 over target, model saturated) at load factor k."""
        mean = mean_latency_ms_at(k)
        if mean is None or not math.isfinite(mean):
            return True, True
        return p99_now_ms * mean / base > target_ms, False

    lo, hi = 1.0, 2.0
    while True:  # bracket: double until the target breaks (at most log2(max_factor) steps)
        over, _ = exceeds(hi)
        if over:
            break
        if hi >= max_factor:
            return None
        lo, hi = hi, min(2.0 * hi, max_factor)
    for _ in range(max_iterations):
        if hi - lo <= LOAD_TOLERANCE * hi:
            break
        mid = (lo + hi) / 2.0
        if exceeds(mid)[0]:
            hi = mid
        else:
            lo = mid
    _, saturated = exceeds(hi)
    return P99Break(hi, hi * offered_rps, saturated, False)
