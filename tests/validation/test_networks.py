"""The engine against closed forms for networks: Jackson tandem, splits, caches, Little's law."""

from __future__ import annotations

import math

import pytest

from app.engine import Simulation
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    Routing,
    ServiceTime,
    SimulationSettings,
    Workload,
)

pytestmark = pytest.mark.slow


def _station(cid: str, mean_ms: float, servers: int = 1, **extra: object) -> Component:
    return Component(
        id=cid, type="microservice", concurrency=servers, queue_capacity=UNBOUNDED,
        service_time=ServiceTime("exponential", mean_ms=mean_ms), blocking=False,
        **extra,  # type: ignore[arg-type]
    )


def _client(rate: float) -> Component:
    return Component(id="users", type="client", workload=Workload("poisson", rate_rps=rate))


def _binomial_interval(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


def test_tandem_jackson_network() -> None:
    """Two non-blocking M/M/1 stations in series: sojourn times add (Jackson / Burke)."""
    lam, mu1, mu2 = 600.0, 1000.0, 800.0
    doc = Document(
        components=[_client(lam), _station("a", 1000 / mu1), _station("b", 1000 / mu2)],
        links=[Link("users", "a"), Link("a", "b")],
        simulation=SimulationSettings(duration_s=200, warmup_s=10, seed=77),
    )
    s = Simulation(doc).run()
    # A non-blocking station replies once its downstream call returns, so the
    # end-to-end time is the sum of both stations' sojourns.
    exact_ms = 1000 * (1 / (mu1 - lam) + 1 / (mu2 - lam))
    lo, hi = s["end_to_end"]["latency_ms"]["mean_ci95"]
    assert lo <= exact_ms <= hi, (exact_ms, lo, hi)
    for cid, mu in (("a", mu1), ("b", mu2)):
        comp = s["components"][cid]
        lo, hi = comp["latency_ms"]["mean_ci95"]
        assert lo <= 1000 / (mu - lam) <= hi, (cid, lo, hi)
        # Both see the same Poisson stream (Burke): rho = lambda / mu.
        assert comp["utilization"] == pytest.approx(lam / mu, rel=0.02)


def test_weighted_random_split() -> None:
    lb = Component(id="lb", type="load_balancer", routing=Routing("random"),
                   concurrency=100, service_time=ServiceTime("constant", mean_ms=0.0))
    doc = Document(
        components=[_client(2000), lb, _station("x", 0.1, 4), _station("y", 0.1, 4)],
        links=[Link("users", "lb"), Link("lb", "x", weight=1), Link("lb", "y", weight=3)],
        simulation=SimulationSettings(duration_s=30, warmup_s=0, seed=3),
    )
    s = Simulation(doc).run()
    x, y = s["components"]["x"]["arrivals"], s["components"]["y"]["arrivals"]
    lo, hi = _binomial_interval(x, x + y)
    assert lo <= 0.25 <= hi, (x, y)


def test_weighted_round_robin_is_exact() -> None:
    lb = Component(id="lb", type="load_balancer", routing=Routing("weighted_round_robin"))
    doc = Document(
        components=[_client(1000), lb, _station("x", 0.1, 4), _station("y", 0.1, 4)],
        links=[Link("users", "lb"), Link("lb", "x", weight=1), Link("lb", "y", weight=3)],
        simulation=SimulationSettings(duration_s=20, warmup_s=0, seed=3),
    )
    s = Simulation(doc).run()
    x, y = s["components"]["x"]["arrivals"], s["components"]["y"]["arrivals"]
    assert abs(y - 3 * x) <= 3  # deterministic: off by at most one cycle


def test_cache_hit_ratio() -> None:
    cache = Component(id="cache", type="cache", hit_ratio=0.8)
    doc = Document(
        components=[_client(3000), cache, _station("db", 0.5, 8)],
        links=[Link("users", "cache"), Link("cache", "db")],
        simulation=SimulationSettings(duration_s=30, warmup_s=0, seed=9),
    )
    s = Simulation(doc).run()
    served = s["components"]["cache"]["completed"]
    misses = s["components"]["db"]["arrivals"]
    lo, hi = _binomial_interval(misses, served)
    assert lo <= 0.2 <= hi, (misses, served)


def test_littles_law_at_every_component() -> None:
    """L = lambda W at each station of a multi-tier design (areas vs. latencies)."""
    doc = Document(
        components=[
            _client(1500),
            Component(id="lb", type="load_balancer"),
            Component(id="web", type="web_server", replicas=2),
            Component(id="cache", type="cache", hit_ratio=0.7),
            Component(id="db", type="database", queue_capacity=UNBOUNDED),
        ],
        links=[Link("users", "lb"), Link("lb", "web"), Link("web", "cache"),
               Link("cache", "db", latency_ms=0.5)],
        simulation=SimulationSettings(duration_s=60, warmup_s=5, seed=21),
    )
    s = Simulation(doc).run()
    for cid, comp in s["components"].items():
        lam = comp["arrival_rate_rps"]
        w_s = comp["latency_ms"]["mean"] / 1000
        # Edge effects only: requests straddling the warm-up mark or the end,
        # a few W out of 55 s. 1 % is far above that and far below any bug.
        assert comp["mean_in_station"] == pytest.approx(lam * w_s, rel=0.01), cid
