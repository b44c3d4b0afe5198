"""The analytic model and the run's analysis in the GUI, used as a user would.

Predictions in the inspector and on the canvas while editing, the analytic
column beside the simulated one after a run, and the Analysis dock.
Screenshots go to the worktree's shots/ folder (never committed).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QLineEdit

from app.model import UNBOUNDED
from app.model.document import (
    AlertRule,
    Component,
    Document,
    Fault,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)
from app.ui.analysis.figures import APPROX
from app.ui.plain_text import tooltip_text
from app.ui.results import (
    ANALYTIC_MEAN_COLUMN,
    ANALYTIC_UTILIZATION_COLUMN,
    COLUMNS,
    OUTSIDE_CI_MARK,
    ResultsPanel,
)
from app.ui.run_controller import IDLE

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def mm1_design(rate_rps: float = 300.0, duration_s: float = 40.0) -> Document:
    """Users -> one single-worker server, 2 ms exponential service: an exact M/M/1."""
    return Document(
        name="M/M/1",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=rate_rps)),
            Component("web", "web_server", "Web", (260.0, 0.0), concurrency=1,
                      blocking=False, queue_capacity=UNBOUNDED,
                      service_time=ServiceTime("exponential", mean_ms=2.0)),
            Component("db", "database", "DB", (520.0, 0.0)),
        ],
        links=[Link("users", "web"), Link("web", "db", probability=0.5)],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=5.0, seed=7),
    )


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _row(table, name: str) -> int:
    for r in range(table.rowCount()):
        if table.item(r, 0).text() == name:
            return r
    raise AssertionError(f"no row {name}")


def test_the_results_show_the_analytic_figure_beside_the_simulated_one(window, qtbot) -> None:
    window.document.reset(mm1_design())
    window.scenario_bar.set_speed(None)
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)
    summary = window.runner.last_summary
    assert summary is not None and {"analytic", "analysis"} <= set(summary)
    table = window.results.table
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert header == list(COLUMNS)
    mean_col = COLUMNS.index("Mean latency (ms)")
    assert mean_col + 2 == ANALYTIC_MEAN_COLUMN  # after the mean and its CI
    assert COLUMNS.index("Utilization") + 1 == ANALYTIC_UTILIZATION_COLUMN
    web = _row(table, "Web")
    # M/M/1 at rho = 0.6: W = 2 / (1 - 0.6) = 5 ms, exact (no prefix), inside the run's CI.
    assert table.item(web, ANALYTIC_MEAN_COLUMN).text() == "5.00"
    assert table.item(web, ANALYTIC_UTILIZATION_COLUMN).text() == "60.0%"
    low, high = summary["components"]["web"]["latency_ms"]["mean_ci95"]
    assert low <= 5.0 <= high
    assert "M/M/c, exact" in table.item(web, ANALYTIC_MEAN_COLUMN).toolTip()
    e2e = _row(table, "End to end")
    assert table.item(e2e, ANALYTIC_MEAN_COLUMN).text() not in ("", "—")
    window.results_dock.raise_()
    table.scrollToItem(table.item(web, ANALYTIC_UTILIZATION_COLUMN))
    shot(window, "analysis_results_window.png")
    wide = ResultsPanel()  # the whole table at once, for the eye
    qtbot.addWidget(wide)
    wide.resize(1900, 200)
    wide.show_summary(summary, {"web": "Web", "db": "DB"})
    shot(wide, "analysis_results_panel.png")


def _summary(analytic_mean: float, exact: bool) -> dict:
    return {
        "simulated_s": 10.0, "warmup_s": 1.0, "seed": 1, "wall_s": 0.1,
        "end_to_end": {"requests": 10, "latency_ms": {"mean": 5.0, "mean_ci95": [4.8, 5.2]}},
        "components": {"s": {"arrivals": 10, "utilization": 0.5,
                             "latency_ms": {"mean": 5.0, "mean_ci95": [4.8, 5.2]}}},
        "analytic": {
            "components": {"s": {"mean_latency_ms": analytic_mean, "utilization": 0.5,
                                 "offered_utilization": 0.5, "exact": exact,
                                 "saturated": False, "model": "M/M/c",
                                 "notes": [] if exact else ["timeouts not modelled"]}},
            "end_to_end": {"mean_latency_ms": 5.0, "exact": exact},
        },
    }


def test_an_exact_analytic_mean_outside_the_ci_is_flagged(qtbot) -> None:
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_summary(_summary(6.0, exact=True), {"s": "S"})
    cell = panel.table.item(1, ANALYTIC_MEAN_COLUMN)
    assert cell.text() == "6.00" + OUTSIDE_CI_MARK
    assert "outside the run's 95 % confidence interval" in cell.toolTip()
    # Approximate: the same distance is what the notes explain, not a flag.
    panel.show_summary(_summary(6.0, exact=False), {"s": "S"})
    cell = panel.table.item(1, ANALYTIC_MEAN_COLUMN)
    assert cell.text() == APPROX + "6.00"
    assert "timeouts not modelled" in cell.toolTip()
    # Exact and inside: plain.
    panel.show_summary(_summary(5.1, exact=True), {"s": "S"})
    assert panel.table.item(1, ANALYTIC_MEAN_COLUMN).text() == "5.10"


def _field(window, name: str) -> QLineEdit:
    widget = window.inspector.findChild(QLineEdit, f"field_{name}")
    assert widget is not None, name
    return widget


def _type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _settled(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.predictions.busy, timeout=10_000)


def test_editing_shows_predictions_and_warns_on_saturation(window, qtbot) -> None:
    window.document.reset(mm1_design())
    _settled(window, qtbot)
    window.scene.select_components(["web"])
    label = window.inspector.findChild(QLabel, "inspectorPrediction")
    assert label is not None and label.isVisibleTo(window.inspector)
    # M/M/1 at rho = 0.6: exact figures, no mark on the node.
    assert label.text() == "Predicted: ρ = 60.0%, mean latency 5.00 ms, mean queue 0.90"
    assert "M/M/c, exact" in tooltip_text(label.toolTip())
    web = window.scene.node_item("web")
    assert web.prediction is None
    assert "saturates at 500.0 req/s" in window.analysis_panel.headline.text()
    # Slower service: rho = 300/s x 2.9 ms = 0.87, busy (amber mark).
    _type_into(qtbot, _field(window, "service_time.mean_ms"), "2.9")
    _settled(window, qtbot)
    assert web.prediction is not None and web.prediction[:2] == ("busy", "ρ 87%")
    # And 4 ms: rho = 1.2, saturated: the red plate and the inspector say so.
    _type_into(qtbot, _field(window, "service_time.mean_ms"), "4")
    _settled(window, qtbot)
    assert window.document.model.component("web").service_time.mean_ms == 4.0
    assert web.prediction is not None and web.prediction[:2] == ("saturated", "ρ 120%")
    assert "Predicted saturated" in tooltip_text(web.toolTip())
    assert label.text().startswith("Predicted: saturated, ρ ≈ 120.0%")
    window.resize(1440, 900)
    window.view.reset_zoom()
    window.view.centerOn(web)
    shot(window, "analysis_saturated_edit.png")
    shot(window.view, "analysis_saturated_canvas.png")
    # Undo brings the busy mark back; a design with a problem has no predictions.
    window.document.undo_stack.undo()
    _settled(window, qtbot)
    assert web.prediction is not None and web.prediction[0] == "busy"
    _type_into(qtbot, _field(window, "replicas"), "0")  # refused while typing: no edit
    window.scene.select_components(["users"])
    assert not label.isVisibleTo(window.inspector)  # a client has no queue to predict


def slowed_design() -> Document:
    """The M/M/1 at rho = 0.5, slowed 1.7x from 40 s to 50 s (its p99 and queue jump),
    with an end-to-end p99 target of 150 ms (the p99 forecast's target)."""
    doc = mm1_design(rate_rps=250.0, duration_s=60.0)
    doc.faults = [Fault("slowdown", "web", at_s=40.0, duration_s=10.0, factor=1.7)]
    doc.alerts = [AlertRule("p99 target", "latency_p99_ms", "end_to_end", ">", 150.0, 5.0,
                            "high")]
    return doc


def test_the_analysis_dock_lists_the_run_and_points_at_the_charts(window, qtbot) -> None:
    window.document.reset(slowed_design())
    window.scenario_bar.set_speed(None)
    _settled(window, qtbot)
    panel = window.analysis_panel
    assert window.findChild(QDockWidget, "analysis") is window.analysis_dock
    # Before any run: the model's headline (250/s of a 500/s capacity).
    assert panel.headline.text().startswith("Queueing model: offered 250.0 req/s; "
                                            "saturates at 500.0 req/s (2.00× today), first Web")
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)
    analysis = window.runner.last_summary["analysis"]
    anomalies = analysis["anomalies"]
    # The slowdown stands out: flagged on the web server between 40 s and 50 s.
    assert any(a["component"] == "web" and 40.0 < a["time_s"] <= 51.0 for a in anomalies)
    assert panel.anomalies.rowCount() == len(anomalies)
    assert panel.tabs.tabText(0) == f"Anomalies ({len(anomalies)})"
    assert panel.forecasts.rowCount() == len(analysis["forecasts"]) >= 1
    assert panel.forecasts.item(0, 2).text().startswith("p99 passes 150.00 ms at ")
    trends = [panel.trends.item(r, 4).text() for r in range(panel.trends.rowCount())]
    assert trends == sorted(trends, key=lambda t: t != "yes")  # significant first
    assert window.analysis.markers.count == len({round(a["time_s"], 3) for a in anomalies})
    window.analysis_dock.raise_()
    window.resize(1440, 900)
    shot(window, "analysis_dock.png")
    # Selecting an anomaly (as a click would) puts the charts' crosshair at its time.
    row = next(r for r, a in enumerate(anomalies) if a["component"] == "web")
    panel.tabs.setCurrentIndex(0)
    rect = panel.anomalies.visualItemRect(panel.anomalies.item(row, 1))
    qtbot.mouseClick(panel.anomalies.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.charts.crosshair.x == anomalies[row]["time_s"]
    assert window.charts.crosshair.line_x(window.charts.plots[0]) == anomalies[row]["time_s"]
    shot(window, "analysis_anomaly_on_charts.png")
