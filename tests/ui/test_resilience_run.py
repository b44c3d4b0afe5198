"""Failures during a live run, as a user: faults from the canvas's context menu, the
run's state on nodes and links, events on the charts and in the Events dock, and
"Add to scheduled faults" (issue #9's GUI acceptance)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGraphicsItem,
    QGroupBox,
    QLineEdit,
    QMenu,
)

from app.engine.simulation import SLICES_PER_WINDOW
from app.model.document import CircuitBreaker, Fault
from app.ui.run_controller import IDLE, PAUSED
from tests.ui.helpers import small_design


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _wait_idle(window, qtbot, timeout: int = 120_000) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=timeout)


def context_menu(window, item: QGraphicsItem, at: QPointF | None = None) -> QMenu:
    """Right-click ``item`` on the canvas (at scene point ``at``) and return the menu shown."""
    view = window.view
    pos = view.mapFromScene(at if at is not None else item.sceneBoundingRect().center())
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                              view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    menu = view.context_menu
    assert menu is not None and menu.isVisible()
    return menu


def choose(menu: QMenu, name: str) -> None:
    """Click a menu entry (it must be enabled), then the menu closes as after a click."""
    action = menu.findChild(QAction, name)
    assert action is not None and action.isEnabled(), name
    action.trigger()
    menu.close()


def _live(window, kind: str, target: str) -> list:
    return [e for e in window.runner.run_events
            if e.kind == kind and e.target == target and e.detail.get("source") == "live"]


def test_retry_storm_crash_and_recover_a_node_mid_run(window, qtbot) -> None:
    window.files.ask_template = lambda: "retry_storm"
    _action(window, "actionNew").trigger()
    doc = window.document
    assert doc.model.name == "Retry storm" and len(doc.model.faults) == 2
    # A breaker on the naive path too, added in the inspector as a user does.
    link = doc.find_link(("orders_naive", "db_naive"))
    assert link is not None and link.circuit_breaker is None
    window.scene.clearSelection()
    window.scene.link_item(("orders_naive", "db_naive")).setSelected(True)
    box = window.inspector.findChild(QGroupBox, "section_circuit_breaker")
    assert box is not None and not box.isChecked()
    box.setChecked(True)  # the section title's check box
    field = window.inspector.findChild(QLineEdit, "field_circuit_breaker.open_s")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "2")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert doc.find_link(("orders_naive", "db_naive")).circuit_breaker == CircuitBreaker(
        open_s=2.0)
    edits = doc.undo_stack.count()
    db = window.scene.node_item("db_naive")
    # Before a run the live actions are offered but disabled.
    idle_menu = context_menu(window, db)
    assert not idle_menu.findChild(QAction, "liveCrash").isEnabled()
    idle_menu.close()

    window.scenario_bar.set_speed(10.0)
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 8, timeout=60_000)
    choose(context_menu(window, db), "liveCrash")
    qtbot.waitUntil(lambda: db.run_state == "crashed", timeout=30_000)
    assert db.replicas_text == "0/1 up"
    assert window.runner.state != IDLE  # seen during the run, not after it
    choose(context_menu(window, db), "liveRecover")
    qtbot.waitUntil(lambda: bool(_live(window, "recover", "db_naive")) and db.run_state is None,
                    timeout=30_000)
    assert db.replicas_text == "×1"
    _wait_idle(window, qtbot)

    (crash,) = _live(window, "crash", "db_naive")
    (recover,) = _live(window, "recover", "db_naive")
    # Simulated times: the crash was sent once 8 windows were on the charts, so it
    # cannot come before 8 s; recovery follows it, within the run.
    assert 8.0 <= crash.time_s < recover.time_s <= doc.model.simulation.duration_s
    assert doc.undo_stack.count() == edits  # live actions are run actions, not edits
    assert db.run_state is None  # the run ended: the canvas shows its summary
    # The events on the charts...
    charts = window.charts
    assert charts.markers.count > 0
    assert any(abs(t - crash.time_s) < 1e-6 for t in charts.markers.times("fault"))
    assert any(abs(t - recover.time_s) < 1e-6 for t in charts.markers.times("recovery"))
    # ... and in the Events dock.
    assert window.findChild(QDockWidget, "events") is window.events_dock
    table = window.events_panel.model
    rows = [(table.data(table.index(r, 1)), table.data(table.index(r, 2)))
            for r in range(table.rowCount())]
    assert ("crash", "DB (naive)") in rows and ("recovered", "DB (naive)") in rows
    assert table.rowCount() == len(window.runner.run_events)
    # Keep the live actions as a replayable scenario: one undo step.
    assert window.live.add_action.isEnabled() and window.events_panel.add_button.isEnabled()
    window.events_panel.add_button.click()
    expected = Fault("crash", "db_naive", round(crash.time_s, 3),
                     round(recover.time_s - crash.time_s, 3))
    assert doc.model.faults[2:] == [expected]
    assert doc.undo_stack.count() == edits + 1
    assert not window.events_panel.add_button.isEnabled()  # once per run
    doc.undo_stack.undo()
    assert len(doc.model.faults) == 2


def test_stop_lands_within_one_slice_of_the_simulated_time_it_was_pressed(
    window, qtbot
) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(5.0)
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 3, timeout=30_000)
    _action(window, "actionPause").trigger()
    assert window.runner.state == PAUSED
    # While paused, a live crash lands at the simulated time the run is held at:
    # the clock against which Stop is measured (simulated time, not wall time).
    choose(context_menu(window, window.scene.node_item("cache")), "liveCrash")
    qtbot.wait(300)  # the engine wakes on the action; give it the moment it needs
    _action(window, "actionStop").trigger()
    _wait_idle(window, qtbot)
    (crash,) = _live(window, "crash", "cache")
    summary = window.runner.last_summary
    assert summary is not None
    slice_s = window.document.model.simulation.window_s / SLICES_PER_WINDOW
    assert 0.0 <= summary["simulated_s"] - crash.time_s <= slice_s + 1e-9
    assert window.runner.snapshots[-1].time_s == summary["simulated_s"] < 600


def test_partition_heal_and_timed_faults_from_the_menus(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    asked: list[str] = []

    def answer(_parent, title, amounts):
        asked.append(title)
        return [3.0, 2.0] if title == "Slow down" else [250.0, 2.0]

    window.live.ask_amounts = answer
    window.scenario_bar.set_speed(10.0)
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 2, timeout=30_000)
    link = window.scene.link_item(("web", "cache"))
    middle = (link.source.pos() + link.target.pos()) / 2
    choose(context_menu(window, link, middle), "livePartition")
    qtbot.waitUntil(lambda: link.run_state == "cut", timeout=30_000)
    choose(context_menu(window, link, middle), "liveHeal")
    qtbot.waitUntil(lambda: link.run_state is None, timeout=30_000)
    choose(context_menu(window, link, middle), "liveLatency")
    choose(context_menu(window, window.scene.node_item("db")), "liveSlowdown")
    assert asked == ["Add latency", "Slow down"]
    qtbot.waitUntil(lambda: bool(_live(window, "slowdown_end", "db")), timeout=30_000)
    _action(window, "actionStop").trigger()
    _wait_idle(window, qtbot)
    (slow,) = _live(window, "slowdown", "db")
    (slow_end,) = _live(window, "slowdown_end", "db")
    assert slow.detail["factor"] == 3.0
    assert abs(slow_end.time_s - slow.time_s - 2.0) < 1e-6
    (latency,) = _live(window, "latency", "web->cache")
    assert latency.detail["add_ms"] == 250.0
    faults = window.live.live_faults()
    assert [(f.kind, f.target) for f in faults] == [
        ("partition", "web->cache"), ("latency", "web->cache"), ("slowdown", "db")]
    assert faults[1].add_ms == 250.0 and faults[1].duration_s == 2.0
    assert faults[2].factor == 3.0 and faults[2].duration_s == 2.0
