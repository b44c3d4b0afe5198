"""The two resilience scenario templates: they load, validate and tell their story."""

from __future__ import annotations

import pytest

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
    assert 60 <= doc.simulation.duration_s <= 120  # a run a user watches to the end
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
    assert all((f.at_s, f.duration_s, f.factor) == (20.0, 20.0, 4.0) for f in slowed.values())


def test_zone_outage_loses_a_zone_behind_a_health_checked_balancer() -> None:
    doc = load_architecture_template("zone_outage")
    (outage,) = doc.faults
    assert (outage.kind, outage.target, outage.at_s, outage.duration_s) == (
        "zone_outage", "a", 20.0, 30.0)
    assert doc.component("lb").health_check is not None
    zones = {c.zone for c in doc.components if c.zone}
    assert zones == {"a", "b"}
    assert all(c.autoscaling is not None for c in doc.components if c.zone)
