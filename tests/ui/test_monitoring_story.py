"""Issue #10's acceptance story, walked as a user in one main window.

Open a design whose web server is offered more than it can serve, lower the
default utilization rule's ``for_s`` in the rule dialog, run to the end, see
the alert fire in the Alerts dock and as a badge on the node, read the
analytic column beside the simulated one in the Results, plan capacity from
the Run menu, apply the plan and undo it with Ctrl+Z. Real runs, a real
planner process, a real file. The per-part tests (test_alerts_gui,
test_analysis_gui, test_planner_dialog) test each piece in depth; this one
checks that they hold together. Screenshots go to shots/ (never committed).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QDockWidget, QMenu

from app.model import UNBOUNDED
from app.model.alerts import DEFAULT_ALERTS
from app.model.document import (
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)
from app.ui.alerts.rule_dialog import RuleDialog
from app.ui.analysis.figures import APPROX, SATURATED_TEXT
from app.ui.results import ANALYTIC_MEAN_COLUMN, ANALYTIC_UTILIZATION_COLUMN, COLUMNS
from app.ui.run_controller import IDLE
from tests.ui.helpers import design_file
from tests.ui.test_alerts_gui import in_dialog, retype, shot

#: The web server's offered utilization: 100 req/s x 12 ms on one worker.
WEB_RHO = 1.2


def overloaded_design() -> Document:
    """100 req/s to a single-worker web server needing 12 ms each (rho 1.2: saturated),
    which calls a single-worker database needing 4 ms (rho 0.4 offered); unbounded
    queues, so the web server's queue only grows (M/M/1: no steady state). 15 s run,
    1 s windows, no ``alerts`` key: the seed's default rules apply."""
    def station(cid: str, kind: str, name: str, x: float, ms: float) -> Component:
        return Component(cid, kind, name, (x, 0.0), concurrency=1, blocking=False,
                         queue_capacity=UNBOUNDED,
                         service_time=ServiceTime("exponential", mean_ms=ms))
    return Document(
        name="Overloaded web",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=100.0)),
            station("web", "web_server", "Web", 260.0, 12.0),
            station("db", "database", "DB", 520.0, 4.0),
        ],
        links=[Link("users", "web"), Link("web", "db")],
        simulation=SimulationSettings(duration_s=15.0, warmup_s=1.0, seed=11),
    )


def _row(table, name: str) -> int:  # type: ignore[no-untyped-def]
    rows = [r for r in range(table.rowCount()) if table.item(r, 0).text() == name]
    assert rows, f"no row {name!r} in the results"
    return rows[0]


def _run_menu_action(window, name: str):  # type: ignore[no-untyped-def]
    """The Run menu's action whose text is ``name`` (as a user reads the menu)."""
    menus = [m for m in window.menuBar().findChildren(QMenu)
             if m.title().replace("&", "") == "Run"]
    assert menus, "no Run menu"
    for action in menus[0].actions():
        if action.text().replace("&", "") == name:
            return action
    raise AssertionError(f"no {name!r} in the Run menu")


def test_monitoring_story(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.resize(1440, 900)
    # -- Open the design from a file (File > Open, the file dialog answered).
    path = design_file(tmp_path, overloaded_design(), "overloaded.sdsim")
    window.files.ask_open_path = lambda: path  # type: ignore[method-assign]
    qtbot.keyClick(window.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    model = window.document.model
    assert model.name == "Overloaded web" and model.alerts is None
    assert window.errors == []

    # -- The Alerts dock's Rules tab shows the defaults; edit "High utilization".
    assert window.findChild(QDockWidget, "alerts") is window.alerts_dock
    panel = window.alerts_panel
    rules = panel.rules
    window.alerts_dock.raise_()
    panel.tabs.setCurrentWidget(rules)
    assert rules.table.rowCount() == len(DEFAULT_ALERTS)
    assert rules.table.item(0, 0).text() == "High utilization"
    assert rules.table.item(0, 3).text() == "120"  # far longer than the 15 s run
    rules.table.selectRow(0)
    seen: dict[str, str] = {}

    def lower_for_s(dialog: RuleDialog) -> None:
        seen["name"] = dialog.name_edit.text()
        retype(qtbot, dialog.for_edit, "3")
        seen["problem"] = dialog.problem.text()
        shot(dialog, "story_rule_dialog.png")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    in_dialog(qtbot, lower_for_s)
    qtbot.mouseClick(rules.edit_button, Qt.MouseButton.LeftButton)
    assert seen == {"name": "High utilization", "problem": ""}
    model = window.document.model
    assert model.alerts is not None and model.alerts[0].for_s == 3.0
    assert model.alerts[1:] == list(DEFAULT_ALERTS[1:])
    assert rules.table.item(0, 3).text() == "3" and rules.table.item(0, 6).text() == "design"
    edits_before_run = window.document.undo_stack.count()
    assert edits_before_run == 1

    # -- Run to the end (Speed "As fast as possible", F5): the web server saturates,
    # the rule fires 3 s after it first holds.
    speed = window.scenario_bar.speed
    speed.setCurrentIndex(speed.findData(None))
    assert window.runner.speed is None
    window.activateWindow()  # back from the modal rule dialog
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    assert window.runner.state != IDLE, "F5 did not start the run"
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)
    summary = window.runner.last_summary
    assert summary is not None
    web_sim = summary["components"]["web"]
    assert web_sim["utilization"] > 0.95  # offered 120 %: busy all the time
    fired = [a for a in summary["alerts"] if (a["name"], a["component"]) == (
        "High utilization", "web")]
    assert len(fired) == 1
    alert = fired[0]
    # Pending from the first window close over 0.85 (the 1 s window at the earliest),
    # firing 3 s later; never resolved, and its peak is the busiest window.
    assert 4.0 <= alert["fired_at_s"] <= 8.0 and alert["resolved_at_s"] is None
    assert alert["severity"] == "high" and 0.95 < alert["peak"] <= 1.0
    assert not any(a["component"] in ("db", "users") and a["name"] == "High utilization"
                   for a in summary["alerts"])

    # -- The Alerts dock lists it as firing, on top.
    window.alerts_dock.raise_()
    panel.tabs.setCurrentIndex(0)
    table = panel.model
    firing = [r for r in range(table.rowCount()) if table.cell_text(r, 0) == "firing"]
    assert firing and firing[0] == 0
    entry = next(e for e in panel.board.entries
                 if (e.name, e.target) == ("High utilization", "web"))
    assert (entry.state, entry.fired_at_s, entry.resolved_at_s) == (
        "firing", alert["fired_at_s"], None)
    assert entry.since_s is not None and entry.fired_at_s == entry.since_s + 3.0  # for_s
    assert table.cell_text(0, 2) == "High utilization" and table.cell_text(0, 3) == "Web"
    assert len(panel.board.entries) == table.rowCount()
    # -- The node carries a badge; the database and the client do not.
    web = window.scene.node_item("web")
    assert web.alert_severity == "high"
    assert "Alert firing: High utilization" in web.toolTip()
    assert window.scene.node_item("db").alert_severity is None
    assert window.scene.node_item("users").alert_severity is None
    shot(window, "story_alert_fired.png")
    shot(window.alerts_dock, "story_alerts_dock.png")
    window.view.reset_zoom()
    window.view.centerOn(web)
    shot(window.view, "story_badge.png")

    # -- Results: the analytic figures beside the simulated ones.
    results = window.results.table
    header = [results.horizontalHeaderItem(c).text() for c in range(results.columnCount())]
    assert header == list(COLUMNS)
    assert COLUMNS.index("Mean latency (ms)") + 2 == ANALYTIC_MEAN_COLUMN  # after mean, CI
    assert COLUMNS.index("Utilization") + 1 == ANALYTIC_UTILIZATION_COLUMN
    web_row = _row(results, "Web")
    # The model says the web server cannot keep up (offered rho 120 %): no finite mean.
    assert results.item(web_row, ANALYTIC_MEAN_COLUMN).text() == SATURATED_TEXT
    assert "120.0%" in results.item(web_row, ANALYTIC_UTILIZATION_COLUMN).text()
    # The database: an M/M/1 at the offered 100 req/s x 4 ms = 40 %, W = 4 / 0.6 ms,
    # approximate (the saturated web server upstream lets fewer through), and says why.
    db_row = _row(results, "DB")
    db_analytic = results.item(db_row, ANALYTIC_MEAN_COLUMN)
    assert db_analytic.text() == f"{APPROX}{4.0 / 0.6:.2f}"
    assert "saturated upstream" in db_analytic.toolTip()
    assert results.item(db_row, ANALYTIC_UTILIZATION_COLUMN).text().endswith("40.0%")
    # Beside it, the simulated figure: what the saturated web server lets through.
    util_col = COLUMNS.index("Utilization")
    assert results.item(db_row, util_col).text().endswith("%")
    assert float(results.item(db_row, util_col).text().rstrip("%")) < 40.0
    window.results_dock.raise_()
    results.scrollToItem(results.item(db_row, ANALYTIC_UTILIZATION_COLUMN))
    shot(window, "story_results.png")

    # -- Run > Plan capacity…: plan for today's load and a 100 ms p99, then Apply.
    _run_menu_action(window, "Plan capacity…").trigger()
    dialog = window.planner_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.rps.value() == 100.0  # today's offered load
    assert dialog.p99.value() == 100.0
    qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.plan is not None or "Could not" in dialog.status.text(),
                    timeout=90_000)
    plan = dialog.plan
    assert plan is not None, dialog.status.text()
    assert plan.met and plan.confirmed, dialog.notes.toPlainText()
    # The plan's p99 is simulated latency (a seeded run), not wall-clock time: it meets
    # the 100 ms target whatever the machine's load.
    assert plan.simulated_p99_ms is not None and plan.simulated_p99_ms <= 100.0
    # The saturated web server needs more replicas; the table says how many.
    assert plan.replicas.get("web", 1) >= 2
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 2).text()
            for r in range(dialog.table.rowCount())}
    assert rows["web"].startswith(f"{plan.replicas['web']} (+")
    assert "Target met." in dialog.summary.text()
    shot(dialog, "story_planner.png")

    before = {c.id: c.replicas for c in window.document.model.components}
    assert window.scene.node_item("web").prediction[0] == "saturated"  # the canvas warns
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    after = {c.id: c.replicas for c in window.document.model.components}
    assert {cid: after[cid] for cid in plan.replicas} == plan.replicas
    assert after != before
    assert window.document.undo_stack.count() == edits_before_run + 1  # one step
    assert window.document.model.alerts[0].for_s == 3.0  # the rule edit is still there
    # The predictions follow the edit: three web replicas at 40 % each, no saturation mark.
    web_item = window.scene.node_item("web")
    qtbot.waitUntil(lambda: not window.predictions.busy and web_item.prediction is None,
                    timeout=10_000)
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    shot(window, "story_applied.png")

    # -- Ctrl+Z restores every tier's replicas; the rule edit stays.
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {c.id: c.replicas for c in window.document.model.components} == before
    assert window.document.model.alerts[0].for_s == 3.0
    assert window.document.undo_stack.count() == edits_before_run + 1  # redo still possible
    assert window.document.undo_stack.index() == edits_before_run
    qtbot.waitUntil(lambda: not window.predictions.busy and web_item.prediction is not None,
                    timeout=10_000)
    assert web_item.prediction[0] == "saturated"
