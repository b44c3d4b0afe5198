"""The engine against closed forms for single queues.

Each check asserts that the analytic value lies inside the engine's own 95 %
batch-means confidence interval (or, for quantities the engine reports
without a CI, inside a t-interval over independent replications). Nothing is
"within X %": the tolerance is whatever the statistics of the run justify.
Seeds are fixed, so each test is deterministic.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pytest
from scipy import stats

from app.analysis.queueing import (
    erlang_b,
    md1_mean_response,
    mm1_response_quantile,
    mm1k_blocking,
    mmc_mean_response,
)
from app.engine import Simulation
from app.model import Document
from tests.validation.queueing import queue_doc
from tests.validation.runs import summaries

pytestmark = pytest.mark.slow


def _summary(doc: Document) -> dict[str, Any]:
    return Simulation(doc).run()


def _assert_in_ci(value: float, ci: list[float], what: str) -> None:
    lo, hi = ci
    assert lo <= value <= hi, f"{what}: analytic {value:.5g} outside the CI [{lo:.5g}, {hi:.5g}]"


def _replication_interval(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples)
    half = stats.t.ppf(0.975, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size)
    return float(arr.mean() - half), float(arr.mean() + half)


def test_mm1_mean_inside_ci() -> None:
    lam, mu = 800.0, 1000.0
    s = _summary(queue_doc(lam, 1.0, 1, duration_s=300, seed=11))
    lat = s["components"]["q"]["latency_ms"]
    _assert_in_ci(1000.0 / (mu - lam), lat["mean_ci95"], "M/M/1 mean response")
    # Utilization is rho: the binomial-like spread over 240k services is < 1 %.
    assert s["components"]["q"]["utilization"] == pytest.approx(lam / mu, rel=0.01)


def test_mm1_p99_over_replications(run_pool: Executor) -> None:
    lam, mu = 800.0, 1000.0
    runs = summaries(run_pool, [queue_doc(lam, 1.0, 1, duration_s=120, seed=seed)
                                for seed in range(100, 108)])
    p99s = [s["components"]["q"]["latency_ms"]["p99"] for s in runs]
    lo, hi = _replication_interval(p99s)
    exact = 1000.0 * mm1_response_quantile(lam, mu, 0.99)
    # The histogram's bins are 0.5 % wide: widen by that resolution, no more.
    assert lo * 0.995 <= exact <= hi * 1.005, f"p99 {exact:.3f} outside [{lo:.3f}, {hi:.3f}]"


@pytest.mark.parametrize(
    ("servers", "rho"),
    [(2, 0.5), (2, 0.9), (4, 0.8), (8, 0.7), (8, 0.9), (16, 0.95)],
)
def test_mmc_against_erlang_c(servers: int, rho: float) -> None:
    mu = 1000.0
    lam = rho * servers * mu
    duration = 60.0 if servers >= 8 else 120.0
    s = _summary(queue_doc(lam, 1.0, servers, duration_s=duration, seed=servers * 100 + 7))
    lat = s["components"]["q"]["latency_ms"]
    _assert_in_ci(1000.0 * mmc_mean_response(lam, mu, servers), lat["mean_ci95"],
                  f"M/M/{servers} at rho={rho}")


def test_md1_against_pollaczek_khinchine() -> None:
    lam, service_s = 800.0, 0.001
    s = _summary(queue_doc(lam, 1.0, 1, distribution="constant", duration_s=200, seed=5))
    lat = s["components"]["q"]["latency_ms"]
    _assert_in_ci(1000.0 * md1_mean_response(lam, service_s), lat["mean_ci95"], "M/D/1")
    # Deterministic service: nobody is faster than the service time itself.
    assert lat["p50"] >= 1.0 * 0.995


def test_erlang_b_loss_system(run_pool: Executor) -> None:
    servers, a = 5, 4.0  # M/M/5/5, offered load 4 erlangs
    runs = summaries(run_pool, [
        queue_doc(a * 1000.0, 1.0, servers, capacity=0, duration_s=40, seed=seed)
        for seed in range(20, 28)
    ])
    blocked = [s["components"]["q"]["rejected"] / s["components"]["q"]["arrivals"]
               for s in runs]
    lo, hi = _replication_interval(blocked)
    assert lo <= erlang_b(servers, a) <= hi, (erlang_b(servers, a), lo, hi)


def test_mm1k_blocking(run_pool: Executor) -> None:
    rho, waiting = 0.9, 4  # 1 in service + 4 waiting: K = 5
    runs = summaries(run_pool, [
        queue_doc(900.0, 1.0, 1, capacity=waiting, duration_s=40, seed=seed)
        for seed in range(40, 48)
    ])
    blocked = [s["components"]["q"]["rejected"] / s["components"]["q"]["arrivals"]
               for s in runs]
    lo, hi = _replication_interval(blocked)
    exact = mm1k_blocking(rho, waiting + 1)
    assert lo <= exact <= hi, (exact, lo, hi)


COVERAGE_CASES = {
    # name: (document for a seed, analytic mean response in ms)
    "M/M/1 rho=0.5": (lambda seed: queue_doc(500.0, 1.0, 1, duration_s=30, warmup_s=2,
                                             seed=seed), 2.0),
    "M/M/2 rho=0.7": (lambda seed: queue_doc(1400.0, 1.0, 2, duration_s=30, warmup_s=2,
                                             seed=seed),
                      1000.0 * mmc_mean_response(1400.0, 1000.0, 2)),
    "M/D/1 rho=0.7": (lambda seed: queue_doc(700.0, 1.0, 1, distribution="constant",
                                             duration_s=30, warmup_s=2, seed=seed),
                      1000.0 * md1_mean_response(700.0, 0.001)),
    "M/M/4 rho=0.8": (lambda seed: queue_doc(3200.0, 1.0, 4, duration_s=30, warmup_s=2,
                                             seed=seed),
                      1000.0 * mmc_mean_response(3200.0, 1000.0, 4)),
}


@pytest.mark.timeout(900)  # 100 runs: a hang guard with room for a crowded machine
def test_ci_coverage_across_seeds(run_pool: Executor) -> None:
    """The analytic mean lies inside the reported 95 % CI in >= 90 % of runs.

    100 runs: four textbook queues x 25 seeds, spread over every core (the runs
    are independent and each is fixed by its seed). (Batch means are known to
    under-cover a little at high load, where busy periods make batch means
    skewed: for M/M/1 at rho = 0.7 we measured 92 % over 100 seeds, see
    docs/model.md.)
    """
    cases = [(name, seed, make, exact)
             for name, (make, exact) in COVERAGE_CASES.items()
             for seed in range(300, 325)]
    runs = summaries(run_pool, [make(seed) for _, seed, make, _ in cases])
    assert len(runs) == 100
    inside, misses = 0, []
    for (name, seed, _, exact), s in zip(cases, runs, strict=True):
        lo, hi = s["components"]["q"]["latency_ms"]["mean_ci95"]
        if lo <= exact <= hi:
            inside += 1
        else:
            misses.append(f"{name} seed {seed}")
    assert inside / len(runs) >= 0.9, f"coverage {inside}/{len(runs)}; missed: {misses}"
