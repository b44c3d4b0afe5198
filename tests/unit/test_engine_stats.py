"""The engine's statistics without scipy: t-quantile, histogram, window percentiles."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.engine.stats import (
    BatchMeans,
    LatencyHistogram,
    bin_indices,
    many_window_percentiles,
    t_quantile_975,
    window_percentiles,
)

ROOT = Path(__file__).resolve().parents[2]


def test_t_quantile_matches_scipy_for_every_df_up_to_1000() -> None:
    from scipy.stats import t  # a test-time dependency only

    dfs = np.arange(1, 1001)
    expected = t.ppf(0.975, dfs)
    ours = np.array([t_quantile_975(int(df)) for df in dfs])
    # Newton on the exact CDF: agreement to rounding, far inside what a CI needs.
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=0)
    for df in (1001, 2000, 10**5, 10**9):  # the series alone, beyond 1000
        assert t_quantile_975(df) == pytest.approx(float(t.ppf(0.975, df)), rel=1e-10)


def test_t_quantile_refuses_no_degrees_of_freedom() -> None:
    with pytest.raises(ValueError, match="degree"):
        t_quantile_975(0)


def test_a_run_and_its_summary_never_import_scipy() -> None:
    code = (
        "import sys\n"
        "from app.engine import Simulation\n"
        "from tests.unit.engine_docs import client, design, server\n"
        "out = Simulation(design([client(200), server('s', 1.0)], [('users', 's')])).run()\n"
        "assert out['end_to_end']['latency_ms']['mean_ci95'][0] is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"


def test_histogram_stores_only_the_bins_it_saw_and_keeps_percentiles() -> None:
    rng = np.random.default_rng(7)
    hist = LatencyHistogram()
    batches = [rng.lognormal(0.0, 0.3, 5000), rng.lognormal(3.0, 0.3, 5000),
               rng.lognormal(-3.0, 0.3, 5000), np.array([]), np.array([2.5])]
    for b in batches:  # grows to the right, then to the left
        hist.add(b)
    every = np.concatenate(batches)
    assert hist.total == every.size
    # Three decades and a half at 0.5 % per bin: ~1,700 bins, not the full 6,000+.
    assert hist.counts.size < 2000
    for q in (1, 25, 50, 90, 99, 99.9):
        # A percentile is the centre of its bin: within half a bin (0.25 %),
        # plus the gap between neighbouring samples at that rank.
        assert hist.percentile(q) == pytest.approx(np.percentile(every, q), rel=0.006)
    assert hist.max_ms == every.max()
    assert LatencyHistogram().percentile(50) is None


@pytest.mark.parametrize("n", [1, 2, 3, 7, 31, 32, 33, 1000])
def test_window_percentiles_match_numpy_for_small_and_large_windows(n: int) -> None:
    x = np.random.default_rng(n).exponential(3.0, n)
    expected = (*np.percentile(x, (50, 90, 95, 99)).tolist(), float(x.max()))
    assert window_percentiles(x.tolist()) == expected
    assert window_percentiles(x) == expected


def test_histogram_counts_do_not_depend_on_how_latencies_were_batched() -> None:
    # Batches wait and are binned together (#14): the counts, the first bin and
    # the maximum must be those of binning everything at once.
    rng = np.random.default_rng(3)
    parts = [rng.lognormal(m, 0.5, n) for m, n in ((0.0, 40), (2.0, 3000), (-2.0, 7), (5.0, 600))]
    batched, whole = LatencyHistogram(), LatencyHistogram()
    for p in parts:
        batched.add(p if p.size >= 32 else p.tolist())
    whole.add(np.concatenate(parts))
    assert batched.first == whole.first
    assert batched.counts.tolist() == whole.counts.tolist()
    assert batched.max_ms == whole.max_ms == max(float(p.max()) for p in parts)
    assert batched.total == whole.total


@pytest.mark.parametrize("n", [100, 2048, 4097])
def test_window_percentiles_match_numpy_bit_for_bit_on_many_draws(n: int) -> None:
    rng = np.random.default_rng(n)
    for scale in (1e-3, 1.0, 1e4):
        x = rng.exponential(scale, n)
        expected = (*np.percentile(x, (50, 90, 95, 99)).tolist(), float(x.max()))
        assert window_percentiles(x) == expected


def test_many_window_percentiles_give_each_window_its_own_bits() -> None:
    # Windows of many lengths, grouped into padded rows and sorted together
    # (#14 scaling): every row must be what window_percentiles gives that
    # window alone — ties, equal values and lengths on both sides of a group
    # boundary and of the longest padded row included.
    rng = np.random.default_rng(14)
    lengths = [1, 2, 5, 31, 32, 33, 63, 64, 100, 127, 128, 129, 1000, 4095, 4096, 4097, 9000]
    windows = [rng.exponential(rng.choice([1e-3, 1.0, 1e3]), n) for n in lengths]
    windows.append(np.full(50, 7.25))  # all equal
    windows.append(np.round(rng.exponential(2.0, 70), 1))  # many ties
    rng.shuffle(windows)
    got = many_window_percentiles(windows)
    assert got.shape == (len(windows), 5)
    for row, w in zip(got.tolist(), windows, strict=True):
        assert tuple(row) == window_percentiles(w)


def _ci95_by_array_split(counts: list[int], sums: list[float], batches: int = 10,
                         ) -> tuple[float, float]:
    """The batch-means interval written the plain way: np.array_split and ndarray sums."""
    k = min(batches, len(counts))
    if k < 4:
        return (math.nan, math.nan)
    bc = np.array([part.sum() for part in np.array_split(np.asarray(counts, float), k)])
    bs = np.array([part.sum() for part in np.array_split(np.asarray(sums, float), k)])
    bc, bs = bc[bc > 0], bs[bc > 0]
    k = int(bc.size)
    if k < 4:
        return (math.nan, math.nan)
    ratio = float(bs.sum() / bc.sum())
    var = float(np.sum((bs - ratio * bc) ** 2)) / (k * (k - 1) * float(bc.mean()) ** 2)
    half = t_quantile_975(k - 1) * math.sqrt(var)
    return (ratio - half, ratio + half)


def test_batch_means_interval_is_the_plain_formula_to_the_bit() -> None:
    # ci95 sums the whole-number counts in Python and the latency sums with
    # np.add.reduce; a change in either would move the summary's last bits.
    rng = np.random.default_rng(5)
    for _ in range(3000):
        n = int(rng.integers(1, 120))
        counts = [int(c) for c in rng.poisson(rng.choice([0.3, 3.0, 125.0, 5000.0]), size=n)]
        sums = [c * float(rng.exponential(3.0)) + (float(rng.exponential()) if c else 0.0)
                for c in counts]
        got = BatchMeans(counts, sums).ci95()
        want = _ci95_by_array_split(counts, sums)
        assert all(g == w or (math.isnan(g) and math.isnan(w))
                   for g, w in zip(got, want, strict=True)), (counts, sums)


def test_bin_indices_are_the_histograms_bins_at_the_edges_too() -> None:
    from app.engine import stats

    rng = np.random.default_rng(11)
    x = np.concatenate([rng.lognormal(0.0, 4.0, 20_000),
                        [0.0, 1e-12, stats._HIST_MIN_MS, 1.0, 1e7, 1e9, 1e300]])
    plain = np.floor(np.log(np.maximum(x, stats._HIST_MIN_MS) / stats._HIST_MIN_MS)
                     / stats._LOG_RATIO)
    plain = np.clip(plain.astype(np.int64), 0, stats._HIST_BINS - 1)
    got = bin_indices(x)
    assert got.dtype == np.int16 and np.iinfo(np.int16).max >= stats._HIST_BINS
    assert got.tolist() == plain.tolist()
