"""The failure and resilience fields of ``.sdsim`` version 2 (issue #9).

Reading, canonical writing, the value rules (each problem at its JSON path),
the defaults :mod:`app.model.resolve` fills in, and hostile values.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.model.document import (
    Autoscaling,
    Backoff,
    Chaos,
    CircuitBreaker,
    Component,
    Document,
    FailureSpec,
    Fault,
    HealthCheck,
    Link,
    RateLimit,
)
from app.model.errors import DocumentError, Problem
from app.model.fileformat import dumps, load, loads
from app.model.limits import MAX_FAULTS
from app.model.resolve import (
    ResolvedAutoscaling,
    ResolvedBackoff,
    ResolvedChaos,
    ResolvedCircuitBreaker,
    ResolvedFailure,
    ResolvedFault,
    ResolvedHealthCheck,
    ResolvedRateLimit,
    link_key,
    parse_link_key,
    resolve,
    resolve_chaos,
    resolve_faults,
    resolve_link,
)
from app.model.templates import list_architecture_templates
from app.model.validation import validate
from tests.unit.reader_guard import reader_guard

V1_FILE = Path(__file__).resolve().parents[1] / "data" / "v1" / "three_tier_v1.sdsim"


def base() -> dict[str, Any]:
    """A runnable design: users -> lb -> web (2 replicas) -> db, in zones a and b."""
    return {
        "format": "sdsim", "version": 2, "name": "resilience",
        "components": [
            {"id": "users", "type": "client", "position": [0, 0],
             "workload": {"pattern": "poisson", "rate_rps": 10}},
            {"id": "lb", "type": "load_balancer", "position": [1, 0], "zone": "zone-a"},
            {"id": "web", "type": "web_server", "position": [2, 0], "replicas": 2,
             "zone": "zone-a"},
            {"id": "db", "type": "database", "position": [3, 0], "zone": "zone-b"},
        ],
        "links": [
            {"source": "users", "target": "lb"},
            {"source": "lb", "target": "web"},
            {"source": "web", "target": "db", "retries": 2, "timeout_ms": 500},
        ],
    }


def full() -> dict[str, Any]:
    """:func:`base` with every new field given, keys in canonical order."""
    data = base()
    lb, web, db = data["components"][1:]
    lb["health_check"] = {"interval_s": 2, "unhealthy_after": 2, "healthy_after": 1}
    web.update({
        "failure": {"mtbf_s": 600, "mttr_s": 20},
        "error_rate": 0.01,
        "rate_limit": {"rps": 500, "burst": 50},
        "autoscaling": {"metric": "utilization", "target": 0.6, "min": 2, "max": 8,
                        "cooldown_s": 60, "provision_s": 10.5},
    })
    db["error_rate"] = 0.001
    data["links"][2].update({
        "backoff": {"base_ms": 20, "multiplier": 3, "max_ms": 2000, "jitter": "full"},
        "circuit_breaker": {"failure_rate": 0.4, "window": 30, "min_calls": 5, "open_s": 15,
                            "half_open_calls": 2},
    })
    data["chaos"] = {"level": 0.02, "mttr_s": 40}
    data["faults"] = [
        {"kind": "crash", "target": "web", "at_s": 10, "duration_s": 5, "replicas": 1},
        {"kind": "slowdown", "target": "db", "at_s": 20, "factor": 3},
        {"kind": "error_rate", "target": "db", "at_s": 0, "duration_s": 1, "rate": 0.5},
        {"kind": "latency", "target": "web->db", "at_s": 30, "add_ms": 250},
        {"kind": "partition", "target": "lb->web", "at_s": 40, "duration_s": 2},
        {"kind": "zone_outage", "target": "zone-b", "at_s": 50},
    ]
    return data


def problems(data: dict[str, Any]) -> list[Problem]:
    """The problems ``loads`` refuses ``data`` with ([] when it loads)."""
    try:
        with reader_guard():
            loads(json.dumps(data))
    except DocumentError as exc:
        return exc.problems
    return []


def only_problem(data: dict[str, Any]) -> str:
    """The single problem of ``data``, as ``"path: message"``."""
    found = problems(data)
    assert len(found) == 1, found
    return str(found[0])


# -- round trip -----------------------------------------------------------------------------


def test_every_new_field_round_trips_exactly() -> None:
    data = full()
    doc = loads(json.dumps(data))
    text = dumps(doc)
    assert json.loads(text) == {**data, "simulation": json.loads(text)["simulation"]}
    assert loads(text) == doc
    assert dumps(loads(text)) == text  # canonical: stable bytes


def test_the_new_keys_are_written_in_record_order() -> None:
    written = json.loads(dumps(loads(json.dumps(full()))))
    assert list(written)[-3:] == ["simulation", "chaos", "faults"]
    web = written["components"][2]
    assert list(web)[-5:] == ["zone", "failure", "error_rate", "rate_limit", "autoscaling"]
    assert list(web["autoscaling"]) == ["metric", "target", "min", "max", "cooldown_s",
                                        "provision_s"]
    assert list(written["links"][2])[-2:] == ["backoff", "circuit_breaker"]
    assert list(written["faults"][0]) == ["kind", "target", "at_s", "duration_s", "replicas"]


def test_records_built_in_code_are_read_back_equal() -> None:
    doc = loads(json.dumps(full()))
    web = doc.component("web")
    assert web.failure == FailureSpec(600, 20)
    assert web.rate_limit == RateLimit(500, 50)
    assert web.autoscaling == Autoscaling(metric="utilization", target=0.6, min=2, max=8,
                                          cooldown_s=60, provision_s=10.5)
    assert doc.component("lb").health_check == HealthCheck(2, 2, 1)
    assert doc.links[2].backoff == Backoff(20, 3, 2000, "full")
    assert doc.links[2].circuit_breaker == CircuitBreaker(0.4, 30, 5, 15, 2)
    assert doc.chaos == Chaos(0.02, 40)
    assert doc.faults[3] == Fault("latency", "web->db", 30, add_ms=250)


def test_unused_fields_are_left_out_and_templates_are_unchanged() -> None:
    text = dumps(Document())
    assert "chaos" not in json.loads(text) and "faults" not in json.loads(text)
    for info in list_architecture_templates():
        original = info.path.read_text(encoding="utf-8")
        assert dumps(load(info.path)) == original, info.path.name


def test_a_v1_file_still_loads_with_no_failure_features() -> None:
    doc = load(V1_FILE)
    assert doc.chaos is None and doc.faults == []
    for comp in doc.components:
        resolved = resolve(comp)
        assert (resolved.failure, resolved.error_rate, resolved.autoscaling) == (None, 0.0, None)
    assert all(resolve_link(link).circuit_breaker is None for link in doc.links)


# -- resolved defaults ----------------------------------------------------------------------


def test_resolve_fills_the_documented_defaults() -> None:
    comp = Component("web", "web_server", failure=FailureSpec(100, 5),
                     rate_limit=RateLimit(rps=0.25), autoscaling=Autoscaling(max=4))
    resolved = resolve(comp)
    assert resolved.failure == ResolvedFailure(100, 5)
    assert resolved.rate_limit == ResolvedRateLimit(0.25, 1.0)  # burst at least 1
    assert resolve(Component("w", "web_server", rate_limit=RateLimit(200))).rate_limit == (
        ResolvedRateLimit(200, 200))  # one second of tokens
    assert resolved.autoscaling == ResolvedAutoscaling("utilization", 0.7, 1, 4, 300.0, 30.0)
    assert resolved.health_check is None and resolved.zone is None
    lb = resolve(Component("lb", "load_balancer", zone="z1", health_check=HealthCheck()))
    assert lb.health_check == ResolvedHealthCheck(5.0, 3, 2)
    assert lb.zone == "z1"


def test_a_link_always_has_a_backoff_matching_the_old_engine() -> None:
    plain = resolve_link(Link("a", "b"))
    assert plain.backoff == ResolvedBackoff(10.0, 2.0, 1000.0, "none")
    assert plain.circuit_breaker is None
    tuned = resolve_link(Link("a", "b", backoff=Backoff(jitter="equal"),
                              circuit_breaker=CircuitBreaker()))
    assert tuned.backoff == ResolvedBackoff(10.0, 2.0, 1000.0, "equal")
    assert tuned.circuit_breaker == ResolvedCircuitBreaker(0.5, 20, 10, 30.0, 3)
    small = resolve_link(Link("a", "b", circuit_breaker=CircuitBreaker(window=4)))
    assert small.circuit_breaker is not None and small.circuit_breaker.min_calls == 4


def test_chaos_resolves_to_an_up_time_giving_its_level() -> None:
    assert resolve_chaos(Document()) is None
    assert resolve_chaos(Document(chaos=Chaos(0.0))) is None  # level 0 is off
    chaos = resolve_chaos(Document(chaos=Chaos(0.1)))
    assert chaos == ResolvedChaos(0.1, 30.0)
    assert chaos.mtbf_s == pytest.approx(270.0)
    # long-run unavailability MTTR / (MTBF + MTTR) is the level
    assert chaos.mttr_s / (chaos.mtbf_s + chaos.mttr_s) == pytest.approx(0.1)


def test_faults_resolve_in_start_order_with_their_ends() -> None:
    doc = loads(json.dumps(full()))
    resolved = resolve_faults(doc)
    assert [f.start_s for f in resolved] == [0, 10, 20, 30, 40, 50]
    assert resolved[1] == ResolvedFault("crash", "web", 10, 15, None, 1, 1.0, 0.0, 0.0)
    assert resolved[2].end_s is None and resolved[2].factor == 3
    assert resolved[3].link == ("web", "db") and resolved[3].add_ms == 250
    assert resolved[0].rate == 0.5 and resolved[0].end_s == 1


@pytest.mark.parametrize(("key", "parsed"), [
    ("a->b", ("a", "b")), ("web server->db", ("web server", "db")), ("a->", None),
    ("->b", None), ("a->b->c", None), ("ab", None), ("", None),
])
def test_link_keys_parse_one_way(key: str, parsed: tuple[str, str] | None) -> None:
    assert parse_link_key(key) == parsed
    if parsed:
        assert link_key(*parsed) == key


# -- value rules ----------------------------------------------------------------------------

WEB = "$.components[2]"
LB = "$.components[1]"
DB_LINK = "$.links[2]"


def _set(data: dict[str, Any], where: str, key: str, value: Any) -> dict[str, Any]:
    target = {"web": data["components"][2], "lb": data["components"][1],
              "users": data["components"][0], "link": data["links"][2], "top": data}[where]
    target[key] = value
    return data


@pytest.mark.parametrize(("where", "key", "value", "expected"), [
    ("web", "zone", "eu west", f'{WEB}.zone: must be a zone name'),
    ("web", "zone", "z" * 65, f"{WEB}.zone: is too long (65 characters, at most 64)"),
    ("web", "failure", {"mtbf_s": 0, "mttr_s": 5},
     f"{WEB}.failure.mtbf_s: must be at least 0.001, got 0"),
    # Floors: below 1 ms a crash process only makes a run endless.
    ("web", "failure", {"mtbf_s": 10, "mttr_s": 1e-6},
     f"{WEB}.failure.mttr_s: must be at least 0.001, got 1e-06"),
    ("web", "failure", {"mtbf_s": 10, "mttr_s": 1e10},
     f"{WEB}.failure.mttr_s: must be at most 1e+09"),
    ("web", "failure", {"mtbf_s": 10},
     f"{WEB}.failure.mttr_s: missing: the mean time to repair, in seconds"),
    ("web", "error_rate", 1, f"{WEB}.error_rate: must be less than 1, got 1"),
    ("web", "error_rate", -0.1, f"{WEB}.error_rate: must be between 0 and 1"),
    ("web", "error_rate", 5, f"{WEB}.error_rate: must be between 0 and 1, got 5"),
    ("web", "rate_limit", {"rps": 0}, f"{WEB}.rate_limit.rps: must be at least 0.001, got 0"),
    ("web", "rate_limit", {"rps": 1e10}, f"{WEB}.rate_limit.rps: must be at most 1e+09"),
    ("web", "rate_limit", {"rps": 10, "burst": 1e10},
     f"{WEB}.rate_limit.burst: must be at most 1e+09"),
    ("web", "rate_limit", {"rps": 10, "burst": 0.5},
     f"{WEB}.rate_limit.burst: must be at least 1, got 0.5"),
    ("web", "rate_limit", {"burst": 5}, f"{WEB}.rate_limit.rps: missing"),
    ("web", "autoscaling", {"min": 1}, f"{WEB}.autoscaling.max: missing"),
    ("web", "autoscaling", {"max": 4, "metric": "cpu"},
     f'{WEB}.autoscaling.metric: unknown autoscaling metric "cpu"'),
    ("web", "autoscaling", {"max": 4, "target": 0},
     f"{WEB}.autoscaling.target: must be greater than 0"),
    ("web", "autoscaling", {"max": 4, "target": 70},
     f"{WEB}.autoscaling.target: must be at most 1, got 70"),
    ("web", "autoscaling", {"min": 3, "max": 2},
     f"{WEB}.autoscaling.max: must be at least min (3), got 2"),
    ("web", "autoscaling", {"min": 3, "max": 5},
     f"{WEB}.replicas: replicas (2) must lie within the autoscaling range min..max (3..5)"),
    ("web", "autoscaling", {"max": 1},
     f"{WEB}.replicas: replicas (2) must lie within the autoscaling range min..max (1..1)"),
    ("web", "autoscaling", {"max": 4, "cooldown_s": -1},
     f"{WEB}.autoscaling.cooldown_s: must be at least 0"),
    ("web", "autoscaling", {"max": 4, "min": 0}, f"{WEB}.autoscaling.min: must be at least 1"),
    ("web", "autoscaling", {"max": 4, "min": 1.5},
     f"{WEB}.autoscaling.min: must be a whole number, got 1.5"),
    ("web", "health_check", {}, f"{WEB}.health_check: health checks are run by load balancers"),
    ("lb", "health_check", {"interval_s": 0}, f"{LB}.health_check.interval_s: must be at least"),
    ("lb", "health_check", {"interval_s": 1e-7},
     f"{LB}.health_check.interval_s: must be at least 0.001, got 1e-07"),
    ("lb", "health_check", {"healthy_after": 0},
     f"{LB}.health_check.healthy_after: must be at least 1"),
    ("lb", "health_check", {"unhealthy_after": 5000},
     f"{LB}.health_check.unhealthy_after: must be at most 1,000"),
    ("users", "failure", {"mtbf_s": 1, "mttr_s": 1},
     "$.components[0].failure: a client serves no requests"),
    ("link", "backoff", {"multiplier": 0.5}, f"{DB_LINK}.backoff.multiplier: must be at least 1"),
    ("link", "backoff", {"base_ms": -1}, f"{DB_LINK}.backoff.base_ms: must be at least 0"),
    ("link", "backoff", {"base_ms": 50, "max_ms": 20},
     f"{DB_LINK}.backoff.max_ms: must be at least base_ms (50), got 20"),
    ("link", "backoff", {"base_ms": 5000},
     f"{DB_LINK}.backoff.base_ms: is more than max_ms (1000 by default)"),
    ("link", "backoff", {"jitter": "ful"},
     f'{DB_LINK}.backoff.jitter: unknown jitter "ful" (did you mean "full"?)'),
    ("link", "circuit_breaker", {"failure_rate": 0},
     f"{DB_LINK}.circuit_breaker.failure_rate: must be greater than 0"),
    ("link", "circuit_breaker", {"failure_rate": 50},
     f"{DB_LINK}.circuit_breaker.failure_rate: must be at most 1, got 50"),
    ("link", "circuit_breaker", {"window": 0},
     f"{DB_LINK}.circuit_breaker.window: must be at least 1"),
    ("link", "circuit_breaker", {"window": 5, "min_calls": 6},
     f"{DB_LINK}.circuit_breaker.min_calls: must not exceed window (5), got 6"),
    ("link", "circuit_breaker", {"min_calls": 21},
     f"{DB_LINK}.circuit_breaker.min_calls: must not exceed window (20 by default), got 21"),
    ("link", "circuit_breaker", {"open_s": 0},
     f"{DB_LINK}.circuit_breaker.open_s: must be at least 0.001, got 0"),
    ("link", "circuit_breaker", {"open_s": 1e-5},
     f"{DB_LINK}.circuit_breaker.open_s: must be at least 0.001, got 1e-05"),
    ("link", "circuit_breaker", {"window": 10_001},
     f"{DB_LINK}.circuit_breaker.window: must be at most 10,000, got 10001"),
    ("link", "circuit_breaker", {"half_open_calls": 0},
     f"{DB_LINK}.circuit_breaker.half_open_calls: must be at least 1"),
    ("top", "chaos", {"level": 1}, "$.chaos.level: must be less than 1, got 1"),
    ("top", "chaos", {"level": 10}, "$.chaos.level: must be between 0 and 1, got 10"),
    ("top", "chaos", {"level": 0.1, "mttr_s": 0}, "$.chaos.mttr_s: must be at least 0.001"),
    ("top", "chaos", {"level": 0.1, "mttr_s": 1e-4},
     "$.chaos.mttr_s: must be at least 0.001, got 0.0001"),
    ("top", "chaos", {"mttr_s": 5}, "$.chaos.level: missing"),
])
def test_each_bad_value_is_one_problem_at_its_path(where: str, key: str, value: Any,
                                                   expected: str) -> None:
    assert only_problem(_set(base(), where, key, value)).startswith(expected)


@pytest.mark.parametrize(("where", "key", "value"), [
    ("web", "zone", "us-east-1a"), ("web", "zone", "z" * 64), ("web", "error_rate", 0),
    ("web", "error_rate", 0.999), ("web", "rate_limit", {"rps": 0.1, "burst": 1}),
    ("web", "autoscaling", {"min": 2, "max": 2, "target": 1, "cooldown_s": 0,
                            "provision_s": 0}),
    ("web", "autoscaling", {"min": 1, "max": 2}),
    ("lb", "health_check", {}),
    ("link", "backoff", {"base_ms": 0, "multiplier": 1, "max_ms": 0, "jitter": "none"}),
    ("link", "backoff", {"base_ms": 1000}),
    ("link", "circuit_breaker", {"failure_rate": 1, "window": 1, "min_calls": 1}),
    ("link", "circuit_breaker", {"window": 5}),  # min_calls follows the window down
    ("top", "chaos", {"level": 0}), ("top", "chaos", {"level": 0.999}),
    # The floors and caps themselves are allowed.
    ("web", "failure", {"mtbf_s": 0.001, "mttr_s": 0.001}),
    ("web", "rate_limit", {"rps": 0.001, "burst": 1e9}),
    ("lb", "health_check", {"interval_s": 0.001}),
    ("link", "circuit_breaker", {"window": 10_000, "min_calls": 10_000, "open_s": 0.001}),
    ("top", "chaos", {"level": 0.5, "mttr_s": 0.001}),
])
def test_good_values_load(where: str, key: str, value: Any) -> None:
    assert problems(_set(base(), where, key, value)) == []


def test_a_gateway_may_run_health_checks() -> None:
    data = base()
    data["components"][1]["type"] = "api_gateway"
    data["components"][1]["health_check"] = {"interval_s": 1}
    assert problems(data) == []


# -- faults ---------------------------------------------------------------------------------


def _fault(**fields: Any) -> dict[str, Any]:
    data = base()
    data["faults"] = [{"kind": "crash", "target": "web", "at_s": 1}, {"at_s": 0, **fields}]
    return data


@pytest.mark.parametrize(("fields", "expected"), [
    ({"kind": "crahs", "target": "web"},
     '$.faults[1].kind: unknown fault kind "crahs" (did you mean "crash"?)'),
    ({"kind": "crash", "target": "wbe"},
     '$.faults[1].target: no component has id "wbe" (did you mean "web"?)'),
    ({"kind": "crash", "target": "users"}, '$.faults[1].target: "users" is a client'),
    ({"kind": "crash", "target": "web", "replicas": 0},
     "$.faults[1].replicas: must be at least 1"),
    ({"kind": "crash", "target": "web", "replicas": 3},
     '$.faults[1].replicas: crashes 3 replicas, but "web" has at most 2'),
    ({"kind": "crash", "target": "web", "factor": 2},
     '$.faults[1].factor: is for slowdown faults, not "crash": remove it'),
    ({"kind": "slowdown", "target": "web", "factor": 2, "rate": 0.5},
     '$.faults[1].rate: is for error_rate faults, not "slowdown"'),
    ({"kind": "slowdown", "target": "web", "factor": 2, "replicas": 1},
     '$.faults[1].replicas: is for crash faults, not "slowdown"'),
    ({"kind": "slowdown", "target": "web"}, "$.faults[1].factor: a slowdown fault needs factor"),
    ({"kind": "slowdown", "target": "web", "factor": 0},
     "$.faults[1].factor: must be greater than 0"),
    ({"kind": "error_rate", "target": "db"}, "$.faults[1].rate: a error_rate fault needs rate"),
    ({"kind": "error_rate", "target": "db", "rate": 1.5},
     "$.faults[1].rate: must be between 0 and 1, got 1.5"),
    ({"kind": "latency", "target": "web->db"}, "$.faults[1].add_ms: a latency fault needs"),
    ({"kind": "latency", "target": "web->db", "add_ms": 0},
     "$.faults[1].add_ms: must be greater than 0"),
    ({"kind": "latency", "target": "web", "add_ms": 5},
     '$.faults[1].target: must name a link as "source->target", got "web"'),
    ({"kind": "partition", "target": "web->dbb"},
     '$.faults[1].target: no link "web->dbb" in the design (did you mean "web->db"?)'),
    ({"kind": "partition", "target": "db->web"}, '$.faults[1].target: no link "db->web"'),
    ({"kind": "zone_outage", "target": "zone-c"},
     '$.faults[1].target: no serving component is in zone "zone-c" (did you mean "zone-'),
    ({"kind": "crash", "target": "web", "duration_s": 0},
     "$.faults[1].duration_s: must be greater than 0"),
    ({"kind": "crash", "target": "web", "at_s": -1}, "$.faults[1].at_s: must be at least 0"),
    ({"kind": "crash", "target": 5}, "$.faults[1].target: must be a string, got 5"),
    ({"kind": "crash"}, '$.faults[1].target: missing: what the fault hits: a component id, a '
                        'link "a->b" or a zone'),
    ({"kind": "crash", "target": "web", "rat": 1},
     '$.faults[1].rat: unknown key "rat" (did you mean "rate"?)'),
])
def test_each_bad_fault_is_one_problem_at_its_path(fields: dict[str, Any], expected: str
                                                   ) -> None:
    assert only_problem(_fault(**fields)).startswith(expected)


def test_faults_on_autoscaled_components_may_crash_up_to_max() -> None:
    data = _fault(kind="crash", target="web", replicas=6)
    data["components"][2]["autoscaling"] = {"max": 6}
    assert problems(data) == []


def test_a_fault_problem_marks_its_target() -> None:
    doc = loads(json.dumps(base()))
    doc.faults = [Fault("slowdown", "web", 1, factor=-1),
                  Fault("latency", "web->db", 1, add_ms=-1)]
    found = validate(doc)
    assert [(p.path, p.component_ids) for p in found] == [
        ("$.faults[0].factor", ("web",)), ("$.faults[1].add_ms", ("web", "db"))]


def test_problem_paths_count_the_faults_the_reader_dropped() -> None:
    data = base()
    data["faults"] = ["not a fault", {"kind": "crash", "target": "nope", "at_s": 0}]
    assert [p.path for p in problems(data)] == ["$.faults[0]", "$.faults[1].target"]


# -- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "key", "literal", "path"), [
    ("web", "error_rate", "NaN", f"{WEB}.error_rate"),
    ("web", "failure", '{"mtbf_s": Infinity, "mttr_s": 1}', f"{WEB}.failure.mtbf_s"),
    ("web", "rate_limit", '{"rps": 1e999}', f"{WEB}.rate_limit.rps"),
    ("web", "autoscaling", '{"max": 99999999999999999999999999999}', f"{WEB}.autoscaling.max"),
    ("web", "zone", "[1, 2]", f"{WEB}.zone"),
    ("web", "failure", "[]", f"{WEB}.failure"),
    ("web", "autoscaling", '{"max": true}', f"{WEB}.autoscaling.max"),
    ("link", "backoff", '"fast"', f"{DB_LINK}.backoff"),
    ("link", "circuit_breaker", '{"window": {"a": [[[]]]}}', f"{DB_LINK}.circuit_breaker.window"),
    ("top", "chaos", "0.1", "$.chaos"),
    ("top", "faults", '{"kind": "crash"}', "$.faults"),
    ("top", "faults", "[[], null, 3]", "$.faults[0]"),
])
def test_hostile_values_give_one_problem_with_a_path(where: str, key: str, literal: str,
                                                     path: str) -> None:
    text = json.dumps(_set(base(), where, key, "@@")).replace('"@@"', literal)
    with reader_guard(), pytest.raises(DocumentError) as caught:
        loads(text)
    assert caught.value.problems[0].path == path
    assert len(caught.value.problems) <= 3  # [[], null, 3]: one per bad item at most


def test_too_many_faults_are_refused_before_reading_them() -> None:
    data = base()
    data["faults"] = [{"kind": "crash", "target": "web", "at_s": 0}] * (MAX_FAULTS + 1)
    assert only_problem(data) == (
        f"$.faults: has {MAX_FAULTS + 1:,} scheduled faults; at most {MAX_FAULTS:,} are supported")


def test_the_fault_cap_itself_loads_and_many_bad_faults_are_counted() -> None:
    data = base()
    data["faults"] = [{"kind": "crash", "target": "web", "at_s": i} for i in range(MAX_FAULTS)]
    with reader_guard():
        assert len(loads(json.dumps(data)).faults) == MAX_FAULTS
    data["faults"] = [{"kind": "crahs", "target": "x" * 100, "at_s": -1}] * MAX_FAULTS
    with reader_guard(), pytest.raises(DocumentError) as caught:
        loads(json.dumps(data))
    assert caught.value.problems[0].path.startswith("$.faults[0].")
    assert caught.value.more > 0


def test_code_built_garbage_is_reported_not_raised() -> None:
    doc = loads(json.dumps(base()))
    bad: Any = copy.copy
    doc.components[2].error_rate = bad
    doc.components[2].zone = bad
    doc.faults = [Fault(bad, bad, bad)]
    doc.chaos = Chaos(bad)
    paths = [p.path for p in validate(doc)]
    assert paths[:3] == [f"{WEB}.zone", f"{WEB}.error_rate", "$.chaos.level"]
    assert sorted(paths[3:]) == ["$.faults[0].at_s", "$.faults[0].kind", "$.faults[0].target"]
