"""Means and 95 % confidence intervals across independent replications.

Each replication gives one value of a figure (its mean latency, its p99, its
throughput); replications are independent (own seeds, see :mod:`.seeds`), so
the values are i.i.d. and the interval is the Student-t one,
``mean ± t(0.975, n-1) · s / sqrt(n)``. For a percentile this is a CI for the
*expected estimator* of that percentile over a run of the given length: the
usual across-replication reading. Missing values (a run that measured
nothing) are left out and counted; the CI needs at least two values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from app.engine.stats import t_quantile_975


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure over replications.

    Attributes:
        n: How many replications measured it.
        mean: Their mean (``None`` with no value).
        std: Their sample standard deviation (``None`` below two values).
        ci_low: Lower end of the 95 % CI (``None`` below two values).
        ci_high: Upper end of the 95 % CI (``None`` below two values).
        missing: Replications that measured nothing.
    """

    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None
    missing: int = 0

    @property
    def half_width(self) -> float | None:
        """Half the CI's width, ``None`` without a CI."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / 2.0

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the CI (``False`` without one)."""
        return (self.ci_low is not None and self.ci_high is not None
                and self.ci_low <= value <= self.ci_high)


def estimate(values: Iterable[float | None]) -> Estimate:
    """The mean and 95 % CI of ``values`` (``None`` and NaN count as missing)."""
    xs: list[float] = []
    missing = 0
    for v in values:
        if v is None or not math.isfinite(v):
            missing += 1
        else:
            xs.append(float(v))
    n = len(xs)
    if n == 0:
        return Estimate(0, None, None, None, None, missing)
    mean = math.fsum(xs) / n
    if n == 1:
        return Estimate(1, mean, None, None, None, missing)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_quantile_975(n - 1) * std / math.sqrt(n)
    return Estimate(n, mean, std, mean - half, mean + half, missing)
