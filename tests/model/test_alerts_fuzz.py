"""Hostile ``alerts`` values: any JSON gives a Document or a one-line DocumentError.

Design-shaped files whose ``alerts`` hold random JSON (wrong types, NaN,
huge numbers, long lists, unknown keys) are read under a hang guard. What is
read must validate, write back unchanged and run its evaluator setup.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.alerts import AlertEvaluator
from app.engine.events import EventLog
from app.model.alerts import AlertTargets, effective_alerts
from app.model.errors import DocumentError
from app.model.fileformat import FORMAT_NAME, FORMAT_VERSION, dumps, loads
from app.model.validation import validate
from tests.unit.reader_guard import reader_guard

FIELDS = ("name", "metric", "component", "op", "threshold", "for_s", "severity",
          "clear_threshold")
GOOD: dict[str, Any] = {"name": "Busy", "metric": "utilization", "component": "web",
                        "op": ">", "threshold": 0.9, "for_s": 10, "severity": "high"}
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["*", "end_to_end", "users", "web", "users->web", "web->users", ">", "<=",
                     "critical", "latency_p99_ms", "error_rate", "calls", "", "\x00"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def text(alerts: object) -> str:
    return json.dumps({
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "name": "t",
        "components": [{"id": "users", "type": "client",
                        "workload": {"pattern": "poisson", "rate_rps": 10}},
                       {"id": "web", "type": "web_server"}],
        "links": [{"source": "users", "target": "web"}],
        "alerts": alerts,
    }, allow_nan=True)


def check(data: str) -> None:
    with reader_guard(10.0):
        try:
            doc = loads(data)
        except DocumentError as exc:
            message = str(exc)
            assert message.strip() and "\n" not in message
            assert all(p.path.startswith("$.alerts") for p in exc.problems), exc.problems
            return
    assert validate(doc) == []
    assert loads(dumps(doc)) == doc
    # What is read sets up an evaluator (every op, metric and target resolves).
    AlertEvaluator(effective_alerts(doc), AlertTargets(doc), EventLog(lambda: 0.0), {"web"},
                   {"users->web"})


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8), st.booleans())
def test_random_field_values(overrides: dict[str, Any], keep_good: bool) -> None:
    rule = {**GOOD, **overrides} if keep_good else overrides
    check(text([rule]))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_random_alerts_values(value: Any) -> None:
    check(text(value))


def test_many_bad_rules_list_the_first_problems_and_count_the_rest() -> None:
    rules = [dict(GOOD, op=1) for _ in range(150)] + [dict(GOOD, component="nope")]
    try:
        loads(text(rules))
    except DocumentError as exc:
        assert len(exc.problems) == 100
        assert exc.problems[0].path == "$.alerts[0].op"
        assert exc.more >= 50
    else:
        raise AssertionError("refused")
