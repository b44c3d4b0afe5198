"""Alert rules in the model: defaults, targets, validation, reading and writing."""

from __future__ import annotations

import json

import pytest

from app.engine.snapshot import LinkMetrics, WindowMetrics
from app.model.alerts import (
    COMPONENT_METRICS,
    DEFAULT_ALERTS,
    END_TO_END_METRICS,
    LINK_METRICS,
    MAX_ALERT_RULES,
    MAX_TRACKED_ALERTS,
    OPS,
    SEVERITIES,
    AlertRule,
    alert_targets,
    effective_alerts,
)
from app.model.document import Component, Document, Link, Workload
from app.model.errors import DocumentError
from app.model.fileformat import FORMAT_NAME, FORMAT_VERSION, dumps, loads
from app.model.validation import validate


def design() -> Document:
    """users -> lb -> web x2 -> db, with a cache named like a type."""
    return Document(
        name="t",
        components=[
            Component("users", "client", workload=Workload("poisson", rate_rps=10.0)),
            Component("lb", "load_balancer"),
            Component("web1", "web_server"),
            Component("web2", "web_server"),
            # An id equal to another type's key: the id wins.
            Component("database", "cache"),
            Component("db", "database"),
        ],
        links=[Link("users", "lb"), Link("lb", "web1"), Link("lb", "web2"),
               Link("web1", "database"), Link("web2", "db")],
    )


def rule(component: str = "*", metric: str = "utilization", op: str = ">",
         threshold: float = 0.8, for_s: float = 10.0, severity: str = "high",
         clear: float | None = None, name: str = "r") -> AlertRule:
    return AlertRule(name, metric, component, op, threshold, for_s, severity, clear)


def problems(doc: Document) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate(doc)]


def test_constants_and_defaults() -> None:
    assert OPS == (">", ">=", "<", "<=")
    assert SEVERITIES == ("info", "warning", "high", "critical")
    assert [(r.metric, r.component, r.op, r.threshold, r.for_s, r.severity)
            for r in DEFAULT_ALERTS] == [
        ("utilization", "*", ">", 0.85, 120.0, "high"),
        ("memory_utilization", "*", ">", 0.90, 120.0, "high"),
        ("error_rate", "*", ">", 0.05, 120.0, "critical"),
    ]
    assert len({r.name for r in DEFAULT_ALERTS}) == 3


def test_metric_names_are_the_engines() -> None:
    assert WindowMetrics._fields == COMPONENT_METRICS
    numeric = tuple(name for name in LinkMetrics._fields
                    if name not in ("breaker", "partitioned"))
    assert (*numeric, "error_rate") == LINK_METRICS
    assert set(END_TO_END_METRICS) < set(COMPONENT_METRICS)


def test_effective_alerts_none_means_defaults_and_empty_means_off() -> None:
    doc = design()
    assert effective_alerts(doc) == DEFAULT_ALERTS
    doc.alerts = []
    assert effective_alerts(doc) == ()
    doc.alerts = [rule()]
    assert effective_alerts(doc) == (rule(),)


def test_targets_expand_ids_types_star_links_and_end_to_end() -> None:
    doc = design()
    assert alert_targets(rule("*"), doc) == ("lb", "web1", "web2", "database", "db")
    assert alert_targets(rule("web_server"), doc) == ("web1", "web2")
    # "database" is the id of a cache: the id wins over the type.
    assert alert_targets(rule("database"), doc) == ("database",)
    assert alert_targets(rule("cache"), doc) == ("database",)
    assert alert_targets(rule("web2->db", "latency_p99_ms"), doc) == ("web2->db",)
    assert alert_targets(rule("end_to_end", "latency_p99_ms"), doc) == ("end_to_end",)
    assert alert_targets(rule("queue"), doc) == ()
    assert alert_targets(rule("message_queue"), doc) == ()  # a type with no component
    assert alert_targets(rule("users"), doc) == ()  # a client: nothing to watch


def test_a_design_with_good_rules_is_valid() -> None:
    doc = design()
    doc.alerts = [
        rule(),
        rule("web_server", "latency_p99_ms", ">=", 250.0, 0.0, "warning", clear=200.0),
        rule("end_to_end", "availability", "<", 0.99, 30.0, "critical", clear=0.995),
        rule("web2->db", "error_rate", ">", 0.1, 5.0, "info"),
        rule("web1->database", "calls_rps", "<=", 1.0, 5.0, "info"),
    ]
    assert validate(doc) == []


@pytest.mark.parametrize(("bad", "path", "message"), [
    (rule(name=""), "$.alerts[0].name", "must not be empty"),
    (rule(name="x" * 201), "$.alerts[0].name", "is too long"),
    (rule(op="=="), "$.alerts[0].op", 'unknown comparison "=="'),
    (rule(severity="fatal"), "$.alerts[0].severity", 'unknown severity "fatal"'),
    (rule(threshold=float("nan")), "$.alerts[0].threshold", "must be a finite number"),
    (rule(threshold=float("inf")), "$.alerts[0].threshold", "must be a finite number"),
    (rule(for_s=-1.0), "$.alerts[0].for_s", "must be at least 0"),
    (rule(for_s=1e10), "$.alerts[0].for_s", "must be at most 1e+09"),
    (rule(clear=0.9), "$.alerts[0].clear_threshold", "must be at most threshold (0.8)"),
    (rule(op="<", clear=0.5), "$.alerts[0].clear_threshold", "must be at least threshold"),
    (rule(metric="cpu"), "$.alerts[0].metric", 'unknown metric "cpu"'),
    (rule(metric="utilisation"), "$.alerts[0].metric", 'did you mean "utilization"'),
    (rule("web3"), "$.alerts[0].component", 'no component or component type "web3" '
                                             '(did you mean "web2"?)'),
    (rule("users"), "$.alerts[0].component", '"users" is a client'),
    (rule("client"), "$.alerts[0].component", '"client" is a client'),
    (rule("db->web2"), "$.alerts[0].component", 'no link "db->web2" in the design'),
    (rule("end_to_end", "utilization"), "$.alerts[0].metric",
     '"utilization" is not measured for end to end'),
    (rule("web2->db", "utilization"), "$.alerts[0].metric",
     '"utilization" is not measured for a link'),
    (rule("web2", "calls"), "$.alerts[0].metric", '"calls" is not measured for a component'),
])
def test_bad_rules_are_refused_with_their_path(bad: AlertRule, path: str, message: str) -> None:
    doc = design()
    doc.alerts = [bad]
    found = problems(doc)
    assert len(found) == 1, found
    assert found[0][0] == path
    assert message in found[0][1]


def test_caps_on_rules_and_tracked_alerts() -> None:
    doc = design()
    doc.alerts = [rule() for _ in range(MAX_ALERT_RULES + 1)]
    assert problems(doc) == [("$.alerts", f"has {MAX_ALERT_RULES + 1:,} rules; at most "
                                         f"{MAX_ALERT_RULES:,} are supported")]
    doc = Document(components=[Component("users", "client",
                                         workload=Workload("poisson", rate_rps=1.0))]
                   + [Component(f"s{i}", "cache") for i in range(1000)])
    doc.links = [Link("users", "s0")]
    rules = MAX_TRACKED_ALERTS // 1000 + 1
    doc.alerts = [rule() for _ in range(rules)]
    found = [p for p in problems(doc) if p[0] == "$.alerts"]
    assert found == [("$.alerts", f"track {rules * 1000:,} alerts (each rule once per component "
                                  f"it covers); at most {MAX_TRACKED_ALERTS:,}: name component "
                                  'types or ids instead of "*"')]


def text(alerts: object = None, *, with_key: bool = True) -> str:
    data: dict[str, object] = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "name": "t",
        "components": [{"id": "users", "type": "client",
                        "workload": {"pattern": "poisson", "rate_rps": 10}},
                       {"id": "web", "type": "web_server"}],
        "links": [{"source": "users", "target": "web"}],
    }
    if with_key:
        data["alerts"] = alerts
    return json.dumps(data)


def test_round_trip_keeps_none_empty_and_rules() -> None:
    absent = loads(text(with_key=False))
    assert absent.alerts is None
    assert "alerts" not in dumps(absent)
    assert loads(text(None)).alerts is None  # null: not given, as everywhere
    off = loads(text([]))
    assert off.alerts == []
    assert '"alerts": []' in dumps(off)
    assert loads(dumps(off)).alerts == []
    rules = [{"name": "Slow", "metric": "latency_p99_ms", "component": "end_to_end",
              "op": ">", "threshold": 250, "for_s": 30, "severity": "warning",
              "clear_threshold": 200},
             {"name": "Busy web", "metric": "utilization", "component": "web",
              "op": ">=", "threshold": 0.9, "for_s": 0, "severity": "high"}]
    doc = loads(text(rules))
    assert doc.alerts == [
        AlertRule("Slow", "latency_p99_ms", "end_to_end", ">", 250.0, 30.0, "warning", 200.0),
        AlertRule("Busy web", "utilization", "web", ">=", 0.9, 0.0, "high"),
    ]
    again = dumps(doc)
    assert json.loads(again)["alerts"] == rules
    assert dumps(loads(again)) == again


def refusal(alerts: object) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        loads(text(alerts))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("alerts", "expected"), [
    ({"name": "x"}, ["$.alerts: must be a list [...], got an object"]),
    ("all", ['$.alerts: must be a list [...], got "all"']),
    (7, ["$.alerts: must be a list [...], got 7"]),
    ([3], ["$.alerts[0]: must be an object {...}, got 3"]),
    ([None], ["$.alerts[0]: must be an object {...}, got null"]),
])
def test_hostile_alert_values_give_one_clear_message(alerts: object,
                                                     expected: list[str]) -> None:
    assert refusal(alerts) == expected


GOOD = {"name": "Busy", "metric": "utilization", "component": "web", "op": ">",
        "threshold": 0.9, "for_s": 10, "severity": "high"}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("threshold", "0.9", '$.alerts[0].threshold: must be a number, got "0.9"'),
    ("threshold", True, "$.alerts[0].threshold: must be a number, got true"),
    ("for_s", [1], "$.alerts[0].for_s: must be a number, got a list"),
    ("op", 1, "$.alerts[0].op: must be a string, got 1"),
    ("severity", {}, "$.alerts[0].severity: must be a string, got an object"),
    ("name", None, '$.alerts[0].name: missing: the rule\'s name, e.g. "High latency"'),
    ("for_s", None, "$.alerts[0].for_s: missing: how long the condition must hold before the "
                    "alert fires, in seconds (0: at once)"),
    ("metrics", "x", '$.alerts[0].metrics: unknown key "metrics" (did you mean "metric"?)'),
])
def test_bad_fields_in_a_file(key: str, value: object, expected: str) -> None:
    item = dict(GOOD)
    if value is None:
        del item[key]
    else:
        item[key] = value
    assert refusal([item]) == [expected]


def test_non_finite_threshold_in_a_file() -> None:
    raw = text([dict(GOOD)]).replace('"threshold": 0.9', '"threshold": NaN')
    with pytest.raises(DocumentError) as caught:
        loads(raw)
    assert [str(p) for p in caught.value.problems] == [
        "$.alerts[0].threshold: must be a finite number, got NaN"]


def test_a_huge_list_of_rules_is_refused_before_reading() -> None:
    assert refusal([dict(GOOD)] * 100_000) == [
        f"$.alerts: has 100,000 alert rules; at most {MAX_ALERT_RULES:,} are supported"]


def test_validation_paths_point_into_the_file_past_skipped_rows() -> None:
    bad_later = dict(GOOD, component="nope")
    problems_seen = refusal([3, bad_later])
    assert problems_seen[0] == "$.alerts[0]: must be an object {...}, got 3"
    assert problems_seen[1].startswith('$.alerts[1].component: no component or component type '
                                       '"nope"')
