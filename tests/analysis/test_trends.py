"""Least-squares trends and their p-values, checked against scipy.stats.linregress."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import linregress

from app.analysis.trends import SIGNIFICANCE, linear_trends


@pytest.mark.parametrize(("slope", "noise", "seed"), [
    (0.01, 1.0, 3), (0.0, 1.0, 4), (-0.2, 5.0, 5), (1e-4, 0.01, 6), (0.05, 10.0, 7)])
def test_slope_and_p_value_equal_linregress_with_gaps(slope, noise, seed) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(1.0, 301.0)
    y = 50.0 + slope * t + rng.normal(0.0, noise, t.size)
    y[rng.choice(t.size, 30, replace=False)] = np.nan
    (trend,) = linear_trends(t, y)
    keep = ~np.isnan(y)
    ref = linregress(t[keep], y[keep])
    assert trend.n == 270
    assert trend.slope_per_s == pytest.approx(ref.slope, rel=1e-9, abs=1e-15)
    assert trend.intercept == pytest.approx(ref.intercept, rel=1e-9)
    assert trend.p_value == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-300)
    assert trend.significant == (ref.pvalue < SIGNIFICANCE)


def test_rows_are_independent_series_sharing_the_times() -> None:
    rng = np.random.default_rng(8)
    t = np.linspace(0.0, 99.0, 100)
    rows = np.vstack([0.3 * t + rng.normal(0, 1, 100), rng.normal(0, 1, 100)])
    up, flat = linear_trends(t, rows)
    assert up.significant and up.slope_per_s == pytest.approx(0.3, abs=0.02)
    assert up.p_value is not None and up.p_value < 1e-50
    assert flat.p_value == pytest.approx(linregress(t, rows[1]).pvalue, rel=1e-7)


def test_too_few_points_constant_and_exact_lines() -> None:
    t = [0.0, 1.0, 2.0, 3.0]
    rows = np.array([
        [5.0, 5.0, 5.0, 5.0],             # constant: no trend, p = 1
        [1.0, 3.0, 5.0, 7.0],             # an exact line: p = 0
        [np.nan, 1.0, np.nan, 2.0],       # two points: a slope, no p-value
        [np.nan, np.nan, 4.0, np.nan],    # one point: nothing
        [np.nan] * 4,
    ])
    const, line, two, one, none = linear_trends(t, rows)
    assert (const.slope_per_s, const.p_value, const.significant) == (0.0, 1.0, False)
    assert line.slope_per_s == pytest.approx(2.0) and line.p_value == 0.0 and line.significant
    assert line.value_at(10.0) == pytest.approx(21.0)
    assert two.slope_per_s == pytest.approx(0.5) and two.p_value is None
    assert not two.significant
    assert one.slope_per_s is None and one.p_value is None and one.value_at(1.0) is None
    assert none.n == 0 and none.slope_per_s is None


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="values per series"):
        linear_trends([0.0, 1.0], np.zeros((2, 3)))


def test_scipy_is_loaded_only_when_a_trend_is_computed_and_scipy_stats_never() -> None:
    code = ("import sys, numpy as np\n"
            "import app.analysis.trends as tr, app.analysis.run_analysis\n"
            "print('scipy' in sys.modules)\n"
            "tr.linear_trends(np.arange(5.0), np.arange(5.0) ** 2)\n"
            "print('scipy.special' in sys.modules, 'scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "False"]
