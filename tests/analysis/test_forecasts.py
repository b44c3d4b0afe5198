"""Capacity forecasts: saturation at the current trend, and the load at which p99 breaks."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.forecasts import (
    LOAD_TOLERANCE,
    MAX_BISECTIONS,
    load_at_p99_target,
    time_to_saturation,
)
from app.analysis.trends import Trend, linear_trends


def _trend(slope: float, level_at_100: float, noise: float = 0.01, seed: int = 1) -> Trend:
    rng = np.random.default_rng(seed)
    t = np.arange(1.0, 101.0)
    y = level_at_100 + slope * (t - 100.0) + rng.normal(0.0, noise, t.size)
    return linear_trends(t, y)[0]


def test_a_rising_utilization_saturates_where_its_line_reaches_one() -> None:
    trend = _trend(0.002, 0.6)
    assert trend.significant
    at_s = time_to_saturation(trend, 100.0)
    fitted_end = trend.value_at(100.0)
    assert at_s == pytest.approx((1.0 - fitted_end) / trend.slope_per_s)
    assert at_s == pytest.approx(200.0, rel=0.1)  # 0.4 to go at 0.002 per second


def test_no_forecast_without_a_significant_rise_or_beyond_the_horizon() -> None:
    assert time_to_saturation(_trend(-0.002, 0.6), 100.0) is None       # falling
    noisy = _trend(1e-5, 0.5, noise=0.05, seed=3)
    assert not noisy.significant
    assert time_to_saturation(noisy, 100.0) is None                     # not significant
    assert time_to_saturation(_trend(0.002, 0.6), 100.0, horizon_s=150.0) is None
    assert time_to_saturation(_trend(0.002, 0.6), 100.0, horizon_s=250.0) is not None
    assert time_to_saturation(Trend(2, 0.1, 0.0, None, False), 1.0) is None


def test_already_past_the_level_is_zero_seconds_away() -> None:
    assert time_to_saturation(_trend(0.002, 1.05), 100.0) == 0.0
    assert time_to_saturation(_trend(0.002, 0.6), 100.0, level=0.5) == 0.0


# M/M/1 with mu = 1000/s at 500/s today: mean(k) = 1 / (mu - 500 k) seconds, saturated at k = 2.
def _mm1_mean_ms(k: float) -> float | None:
    return None if k >= 2.0 else 1000.0 / (1000.0 - 500.0 * k)


def test_p99_break_matches_the_closed_form_of_the_scaling_rule() -> None:
    # p99(k) = 9.2 ms * (1000 - 500) / (1000 - 500 k) = 20 ms  <=>  k = (1000 - 230) / 500.
    found = load_at_p99_target(500.0, 9.2, 20.0, _mm1_mean_ms)
    assert found is not None
    assert found.load_factor == pytest.approx(1.54, rel=2 * LOAD_TOLERANCE)
    assert found.load_factor >= 1.54  # the smallest factor *over* the target: from above
    assert found.load_rps == pytest.approx(500.0 * found.load_factor)
    assert not found.saturated and not found.already_exceeded


def test_a_target_beyond_what_scaling_reaches_breaks_at_saturation() -> None:
    found = load_at_p99_target(500.0, 9.2, 1e9, _mm1_mean_ms)
    assert found is not None and found.saturated
    assert found.load_factor == pytest.approx(2.0, rel=2 * LOAD_TOLERANCE)


def test_already_over_target_never_and_bad_inputs() -> None:
    over = load_at_p99_target(500.0, 30.0, 20.0, _mm1_mean_ms)
    assert over is not None and over.already_exceeded and over.load_factor == 1.0
    assert load_at_p99_target(500.0, 9.2, 20.0, lambda k: 3.0) is None  # load-insensitive
    assert load_at_p99_target(500.0, 9.2, 20.0, lambda k: None) is None  # saturated today
    for bad in [(0.0, 9.2, 20.0), (500.0, float("nan"), 20.0), (500.0, 9.2, -1.0),
                (float("inf"), 9.2, 20.0)]:
        assert load_at_p99_target(*bad, _mm1_mean_ms) is None


def test_the_search_is_bounded() -> None:
    calls: list[float] = []

    def slow_rise(k: float) -> float:
        calls.append(k)
        return 1.0 + 1e-9 * k

    assert load_at_p99_target(1.0, 1.0, 1.0 + 1e-7, slow_rise, max_factor=1e6) is not None
    assert len(calls) <= 1 + 21 + MAX_BISECTIONS + 1
    calls.clear()
    assert load_at_p99_target(1.0, 1.0, 2.0, slow_rise) is None  # 1000x: never
    assert len(calls) <= 12
