"""Link backoff and jitter, circuit breakers and balancer health checks, on real runs."""

from __future__ import annotations

import math

import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.engine.routing import ConsistentHash
from app.engine.station import Request
from app.model import Component, Link, Routing
from app.model.document import Backoff, CircuitBreaker, HealthCheck
from tests.unit.engine_docs import client, design, server

ALGORITHMS = ["round_robin", "random", "weighted_round_robin", "least_connections",
              "least_response_time", "consistent_hash"]


def _chain(link: Link, *, rate: float = 100.0, duration: float = 10.0, pattern: str = "constant"):
    return design([client(rate, pattern), server("api", 0.1, 64, dist="constant"),
                   server("db", 1.0, 64, dist="constant")],
                  [("users", "api"), link], duration=duration)


def _events(sim: Simulation, *kinds: str) -> list[tuple[float, str, str]]:
    return [(e.time_s, e.kind, e.target) for e in sim.events.events if e.kind in kinds]


# -- backoff and jitter ----------------------------------------------------------------

def test_default_backoff_is_ten_ms_doubling_capped_at_one_second_without_jitter() -> None:
    sim = Simulation(_chain(Link("api", "db", retries=3)))
    link = sim.links["api->db"]
    waits = [link.backoff_wait(n) for n in range(1, 10)]
    assert waits == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.0, 1.0])
    assert link.jitter_draw is None  # no stream is made without jitter


def test_backoff_sequence_follows_base_multiplier_and_cap() -> None:
    backoff = Backoff(base_ms=50, multiplier=3, max_ms=1000, jitter="none")
    link = Simulation(_chain(Link("api", "db", retries=5, backoff=backoff))).links["api->db"]
    assert [link.backoff_wait(n) for n in range(1, 6)] == pytest.approx(
        [0.05, 0.15, 0.45, 1.0, 1.0])


@pytest.mark.parametrize(("jitter", "low", "mean", "sd"), [
    ("full", 0.0, 0.5, 1 / math.sqrt(12)),
    ("equal", 0.5, 0.75, 0.5 / math.sqrt(12)),
])
def test_jittered_waits_stay_in_range_with_the_uniform_mean(
        jitter: str, low: float, mean: float, sd: float) -> None:
    backoff = Backoff(base_ms=100, multiplier=2, max_ms=1000, jitter=jitter)
    link = Simulation(_chain(Link("api", "db", retries=3, backoff=backoff))).links["api->db"]
    d, n = 0.2, 20_000  # retry 2: 100 ms * 2
    waits = [link.backoff_wait(2) for _ in range(n)]
    assert min(waits) >= low * d and max(waits) <= d
    # 4 standard errors of the mean of n uniform draws: fails by chance ~1 in 16,000.
    got = sum(waits) / n
    assert abs(got - mean * d) <= 4 * sd * d / math.sqrt(n), (got, mean * d)


def test_jitter_draws_leave_the_rest_of_the_run_unchanged() -> None:
    """The jitter stream is the link's own: other components' draws do not move."""
    plain = _chain(Link("api", "db", retries=2), pattern="poisson")
    jittered = _chain(Link("api", "db", retries=2, backoff=Backoff(jitter="full")),
                      pattern="poisson")
    a, b = Simulation(plain).run(), Simulation(jittered).run()
    assert a["components"] == b["components"]  # nothing failed: no retry drew a wait


# -- circuit breaker -------------------------------------------------------------------

BREAKER = CircuitBreaker(failure_rate=0.5, window=10, min_calls=10, open_s=2.0, half_open_calls=3)


def test_breaker_opens_probes_and_closes_around_a_crash() -> None:
    sim = Simulation(_chain(Link("api", "db", circuit_breaker=BREAKER), duration=15))
    sim.schedule(3.0, lambda: sim.apply(LiveAction("crash", "db")))
    sim.schedule(8.0, lambda: sim.apply(LiveAction("recover", "db")))
    states = []
    while not sim.finished:
        snap = sim.step_window()
        states.append(snap.links["api->db"].breaker)
    kinds = [k for _, k, _ in _events(sim, "breaker_open", "breaker_half_open", "breaker_closed")]
    assert kinds[0] == "breaker_open" and kinds[-1] == "breaker_closed"
    assert "breaker_half_open" in kinds
    assert states[0] == "closed" and states[4] == "open" and states[-1] == "closed"
    link = sim.links["api->db"]
    assert link.short_circuited > 0
    out = sim.summary()["links"]["api->db"]
    assert out["short_circuited"] == link.short_circuited
    # Every request reached the link once: sent or refused.
    assert out["calls"] + out["short_circuited"] == sim.summary()["components"]["api"]["arrivals"]


def test_short_circuited_attempts_are_retried_and_not_counted_as_calls() -> None:
    breaker = CircuitBreaker(failure_rate=0.5, window=4, min_calls=4, open_s=100.0)
    link = Link("api", "db", retries=2, backoff=Backoff(base_ms=1, multiplier=1, max_ms=1),
                circuit_breaker=breaker)
    sim = Simulation(_chain(link, duration=5))
    sim.schedule(0.0, lambda: sim.apply(LiveAction("crash", "db")))
    out = sim.run()
    lk = out["links"]["api->db"]
    requests = out["components"]["api"]["arrivals"]
    assert lk["calls"] == 4  # the breaker opened on the 4th failure and never half-opened
    assert lk["failed"] == 4
    assert lk["calls"] + lk["short_circuited"] == 3 * requests  # every attempt made, or refused
    assert out["end_to_end"]["failed"] == requests


def test_a_link_with_a_breaker_is_never_direct() -> None:
    sim = Simulation(_chain(Link("api", "db", circuit_breaker=CircuitBreaker())))
    assert not sim.links["api->db"].direct
    assert Simulation(_chain(Link("api", "db"))).links["api->db"].direct


def test_a_breaker_guards_async_messages() -> None:
    breaker = CircuitBreaker(failure_rate=0.5, window=4, min_calls=4, open_s=100.0)
    sim = Simulation(_chain(Link("api", "db", mode="async", circuit_breaker=breaker)))
    sim.schedule(0.0, lambda: sim.apply(LiveAction("crash", "db")))
    out = sim.run()
    lk = out["links"]["api->db"]
    assert lk["calls"] == 4
    assert lk["short_circuited"] == out["components"]["api"]["arrivals"] - 4
    assert out["end_to_end"]["async_failed"] == out["components"]["api"]["arrivals"]


# -- health checks ---------------------------------------------------------------------

def _balanced(algorithm: str = "round_robin", *, check: bool = True, duration: float = 12.0):
    hc = HealthCheck(interval_s=1.0, unhealthy_after=3, healthy_after=2) if check else None
    lb = Component(id="lb", type="load_balancer", routing=Routing(algorithm), health_check=hc)
    return design([client(400), lb, server("a", 1.0, 8), server("b", 1.0, 8)],
                  [("users", "lb"), ("lb", "a"), ("lb", "b")], duration=duration)


def _arrivals_at(sim: Simulation, station: str, times: list[float]) -> list[int]:
    seen: list[int] = []
    for t in times:
        sim.schedule(t, lambda: seen.append(sim.stations[station].arrivals))
    return seen


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_health_checks_take_a_dead_target_out_and_bring_it_back(algorithm: str) -> None:
    sim = Simulation(_balanced(algorithm))
    sim.schedule(2.5, lambda: sim.apply(LiveAction("crash", "b")))
    sim.schedule(7.5, lambda: sim.apply(LiveAction("recover", "b")))
    b_seen = _arrivals_at(sim, "b", [5.0, 7.5, 9.0])
    sim.run()
    b_seen.append(sim.stations["b"].arrivals)
    # Checks at 1, 2, 3 ...: failed at 3, 4, 5 -> out at 5; good at 8, 9 -> back at 9.
    assert _events(sim, "target_unhealthy", "target_healthy") == [
        (5.0, "target_unhealthy", "lb->b"), (9.0, "target_healthy", "lb->b")]
    assert b_seen[1] == b_seen[0]  # nothing sent to b while it was out of rotation
    assert b_seen[3] - b_seen[2] > 300  # about half of 400 rps x 3 s after its return
    a_failed = sim.stations["lb"].failed
    assert a_failed > 0  # the calls sent to b between its crash and the checks' verdict failed


def test_without_health_checks_a_balancer_keeps_sending_to_a_dead_target() -> None:
    sim = Simulation(_balanced(check=False))
    sim.schedule(2.5, lambda: sim.apply(LiveAction("crash", "b")))
    sim.run()
    assert sim.health_checks == {}
    assert sim.stations["b"].failed == pytest.approx(400 * 9.5 / 2, rel=0.1)


def test_a_balancer_with_every_target_out_fails_requests_itself() -> None:
    sim = Simulation(_balanced(duration=8.0))
    sim.schedule(0.5, lambda: sim.apply(LiveAction("crash", "a")))
    sim.schedule(0.5, lambda: sim.apply(LiveAction("crash", "b")))
    lb_seen = _arrivals_at(sim, "lb", [3.0])  # checks at 1, 2, 3 failed: both out at 3 s
    out = sim.run()
    links = out["links"]
    assert links["lb->a"]["calls"] + links["lb->b"]["calls"] == lb_seen[0]
    lb = out["components"]["lb"]
    assert lb["arrivals"] - lb_seen[0] > 400 * 4  # ... and every later request failed at lb
    assert lb["failed"] == out["end_to_end"]["failed"]
    assert out["end_to_end"]["completed"] < 400 * 0.6


def test_consistent_hash_moves_only_the_keys_of_an_excluded_target() -> None:
    sim = Simulation(_balanced("consistent_hash"))
    router = sim.stations["lb"].router
    assert isinstance(router, ConsistentHash)
    keys = range(0, 20_000, 37)
    before = {k: router.choose(Request(0.0, k)).target.id for k in keys}
    router.set_eligible([router.all_links[0]])
    assert all(router.choose(Request(0.0, k)).target.id == "a" for k in keys)
    router.set_eligible(router.all_links)
    assert {k: router.choose(Request(0.0, k)).target.id for k in keys} == before
