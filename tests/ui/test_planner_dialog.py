"""The capacity planner dialog, used as a user would: type targets, plan, apply, undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from app.model.document import (
    AlertRule,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _design(duration_s: float = 10.0, *, alerts: list[AlertRule] | None = None) -> Document:
    """Users (100 req/s) -> an exponential 10 ms API -> an exponential 4 ms database."""
    def station(cid: str, ms: float) -> Component:
        return Component(id=cid, type="microservice", concurrency=1, blocking=False,
                         queue_capacity=None, position=(250.0 * len(cid), 0.0),
                         service_time=ServiceTime("exponential", mean_ms=ms))
    return Document(
        name="planner",
        components=[Component(id="users", type="client", position=(0.0, 0.0),
                              workload=Workload(pattern="poisson", rate_rps=100.0)),
                    station("api", 10.0), station("db", 4.0)],
        links=[Link("users", "api"), Link("api", "db")],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=1.0, seed=4),
        alerts=alerts)


def _type(qtbot, box: QAbstractSpinBox, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    box.interpretText()


def _open(window, qtbot):  # type: ignore[no-untyped-def]
    window.plan_action.trigger()
    dialog = window.planner_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_plan_apply_and_undo_as_a_user(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.document.reset(_design())
    assert window.document.undo_stack.count() == 0
    dialog = _open(window, qtbot)
    assert dialog.rps.value() == 100.0  # today's offered load
    assert dialog.p99.value() == 100.0 and "default" in dialog.source.text()
    _type(qtbot, dialog.rps, "600")
    _type(qtbot, dialog.p99, "80")
    qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.isEnabled() and not dialog.plan_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=60_000)
    rows = {dialog.table.item(r, 0).text(): [dialog.table.item(r, c).text() for c in range(5)]
            for r in range(2)}
    # M/M/1 per replica: api needs ln(100) / (100 - 600/k) s <= ~what the db leaves.
    assert rows["api"][1] == "1" and int(rows["api"][2].split()[0]) > 6
    assert rows["db"][1] == "1" and int(rows["db"][2].split()[0]) >= 3
    assert all(float(cell) > 0 for row in rows.values() for cell in row[3:])
    assert "Target met." in dialog.summary.text() and dialog.progress.value() == 1000
    planned = dialog.plan.replicas
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "planner_dialog.png"))

    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    model = window.document.model
    assert {c.id: c.replicas for c in model.components if c.id in planned} == planned
    assert window.document.undo_stack.count() == 1  # one undo step for every tier
    assert not dialog.apply_button.isEnabled()
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [c.replicas for c in window.document.model.components] == [None, None, None]


def test_cancel_stops_the_planner(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.document.reset(_design(duration_s=3600.0))  # confirming runs of 60 s at 50k req/s
    dialog = _open(window, qtbot)
    _type(qtbot, dialog.rps, "16000")
    _type(qtbot, dialog.p99, "200")
    qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Simulating" in dialog.status.text(), timeout=30_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text() == "Cancelled.", timeout=10_000)
    assert not dialog.job.running and dialog.plan_button.isEnabled()
    assert dialog.table.rowCount() == 0 and not dialog.apply_button.isEnabled()
    assert window.document.undo_stack.count() == 0


def test_the_p99_comes_from_the_designs_rule(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    rule = AlertRule(name="slow", metric="latency_p99_ms", component="end_to_end", op=">",
                     threshold=250.0, for_s=30.0, severity="high")
    window.document.reset(_design(alerts=[rule]))
    dialog = _open(window, qtbot)
    assert dialog.p99.value() == 250.0 and "alert rule" in dialog.source.text()
    # A target below the floor: the plan says so and offers nothing to apply.
    _type(qtbot, dialog.p99, "20")
    assert dialog.source.text() == "your target"  # no longer the rule's
    qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=60_000)
    assert "Target NOT met." in dialog.summary.text()
    assert "unreachable" in dialog.notes.toPlainText()
    assert not dialog.apply_button.isEnabled()
    dialog.grab().save(str(SHOTS / "planner_dialog_unreachable.png"))
