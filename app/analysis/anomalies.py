"""Anomaly detectors over per-window metric series: rolling Z-score and rolling IQR.

Both judge each window against the *trailing* window of the ``window``
windows before it (the point itself is never part of its own baseline, so a
spike cannot hide itself). ``None``/NaN marks a window without a value (no
completions): it is never flagged and does not count towards the baseline.
A point is judged only when at least ``min_points`` of its trailing windows
hold a value. Everything is vectorised with numpy: the Z-score costs O(n)
per series (cumulative sums), the IQR O(n · window · log window) (one sort
of the trailing windows).

Defaults and the false-alarm rate they give on steady runs are in
docs/analysis.md ("Statistical analysis").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]

#: A zero-spread baseline (a constant series) is given this much spread instead, relative
#: to its level, so a change after a flat run scores high but finite; never below
#: _ABS_SPREAD_FLOOR, so a flat zero series (no errors at all) still has a scale.
_REL_SPREAD_FLOOR = 1e-6
_ABS_SPREAD_FLOOR = 1e-9
#: Scores are capped here: a jump after a perfectly flat stretch would otherwise score
#: ~1e9, which says no more than "very far" and reads badly.
MAX_SCORE = 1e6


@dataclass(frozen=True, slots=True)
class ZScoreParams:
    """Rolling Z-score: flag ``|x - mean| / std > z_max`` over the trailing window.

    Attributes:
        window: Trailing windows forming the baseline (mean and sample std).
        z_max: Flag when the absolute Z-score exceeds this.
        min_points: Values the baseline needs before a point is judged.
    """

    window: int = 60
    z_max: float = 5.0
    min_points: int = 20

    def __post_init__(self) -> None:
        _check_window(self.window, self.min_points)
        if not self.z_max > 0:
            raise ValueError("z_max must be > 0")


@dataclass(frozen=True, slots=True)
class IqrParams:
    """Rolling IQR (Tukey fences): flag outside ``[Q1 - k·IQR, Q3 + k·IQR]``.

    Attributes:
        window: Trailing windows forming the baseline (quartiles, linear interpolation).
        k: Fence multiplier (1.5 is Tukey's "outlier", 3 his "far out").
        min_points: Values the baseline needs before a point is judged.
    """

    window: int = 60
    k: float = 4.0
    min_points: int = 20

    def __post_init__(self) -> None:
        _check_window(self.window, self.min_points)
        if not self.k > 0:
            raise ValueError("k must be > 0")


def _check_window(window: int, min_points: int) -> None:
    if window < 2:
        raise ValueError("window must be >= 2")
    if not 2 <= min_points <= window:
        raise ValueError("min_points must be between 2 and window")


DEFAULT_ZSCORE = ZScoreParams()
DEFAULT_IQR = IqrParams()


@dataclass(frozen=True, slots=True)
class Flags:
    """The windows a detector flagged in one series: indices into it and their scores.

    ``score`` is signed (positive above the baseline, negative below), in the
    detector's unit: standard deviations (Z-score) or IQRs beyond the fence (IQR).
    """

    index: npt.NDArray[np.intp]
    score: FloatArray


def as_series(values: Sequence[float | None] | FloatArray) -> FloatArray:
    """A float64 array with NaN where ``values`` holds ``None`` (a window without a value)."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _spread_floor(level: FloatArray) -> FloatArray:
    return np.maximum(_REL_SPREAD_FLOOR * np.abs(level), _ABS_SPREAD_FLOOR)


def rolling_zscore(values: Sequence[float | None] | FloatArray,
                   params: ZScoreParams = DEFAULT_ZSCORE) -> Flags:
    """Flag the windows whose value lies more than ``z_max`` sample std from the trailing mean.

    A zero-spread baseline is given a tiny spread (1e-6 of its level, at least
    1e-9), so a change after a constant stretch is flagged with a large, finite
    score; scores are capped at ``MAX_SCORE``.
    """
    x = as_series(values)
    n = x.size
    if n == 0:
        return Flags(np.empty(0, np.intp), np.empty(0))
    valid = ~np.isnan(x)
    if not valid.any():
        return Flags(np.empty(0, np.intp), np.empty(0))
    # Centre on the series' median so the running sums of squares do not cancel.
    median = float(np.median(x[valid]))
    centred = np.where(valid, x - median, 0.0)
    w = params.window
    zero = np.zeros(1)
    cnt = np.concatenate((zero, np.cumsum(valid, dtype=np.float64)))
    s1 = np.concatenate((zero, np.cumsum(centred)))
    s2 = np.concatenate((zero, np.cumsum(centred * centred)))
    idx = np.arange(n)
    start = np.maximum(idx - w, 0)
    # Trailing window of point i: windows [i - w, i), i.e. prefix sums at i and i - w.
    c = cnt[idx] - cnt[start]
    judged = valid & (c >= params.min_points)
    c_safe = np.where(judged, c, 2.0)
    t1 = s1[idx] - s1[start]
    t2 = s2[idx] - s2[start]
    mean = t1 / c_safe
    var = np.maximum(t2 - t1 * mean, 0.0) / (c_safe - 1.0)
    std = np.maximum(np.sqrt(var), _spread_floor(mean + median))
    z = np.where(judged, (centred - mean) / std, 0.0)
    hit = np.flatnonzero(judged & (np.abs(z) > params.z_max))
    return Flags(hit.astype(np.intp), np.clip(z[hit], -MAX_SCORE, MAX_SCORE))


def rolling_iqr(values: Sequence[float | None] | FloatArray,
                params: IqrParams = DEFAULT_IQR) -> Flags:
    """Flag the windows outside the trailing window's Tukey fences ``Q1 - k·IQR, Q3 + k·IQR``.

    The score is the distance beyond the fence in IQRs (signed); a zero IQR
    (a flat baseline) is given the same tiny floor as the Z-score's spread.
    """
    x = as_series(values)
    n = x.size
    w = params.window
    valid = ~np.isnan(x)
    if n == 0 or not valid.any():
        return Flags(np.empty(0, np.intp), np.empty(0))
    # Left-pad with w NaNs: row i of the sliding view is then exactly windows [i - w, i).
    padded = np.concatenate((np.full(w, np.nan), x))
    rows = np.sort(sliding_window_view(padded, w)[:n], axis=1)  # NaN sorts last
    c = np.count_nonzero(~np.isnan(rows), axis=1)
    judged = valid & (c >= params.min_points)
    q1 = _row_quantile(rows, c, 0.25)
    q3 = _row_quantile(rows, c, 0.75)
    iqr = np.maximum(q3 - q1, _spread_floor((q1 + q3) / 2.0))
    upper = q3 + params.k * iqr
    lower = q1 - params.k * iqr
    with np.errstate(invalid="ignore"):
        score = np.where(x > upper, (x - q3) / iqr - params.k,
                         np.where(x < lower, (x - q1) / iqr + params.k, 0.0))
    score = np.where(judged, score, 0.0)
    hit = np.flatnonzero(score != 0.0)
    return Flags(hit.astype(np.intp), np.clip(score[hit], -MAX_SCORE, MAX_SCORE))


def _row_quantile(sorted_rows: FloatArray, counts: npt.NDArray[np.intp], q: float) -> FloatArray:
    """Quantile ``q`` of each row's first ``counts`` values (sorted), numpy's linear rule."""
    pos = q * np.maximum(counts - 1, 0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0))
    frac = pos - lo
    a = np.take_along_axis(sorted_rows, lo[:, None], axis=1)[:, 0]
    b = np.take_along_axis(sorted_rows, hi[:, None], axis=1)[:, 0]
    return np.asarray(a + (b - a) * frac, dtype=np.float64)
