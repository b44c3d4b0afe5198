"""Across-replication means and 95 % CIs, checked against numpy and scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from app.sweeps.estimates import estimate


@pytest.mark.parametrize("n", [2, 3, 5, 10, 31, 400])
def test_the_interval_is_student_t_like_scipy(n: int) -> None:
    values = np.random.default_rng(n).lognormal(1.0, 0.8, size=n)
    est = estimate(values.tolist())
    low, high = stats.t.interval(0.95, n - 1, loc=values.mean(), scale=stats.sem(values))
    assert est.n == n and est.missing == 0
    assert est.mean == pytest.approx(values.mean(), rel=1e-12)
    assert est.std == pytest.approx(values.std(ddof=1), rel=1e-12)
    assert est.ci_low == pytest.approx(low, rel=1e-9)
    assert est.ci_high == pytest.approx(high, rel=1e-9)
    assert est.half_width == pytest.approx((high - low) / 2, rel=1e-9)
    assert est.covers(float(values.mean())) and not est.covers(high + 1e-6 * abs(high) + 1e-9)


def test_missing_values_are_left_out_and_counted() -> None:
    est = estimate([1.0, None, 3.0, math.nan, math.inf, 2.0])
    assert (est.n, est.missing) == (3, 3)
    assert est.mean == pytest.approx(2.0)
    assert est.std == pytest.approx(1.0)
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (est.ci_low, est.ci_high) == (pytest.approx(2 - half), pytest.approx(2 + half))


def test_one_value_has_a_mean_but_no_interval() -> None:
    est = estimate([None, 5.0])
    assert (est.n, est.mean, est.std, est.ci_low, est.ci_high, est.missing) == (
        1, 5.0, None, None, None, 1)
    assert est.half_width is None and not est.covers(5.0)


def test_nothing_measured_has_no_mean() -> None:
    est = estimate([None, None])
    assert (est.n, est.mean, est.ci_low, est.missing) == (0, None, None, 2)
    assert estimate([]).n == 0


def test_equal_values_give_a_zero_width_interval_around_them() -> None:
    est = estimate([4.25] * 6)
    assert est.std == 0.0 and est.ci_low == est.ci_high == 4.25 and est.covers(4.25)


def test_large_offsets_do_not_lose_the_spread() -> None:
    # fsum and the two-pass variance keep a tiny spread on a huge mean.
    values = [1e12 + d for d in (0.0, 1.0, 2.0, 3.0)]
    assert estimate(values).std == pytest.approx(np.std(np.array(values) - 1e12, ddof=1))
