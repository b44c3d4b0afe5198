"""The rolling Z-score and IQR detectors on series with known anomalies."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.anomalies import (
    MAX_SCORE,
    IqrParams,
    ZScoreParams,
    as_series,
    rolling_iqr,
    rolling_zscore,
)

DETECTORS = [(rolling_zscore, ZScoreParams()), (rolling_iqr, IqrParams())]


def _noise(n: int, seed: int = 1) -> np.ndarray:
    return 100.0 + np.random.default_rng(seed).normal(0.0, 5.0, n)


@pytest.mark.parametrize(("detect", "params"), DETECTORS)
def test_a_spike_and_a_dip_are_found_at_their_index(detect, params) -> None:
    x = _noise(500)
    x[200] += 60.0   # +12 sigma
    x[350] -= 60.0
    flags = detect(x, params)
    assert flags.index.tolist() == [200, 350]
    assert flags.score[0] > 0 > flags.score[1]


@pytest.mark.parametrize(("detect", "params"), DETECTORS)
def test_a_steady_gaussian_series_flags_almost_nothing(detect, params) -> None:
    flags = detect(_noise(5000, seed=2), params)
    assert flags.index.size <= 3  # 5000 judged points, Gaussian tails beyond 5 sigma / 3 IQR


def test_zscore_score_is_the_distance_in_trailing_sample_stds() -> None:
    base = _noise(60, seed=3)
    x = np.append(base, 200.0)
    flags = rolling_zscore(x, ZScoreParams(window=60, z_max=3.0, min_points=20))
    expected = (200.0 - base.mean()) / base.std(ddof=1)
    assert flags.index.tolist()[-1] == 60
    assert flags.score[-1] == pytest.approx(expected, rel=1e-9)


def test_iqr_fence_is_exactly_tukeys() -> None:
    # Trailing window 0..59: Q1 = 14.75, Q3 = 44.25 (linear), IQR 29.5, upper fence 132.75.
    ramp = [float(v) for v in range(60)]
    params = IqrParams(window=60, k=3.0, min_points=20)
    assert rolling_iqr([*ramp, 132.7], params).index.tolist() == []
    hit = rolling_iqr([*ramp, 132.8], params)
    assert hit.index.tolist() == [60]
    assert hit.score[0] == pytest.approx((132.8 - 44.25) / 29.5 - 3.0)


@pytest.mark.parametrize(("detect", "params"), DETECTORS)
def test_gaps_are_never_flagged_and_do_not_shift_indices(detect, params) -> None:
    x: list[float | None] = list(_noise(300, seed=4))
    for i in range(100, 140):
        x[i] = None
    x[150] = 500.0
    flags = detect(x, params).index.tolist()
    assert flags[0] == 150  # the spike, at its own index (the gap is not squeezed out)
    assert not set(flags) & set(range(100, 140))
    # After a gap the baseline is thin (26 values at index 166): a 3-sigma dip may pass
    # a fence drawn from it, never more than that one.
    assert len(flags) <= 2


@pytest.mark.parametrize(("detect", "params"), DETECTORS)
def test_nothing_is_judged_before_min_points_values(detect, params) -> None:
    x = _noise(100, seed=5)
    x[10] = 1e6  # only 10 values before it: fewer than min_points (20)
    x[60] = 1e6
    assert detect(x, params).index.tolist() == [60]
    y: list[float | None] = [None] * 30 + list(x[:15]) + [1e6]
    assert detect(y, params).index.size == 0  # 15 values, 30 windows: still too few


@pytest.mark.parametrize(("detect", "params"), DETECTORS)
def test_a_constant_series_is_quiet_and_a_step_after_it_scores_high_but_finite(
        detect, params) -> None:
    assert detect([0.0] * 200, params).index.size == 0
    assert detect([0.5] * 200, params).index.size == 0
    flags = detect([0.0] * 100 + [0.02] + [0.0] * 50, params)
    assert flags.index.tolist() == [100]
    assert 0 < flags.score[0] <= MAX_SCORE
    assert np.isfinite(flags.score).all()


def test_an_empty_or_all_missing_series_flags_nothing() -> None:
    for detect, params in DETECTORS:
        assert detect([], params).index.size == 0
        assert detect([None, None, None], params).index.size == 0


def test_as_series_turns_none_into_nan() -> None:
    out = as_series([1.0, None, 3])
    assert out.dtype == np.float64
    assert np.isnan(out[1]) and out[2] == 3.0


@pytest.mark.parametrize("bad", [
    {"window": 1}, {"min_points": 1}, {"window": 10, "min_points": 11}])
def test_parameters_are_checked(bad) -> None:
    with pytest.raises(ValueError, match=r"window|min_points"):
        ZScoreParams(**bad)
    with pytest.raises(ValueError, match=r"window|min_points"):
        IqrParams(**bad)
    with pytest.raises(ValueError, match="z_max"):
        ZScoreParams(z_max=0)
    with pytest.raises(ValueError, match="k"):
        IqrParams(k=-1)
