"""The Alerts dock's board on crafted event streams, and alerts as a defaulted collection."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from app.engine.events import RunEvent
from app.engine.simulation import Simulation
from app.model.alerts import DEFAULT_ALERTS, AlertRule
from app.ui.alerts.board import FIRING, PENDING, RESOLVED, AlertBoard
from app.ui.alerts.spans import MAX_SPANS, AlertSpans
from app.ui.document import EditorDocument
from tests.ui.helpers import small_design

RULE = {"name": "Busy", "severity": "high", "metric": "utilization", "op": ">",
        "threshold": 0.8}


def alert(t: float, kind: str, target: str = "web", value: float = 0.9, peak: float = 0.9,
          **rule: object) -> RunEvent:
    detail = {**RULE, **rule, "value": value, "peak": peak}
    return RunEvent(t, f"alert_{kind}", target, MappingProxyType(detail))


def test_pending_firing_resolved_and_a_pending_that_cleared() -> None:
    board = AlertBoard()
    assert not board.feed([RunEvent(1.0, "crash", "web", MappingProxyType({}))])
    assert board.feed([alert(1.0, "pending"), alert(2.0, "pending", target="db")])
    assert [(e.target, e.state, e.since_s) for e in board.entries] == [
        ("web", PENDING, 1.0), ("db", PENDING, 2.0)]
    board.feed([alert(3.0, "inactive", target="db"), alert(4.0, "firing", peak=0.95)])
    (web,) = board.entries  # db cleared before firing: it never was an alert
    assert (web.state, web.since_s, web.fired_at_s, web.peak) == (FIRING, 1.0, 4.0, 0.95)
    assert board.firing_by_target() == {"web": [web]}
    board.feed([alert(7.0, "resolved", value=0.5, peak=0.99),
                alert(9.0, "firing", value=0.9)])  # for_s = 0: fires with no pending
    first, second = board.entries
    assert (first.state, first.resolved_at_s, first.peak) == (RESOLVED, 7.0, 0.99)
    assert (second.state, second.since_s, second.fired_at_s) == (FIRING, 9.0, 9.0)
    assert board.sorted_entries() == [second, first]  # firing on top
    assert board.spans(12.0) == [(4.0, 7.0), (9.0, 12.0)]


def test_two_rules_of_one_name_are_two_alerts() -> None:
    board = AlertBoard()
    board.feed([alert(1.0, "firing", severity="warning", threshold=0.7),
                alert(2.0, "firing", severity="critical", threshold=0.9),
                alert(3.0, "resolved", severity="critical", threshold=0.9)])
    states = {(e.severity, e.state) for e in board.entries}
    assert states == {("warning", FIRING), ("critical", RESOLVED)}
    # The critical one is gone from the badge; the warning one stays.
    assert [e.severity for e in board.firing_by_target()["web"]] == ["warning"]


def test_spans_merge_overlaps_and_are_capped(qtbot) -> None:
    import pyqtgraph as pg

    board = AlertBoard()
    board.feed([alert(1.0, "firing"), alert(2.0, "firing", target="db"),
                alert(5.0, "resolved"), alert(6.0, "resolved", target="db")])
    assert board.spans(10.0) == [(1.0, 6.0)]
    plot = pg.PlotItem()
    spans = AlertSpans([plot])
    spans.show([(float(i), i + 0.5) for i in range(MAX_SPANS + 7)])
    assert len(spans.regions(0)) == MAX_SPANS and spans.dropped == 7
    region = spans.regions(0)[3]
    assert region.getRegion() == (3.0, 3.5) and not region.movable
    assert region.zValue() < 0  # behind the curves
    spans.clear()
    assert spans.regions(0) == [] and spans.spans == []


def test_the_summary_is_the_final_word_on_a_real_run() -> None:
    rule = AlertRule("Busy", "utilization", "web", ">", 0.2, 2.0, "warning",
                     clear_threshold=0.1)
    doc = small_design(rate_rps=400.0, duration_s=12.0)
    doc.components[2].concurrency = 1  # one worker per replica: busy
    doc.alerts = [rule]
    events: list[RunEvent] = []
    summary = Simulation(doc, live=False).run(on_snapshot=lambda s: events.extend(s.events))
    board = AlertBoard()
    board.feed(events)
    live = [(e.name, e.target, e.fired_at_s, e.resolved_at_s) for e in board.entries
            if e.fired_at_s is not None]
    board.finish(summary)
    final = [(e.name, e.target, e.fired_at_s, e.resolved_at_s, e.peak, e.since_s)
             for e in board.entries if e.fired_at_s is not None]
    assert final == [(a["name"], a["component"], a["fired_at_s"], a["resolved_at_s"],
                      a["peak"], a["pending_since_s"]) for a in summary["alerts"]]
    assert final, "the rule must fire on this design"
    assert sorted(live) == sorted(f[:4] for f in final)  # the events said the same


def test_alerts_are_a_defaulted_collection(qtbot) -> None:
    doc = EditorDocument(small_design())
    stack = doc.undo_stack
    assert doc.uses_defaults("alerts") and doc.collection("alerts") == DEFAULT_ALERTS
    assert doc.collection("alerts")[0] is not DEFAULT_ALERTS[0]  # copies, never the shared
    # Replacing a default with itself is no edit: defaults stay defaults.
    doc.replace_item("alerts", 0, DEFAULT_ALERTS[0], "Edit")
    assert stack.count() == 0 and doc.model.alerts is None
    doc.replace_item("alerts", 1, replace(DEFAULT_ALERTS[1], threshold=0.8), "Edit")
    assert stack.count() == 1 and doc.model.alerts is not None
    assert doc.model.alerts[1].threshold == 0.8 and not doc.uses_defaults("alerts")
    doc.set_collection("alerts", None, "Restore default alerts")
    assert doc.model.alerts is None and stack.count() == 2
    stack.undo()
    assert doc.model.alerts is not None and doc.model.alerts[1].threshold == 0.8
    stack.undo()
    assert doc.model.alerts is None  # undo gives "no key" back, not a copy of the defaults
    seen: list[str] = []
    doc.collection_changed.connect(seen.append)
    doc.set_collection("alerts", [], "Turn alerts off")
    assert doc.model.alerts == [] and seen == ["alerts"]


def test_deleting_a_component_takes_the_rules_naming_it(qtbot) -> None:
    doc = EditorDocument(small_design())
    rules = [AlertRule("Web busy", "utilization", "web", ">", 0.8, 5.0, "high"),
             AlertRule("Cache link slow", "latency_p99_ms", "web->cache", ">", 50.0, 5.0,
                       "warning"),
             AlertRule("Any busy", "utilization", "*", ">", 0.9, 5.0, "high"),
             AlertRule("DBs busy", "utilization", "database", ">", 0.9, 5.0, "high")]
    doc.set_collection("alerts", rules, "Set rules")
    doc.delete_items(["web", "db"], [])
    # The id and the link go; "*" and the type name "database" stay.
    assert [r.name for r in doc.model.alerts or []] == ["Any busy", "DBs busy"]
    doc.undo_stack.undo()  # the delete, rules included, is one step
    assert doc.model.alerts == rules
