"""A breaker's ring of outcomes: memory follows the calls, a reset costs nothing (breaker.py)."""

from __future__ import annotations

import simpy

from app.engine.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from app.model.resolve import ResolvedCircuitBreaker


def test_ring_grows_with_calls_and_is_reused_after_a_reset() -> None:
    env = simpy.Environment()
    events: list[str] = []
    spec = ResolvedCircuitBreaker(failure_rate=0.5, window=10_000, min_calls=3, open_s=1.0,
                                  half_open_calls=1)
    br = CircuitBreaker(env, spec, "a->b", lambda kind, _key: events.append(kind))
    for _ in range(3):
        br.record(False, br.generation)
    assert br.state == OPEN and len(br._ring) == 3  # not 10,000 slots
    ring = br._ring
    env.run(until=1.5)
    assert br.state == HALF_OPEN and br.allow()
    br.record(True, br.generation)
    assert br.state == CLOSED and br._ring is ring  # no new list per state change
    # Old failures in the reused slots do not count: 2 good + 1 bad of 3 recorded.
    br.record(True, br.generation)
    br.record(True, br.generation)
    assert br.failure_share == 0.0 and br.state == CLOSED
    br.record(False, br.generation)
    assert br.recorded == 3 and br.failure_share == 1 / 3 and len(br._ring) == 3
    assert events == ["breaker_open", "breaker_half_open", "breaker_closed"]


def test_a_full_small_ring_slides() -> None:
    env = simpy.Environment()
    spec = ResolvedCircuitBreaker(failure_rate=0.75, window=4, min_calls=4, open_s=1.0,
                                  half_open_calls=1)
    br = CircuitBreaker(env, spec, "a->b", lambda _kind, _key: None)
    for ok in (False, False, True, True, True, False, False):
        br.record(ok, br.generation)
    # The last four: T, T, F, F -> half failed, under 0.75: still closed.
    assert br.state == CLOSED and br.recorded == 4 and br.failure_share == 0.5
    br.record(False, br.generation)  # T, F, F, F -> 0.75: opens
    assert br.state == OPEN
