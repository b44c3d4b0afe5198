"""Arrival rates from the call graph: the engine's routing rules, solved from the design alone."""

from __future__ import annotations

import json
import math

import pytest

from app.analysis.flows import ring_shares, workload_mean_rps
from app.analysis.model import analyze
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


def _client(rate: float, pattern: str = "poisson") -> Component:
    return Component(id="users", type="client", workload=Workload(pattern, rate_rps=rate))


def _svc(cid: str, mean_ms: float = 1.0, servers: int = 4, **extra: object) -> Component:
    return Component(id=cid, type="microservice", concurrency=servers,
                     queue_capacity=UNBOUNDED, blocking=False,
                     service_time=ServiceTime("exponential", mean_ms=mean_ms),
                     **extra)  # type: ignore[arg-type]


def _rates(doc: Document) -> dict[str, float | None]:
    return {cid: p.arrival_rps for cid, p in analyze(doc).components.items()}


def test_probabilities_cache_misses_and_fan_out() -> None:
    doc = Document(components=[
        _client(1000), _svc("api"), Component(id="cache", type="cache", hit_ratio=0.7),
        _svc("db"), _svc("audit"), _svc("search"),
    ], links=[
        Link("users", "api"), Link("api", "cache"), Link("cache", "db"),
        Link("api", "audit", probability=0.25), Link("api", "search", mode="async"),
    ])
    rates = _rates(doc)
    assert rates["api"] == pytest.approx(1000.0)
    assert rates["cache"] == pytest.approx(1000.0)
    assert rates["db"] == pytest.approx(300.0)
    assert rates["audit"] == pytest.approx(250.0)
    assert rates["search"] == pytest.approx(1000.0)  # async calls still arrive


def test_balancer_shares_by_algorithm() -> None:
    def split(algorithm: str) -> tuple[float | None, float | None]:
        doc = Document(components=[
            _client(1200), Component(id="lb", type="load_balancer", routing=Routing(algorithm)),
            _svc("x"), _svc("y"),
        ], links=[Link("users", "lb"), Link("lb", "x", weight=1), Link("lb", "y", weight=3)])
        rates = _rates(doc)
        return rates["x"], rates["y"]

    assert split("random") == pytest.approx((300.0, 900.0))
    assert split("weighted_round_robin") == pytest.approx((300.0, 900.0))
    assert split("round_robin") == pytest.approx((600.0, 600.0))
    x, y = split("consistent_hash")
    assert x is not None and y is not None
    assert x + y == pytest.approx(1200.0)
    assert (x, y) == pytest.approx([1200.0 * s for s in ring_shares(["x", "y"])])


def test_consistent_hash_shares_match_the_engine() -> None:
    """The ring's arcs, measured exactly, against the engine's routing of 40,000 keys."""
    targets = ["a", "b", "c"]
    shares = ring_shares(targets)
    assert sum(shares) == pytest.approx(1.0, abs=1e-12)
    doc = Document(components=[
        _client(2000), Component(id="lb", type="load_balancer",
                                 routing=Routing("consistent_hash")),
        *(_svc(t, 0.1) for t in targets),
    ], links=[Link("users", "lb"), *(Link("lb", t) for t in targets)],
        simulation=SimulationSettings(duration_s=20, warmup_s=0, seed=4))
    s = Simulation(doc).run()
    total = sum(s["components"][t]["arrivals"] for t in targets)
    for t, share in zip(targets, shares, strict=True):
        got = s["components"][t]["arrivals"] / total
        half = 2.58 * math.sqrt(share * (1 - share) / total)  # 99 % binomial interval
        assert abs(got - share) <= half, (t, got, share)
    assert max(shares) - min(shares) > 0.01  # the ring is not an equal split


def test_error_rate_thins_downstream_calls() -> None:
    doc = Document(components=[_client(1000), _svc("api", error_rate=0.1), _svc("db")],
                   links=[Link("users", "api"), Link("api", "db")])
    assert _rates(doc)["db"] == pytest.approx(900.0)


def test_broker_subscriptions() -> None:
    doc = Document(components=[
        _client(500), Component(id="mq", type="message_queue"), _svc("w1"), _svc("w2"),
    ], links=[Link("users", "mq"), Link("mq", "w1"), Link("mq", "w2", probability=0.4)])
    rates = _rates(doc)
    assert (rates["mq"], rates["w1"], rates["w2"]) == pytest.approx((500.0, 500.0, 200.0))


def test_async_cycle_is_solved_by_the_traffic_equations() -> None:
    # a -> b always, b -> a (async) half the time: x_a = 100 + 0.5 x_b, x_b = x_a.
    doc = Document(components=[_client(100), _svc("a"), _svc("b")],
                   links=[Link("users", "a"), Link("a", "b", mode="async"),
                          Link("b", "a", mode="async", probability=0.5)])
    rates = _rates(doc)
    assert rates["a"] == pytest.approx(200.0)
    assert rates["b"] == pytest.approx(200.0)


def test_endless_cycle_is_reported_not_raised() -> None:
    doc = Document(components=[_client(100), _svc("a"), _svc("b"), _svc("c")],
                   links=[Link("users", "a"), Link("a", "b", mode="async"),
                          Link("b", "a", mode="async"), Link("b", "c")])
    result = analyze(doc)
    assert set(result.endless) == {"a", "b"}
    assert result.components["c"].arrival_rps is None  # fed by the endless cycle
    assert result.components["a"].saturated
    assert result.saturation_rps is None
    summary = result.to_summary()
    json.dumps(summary, allow_nan=False)  # no NaN, no inf
    assert summary["components"]["a"]["arrival_rps"] is None


@pytest.mark.parametrize(("workload", "start", "end", "rate"), [
    (Workload("poisson", rate_rps=50), 5, 60, 50.0),
    (Workload("constant", rate_rps=20), 0, 10, 20.0),
    # Ramp 0 -> 100 over 100 s, measured 50..100: mean 75.
    (Workload("ramp", from_rps=0, to_rps=100, ramp_s=100), 50, 100, 75.0),
    # Step 10 -> 30 at 40 s, measured 20..60: half each.
    (Workload("step", rate_rps=10, step_rps=30, at_s=40), 20, 60, 20.0),
    # Spike to 110 for 1 s of every 10 s: 10 + 100/10 = 20 over whole periods.
    (Workload("spike", rate_rps=10, spike_rps=110, spike_s=1, period_s=10), 0, 100, 20.0),
    # Diurnal over whole periods: the base rate.
    (Workload("diurnal", rate_rps=40, amplitude=0.5, period_s=50), 0, 100, 40.0),
])
def test_workload_mean_rate_over_the_measured_period(
    workload: Workload, start: float, end: float, rate: float
) -> None:
    assert workload_mean_rps(workload, start, end) == pytest.approx(rate, rel=1e-9)


def test_load_factor_scales_every_rate() -> None:
    doc = Document(components=[_client(100), _svc("a"), Component(id="c", type="cache"),
                               _svc("b")],
                   links=[Link("users", "a"), Link("a", "c"), Link("c", "b")])
    one, three = analyze(doc), analyze(doc, load_factor=3.0)
    for cid in ("a", "c", "b"):
        assert three.components[cid].arrival_rps == pytest.approx(
            3.0 * (one.components[cid].arrival_rps or 0.0))
    assert three.offered_rps == pytest.approx(300.0)
    with pytest.raises(ValueError, match="load_factor"):
        analyze(doc, load_factor=-1.0)
    with pytest.raises(ValueError, match="load_factor"):
        analyze(doc, load_factor=math.nan)
