"""Welch's test and the Student-t p-value against scipy.stats (only the tests import it)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from app.engine.stats import t_two_sided_p
from app.sweeps.compare import ALPHA, compare, welch
from app.sweeps.estimates import estimate


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 10, 29, 30, 99, 500, 2001])
def test_two_sided_p_matches_scipy(df: int) -> None:
    for t in (0.0, 0.1, 0.5, 1.0, 1.96, 2.5, 4.0, 8.0, -3.0):
        assert t_two_sided_p(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), abs=1e-12)


def test_fractional_df_rounds_down_and_huge_df_is_normal() -> None:
    assert t_two_sided_p(2.1, 17.9) == pytest.approx(2 * stats.t.sf(2.1, 17), abs=1e-12)
    assert t_two_sided_p(2.1, 17.9) > 2 * stats.t.sf(2.1, 17.9)  # conservative
    assert t_two_sided_p(1.5, 1e7) == pytest.approx(2 * stats.norm.sf(1.5), abs=1e-6)
    assert t_two_sided_p(math.inf, 5) == 0.0
    assert t_two_sided_p(1.0, math.inf) == pytest.approx(2 * stats.norm.sf(1.0), abs=1e-12)
    for bad in ((math.nan, 3), (1.0, 0.5), (1.0, math.nan)):
        with pytest.raises(ValueError):
            t_two_sided_p(*bad)


@pytest.mark.parametrize("seed", range(8))
def test_welch_matches_scipy_ttest_ind(seed: int) -> None:
    rng = np.random.default_rng(seed)
    na, nb = int(rng.integers(2, 30)), int(rng.integers(2, 30))
    a = list(rng.normal(10.0, rng.uniform(0.5, 3.0), na))
    b = list(rng.normal(10.0 + rng.uniform(-2, 2), rng.uniform(0.5, 6.0), nb))
    ours = welch(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert ours is not None
    assert ours.t == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.df == pytest.approx(ref.df, rel=1e-10)
    assert ours.difference == pytest.approx(np.mean(b) - np.mean(a), rel=1e-12)
    whole = math.floor(ref.df)
    assert ours.p_value == pytest.approx(2 * stats.t.sf(abs(ref.statistic), whole), abs=1e-12)
    half = stats.t.ppf(0.975, whole) * ours.se
    assert (ours.ci_low, ours.ci_high) == pytest.approx(
        (ours.difference - half, ours.difference + half), rel=1e-9)


def test_welch_known_answer_by_hand() -> None:
    # a: mean 2, var 1, n 3; b: mean 5, var 4, n 3 -> se = sqrt(1/3 + 4/3), t = 3 / se,
    # df = (5/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = 25/9 / (17/18) = 50/17 = 2.94 -> 2.
    result = welch([1.0, 2.0, 3.0], [3.0, 5.0, 7.0])
    assert result is not None
    assert result.t == pytest.approx(3 / math.sqrt(5 / 3))
    assert result.df == pytest.approx(50 / 17)
    assert result.p_value == pytest.approx(2 * stats.t.sf(3 / math.sqrt(5 / 3), 2), abs=1e-12)


def test_degenerate_samples() -> None:
    assert welch([1.0], [1.0, 2.0]) is None
    same = welch([3.0, 3.0], [3.0, 3.0])
    assert same is not None and same.p_value == 1.0 and same.difference == 0.0
    apart = welch([3.0, 3.0], [4.0, 4.0])
    assert apart is not None and apart.p_value == 0.0 and apart.ci_low == apart.ci_high == 1.0


def test_compare_rows_for_figures_present_on_both_sides() -> None:
    a = [{("latency_mean_ms", "end_to_end"): v, ("utilization", "web"): 0.5,
          ("latency_mean_ms", "web"): v} for v in (10.0, 11.0, 12.0, 10.5)]
    b = [{("latency_mean_ms", "end_to_end"): v, ("utilization", "web"): 0.5,
          ("throughput_rps", "end_to_end"): 1.0, ("latency_mean_ms", "web"): None}
         for v in (20.0, 21.0, 19.0, 22.0)]
    rows = compare(a, b)
    assert [(r.metric, r.component) for r in rows] == [
        ("latency_mean_ms", "end_to_end"), ("utilization", "web"), ("latency_mean_ms", "web")]
    latency, util, web = rows
    assert latency.a == estimate([10.0, 11.0, 12.0, 10.5])
    assert latency.difference == pytest.approx(20.5 - 10.875)
    assert latency.relative == pytest.approx((20.5 - 10.875) / 10.875)
    ref = stats.ttest_ind([20.0, 21.0, 19.0, 22.0], [10.0, 11.0, 12.0, 10.5], equal_var=False)
    assert latency.p_value == pytest.approx(
        2 * stats.t.sf(abs(ref.statistic), math.floor(ref.df)), abs=1e-12)
    assert latency.significant and latency.p_value < ALPHA
    assert latency.diff_low is not None and latency.diff_low > 0
    assert not util.significant and util.difference == 0.0 and util.p_value == 1.0
    # B never measured the component's latency: a row with no test, never "significant".
    assert web.b.n == 0 and web.difference is None and web.p_value is None
    assert not web.significant
