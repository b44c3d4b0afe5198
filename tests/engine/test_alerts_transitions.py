"""Alert state transitions on crafted window-close streams (no simulation).

Each test feeds :class:`AlertEvaluator` a hand-made sequence of window closes
and checks the events it emits, the states and the summary's episodes.
"""

from __future__ import annotations

from typing import Any

from app.engine.alerts import FIRING, INACTIVE, MAX_PENDING_EVENTS, PENDING, AlertEvaluator
from app.engine.events import EventLog
from app.engine.hooks import WindowClose
from app.engine.snapshot import LinkMetrics, WindowMetrics
from app.model.alerts import AlertRule, AlertTargets
from app.model.document import Component, Document, Link, Workload

DOC = Document(
    components=[
        Component("users", "client", workload=Workload("poisson", rate_rps=1.0)),
        Component("web1", "web_server"),
        Component("web2", "web_server"),
        Component("database", "cache"),  # an id that is also a type's key
        Component("db", "database"),
    ],
    links=[Link("users", "web1"), Link("users", "web2"), Link("web1", "database"),
           Link("web2", "db")],
)
SERVING = ("web1", "web2", "database", "db")


def rule(component: str = "web1", metric: str = "utilization", op: str = ">",
         threshold: float = 0.8, for_s: float = 3.0, clear: float | None = None,
         name: str = "busy", severity: str = "high") -> AlertRule:
    return AlertRule(name, metric, component, op, threshold, for_s, severity, clear)


class Stream:
    """An evaluator fed by hand: ``close(t, web1=0.9)`` closes a window at ``t``."""

    def __init__(self, *rules: AlertRule) -> None:
        self.t = 0.0
        self.log = EventLog(lambda: self.t)
        self.evaluator = AlertEvaluator(rules, AlertTargets(DOC), self.log, set(SERVING),
                                        {"users->web1", "users->web2", "web1->database",
                                         "web2->db"})

    def close(self, t: float, metric: str = "utilization", e2e: dict[str, Any] | None = None,
              links: dict[str, LinkMetrics] | None = None, **values: float | None) -> None:
        self.t = t
        comps = {cid: WindowMetrics(**{metric: values.get(cid, 0.0)}) for cid in SERVING}
        close = WindowClose(t, 1.0, WindowMetrics(**(e2e or {})), comps, links or {}, False)
        self.evaluator.window_closed(close)

    def events(self) -> list[tuple[float, str, str]]:
        return [(e.time_s, e.kind, e.target) for e in self.log.events]

    def state(self, target: str = "web1", name: str = "busy") -> str:
        return self.evaluator.states()[(name, target)]


def test_pending_then_firing_after_for_s_then_resolved() -> None:
    s = Stream(rule(for_s=3.0))
    for t, value in enumerate([0.5, 0.9, 0.95, 0.85, 0.9, 0.4], start=1):
        s.close(float(t), web1=value)
    assert s.events() == [(2.0, "alert_pending", "web1"), (5.0, "alert_firing", "web1"),
                          (6.0, "alert_resolved", "web1")]
    assert s.evaluator.summary() == [{
        "name": "busy", "component": "web1", "severity": "high", "fired_at_s": 5.0,
        "resolved_at_s": 6.0, "peak": 0.95, "metric": "utilization", "op": ">",
        "threshold": 0.8, "pending_since_s": 2.0}]
    firing = s.log.events[1]
    assert dict(firing.detail) == {"name": "busy", "severity": "high", "metric": "utilization",
                                   "op": ">", "value": 0.9, "threshold": 0.8, "peak": 0.95}
    assert s.state() == INACTIVE


def test_not_firing_before_for_s_has_held() -> None:
    s = Stream(rule(for_s=3.0))
    for t in (1.0, 2.0, 3.0):
        s.close(t, web1=0.9)
    assert s.state() == PENDING  # held 2 s of 3
    s.close(4.0, web1=0.9)
    assert s.state() == FIRING


def test_a_pending_alert_whose_condition_clears_goes_back_to_inactive() -> None:
    s = Stream(rule(for_s=3.0))
    s.close(1.0, web1=0.9)
    s.close(2.0, web1=0.8)  # not > 0.8
    s.close(3.0, web1=0.9)  # a new pending span starts here
    s.close(5.0, web1=0.9)
    assert s.events() == [(1.0, "alert_pending", "web1"), (2.0, "alert_inactive", "web1"),
                          (3.0, "alert_pending", "web1")]
    assert s.state() == PENDING
    assert s.evaluator.summary() == []
    s.close(6.0, web1=0.9)
    assert s.evaluator.summary()[0]["fired_at_s"] == 6.0


def test_hysteresis_keeps_firing_until_the_clear_threshold() -> None:
    s = Stream(rule(for_s=0.0, clear=0.6))
    s.close(1.0, web1=0.9)
    s.close(2.0, web1=0.7)  # below the threshold, above the clear threshold: still firing
    s.close(3.0, web1=0.61)
    assert s.state() == FIRING
    s.close(4.0, web1=0.6)  # not > 0.6: resolved
    assert s.events() == [(1.0, "alert_firing", "web1"), (4.0, "alert_resolved", "web1")]
    # The clear threshold applies to firing alerts only: a pending one clears at the threshold.
    s2 = Stream(rule(for_s=5.0, clear=0.6))
    s2.close(1.0, web1=0.9)
    s2.close(2.0, web1=0.7)
    assert s2.state() == INACTIVE


def test_a_window_without_a_value_keeps_the_state() -> None:
    s = Stream(rule(metric="latency_p99_ms", threshold=100.0, for_s=3.0))
    s.close(1.0, metric="latency_p99_ms", web1=150.0)
    s.close(2.0, metric="latency_p99_ms", web1=None)  # nothing completed
    s.close(3.0, metric="latency_p99_ms", web1=None)
    assert s.state() == PENDING
    s.close(4.0, metric="latency_p99_ms", web1=120.0)  # held since 1.0: fires
    assert s.state() == FIRING
    s.close(5.0, metric="latency_p99_ms", web1=None)
    assert s.state() == FIRING
    s.close(6.0, metric="latency_p99_ms", web1=50.0)
    assert s.events() == [(1.0, "alert_pending", "web1"), (4.0, "alert_firing", "web1"),
                          (6.0, "alert_resolved", "web1")]
    assert s.evaluator.summary()[0]["peak"] == 150.0


def test_peak_of_a_below_rule_is_the_minimum() -> None:
    s = Stream(rule("end_to_end", "availability", "<", 0.99, 1.0, clear=0.995))
    for t, value in enumerate([0.98, 0.90, 0.97, 0.993, 0.999], start=1):
        s.close(float(t), e2e={"availability": value})
    assert s.events() == [(1.0, "alert_pending", "end_to_end"),
                          (2.0, "alert_firing", "end_to_end"),
                          (5.0, "alert_resolved", "end_to_end")]
    (episode,) = s.evaluator.summary()
    assert episode["peak"] == 0.90
    assert (episode["fired_at_s"], episode["resolved_at_s"]) == (2.0, 5.0)


def test_for_s_zero_fires_at_once_without_pending() -> None:
    s = Stream(rule(op=">=", threshold=0.9, for_s=0.0))
    s.close(1.0, web1=0.89)
    s.close(2.0, web1=0.9)  # >= holds on equality
    assert s.events() == [(2.0, "alert_firing", "web1")]
    assert s.evaluator.summary()[0]["pending_since_s"] == 2.0


def test_an_id_wins_over_a_type_and_a_type_covers_its_components() -> None:
    s = Stream(rule("database", for_s=0.0, name="by id"), rule("web_server", for_s=0.0,
                                                                 name="by type"))
    s.close(1.0, database=0.9, db=0.9, web2=0.9)
    assert s.events() == [(1.0, "alert_firing", "database"), (1.0, "alert_firing", "web2")]
    assert set(s.evaluator.states()) == {("by id", "database"), ("by type", "web1"),
                                         ("by type", "web2")}


def test_star_tracks_every_serving_component_on_its_own() -> None:
    s = Stream(rule("*", for_s=1.0))
    assert [a.target for a in s.evaluator.alerts] == list(SERVING)  # no client
    s.close(1.0, web1=0.9, db=0.9)
    s.close(2.0, web1=0.9, db=0.1)
    assert s.events() == [(1.0, "alert_pending", "web1"), (1.0, "alert_pending", "db"),
                          (2.0, "alert_firing", "web1"), (2.0, "alert_inactive", "db")]


def test_link_error_rate_is_failed_over_calls_and_no_calls_keeps_the_state() -> None:
    s = Stream(rule("web2->db", "error_rate", threshold=0.2, for_s=2.0))
    key = "web2->db"
    s.close(1.0, links={key: LinkMetrics(calls=10, failed=5)})
    s.close(2.0, links={key: LinkMetrics(calls=0)})  # no calls: no value
    s.close(3.0, links={key: LinkMetrics(calls=4, failed=1)})  # 0.25
    s.close(4.0, links={key: LinkMetrics(calls=10, failed=2)})  # 0.2, not > 0.2
    assert s.events() == [(1.0, "alert_pending", key), (3.0, "alert_firing", key),
                          (4.0, "alert_resolved", key)]
    assert s.evaluator.summary()[0]["peak"] == 0.5
    s2 = Stream(rule("web2->db", "latency_p99_ms", threshold=100.0, for_s=0.0))
    s2.close(1.0, links={key: LinkMetrics(calls=3, latency_p99_ms=150.0)})
    assert s2.events() == [(1.0, "alert_firing", key)]


def test_end_to_end_latency_rule() -> None:
    s = Stream(rule("end_to_end", "latency_p99_ms", ">", 250.0, 2.0))
    for t, value in enumerate([300.0, None, 400.0, 100.0], start=1):
        s.close(float(t), e2e={"latency_p99_ms": value})
    assert s.events() == [(1.0, "alert_pending", "end_to_end"),
                          (3.0, "alert_firing", "end_to_end"),
                          (4.0, "alert_resolved", "end_to_end")]


def test_episodes_are_ordered_by_fired_at_then_name_then_component() -> None:
    s = Stream(rule("web_server", for_s=0.0, name="b"), rule("db", for_s=0.0, name="a"))
    s.close(1.0, web2=0.9)
    s.close(2.0, web1=0.9, db=0.9)
    s.close(3.0)
    s.close(4.0, web2=0.9)  # fires again: a second episode
    assert [(e["fired_at_s"], e["name"], e["component"], e["resolved_at_s"])
            for e in s.evaluator.summary()] == [
        (1.0, "b", "web2", 2.0), (2.0, "a", "db", 3.0), (2.0, "b", "web1", 3.0),
        (4.0, "b", "web2", None)]


def test_floating_window_ends_still_fire_on_time() -> None:
    s = Stream(rule(for_s=0.3))
    t = 0.0
    for _ in range(4):
        t += 0.1  # 0.1, 0.2, 0.30000000000000004, 0.4
        s.close(t, web1=0.9)
    assert [e for e in s.events() if e[1] == "alert_firing"] == [(t, "alert_firing", "web1")]


def test_flapping_pending_events_are_capped_but_firing_is_not() -> None:
    s = Stream(rule(for_s=5.0))
    for t in range(1, MAX_PENDING_EVENTS + 101):  # one event a window
        s.close(float(t), web1=0.9 if t % 2 else 0.1)
    assert s.evaluator.pending_events == MAX_PENDING_EVENTS
    assert s.evaluator.pending_events_dropped == 100
    s.close(1e6, web1=0.9)
    s.close(1e6 + 5.0, web1=0.9)
    assert s.events()[-1] == (1e6 + 5.0, "alert_firing", "web1")


def test_a_window_of_no_length_measured_nothing() -> None:
    s = Stream(rule(for_s=0.0))
    s.close(1.0, web1=0.9)
    close = WindowClose(1.0, 0.0, WindowMetrics(), {cid: WindowMetrics() for cid in SERVING},
                        {}, False)
    s.evaluator.window_closed(close)  # a run stopped right at a window's end
    assert s.state() == FIRING
