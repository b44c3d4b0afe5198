"""Breakers, jittered backoff and balancer health checks against their rules and closed forms.

The breaker and health-check rules are deterministic on simulated time, so
their event times and call counts are checked exactly. Random quantities
(jittered waits, a random balancer's split) are checked with 95 % confidence
intervals, as the other validation tests are.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.engine.events import RunEvent
from app.model import Component, Link, Routing, loads
from app.model.document import Backoff, CircuitBreaker, HealthCheck
from tests.unit.engine_docs import client, design, server

pytestmark = pytest.mark.slow


def _breaker_run(breaker: CircuitBreaker, crash_s: float, recover_s: float | None,
                 duration: float = 20.0) -> tuple[Simulation, list[tuple[float, str, int]]]:
    """100 req/s, evenly spaced, through api -> db with ``breaker``; db crashed at ``crash_s``.

    Returns the run and, for each crash/recover/breaker event, (time, kind,
    link calls sent so far).
    """
    doc = design([client(100, "constant"), server("api", 0.1, 64, dist="constant"),
                  server("db", 1.0, 64, dist="constant")],
                 [("users", "api"), Link("api", "db", circuit_breaker=breaker)],
                 duration=duration)
    sim = Simulation(doc)
    link = sim.links["api->db"]
    marks: list[tuple[float, str, int]] = []

    def mark(event: RunEvent) -> None:
        if event.kind in ("crash", "recover") or event.kind.startswith("breaker_"):
            marks.append((event.time_s, event.kind, link.calls))

    sim.events.listen(mark)
    sim.schedule(crash_s, lambda: sim.apply(LiveAction("crash", "db")))
    if recover_s is not None:
        sim.schedule(recover_s, lambda: sim.apply(LiveAction("recover", "db")))
    sim.run()
    return sim, marks


def test_breaker_opens_within_its_window_probes_after_open_s_and_closes_after_recovery() -> None:
    breaker = CircuitBreaker(failure_rate=0.5, window=10, min_calls=10, open_s=2.0,
                             half_open_calls=3)
    _, marks = _breaker_run(breaker, crash_s=3.0, recover_s=8.0)
    (t_crash, kind, calls_crash), (t_open, kind_open, calls_open) = marks[0], marks[1]
    assert (kind, kind_open) == ("crash", "breaker_open")
    # A full ring of successes: it opens on the failure that makes failures/window
    # reach 0.5, the ceil(0.5 * 10) = 5th call after the crash.
    assert calls_open - calls_crash == math.ceil(0.5 * 10)
    assert t_crash < t_open < t_crash + 10 / 100  # 5 calls at 100/s: within its window
    opens = [m for m in marks if m[1] == "breaker_open"]
    halves = [m for m in marks if m[1] == "breaker_half_open"]
    t_recover = next(t for t, k, _ in marks if k == "recover")
    for (t_o, _, c_o), (t_h, _, c_h) in zip(opens, halves, strict=True):
        assert t_h == pytest.approx(t_o + 2.0, abs=1e-9)  # probes exactly open_s later
        assert c_h == c_o  # nothing sent while open
    for (t_h, _, c_h), (_, _, c_o) in zip(halves, opens[1:], strict=False):
        if t_h < t_recover:
            assert c_o == c_h + 1  # the first probe fails against the crashed db: open again
    t_close, kind_close, c_close = marks[-1]
    assert kind_close == "breaker_closed" and t_close > t_recover
    last_half = halves[-1]
    assert t_recover < last_half[0] <= t_recover + 2.0
    assert c_close - last_half[2] == 3  # closed once its half_open_calls probes succeeded


def test_breaker_waits_for_min_calls_before_judging() -> None:
    breaker = CircuitBreaker(failure_rate=0.5, window=20, min_calls=10, open_s=5.0)
    _, marks = _breaker_run(breaker, crash_s=0.0, recover_s=None, duration=3.0)
    assert [k for _, k, _ in marks[:2]] == ["crash", "breaker_open"]
    assert marks[1][2] == 10  # every call failed, but the rule waits for 10 of them


def test_full_jitter_waits_half_the_backoff_on_average() -> None:
    """A retry after full jitter waits U[0, d]: mean d/2, seen in the end-to-end latency.

    api (0.1 ms) -> db (1 ms, error rate 1/2 after service), one retry after
    d = 100 ms full-jittered. Successful requests: 2/3 first time (1.1 ms), 1/3
    after a retry (0.1 + 1 + W + 1 ms), so their mean is 1.1 + (1 + E[W]) / 3.
    """
    d_ms = 100.0
    doc = design(
        [client(1000), server("api", 0.1, 4000, dist="constant"),
         server("db", 1.0, 4000, dist="constant", error_rate=0.5)],
        [("users", "api"),
         Link("api", "db", retries=1, backoff=Backoff(base_ms=d_ms, jitter="full"))],
        duration=60.0, warmup=1.0, seed=11)
    out = Simulation(doc).run()
    exact = 1.1 + (1.0 + d_ms / 2) / 3
    lo, hi = out["end_to_end"]["latency_ms"]["mean_ci95"]
    assert lo <= exact <= hi, (exact, lo, hi)
    # No jitter (W = d) or equal jitter (E[W] = 3d/4) would be far outside.
    assert hi < 1.1 + (1.0 + 0.75 * d_ms) / 3


def _pool(check: bool, seed: int = 5) -> Any:
    hc = HealthCheck(interval_s=2.0, unhealthy_after=3, healthy_after=2) if check else None
    lb = Component(id="lb", type="load_balancer", routing=Routing("random"), health_check=hc)
    return design([client(300), lb, server("a", 1.0, 8), server("b", 1.0, 8),
                   server("c", 1.0, 8)],
                  [("users", "lb"), ("lb", "a"), ("lb", "b"), ("lb", "c")],
                  duration=60.0, seed=seed)


def _windows_after_crash(check: bool, crash_s: float) -> tuple[Simulation, list[Any]]:
    sim = Simulation(_pool(check))
    sim.schedule(crash_s, lambda: sim.apply(LiveAction("crash", "c")))
    snaps = []
    while not sim.finished:
        snaps.append(sim.step_window())
    return sim, snaps


def test_health_checks_stop_routing_to_a_crashed_target_and_errors_return_to_zero() -> None:
    interval, unhealthy_after, crash_s = 2.0, 3, 10.05
    sim, snaps = _windows_after_crash(True, crash_s)
    (t_out,) = [e.time_s for e in sim.events.events if e.kind == "target_unhealthy"]
    # The first failing check comes within one interval of the crash, and
    # unhealthy_after - 1 more follow it.
    assert crash_s + interval * (unhealthy_after - 1) <= t_out
    assert t_out <= crash_s + interval * unhealthy_after
    assert t_out == pytest.approx(16.0)  # checks at 12, 14, 16
    after = [s.end_to_end for s in snaps if s.time_s - s.window_s >= t_out]
    assert sum(w.arrivals for w in after) > 300 * 40
    assert sum(w.failed for w in after) == 0
    during = [s.end_to_end for s in snaps if crash_s < s.time_s - s.window_s < t_out - 1]
    assert all(w.failed > 0 for w in during)


def test_without_health_checks_a_third_of_the_requests_fail_on_a_dead_third_target() -> None:
    _, snaps = _windows_after_crash(False, crash_s=10.0)
    after = [s.end_to_end for s in snaps if s.time_s - s.window_s >= 10.0]
    failed = sum(w.failed for w in after)
    ended = failed + sum(w.completed for w in after)
    p = failed / ended
    half = 1.96 * math.sqrt(p * (1 - p) / ended)  # binomial 95 % interval
    assert p - half <= 1 / 3 <= p + half, (p, half)


# -- the retry storm (the GUI's "Retry storm" template; see RETRY_STORM.md) -----------

RETRY_STORM: dict[str, Any] = {
    "format": "sdsim", "version": 2, "name": "Retry storm",
    "components": [
        {"id": "users", "type": "client", "workload": {"pattern": "poisson", "rate_rps": 200}},
        {"id": "api", "type": "api_server", "concurrency": 2000, "queue_capacity": 0,
         "service_time": {"distribution": "constant", "mean_ms": 1}},
        {"id": "db", "type": "database", "concurrency": 8, "queue_capacity": 2000,
         "service_time": {"distribution": "exponential", "mean_ms": 20}},
    ],
    "links": [
        {"source": "users", "target": "api"},
        {"source": "api", "target": "db", "timeout_ms": 200, "retries": 4,
         "backoff": {"base_ms": 0, "multiplier": 1, "max_ms": 0, "jitter": "none"}},
    ],
    "faults": [{"kind": "slowdown", "target": "db", "at_s": 20, "duration_s": 20, "factor": 3}],
    "simulation": {"duration_s": 80, "warmup_s": 0, "seed": 7, "window_s": 5},
}

RESILIENT_LINK: dict[str, Any] = {
    "source": "api", "target": "db", "timeout_ms": 200, "retries": 4,
    "backoff": {"base_ms": 100, "multiplier": 2, "max_ms": 2000, "jitter": "full"},
    "circuit_breaker": {"failure_rate": 0.5, "window": 20, "min_calls": 10, "open_s": 5,
                        "half_open_calls": 3},
}


def _storm(resilient: bool) -> tuple[dict[str, Any], list[Any]]:
    data = copy.deepcopy(RETRY_STORM)
    if resilient:
        data["links"][1] = RESILIENT_LINK
    sim = Simulation(loads(json.dumps(data)))
    # The slowdown is applied as a live action, as the design's fault would be.
    fault = data["faults"][0]
    sim.schedule(fault["at_s"], lambda: sim.apply(LiveAction(
        "slowdown", "db", duration_s=fault["duration_s"], factor=fault["factor"])))
    snaps = []
    while not sim.finished:
        snaps.append(sim.step_window())
    return sim.summary(), snaps


def _after_fault(snaps: list[Any], start_s: float) -> tuple[float, int, int]:
    """Error rate, requests and link calls over the windows from ``start_s`` on."""
    later = [s for s in snaps if s.time_s - s.window_s >= start_s]
    arrivals = sum(s.end_to_end.arrivals for s in later)
    failed = sum(s.end_to_end.failed for s in later)
    calls = sum(s.links["api->db"].calls for s in later)
    return failed / arrivals, arrivals, calls


def test_a_retry_storm_collapses_without_backoff_and_recovers_with_breaker_and_jitter() -> None:
    # The db serves 8 / 20 ms = 400 req/s; 200 req/s use half of it. Slowed x3
    # for 20 s it serves 133 req/s: requests time out, each retried at once
    # 4 times, and the db's queue fills with abandoned work. Once the fault is
    # over the retries alone (5 x 200 req/s) exceed its 400 req/s: it stays down.
    _, storm = _storm(resilient=False)
    error, requests, calls = _after_fault(storm, 50.0)
    assert error > 0.9
    assert calls > 4 * requests
    # With backoff, jitter and a breaker the db sheds the retries and drains.
    summary, calm = _storm(resilient=True)
    error, requests, calls = _after_fault(calm, 50.0)
    assert error == 0.0
    assert calls == pytest.approx(requests, rel=0.01)
    # Alert state changes (the default rules) are events too; the breaker's are what counts.
    kinds = [e["kind"] for e in summary["events"] if not e["kind"].startswith("alert_")]
    assert "breaker_open" in kinds and kinds[-1] == "breaker_closed"
