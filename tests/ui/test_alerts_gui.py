"""The Alerts dock as a user meets it: edit a default rule, run, see the alert fire.

Real runs of a one-server design made to saturate by a scheduled slowdown;
the dock, the node's badge and the chart spans are checked against the run's
summary.json ``alerts``. Screenshots go to the worktree's shots/ folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.model.alerts import DEFAULT_ALERTS
from app.model.dashboards import Dashboard, DashboardChart
from app.model.document import (
    Component,
    Document,
    Fault,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)
from app.ui.alerts.rule_dialog import RuleDialog
from app.ui.run_controller import IDLE

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def saturating_design() -> Document:
    """100 req/s to one single-worker server, 60 % busy; slowed 2.5x from 10 s to 22 s
    and again from 30 s to the end (150 % offered: saturated). No ``alerts`` key."""
    return Document(
        name="Alerting design",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=100.0)),
            Component("web", "web_server", "Web", (260.0, 0.0), concurrency=1, blocking=False,
                      service_time=ServiceTime("exponential", mean_ms=6.0)),
        ],
        links=[Link("users", "web")],
        simulation=SimulationSettings(duration_s=40.0, warmup_s=2.0, seed=7),
        faults=[Fault("slowdown", "web", at_s=10.0, duration_s=12.0, factor=2.5),
                Fault("slowdown", "web", at_s=30.0, factor=2.5)],
    )


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def in_dialog(qtbot, act: Callable[[RuleDialog], None]) -> None:
    """Run ``act`` on the rule dialog once it is open (it runs modally)."""
    def later() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RuleDialog)
        act(dialog)
    QTimer.singleShot(0, later)


def retype(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def run_to_end(window, qtbot) -> None:
    window.scenario_bar.set_speed(None)
    assert window.runner.run()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)


def test_edit_a_default_rule_run_and_see_the_alert(window, qtbot) -> None:
    window.document.reset(saturating_design())
    panel = window.alerts_panel
    rules = panel.rules
    window.alerts_dock.raise_()
    panel.tabs.setCurrentWidget(rules)
    # The defaults are listed, marked "default".
    assert rules.table.rowCount() == len(DEFAULT_ALERTS)
    assert [rules.table.item(r, 6).text() for r in range(3)] == ["default"] * 3
    assert not rules.defaults_button.isEnabled()
    shot(window.alerts_dock, "alerts_rules_defaults.png")

    # Edit "High utilization": a typo first (one clear message, OK refused), then 3 s.
    rules.table.selectRow(0)
    seen: dict[str, object] = {}

    def edit(dialog: RuleDialog) -> None:
        retype(qtbot, dialog.for_edit, "soon")
        seen["problem"] = dialog.problem.text()
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["ok_enabled"] = ok.isEnabled()
        retype(qtbot, dialog.for_edit, "3")
        seen["after"] = dialog.problem.text()
        shot(dialog, "alerts_rule_dialog.png")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    in_dialog(qtbot, edit)
    qtbot.mouseClick(rules.edit_button, Qt.MouseButton.LeftButton)
    assert seen["problem"] == 'For (s): must be a number, got "soon"'
    assert seen["ok_enabled"] is False and seen["after"] == ""
    model = window.document.model
    assert model.alerts is not None and len(model.alerts) == 3  # the defaults materialised
    assert model.alerts[0].for_s == 3.0 and model.alerts[1:] == list(DEFAULT_ALERTS[1:])
    assert rules.table.item(0, 3).text() == "3"
    assert rules.table.item(0, 6).text() == "design"
    # One undo step: back to "no alerts key" (the defaults), and redo again.
    stack = window.document.undo_stack
    assert stack.count() == 1
    window.window_actions.undo.trigger()  # Edit ▸ Undo
    assert model.alerts is None and rules.table.item(0, 3).text() == "120"
    assert rules.table.item(0, 6).text() == "default"
    window.window_actions.redo.trigger()
    assert model.alerts is not None and model.alerts[0].for_s == 3.0

    # Add an end-to-end rule by typing it in.
    def add(dialog: RuleDialog) -> None:
        retype(qtbot, dialog.name_edit, "Slow p99")
        dialog.component_box.setCurrentIndex(dialog.component_box.findData("end_to_end"))
        dialog.metric_box.setCurrentIndex(dialog.metric_box.findText("latency_p99_ms"))
        retype(qtbot, dialog.threshold_edit, "100")
        retype(qtbot, dialog.for_edit, "0")
        dialog.severity_box.setCurrentIndex(dialog.severity_box.findText("critical"))
        retype(qtbot, dialog.clear_edit, "50")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    in_dialog(qtbot, add)
    qtbot.mouseClick(rules.add_button, Qt.MouseButton.LeftButton)
    assert len(model.alerts) == 4 and stack.count() == 2
    added = model.alerts[3]
    assert (added.component, added.metric, added.threshold, added.clear_threshold) == (
        "end_to_end", "latency_p99_ms", 100.0, 50.0)

    run_to_end(window, qtbot)
    summary = window.runner.last_summary
    assert summary is not None
    fired = summary["alerts"]
    web_util = [a for a in fired if (a["name"], a["component"]) == ("High utilization", "web")]
    # Fired after each slowdown began (+ 3 s pending), resolved between them.
    assert len(web_util) == 2
    assert web_util[0]["resolved_at_s"] is not None and web_util[1]["resolved_at_s"] is None
    assert 10.0 < web_util[0]["fired_at_s"] < web_util[0]["resolved_at_s"] < 30.0
    assert any(a["component"] == "end_to_end" for a in fired)
    # The dock lists exactly the summary's alerts (none pending at the end here, or listed).
    entries = panel.board.entries
    listed = sorted((e.name, e.target, e.fired_at_s, e.resolved_at_s, e.peak)
                    for e in entries if e.fired_at_s is not None)
    assert listed == sorted((a["name"], a["component"], a["fired_at_s"], a["resolved_at_s"],
                             a["peak"]) for a in fired)
    table = panel.model
    assert table.rowCount() == len(entries)
    firing_rows = [r for r in range(table.rowCount()) if table.cell_text(r, 0) == "firing"]
    assert firing_rows and firing_rows == list(range(len(firing_rows)))  # firing on top
    assert table.cell_text(0, 1) in ("critical", "high")
    # The node carries a badge naming its alert; the client none.
    web = window.scene.node_item("web")
    assert web.alert_severity == "high"
    assert any(line.startswith("High utilization (high)") for line in web.alerts)
    assert "Alert firing: High utilization" in web.toolTip()
    assert window.scene.node_item("users").alert_severity is None
    # Shaded spans on the charts: every fired period, to the run's end when still firing.
    spans = window.alert_marks.spans.spans
    assert spans and spans[0][0] == min(a["fired_at_s"] for a in fired)
    assert spans[-1][1] == window.runner.snapshots[-1].time_s
    assert len(window.alert_marks.spans.regions(0)) == len(spans)
    window.alerts_dock.raise_()
    panel.tabs.setCurrentIndex(0)
    shot(window, "alerts_window.png")
    window.view.reset_zoom()
    window.view.centerOn(web)
    shot(window.view, "alerts_canvas.png")
    shot(window.alerts_dock, "alerts_dock.png")
    window.charts_dock.raise_()
    shot(window.charts_dock, "alerts_charts.png")

    # A new run starts clean: no rows, no badge, no span.
    window.scenario_bar.set_speed(5.0)
    assert window.runner.run()
    assert panel.board.entries == [] and web.alert_severity is None
    assert window.alert_marks.spans.spans == []
    window.runner.stop()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=30_000)


def test_alerts_turned_off_fire_nothing(window, qtbot) -> None:
    window.document.reset(saturating_design())
    rules = window.alerts_panel.rules
    qtbot.mouseClick(rules.off_button, Qt.MouseButton.LeftButton)
    assert window.document.model.alerts == []
    assert rules.table.rowCount() == 0 and "off" in rules.caption.text()
    run_to_end(window, qtbot)
    assert window.runner.last_summary["alerts"] == []
    assert window.alerts_panel.board.entries == []
    assert window.alerts_panel.caption.text() == "No alert fired in the last run."
    assert window.scene.node_item("web").alert_severity is None
    assert window.alert_marks.spans.spans == []
    # Restore defaults: one undo step back to "no key", and the defaults fire again.
    qtbot.mouseClick(rules.defaults_button, Qt.MouseButton.LeftButton)
    assert window.document.model.alerts is None
    assert rules.table.rowCount() == 3
    window.document.undo_stack.undo()
    assert window.document.model.alerts == []


def test_delete_and_locked_during_a_run(window, qtbot) -> None:
    window.document.reset(saturating_design())
    rules = window.alerts_panel.rules
    rules.table.selectRow(2)
    qtbot.mouseClick(rules.delete_button, Qt.MouseButton.LeftButton)
    assert [r.name for r in window.document.model.alerts] == [r.name for r in DEFAULT_ALERTS[:2]]
    window.document.undo_stack.undo()
    assert window.document.model.alerts is None
    window.scenario_bar.set_speed(2.0)
    assert window.runner.run()
    assert not rules.add_button.isEnabled() and not rules.off_button.isEnabled()
    window.runner.stop()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=30_000)
    assert rules.add_button.isEnabled()


@pytest.mark.parametrize(("field", "text", "message"), [
    ("threshold_edit", "", 'Threshold: must be a number, got ""'),
    ("clear_edit", "0.95", "Clear threshold: must be at most threshold (0.85) for a rule that "
                           "fires above it, got 0.95"),
    ("name_edit", "   ", 'Name: must not be empty: name the rule, e.g. "High latency"'),
])
def test_the_dialog_says_what_is_wrong(window, qtbot, field, text, message) -> None:
    window.document.reset(saturating_design())
    dialog = RuleDialog(window.document.model, DEFAULT_ALERTS[0], "Edit", window)
    qtbot.addWidget(dialog)
    retype(qtbot, getattr(dialog, field), text)
    assert dialog.problem.text() == message
    dialog.show()
    shot(dialog, f"alerts_dialog_{field}.png")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.accept()
    assert dialog.rule is DEFAULT_ALERTS[0]  # refused: the rule is unchanged
    # Links and end to end offer only their own metrics.
    dialog.component_box.setCurrentIndex(dialog.component_box.findData("users->web"))
    metrics = [dialog.metric_box.itemText(i) for i in range(dialog.metric_box.count())]
    assert "calls_rps" in metrics and "memory_utilization" not in metrics


def test_custom_dashboards_carry_the_spans_too(window, qtbot) -> None:
    """A firing period is shaded on a custom dashboard's charts as on the Overview's,
    and still after the dashboards are rebuilt (an edit of them)."""
    design = saturating_design()
    design.alerts = [replace(DEFAULT_ALERTS[0], for_s=3.0)]
    design.dashboards = [Dashboard("Web", (DashboardChart(
        metric="utilization", components=("web",), row=0, col=0),))]
    window.document.reset(design)
    run_to_end(window, qtbot)
    marks = window.alert_marks
    assert marks.spans.spans, "the slowdowns fire High utilization"
    assert len(marks.board_spans) == 1
    assert marks.board_spans[0].spans == marks.spans.spans
    assert len(marks.board_spans[0].regions(0)) == len(marks.spans.spans)
    window.charts_dock.raise_()
    window.chart_tabs.tabs.setCurrentIndex(1)
    shot(window.charts_dock, "alerts_dashboard_spans.png")
    # Renaming the dashboard makes its view anew: the new plot is shaded as well.
    old_view = window.chart_tabs.views[0]
    renamed = Dashboard("Web tier", design.dashboards[0].charts)
    window.document.replace_item("dashboards", 0, renamed, "Rename dashboard")
    assert window.chart_tabs.views[0] is not old_view
    assert marks.board_spans[0].spans == marks.spans.spans
    assert len(marks.board_spans[0].regions(0)) == len(marks.spans.spans)
