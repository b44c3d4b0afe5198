"""The closed forms against textbook values and against brute-force state sums."""

from __future__ import annotations

import math

import pytest

from app.analysis.queueing import (
    allen_cunneen_wait,
    erlang_b,
    erlang_c,
    md1_mean_response,
    mm1_response_quantile,
    mm1k_blocking,
    mmc_mean_response,
    mmc_mean_wait,
    mmck,
    utilization,
)
from app.analysis.service_scv import service_scv
from app.model.service_time import ResolvedService


def _plain_erlang_b(c: int, a: float) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def _mmck_by_states(lam: float, mu: float, c: int, k: int) -> tuple[float, float, float]:
    """Blocking, L and Lq from the birth-death chain's probabilities, summed directly."""
    weights = [1.0]
    for n in range(1, k + 1):
        weights.append(weights[-1] * lam / (mu * min(n, c)))
    z = sum(weights)
    p = [w / z for w in weights]
    return p[k], sum(n * pn for n, pn in enumerate(p)), sum(
        (n - c) * pn for n, pn in enumerate(p) if n > c)


def test_erlang_b_textbook() -> None:
    # Tables: 4 erlangs on 5 lines block 19.91 %; 10 erlangs on 15 lines 3.65 %.
    assert erlang_b(5, 4.0) == pytest.approx(0.19907, abs=5e-5)
    assert erlang_b(15, 10.0) == pytest.approx(0.03649, abs=5e-5)
    assert erlang_b(1, 1.0) == 0.5
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0


@pytest.mark.parametrize(("c", "a"), [(600, 500.0), (2000, 1900.0), (5000, 4000.0),
                                      (300, 450.0), (10_000, 20.0)])
def test_erlang_b_fast_start_matches_the_full_recursion(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(_plain_erlang_b(c, a), rel=1e-12, abs=1e-300)


def test_erlang_c_textbook() -> None:
    # M/M/2 at rho = 1/2: P(wait) = 2 rho^2 / (1 + rho) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-12)
    # M/M/3 with a = 2 erlangs: C = 4/9 (Gross & Harris), Lq = 8/9.
    assert erlang_c(3, 2.0) == pytest.approx(4.0 / 9.0, rel=1e-12)
    assert 2.0 * mmc_mean_wait(2.0, 1.0, 3) == pytest.approx(8.0 / 9.0, rel=1e-12)
    assert erlang_c(3, 3.0) == 1.0


def test_mm1_and_mmc_response() -> None:
    assert mmc_mean_response(800.0, 1000.0, 1) == pytest.approx(1.0 / 200.0, rel=1e-12)
    assert mmc_mean_response(1000.0, 1000.0, 1) == math.inf
    assert mm1_response_quantile(800.0, 1000.0, 0.99) == pytest.approx(
        math.log(100.0) / 200.0, rel=1e-12)
    assert utilization(800.0, 0.001, 2) == pytest.approx(0.4)


def test_md1_pollaczek_khinchine() -> None:
    assert md1_mean_response(0.5, 1.0) == pytest.approx(1.5, rel=1e-12)
    assert md1_mean_response(1.0, 1.0) == math.inf


def test_allen_cunneen_exact_cases() -> None:
    # M/M/c: factor (1 + 1) / 2 = 1.
    assert allen_cunneen_wait(3.0, 1.0, 4, 1.0) == pytest.approx(mmc_mean_wait(3.0, 1.0, 4))
    # M/G/1 is Pollaczek–Khinchine: Wq = rho s (1 + cs²) / (2 (1 - rho)).
    lam, s, cs2 = 0.7, 1.0, 0.25
    assert allen_cunneen_wait(lam, s, 1, cs2) == pytest.approx(
        0.7 * 1.0 * 1.25 / (2 * 0.3), rel=1e-12)
    assert allen_cunneen_wait(0.7, 1.0, 1, 0.0) + 1.0 == pytest.approx(md1_mean_response(0.7, 1.0))
    assert allen_cunneen_wait(1.0, 1.0, 1, 0.5) == math.inf


def test_mm1k_textbook() -> None:
    # rho = 0.9, K = 5: (1 - rho) rho^5 / (1 - rho^6) = 0.1260225.
    assert mm1k_blocking(0.9, 5) == pytest.approx(0.059049 / 0.468559, rel=1e-12)
    assert mm1k_blocking(1.0, 4) == pytest.approx(0.2, rel=1e-9)


@pytest.mark.parametrize(("lam", "mu", "c", "k"), [
    (0.9, 1.0, 1, 5), (3.0, 1.0, 4, 4), (3.0, 1.0, 4, 10), (7.9, 1.0, 8, 40),
    (12.0, 1.0, 8, 30), (20.0, 1.0, 2, 25), (4.0, 1.0, 4, 9), (0.3, 1.0, 1, 1),
])
def test_mmck_equals_the_state_sums(lam: float, mu: float, c: int, k: int) -> None:
    blocking, number, queue = _mmck_by_states(lam, mu, c, k)
    m = mmck(lam, mu, c, k)
    assert m.blocking == pytest.approx(blocking, rel=1e-9)
    assert m.mean_number == pytest.approx(number, rel=1e-9)
    assert m.mean_queue == pytest.approx(queue, rel=1e-9, abs=1e-12)
    # Little's law with the admitted rate.
    assert m.mean_response == pytest.approx(number / (lam * (1 - blocking)), rel=1e-9)


def test_mmck_loss_system_is_erlang_b_and_overload_stays_finite() -> None:
    assert mmck(4.0, 1.0, 5, 5).blocking == pytest.approx(erlang_b(5, 4.0), rel=1e-12)
    heavy = mmck(5000.0, 1.0, 2, 1002)  # rho = 2500 with a long queue: no overflow
    assert heavy.blocking == pytest.approx(1.0 - 2.0 / 5000.0, rel=1e-9)
    assert heavy.mean_queue == pytest.approx(1000.0, rel=1e-3)
    assert math.isfinite(heavy.mean_response)


@pytest.mark.parametrize(("service", "scv"), [
    (ResolvedService("constant", 5.0), 0.0),
    (ResolvedService("exponential", 5.0), 1.0),
    (ResolvedService("uniform", 5.0, min_ms=0.0, max_ms=10.0), 1.0 / 3.0),
    (ResolvedService("lognormal", 4.0, std_ms=2.0), 0.25),
    (ResolvedService("gamma", 4.0, shape=4.0), 0.25),
    (ResolvedService("pareto", 4.0, shape=3.0), 1.0 / 3.0),
    (ResolvedService("pareto", 4.0, shape=2.0), math.inf),
    (ResolvedService("normal", 100.0, std_ms=1.0), 1e-4),  # truncation negligible
])
def test_service_scv(service: ResolvedService, scv: float) -> None:
    assert service_scv(service) == pytest.approx(scv, rel=1e-9)


def test_truncated_normal_scv_against_sampling() -> None:
    """std = mean: truncation at zero cuts the spread; the formula matches a big sample."""
    import numpy as np

    from app.engine.distributions import service_draw

    service = ResolvedService("normal", 1.0, std_ms=1.0)
    x = service_draw(service, scale=1.0)(np.random.default_rng(5), 400_000)
    assert float(x.mean()) == pytest.approx(1.0, rel=0.01)
    assert service_scv(service) == pytest.approx(float(x.var() / x.mean() ** 2), rel=0.02)
    assert service_scv(service) < 1.0
