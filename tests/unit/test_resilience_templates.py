"""The two resilience scenario templates: they load, validate and tell their story.

The story tests run each template as it ships (its seed, its scheduled faults) and
check the figures a user sees window by window; each run takes ~2 s of CPU.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import Simulation
from app.model.fileformat import dumps, load
from app.model.templates import list_architecture_templates, load_architecture_template
from app.model.validation import validate
from app.resources import resource_path

SCENARIOS = ("retry_storm", "zone_outage")


@pytest.mark.parametrize("key", SCENARIOS)
def test_scenario_template_is_listed_valid_canonical_and_short(key: str) -> None:
    assert key in [info.key for info in list_architecture_templates()]
    doc = load_architecture_template(key)
    assert validate(doc) == []
    path = resource_path("templates", f"{key}.sdsim")
    assert path.read_text(encoding="utf-8") == dumps(load(path))
    # The template's simulated duration (a setting, not a timing): a run a user watches
    # to the end.
    assert 60 <= doc.simulation.duration_s <= 120
    assert doc.faults and len(doc.description or "") > 200  # the story is told
    positions = {c.id: c.position for c in doc.components}
    assert len(set(positions.values())) == len(positions)
    for link in doc.links:
        assert positions[link.target][0] - positions[link.source][0] >= 150, link


def test_retry_storm_has_a_naive_and_a_protected_path_to_slowed_databases() -> None:
    doc = load_architecture_template("retry_storm")
    naive = next(lk for lk in doc.links if lk.key == ("orders_naive", "db_naive"))
    safe = next(lk for lk in doc.links if lk.key == ("orders_safe", "db_safe"))
    assert naive.retries and naive.retries >= 3 and naive.circuit_breaker is None
    assert naive.backoff is not None and naive.backoff.jitter == "none"
    assert safe.circuit_breaker is not None and safe.backoff is not None
    assert safe.backoff.jitter == "full" and (safe.backoff.base_ms or 0) >= 10
    slowed = {f.target: f for f in doc.faults if f.kind == "slowdown"}
    assert set(slowed) == {"db_naive", "db_safe"}
    assert all((f.at_s, f.duration_s, f.factor) == (20.0, 20.0, 3.0) for f in slowed.values())


def test_zone_outage_loses_a_zone_behind_a_health_checked_balancer() -> None:
    doc = load_architecture_template("zone_outage")
    (outage,) = doc.faults
    assert (outage.kind, outage.target, outage.at_s, outage.duration_s) == (
        "zone_outage", "a", 20.0, 30.0)
    assert doc.component("lb").health_check is not None
    zones = {c.zone for c in doc.components if c.zone}
    assert zones == {"a", "b"}
    assert all(c.autoscaling is not None for c in doc.components if c.zone)


def _run(key: str) -> tuple[dict[str, Any], list[Any]]:
    """The template's run, window by window, and its summary."""
    sim = Simulation(load_architecture_template(key))
    snaps = []
    while not sim.finished:
        snaps.append(sim.step_window())
    return sim.summary(), snaps


def _start(snap: Any) -> float:
    return float(snap.time_s - snap.window_s)


def test_retry_storm_naive_path_collapses_for_good_and_safe_path_recovers() -> None:
    summary, snaps = _run("retry_storm")
    before = [s for s in snaps if 5 <= _start(s) < 20]
    after = [s for s in snaps if _start(s) >= 45]  # the fault ended at 40 s
    assert before and after
    assert all(s.end_to_end.failed == 0 for s in before)
    # Naive path: every request fails from soon after the slowdown to the end of the
    # run, long after the fault, and each one costs five calls to the database.
    collapsed = [s for s in snaps if _start(s) >= 22]
    assert min(s.components["orders_naive"].error_rate for s in collapsed) > 0.95
    requests = sum(s.components["orders_naive"].arrivals for s in after)
    calls = sum(s.links["orders_naive->db_naive"].calls for s in after)
    assert calls > 4.5 * requests
    assert min(s.components["db_naive"].queue_length for s in after) > 1900
    # Safe path: the breaker opens within a second of the fault, short-circuits most
    # calls while the database is slow (failing fast: the database stays idle), and
    # closes for good within 5 s of the fault's end; from then on nothing fails.
    breaker = [e for e in summary["events"] if e["target"] == "orders_safe->db_safe"]
    assert breaker[0]["kind"] == "breaker_open" and 20 < breaker[0]["time_s"] < 21
    assert breaker[-1]["kind"] == "breaker_closed" and 40 < breaker[-1]["time_s"] < 45
    during = [s for s in snaps if 21 <= _start(s) < 40]
    refused = sum(s.links["orders_safe->db_safe"].short_circuited for s in during)
    assert refused > 0.8 * sum(s.components["orders_safe"].arrivals for s in during)
    assert sum(s.components["db_safe"].utilization for s in during) / len(during) < 0.3
    assert all(s.components["orders_safe"].failed == 0 for s in after)
    assert all(s.links["orders_safe->db_safe"].breaker == "closed" for s in after)
    safe_calls = sum(s.links["orders_safe->db_safe"].calls for s in after)
    assert safe_calls == pytest.approx(
        sum(s.components["orders_safe"].arrivals for s in after), rel=0.01)


def test_zone_outage_health_checks_cut_errors_and_zone_b_scales_up() -> None:
    summary, snaps = _run("zone_outage")
    doc = load_architecture_template("zone_outage")
    check = doc.component("lb").health_check
    assert check is not None
    before = [s for s in snaps if 5 <= _start(s) < 20]
    assert all(s.end_to_end.failed == 0 for s in before)
    assert all(s.components["web_b"].replicas == 3 for s in before)  # no scaling yet
    # Zone a's replicas fail from 20 s; the balancer drops it within
    # interval x unhealthy_after, so only the first window after the outage has errors.
    (cut,) = [e for e in summary["events"]
              if e["kind"] == "target_unhealthy" and e["target"] == "lb->web_a"]
    assert 20 < cut["time_s"] <= 20 + check.interval_s * check.unhealthy_after
    first = next(s for s in snaps if _start(s) == 20)
    assert first.end_to_end.error_rate > 0.3  # requests still sent to the dead zone
    later = [s for s in snaps if _start(s) >= 22]
    assert max(s.end_to_end.error_rate for s in later) < 0.01
    # Zone b alone is short of capacity: saturated until its new replicas serve, then
    # back under the 60 % target's neighbourhood with normal latency.
    outage = {round(_start(s)): s.components["web_b"] for s in snaps if 20 <= _start(s) < 50}
    assert min(outage[t].utilization for t in range(23, 31)) > 0.95
    assert outage[45].replicas >= 5 and max(m.replicas for m in outage.values()) <= 8
    assert all(outage[t].utilization < 0.8 for t in range(35, 50))
    normal = max(s.components["web_b"].latency_p90_ms or 0.0 for s in before)
    assert all((outage[t].latency_p90_ms or 0.0) < 1.5 * normal for t in range(36, 50))
    # Zone a comes back into rotation after the outage.
    assert any(e["kind"] == "target_healthy" and e["target"] == "lb->web_a"
               and 50 <= e["time_s"] <= 50 + check.interval_s * check.healthy_after
               for e in summary["events"])
