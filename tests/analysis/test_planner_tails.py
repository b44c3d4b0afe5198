"""The planner's p99 formulas: gamma tails, their mixtures, and the model's predicted p99s."""

from __future__ import annotations

import math

import pytest

from app.analysis.model import prepare
from app.analysis.planner_tails import predict_p99
from app.analysis.queueing import (
    gamma_cdf,
    gamma_quantile,
    mixture_quantile,
    shifted_gamma_cdf,
    wait_variance,
)
from app.model.document import Component, Document, Link, ServiceTime, SimulationSettings, Workload


@pytest.mark.parametrize("x", [0.1, 1.0, 2.5, 7.0, 30.0])
def test_gamma_cdf_matches_closed_forms(x: float) -> None:
    assert gamma_cdf(x, 1.0, 2.0) == pytest.approx(1.0 - math.exp(-x / 2.0), rel=1e-12)
    # Shape 2 (Erlang-2): 1 - e^-x (1 + x).
    assert gamma_cdf(x, 2.0, 1.0) == pytest.approx(1.0 - math.exp(-x) * (1.0 + x), rel=1e-11)
    # Shape 1/2 is chi-square with one degree of freedom over two: erf(sqrt(x)).
    assert gamma_cdf(x, 0.5, 1.0) == pytest.approx(math.erf(math.sqrt(x)), rel=1e-11)


def test_gamma_quantile_inverts_the_cdf_over_shapes() -> None:
    for shape in (0.05, 0.3, 1.0, 4.0, 60.0, 2500.0):
        mean, variance = 7.0 * shape, 49.0 * shape  # scale 7
        x = gamma_quantile(mean, variance, 0.99)
        assert gamma_cdf(x, shape, 7.0) == pytest.approx(0.99, abs=1e-9)
    # An exponential's p99 is ln(100) x its mean; no variance: the mean itself.
    assert gamma_quantile(10.0, 100.0, 0.99) == pytest.approx(10.0 * math.log(100.0))
    assert gamma_quantile(10.0, 0.0, 0.99) == 10.0
    with pytest.raises(ValueError, match="quantile level"):
        gamma_quantile(1.0, 1.0, 1.0)


def test_wait_variance_is_the_mmc_waits() -> None:
    # Wait 0 w.p. 1 - C, else exponential of mean Wq / C: E[W^2] = 2 Wq^2 / C.
    wq, c = 3.0, 0.4
    assert wait_variance(wq, c) == pytest.approx(2 * wq * wq / c - wq * wq)
    assert wait_variance(wq, 1.0) == pytest.approx(wq * wq)  # exponential
    assert wait_variance(0.0, 0.5) == 0.0


def test_mixture_quantile_weights_its_parts() -> None:
    # One part: the shifted gamma's quantile.
    assert mixture_quantile([(1.0, 5.0, 15.0, 100.0)], 0.99) == pytest.approx(
        5.0 + 10.0 * math.log(100.0))
    # Two parts: the answer solves the weighted CDF equation.
    parts = [(3.0, 5.0, 15.0, 100.0), (1.0, 0.0, 2.0, 1.0)]
    x = mixture_quantile(parts, 0.99)
    cdf = sum(w * shifted_gamma_cdf(x, f, m, v) for w, f, m, v in parts) / 4.0
    assert cdf == pytest.approx(0.99, abs=1e-9)
    assert mixture_quantile([], 0.99) == 0.0


def _chain(rate: float, *, link_ms: float = 0.0) -> Document:
    def station(cid: str, ms: float, dist: str = "exponential") -> Component:
        return Component(id=cid, type="microservice", concurrency=1, blocking=False,
                         queue_capacity="unbounded", service_time=ServiceTime(dist, mean_ms=ms))
    return Document(
        name="chain",
        components=[Component(id="users", type="client",
                              workload=Workload(pattern="poisson", rate_rps=rate)),
                    station("a", 4.0), station("b", 2.0, "constant")],
        links=[Link("users", "a", latency_ms=link_ms), Link("a", "b")],
        simulation=SimulationSettings(duration_s=20.0, warmup_s=2.0))


def test_mm1_p99_is_exact_and_a_constant_is_its_floor() -> None:
    lam, link = 100.0, 1.5
    model = prepare(_chain(lam, link_ms=link))
    result = model.at(1.0, saturation=False)
    tails = predict_p99(model, result)
    mu = 1000.0 / 4.0
    # M/M/1 time in system is exponential with rate mu - lambda: its p99 exactly.
    assert tails.components["a"] == pytest.approx(math.log(100.0) / (mu - lam) * 1000.0,
                                                  rel=1e-9)
    # M/D/1: a constant service sets the floor; the p99 sits above it.
    assert tails.components["b"] is not None and tails.components["b"] > 2.0
    # End to end: at least the link both ways plus the two floors, and the mean below it.
    e2e = tails.end_to_end
    assert e2e is not None
    assert result.end_to_end_ms is not None and e2e > result.end_to_end_ms > 2 * link + 2.0


def test_a_saturated_tier_has_no_p99() -> None:
    model = prepare(_chain(300.0))  # a: 300 req/s x 4 ms = rho 1.2, an unbounded queue
    tails = predict_p99(model, model.at(1.0, saturation=False))
    assert tails.components["a"] is None and tails.end_to_end is None
