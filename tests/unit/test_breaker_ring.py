"""A breaker's sliding window: memory follows the failures, a reset costs nothing (breaker.py)."""

from __future__ import annotations

import simpy

from app.engine.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from app.model.resolve import ResolvedCircuitBreaker


def test_the_window_keeps_only_failures_and_is_emptied_by_a_reset() -> None:
    env = simpy.Environment()
    events: list[str] = []
    spec = ResolvedCircuitBreaker(failure_rate=0.5, window=10_000, min_calls=3, open_s=1.0,
                                  half_open_calls=1)
    br = CircuitBreaker(env, spec, "a->b", lambda kind, _key: events.append(kind))
    for _ in range(3):
        br.record(False, br.generation)
    assert br.state == OPEN and not br._fails  # emptied at the change, never 10,000 slots
    fails = br._fails
    env.run(until=1.5)
    assert br.state == HALF_OPEN and br.allow()
    br.record(True, br.generation)
    assert br.state == CLOSED and br._fails is fails and not fails  # emptied in place
    # Old failures do not count: 2 good + 1 bad of 3 recorded.
    br.record(True, br.generation)
    br.record(True, br.generation)
    assert br.failure_share == 0.0 and br.state == CLOSED
    br.record(False, br.generation)
    assert br.recorded == 3 and br.failure_share == 1 / 3 and len(br._fails) == 1
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


def test_min_calls_reached_by_a_success_opens_a_breaker_already_over_its_rate() -> None:
    env = simpy.Environment()
    spec = ResolvedCircuitBreaker(failure_rate=0.5, window=20, min_calls=4, open_s=1.0,
                                  half_open_calls=1)
    br = CircuitBreaker(env, spec, "a->b", lambda _kind, _key: None)
    for ok in (False, False, False):
        br.record(ok, br.generation)
    assert br.state == CLOSED  # 3 of min_calls 4
    br.record(True, br.generation)  # 3 failures of 4: 0.75 >= 0.5
    assert br.state == OPEN


def test_a_million_successes_keep_nothing() -> None:
    env = simpy.Environment()
    spec = ResolvedCircuitBreaker(failure_rate=0.5, window=10_000, min_calls=10, open_s=1.0,
                                  half_open_calls=1)
    br = CircuitBreaker(env, spec, "a->b", lambda _kind, _key: None)
    for i in range(30_000):
        br.record(i % 10 != 0, br.generation)  # one failure in ten
    assert br.state == CLOSED and br.recorded == 10_000
    assert len(br._fails) == 1_000 and br.failure_share == 0.1
