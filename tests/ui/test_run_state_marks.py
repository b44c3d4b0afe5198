"""The run's state on the canvas (crashed and degraded nodes, open breakers and cut
links, real link figures), event markers, and live actions turned into faults."""

from __future__ import annotations

from types import MappingProxyType

from app.engine.events import RunEvent
from app.engine.snapshot import LinkMetrics, Snapshot, WindowMetrics
from app.model.document import Fault
from app.ui.chart_markers import MAX_EVENT_MARKERS, marker_group
from app.ui.events.scenario import faults_from_live_events
from tests.ui.helpers import small_design


def _snapshot(components: dict[str, WindowMetrics], links: dict[str, LinkMetrics],
              events: tuple[RunEvent, ...] = ()) -> Snapshot:
    return Snapshot.build(5.0, 1.0, 0.5, WindowMetrics(), components, links=links,
                          events=events)


def _event(t: float, kind: str, target: str, **detail) -> RunEvent:
    return RunEvent(t, kind, target, MappingProxyType(detail))


def test_nodes_and_links_show_the_run_state_then_forget_it(window, tmp_path) -> None:
    window.document.reset(small_design())
    scene = window.scene
    scene.set_live(_snapshot(
        {"web": WindowMetrics(replicas=2, replicas_up=0),
         "cache": WindowMetrics(replicas=4, replicas_up=3),
         "db": WindowMetrics(replicas=1, replicas_up=1)},
        {"lb->web": LinkMetrics(calls=400, failed=100, calls_rps=400.0, breaker="open"),
         "web->cache": LinkMetrics(calls=10, calls_rps=10.0, partitioned=True),
         "cache->db": LinkMetrics(calls=50, failed=80, calls_rps=50.0, breaker="half_open")}))
    web, cache, db = (scene.node_item(c) for c in ("web", "cache", "db"))
    assert (web.run_state, web.replicas_text) == ("crashed", "0/2 up")
    assert (cache.run_state, cache.replicas_text) == ("degraded", "3/4 up")
    assert (db.run_state, db.replicas_text) == (None, "×1")
    lb_web = scene.link_item(("lb", "web"))
    assert lb_web.run_state == "open"
    assert lb_web.label_text.endswith("400/s\n25% failed")  # measured, no "≈"
    assert scene.link_item(("web", "cache")).run_state == "cut"
    assert scene.link_item(("cache", "db")).run_state == "half_open"
    # Calls sent in earlier windows failing now (a queue flushed by a crash): at most 100 %.
    assert scene.link_item(("cache", "db")).label_text.endswith("50/s\n100% failed")
    assert scene.link_item(("users", "lb")).label_text == "10 ms"  # no figures reported
    window.grab().save(str(tmp_path / "marks.png"))  # the badges paint without error
    scene.clear_live()
    assert all(n.run_state is None for n in scene.node_items())
    assert all(lk.run_state is None for lk in scene.link_items())
    assert web.replicas_text == "×2"  # the design's count again


def test_event_markers_are_coloured_deduplicated_and_capped(window) -> None:
    charts = window.charts
    charts.start_run([("web", "Web")], 10)
    crashes = tuple(_event(2.0, "crash", "web", replica=i, source="fault") for i in range(3))
    charts.append([_snapshot({}, {}, (*crashes, _event(4.0, "recover", "web")))])
    charts.redraw()
    assert charts.markers.count == 2  # three replicas crashing at once: one line
    assert charts.markers.times("fault") == [2.0] and charts.markers.times("recovery") == [4.0]
    many = tuple(_event(5 + i / 1000, "scale_up", "web") for i in range(2 * MAX_EVENT_MARKERS))
    charts.append([_snapshot({}, {}, many)])
    assert charts.markers.count == MAX_EVENT_MARKERS
    assert charts.markers.dropped == 2 * MAX_EVENT_MARKERS - (MAX_EVENT_MARKERS - 2)
    assert [marker_group(k) for k in ("partition", "slowdown_end", "breaker_half_open")] == [
        "fault", "recovery", "degraded"]
    charts.finish_run()


def test_alert_state_changes_are_not_event_markers(window) -> None:
    """Firing alerts are shaded spans (app/ui/alerts/spans.py); as markers, a rule going
    pending and back every few windows drew a forest of "scaling" lines over a steady run."""
    charts = window.charts
    charts.start_run([("web", "Web")], 10)
    kinds = ("alert_pending", "alert_inactive", "alert_firing", "alert_resolved")
    charts.append([_snapshot({}, {}, tuple(
        _event(1.0 + i, kind, "web") for i, kind in enumerate(kinds)))])
    charts.append([_snapshot({}, {}, (_event(6.0, "crash", "web", replica=0),))])
    charts.redraw()
    assert charts.markers.count == 1 and charts.markers.times("fault") == [6.0]
    assert charts.markers.dropped == 0
    charts.finish_run()


def test_live_events_become_scheduled_faults() -> None:
    live = {"source": "live"}
    events = [
        _event(3.0, "crash", "web", replica=0, **live),
        _event(3.0, "crash", "web", replica=1, **live),
        _event(4.0, "crash", "db", replica=0, source="fault"),  # scheduled: not live
        _event(5.0, "slowdown", "db", factor=3.0, **live),
        _event(6.5, "recover", "web", replica=0, **live),
        _event(6.5, "recover", "web", replica=1, **live),
        _event(7.0, "slowdown_end", "db", **live),
        _event(8.0, "crash", "cache", replica=0, **live),
        _event(9.0, "partition", "web->cache", **live),
        _event(9.5, "latency", "lb->web", add_ms=200.0, **live),
    ]
    faults = faults_from_live_events(events, {"web": 2, "cache": 3, "db": 1})
    assert faults == [
        Fault("crash", "web", 3.0, 3.5),
        Fault("slowdown", "db", 5.0, 2.0, factor=3.0),
        Fault("crash", "cache", 8.0, None, replicas=1),  # one of three, never recovered
        Fault("partition", "web->cache", 9.0, None),
        Fault("latency", "lb->web", 9.5, None, add_ms=200.0),
    ]


def test_an_event_row_tooltip_shows_the_whole_row_as_plain_text(qtbot) -> None:
    from PySide6.QtCore import Qt

    from app.ui.events.panel import EventTableModel

    model = EventTableModel()
    model.names = {"a": "<b>API</b>", "b": "DB"}
    model.extend([_event(2.5, "crash", "a->b", reason="<i>gone</i>", source="live")])
    tip = model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    # Everything the row holds, escaped: no markup from a name or a reason is rendered.
    assert "2.500 s" in tip and "&lt;b&gt;API&lt;/b&gt; → DB" in tip
    assert "&lt;i&gt;gone&lt;/i&gt;" in tip and "<b>" not in tip and "<i>" not in tip
