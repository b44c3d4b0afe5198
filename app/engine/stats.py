"""Bounded-memory statistics: per-window counters, a whole-run latency histogram, batch means.

Per request the engine only appends a latency to a list and bumps counters;
at the end of each window the lists are folded into a fine log-spaced
histogram (so whole-run percentiles stay exact to ~0.25 %, in bounded
memory however long the run) and into per-window sums (for batch means).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# Log-spaced histogram: 1 ns .. ~3 hours in ms, bins 0.5 % wide.
_HIST_MIN_MS = 1e-6
_HIST_RATIO = 1.005
_LOG_RATIO = math.log(_HIST_RATIO)
_HIST_BINS = math.ceil(math.log(1e7 / _HIST_MIN_MS) / _LOG_RATIO) + 1
#: Bin indices wait until this many are counted at once (bounded per
#: component: 16 KB of int16 indices).
_PENDING_MAX = 8192


def bin_indices(latencies_ms: np.ndarray) -> np.ndarray:
    """Each latency's (ms) bin in :class:`LatencyHistogram`, as int16 (there are ~6,000 bins).

    A window close bins every component's latencies together, in one pass
    over one array, and hands each component its slice
    (:meth:`LatencyHistogram.add_bins`).
    """
    idx: np.ndarray = np.maximum(latencies_ms, _HIST_MIN_MS)
    idx /= _HIST_MIN_MS
    np.log(idx, out=idx)
    idx /= _LOG_RATIO
    np.floor(idx, out=idx)
    # Whole numbers: clipped as floats, they convert to the same ints.
    np.clip(idx, 0, _HIST_BINS - 1, out=idx)
    return idx.astype(np.int16)


class LatencyHistogram:
    """Counts of latencies (ms) in geometric bins; percentiles from the bin centres.

    Only the range of bins seen so far is stored (it grows as needed): a
    station's latencies usually span a few decades, a few thousand bins at
    most, and a design with 20,000 components must not hold 20,000 arrays of
    every bin from 1 ns to 3 hours. Latencies arrive as bin indices
    (:func:`bin_indices`, for a whole window close at once) and wait until
    :data:`_PENDING_MAX` have gathered or the counts are read: counting costs
    a few numpy calls whatever the batch's size, and counts (like the
    maximum) do not depend on how the latencies were batched, so a window of
    a lightly loaded component costs no numpy call here.
    """

    def __init__(self) -> None:
        self._counts = np.zeros(0, dtype=np.int64)
        self._first = 0
        self.total = 0
        self._max_ms = 0.0
        self._pending: list[np.ndarray] = []
        self._pending_n = 0

    @property
    def counts(self) -> np.ndarray:
        """Counts of the stored bins (``first`` onwards)."""
        self._flush()
        return self._counts

    @property
    def first(self) -> int:
        """Bin index of ``counts[0]``."""
        self._flush()
        return self._first

    @property
    def max_ms(self) -> float:
        """The longest latency so far (0 when none)."""
        return self._max_ms

    def add(self, latencies_ms: Sequence[float] | np.ndarray) -> None:
        """Fold a batch of latencies into the histogram."""
        if len(latencies_ms) == 0:
            return
        lat = np.asarray(latencies_ms, dtype=float)
        self.add_bins(bin_indices(lat), float(lat.max()))

    def add_bins(self, bins: np.ndarray, max_ms: float) -> None:
        """Fold latencies given as their :func:`bin_indices` (kept: pass a copy) and their max."""
        n = len(bins)
        if n == 0:
            return
        self._pending.append(bins)
        self.total += n
        self._max_ms = max(self._max_ms, max_ms)
        self._pending_n += n
        if self._pending_n >= _PENDING_MAX:
            self._flush()

    def _flush(self) -> None:
        if not self._pending_n:
            return
        parts = self._pending
        idx = parts[0] if len(parts) == 1 else np.concatenate(parts)
        self._pending = []
        self._pending_n = 0
        lo, hi = int(idx.min()), int(idx.max())
        counts = self._counts
        if counts.size == 0:
            self._first = lo
            counts = np.zeros(hi - lo + 1, dtype=np.int64)
        elif lo < self._first or hi >= self._first + counts.size:
            first = min(lo, self._first)
            grown = np.zeros(max(hi, self._first + counts.size - 1) - first + 1, np.int64)
            grown[self._first - first : self._first - first + counts.size] = counts
            counts, self._first = grown, first
        counts += np.bincount(idx.astype(np.intp) - self._first, minlength=counts.size)
        self._counts = counts

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile (0..100) in ms; ``None`` when empty."""
        return self.percentiles((q,))[0]

    def percentiles(self, qs: Sequence[float]) -> list[float | None]:
        """Several percentiles (0..100) in ms at once; ``None`` each when empty."""
        if self.total == 0:
            return [None] * len(qs)
        cum = np.cumsum(self.counts)
        ranks = [max(q / 100.0 * self.total, 1e-9) for q in qs]
        found = np.searchsorted(cum, ranks, side="left")
        return [
            float(min(_HIST_MIN_MS * _HIST_RATIO ** (self._first + int(i) + 0.5), self._max_ms))
            for i in found
        ]


@dataclass
class BatchMeans:
    """Per-window (count, sum) of latencies after warm-up, for batch-means CIs."""

    counts: list[int] = field(default_factory=list)
    sums: list[float] = field(default_factory=list)

    def add_window(self, count: int, total: float) -> None:
        """Record one window's number of latencies and their sum."""
        self.counts.append(count)
        self.sums.append(total)

    def mean(self) -> float | None:
        """Grand mean over all recorded latencies; ``None`` when there are none."""
        n = sum(self.counts)
        return sum(self.sums) / n if n else None

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
        counts = self.counts
        k = min(batches, len(counts))
        if k < 4:
            return (math.nan, math.nan)
        # np.array_split's parts (the first n % k one longer). A summary makes
        # this once per component and link, so it avoids numpy's Python-level
        # wrappers: the counts are whole numbers (every sum exact in any order,
        # so Python sums them), the latency sums go through np.add.reduce as
        # part.sum() and ndarray.sum() do, and the mean is that sum over k as
        # ndarray.mean() computes it. The same figures, to the bit.
        sums = np.asarray(self.sums, dtype=float)
        each, extra = divmod(len(counts), k)
        add = np.add.reduce
        bc_list: list[float] = []
        bs_list: list[float] = []
        start = 0
        for j in range(k):
            stop = start + each + (1 if j < extra else 0)
            n = float(sum(counts[start:stop]))
            if n > 0:
                bc_list.append(n)
                bs_list.append(add(sums[start:stop]))
            start = stop
        k = len(bc_list)
        if k < 4:
            return (math.nan, math.nan)
        bc, bs = np.array(bc_list), np.array(bs_list)
        n_total = float(sum(bc_list))
        ratio = float(add(bs) / n_total)
        var = float(add((bs - ratio * bc) ** 2)) / (k * (k - 1) * (n_total / k) ** 2)
        half = t_quantile_975(k - 1) * math.sqrt(var)
        return (ratio - half, ratio + half)


#: The standard normal's 97.5 % quantile.
_Z975 = 1.959963984540054
#: Above this many degrees of freedom the Cornish-Fisher series alone is exact
#: to ~1e-13; below it Newton's method on the exact CDF polishes it.
_T_SERIES_DF = 1000


def _t_abs_cdf(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 0:
        term = total = 1.0
        for k in range(2, df, 2):  # 1, 1/2 c2, 1*3/(2*4) c2^2, ...
            term *= c2 * (k - 1) / k
            total += term
        return s * total
    if df == 1:
        return 2.0 * theta / math.pi
    term = total = math.cos(theta)
    for k in range(3, df - 1, 2):  # cos, 2/3 cos^3, 2*4/(3*5) cos^5, ...
        term *= c2 * (k - 1) / k
        total += term
    return 2.0 / math.pi * (theta + s * total)


def _t_pdf(t: float, df: int) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=256)  # a run's summary asks it once per component, mostly for one df
def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` (>= 1) degrees of freedom.

    Without scipy (importing ``scipy.stats`` costs ~0.8 s per run): the
    Cornish-Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5), then
    Newton's method on the exact CDF for integer ``df``. Agrees with
    ``scipy.stats.t.ppf(0.975, df)`` to ~1e-12 (tests/unit/test_engine_stats.py).
    """
    if df < 1:
        raise ValueError("need at least one degree of freedom")
    z = _Z975
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    n = float(df)
    t = z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4
    if df == 1:
        return math.tan(math.pi * 0.475)  # the Cauchy distribution, exactly
    if df > _T_SERIES_DF:
        return t
    for _ in range(50):
        step = (_t_abs_cdf(t, df) - 0.95) / (2.0 * _t_pdf(t, df))
        t -= step
        if abs(step) < 1e-14 * t:
            break
    return t


#: Above this many degrees of freedom the two-sided p-value uses the normal
#: tail: Student's t is then within ~1e-5 of it, and the exact sum has df/2 terms.
_T_NORMAL_DF = 100_000


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``floor(df)`` degrees of freedom (``df`` >= 1).

    For Welch's test, whose degrees of freedom are not whole: rounding them
    down is the textbook conservative choice (a slightly larger p-value) and
    keeps the exact integer-df CDF (Abramowitz & Stegun 26.7.3-4) without
    scipy. Agrees with ``scipy.stats.t.sf(|t|, floor(df)) * 2`` to ~1e-12
    absolute (tests/unit/test_whatif_stats.py); p-values below ~1e-15 come out
    as 0 (``1 - CDF`` in floating point), which no test at 5 % notices.
    """
    if math.isnan(t) or math.isnan(df) or df < 1:
        raise ValueError("need a number t and at least one degree of freedom")
    a = abs(t)
    if math.isinf(a):
        return 0.0
    whole = math.inf if math.isinf(df) else math.floor(df)
    if whole > _T_NORMAL_DF:
        return math.erfc(a / math.sqrt(2.0))
    return min(1.0, max(0.0, 1.0 - _t_abs_cdf(a, int(whole))))


_WINDOW_QUANTILES = (0.5, 0.9, 0.95, 0.99)
#: Below this many latencies a window's values are sorted as a Python list;
#: from it on as a numpy array (one C sort, no per-item Python work).
_SMALL_WINDOW = 32


def window_percentiles(
    latencies_ms: Sequence[float] | np.ndarray,
) -> tuple[float, float, float, float, float]:
    """Exact p50, p90, p95, p99 and max of one window's (non-empty) latencies.

    Linear interpolation between order statistics, as ``np.percentile``, and
    to the same bits: the same index ``q (n - 1)``, the same two order
    statistics and numpy's ``_lerp`` term for term. The values are sorted
    once and indexed; ``np.percentile`` itself costs ~80 us a call whatever
    the size (argument checks, ``np.unique`` on the indices, a partition per
    call), which was 40 % of closing a window.
    """
    n = len(latencies_ms)
    item: Callable[[int], float]
    if n >= _SMALL_WINDOW:  # one C sort; ``item`` hands out Python floats
        item = np.sort(np.asarray(latencies_ms, dtype=float)).item
    else:
        item = sorted(latencies_ms).__getitem__
    out: list[float] = []
    for q in _WINDOW_QUANTILES:
        pos = q * (n - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, n - 1)
        gamma = pos - lo
        a, b = item(lo), item(hi)
        # numpy's _lerp, term for term, so both give the same bits.
        out.append(b - (b - a) * (1.0 - gamma) if gamma >= 0.5 else a + (b - a) * gamma)
    return (out[0], out[1], out[2], out[3], item(n - 1))


_QUANTILE_ROW = np.array(_WINDOW_QUANTILES)
#: Longest window the padded-row sort takes; a longer one is sorted on its own.
_ROW_MAX = 4096


def sorted_rows_percentiles(rows: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """p50, p90, p95, p99 and max of each row's first ``lens[i]`` values, one row per window.

    ``rows`` are sorted ascending (padding after ``lens[i]`` is ignored). The
    same index, order statistics and lerp as :func:`window_percentiles`, as
    numpy operations on every row at once: the same bits (numpy's float64
    ufuncs round each operation as Python does and fuse none).
    """
    k = len(lens)
    pos = _QUANTILE_ROW[None, :] * (lens[:, None] - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, lens[:, None] - 1)
    gamma = pos - lo
    at = np.arange(k)
    a = rows[at[:, None], lo]
    b = rows[at[:, None], hi]
    diff = b - a
    out = np.empty((k, 5))
    out[:, :4] = np.where(gamma >= 0.5, b - diff * (1.0 - gamma), a + diff * gamma)
    out[:, 4] = rows[at, lens - 1]
    return out


def many_window_percentiles(windows: Sequence[np.ndarray]) -> np.ndarray:
    """:func:`window_percentiles` of many non-empty windows (rows of the result), in a few C calls.

    Closing a window of a design with hundreds of components sorted hundreds
    of small arrays one by one, each a few microseconds of numpy overhead.
    Windows of similar length (within a factor of two, at most
    :data:`_ROW_MAX`) are copied into one ``inf``-padded matrix and sorted
    row by row in one call; longer ones are sorted alone.
    """
    out = np.empty((len(windows), 5))
    groups: dict[int, list[int]] = {}
    for i, w in enumerate(windows):
        n = len(w)
        groups.setdefault(n.bit_length() if n <= _ROW_MAX else -1 - i, []).append(i)
    for members in groups.values():
        lens = np.array([len(windows[i]) for i in members], dtype=np.intp)
        if len(members) == 1:
            rows = np.sort(windows[members[0]])[None, :]
        else:
            rows = np.full((len(members), int(lens.max())), np.inf)
            for row, i in zip(rows, members, strict=True):
                row[:len(windows[i])] = windows[i]
            rows.sort(axis=1)
        out[members] = sorted_rows_percentiles(rows, lens)
    return out
