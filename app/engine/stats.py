"""Bounded-memory statistics: per-window counters, a whole-run latency histogram, batch means.

Per request the engine only appends a latency to a list and bumps counters;
at the end of each window the lists are folded into a fine log-spaced
histogram (so whole-run percentiles stay exact to ~0.25 %, in bounded
memory however long the run) and into per-window sums (for batch means).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Log-spaced histogram: 1 ns .. ~3 hours in ms, bins 0.5 % wide.
_HIST_MIN_MS = 1e-6
_HIST_RATIO = 1.005
_LOG_RATIO = math.log(_HIST_RATIO)
_HIST_BINS = math.ceil(math.log(1e7 / _HIST_MIN_MS) / _LOG_RATIO) + 1


class LatencyHistogram:
    """Counts of latencies (ms) in geometric bins; percentiles from the bin centres."""

    def __init__(self) -> None:
        self.counts = np.zeros(_HIST_BINS, dtype=np.int64)
        self.total = 0
        self.max_ms = 0.0

    def add(self, latencies_ms: np.ndarray) -> None:
        """Fold a batch of latencies into the histogram."""
        if latencies_ms.size == 0:
            return
        idx = np.floor(np.log(np.maximum(latencies_ms, _HIST_MIN_MS) / _HIST_MIN_MS) / _LOG_RATIO)
        idx = np.clip(idx.astype(np.int64), 0, _HIST_BINS - 1)
        self.counts += np.bincount(idx, minlength=_HIST_BINS)
        self.total += int(latencies_ms.size)
        self.max_ms = max(self.max_ms, float(latencies_ms.max()))

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0..100) in ms; 0 when empty."""
        if self.total == 0:
            return 0.0
        rank = q / 100.0 * self.total
        cum = np.cumsum(self.counts)
        i = int(np.searchsorted(cum, max(rank, 1e-9), side="left"))
        centre = _HIST_MIN_MS * _HIST_RATIO ** (i + 0.5)
        return float(min(centre, self.max_ms))


@dataclass
class BatchMeans:
    """Per-window (count, sum) of latencies after warm-up, for batch-means CIs."""

    counts: list[int] = field(default_factory=list)
    sums: list[float] = field(default_factory=list)

    def add_window(self, count: int, total: float) -> None:
        """Record one window's number of latencies and their sum."""
        self.counts.append(count)
        self.sums.append(total)

    def mean(self) -> float:
        """Grand mean over all recorded latencies."""
        n = sum(self.counts)
        return sum(self.sums) / n if n else 0.0

    def ci95(self, batches: int = 10) -> tuple[float, float]:
        """95 % confidence interval of the mean latency by the method of batch means.

        Consecutive windows are split into ``batches`` batches of (nearly) equal
        length. The mean is a ratio (total latency / number of requests) and
        busy batches hold both more requests and longer latencies, so the
        variance is that of the ratio estimator,
        ``sum((S_j - R N_j)^2) / (k (k - 1) mean(N)^2)``, not the plain spread
        of the batch means (which under-covers by ~25 % at rho = 0.7).
        Student-t with ``k - 1`` degrees of freedom. With fewer than 4
        non-empty batches the interval is undefined and both bounds are NaN.
        """
        counts = np.asarray(self.counts, dtype=float)
        sums = np.asarray(self.sums, dtype=float)
        k = min(batches, int(counts.size))
        if k < 4:
            return (math.nan, math.nan)
        bc = np.array([part.sum() for part in np.array_split(counts, k)])
        bs = np.array([part.sum() for part in np.array_split(sums, k)])
        keep = bc > 0
        bc, bs = bc[keep], bs[keep]
        k = int(bc.size)
        if k < 4:
            return (math.nan, math.nan)
        ratio = float(bs.sum() / bc.sum())
        var = float(np.sum((bs - ratio * bc) ** 2)) / (k * (k - 1) * float(bc.mean()) ** 2)
        half = t_quantile_975(k - 1) * math.sqrt(var)
        return (ratio - half, ratio + half)


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.stats import t  # local: scipy is only needed when a summary is built

    return float(t.ppf(0.975, df))


def window_percentiles(latencies_ms: np.ndarray) -> tuple[float, float, float, float, float]:
    """Exact p50, p90, p95, p99 and max of one window's latencies (zeros when empty)."""
    if latencies_ms.size == 0:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    p = np.percentile(latencies_ms, (50.0, 90.0, 95.0, 99.0))
    return (float(p[0]), float(p[1]), float(p[2]), float(p[3]), float(latencies_ms.max()))
