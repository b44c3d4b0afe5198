"""Least-squares trends of per-window metric series, with a two-sided t-test on the slope.

The slope is the ordinary least-squares fit of value on simulated time
(units per second); the p-value tests "slope = 0" with Student's t on
n - 2 degrees of freedom, computed with ``scipy.special.stdtr`` (imported in
the function that needs it: importing scipy costs ~0.8 s, and a run that is
never analysed never pays it). ``scipy.stats`` is not used.

Caveat (in docs/analysis.md): windows of a queue are autocorrelated, which
the test assumes away, so on a loaded design it calls a trend significant
more often than the nominal 5 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: A trend is significant when its two-sided p-value is below this.
SIGNIFICANCE = 0.05


@dataclass(frozen=True, slots=True)
class Trend:
    """One series' trend.

    Attributes:
        n: Values the fit used (windows with a value).
        slope_per_s: Units of the metric per simulated second; ``None`` below 2 values.
        intercept: The fitted value at time 0 s; ``None`` below 2 values.
        p_value: Two-sided p-value of "no trend"; ``None`` below 3 values (no
            degree of freedom left). A constant series has slope 0 and p = 1.
        significant: ``p_value < SIGNIFICANCE``.
    """

    n: int
    slope_per_s: float | None
    intercept: float | None
    p_value: float | None
    significant: bool

    def value_at(self, time_s: float) -> float | None:
        """The fitted line's value at ``time_s``; ``None`` without a fit."""
        if self.slope_per_s is None or self.intercept is None:
            return None
        return self.intercept + self.slope_per_s * time_s


def linear_trends(times_s: Sequence[float] | FloatArray,
                  values: FloatArray) -> list[Trend]:
    """The least-squares trend of each row of ``values`` (NaN = no value) against ``times_s``.

    ``values`` has shape (series, windows) or (windows,); all rows share the
    window end times ``times_s``. Vectorised over rows.
    """
    t = np.asarray(times_s, dtype=np.float64)
    y = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if y.shape[1] != t.size:
        raise ValueError(f"{y.shape[1]} values per series for {t.size} times")
    valid = ~np.isnan(y)
    n = valid.sum(axis=1)
    n_safe = np.maximum(n, 1)
    tt = np.broadcast_to(t, y.shape)
    t_mean = np.where(valid, tt, 0.0).sum(axis=1) / n_safe
    y0 = np.where(valid, y, 0.0)
    y_mean = y0.sum(axis=1) / n_safe
    dt = np.where(valid, tt - t_mean[:, None], 0.0)
    dy = np.where(valid, y0 - y_mean[:, None], 0.0)
    sxx = (dt * dt).sum(axis=1)
    sxy = (dt * dy).sum(axis=1)
    syy = (dy * dy).sum(axis=1)
    fit = (n >= 2) & (sxx > 0)
    slope = np.where(fit, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    rss = np.maximum(syy - slope * sxy, 0.0)
    dof = np.maximum(n - 2, 1).astype(np.float64)
    se = np.sqrt(rss / dof / np.where(sxx > 0, sxx, 1.0))
    p = _two_sided_p(slope, se, dof, syy)
    out: list[Trend] = []
    for i in range(y.shape[0]):
        if not fit[i]:
            out.append(Trend(int(n[i]), None, None, None, False))
            continue
        b = float(slope[i])
        a = float(y_mean[i] - b * t_mean[i])
        pv = float(p[i]) if n[i] >= 3 else None
        out.append(Trend(int(n[i]), b, a, pv, pv is not None and pv < SIGNIFICANCE))
    return out


def _two_sided_p(slope: FloatArray, se: FloatArray, dof: FloatArray,
                 syy: FloatArray) -> FloatArray:
    """P(|T| > |slope / se|) with T ~ Student t(dof). A constant series: 1; an exact
    line (no residual, non-zero slope): 0."""
    from scipy.special import stdtr  # lazily: scipy costs ~0.8 s to import

    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = np.abs(slope) / se
    p = 2.0 * np.asarray(stdtr(dof, -np.where(np.isfinite(t_stat), t_stat, 0.0)),
                         dtype=np.float64)
    p = np.where(se > 0, p, np.where(slope != 0, 0.0, 1.0))
    p = np.where(syy > 0, p, 1.0)
    return np.asarray(np.clip(p, 0.0, 1.0), dtype=np.float64)
