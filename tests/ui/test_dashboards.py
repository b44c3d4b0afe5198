"""Custom dashboards, the shared crosshair, as a user: click, type, run, save, reopen, undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.model.dashboards import Dashboard, DashboardChart
from app.ui.run_controller import IDLE
from tests.ui.helpers import small_design

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _wait_idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=20_000)


def _ok(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _make_dashboard(window, qtbot) -> None:
    """New dashboard "Tiers" with one chart: p99 latency of Web and DB."""
    tabs = window.chart_tabs
    qtbot.mouseClick(tabs.new_button, Qt.MouseButton.LeftButton)
    dialog = tabs.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Tiers")
    _ok(qtbot, dialog)
    assert tabs.tabs.tabText(1) == "Tiers" and tabs.tabs.currentIndex() == 1
    qtbot.mouseClick(tabs.add_chart_button, Qt.MouseButton.LeftButton)
    chart_dialog = tabs.dialog
    assert chart_dialog is not None
    _ok(qtbot, chart_dialog)  # nothing ticked: the dialog says so and stays open
    assert "at least one component" in chart_dialog.problem.text()
    assert chart_dialog.isVisible()
    chart_dialog.set_metric("latency_p99_ms")
    chart_dialog.check_components(["web", "db"])
    qtbot.keyClicks(chart_dialog.title_edit, "Tail latency")
    _ok(qtbot, chart_dialog)
    assert tabs.dialog is None


def test_a_dashboard_is_made_run_saved_reopened_and_undone(window, qtbot, tmp_path) -> None:
    window.document.reset(small_design(rate_rps=150, duration_s=12))
    window.scenario_bar.set_speed(None)
    _make_dashboard(window, qtbot)
    assert window.document.model.dashboards == [Dashboard("Tiers", (
        DashboardChart("Tail latency", "latency_p99_ms", ("web", "db"), 0, 0),))]
    window.runner.run()
    _wait_idle(window, qtbot)
    view = window.chart_tabs.views[0]
    x, web = view.curve_data(0, "web")
    _x, db = view.curve_data(0, "db")
    assert len(x) == 12 and x[-1] == 12
    assert (web[3:] > 0).all() and (db[3:] > 0).all()
    # The same numbers as the run's snapshots (ms, not scaled).
    assert web[5] == window.runner.snapshots[5].components["web"].latency_p99_ms
    window.resize(1300, 850)
    _shot(window.chart_tabs, "dashboard.png")
    path = tmp_path / "with-dashboard.sdsim"
    assert window.files.save_to(path)
    assert "Tiers" in path.read_text(encoding="utf-8")
    window.document.reset(small_design())
    assert window.chart_tabs.tabs.count() == 1
    window.load_file(path)
    assert window.chart_tabs.tabs.tabText(1) == "Tiers"
    assert window.chart_tabs.views[0].board.charts[0].components == ("web", "db")
    # Add a second chart, then Undo removes it and only it.
    window.chart_tabs.tabs.setCurrentIndex(1)
    qtbot.mouseClick(window.chart_tabs.add_chart_button, Qt.MouseButton.LeftButton)
    dialog = window.chart_tabs.dialog
    dialog.set_metric("utilization")
    dialog.check_components(["cache"])
    assert (dialog.row_box.value(), dialog.col_box.value()) == (0, 1)  # the next free cell
    _ok(qtbot, dialog)
    assert len(window.document.model.dashboards[0].charts) == 2
    window.window_actions.undo.trigger()
    assert len(window.document.model.dashboards[0].charts) == 1
    assert len(window.chart_tabs.views[0].plots) == 1


def test_an_overlapping_chart_is_refused_in_the_dialog(window, qtbot) -> None:
    window.document.reset(small_design())
    _make_dashboard(window, qtbot)
    qtbot.mouseClick(window.chart_tabs.add_chart_button, Qt.MouseButton.LeftButton)
    dialog = window.chart_tabs.dialog
    dialog.check_components(["web"])
    dialog.col_box.setValue(0)
    _ok(qtbot, dialog)
    assert "overlaps charts[0] at row 0, column 0" in dialog.problem.text()
    assert len(window.document.model.dashboards[0].charts) == 1


def test_deleting_a_component_takes_it_off_the_charts_in_one_undo_step(window, qtbot) -> None:
    window.document.reset(small_design())
    _make_dashboard(window, qtbot)
    window.document.delete_items(["db"], [])
    assert window.document.model.dashboards[0].charts[0].components == ("web",)
    window.window_actions.undo.trigger()
    assert window.document.model.dashboards[0].charts[0].components == ("web", "db")


def test_the_crosshair_moves_on_every_chart(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=150, duration_s=12))
    window.scenario_bar.set_speed(None)
    _make_dashboard(window, qtbot)
    board = window.document.model.dashboards[0]
    wide = DashboardChart(None, "utilization", ("lb", "web", "cache", "db"), 1, 0, None, 2)
    window.document.replace_item("dashboards", 0, Dashboard(board.name, (
        *board.charts, DashboardChart(None, "throughput_rps", ("end_to_end",), 0, 1), wide)),
        "Add charts")
    window.runner.run()
    _wait_idle(window, qtbot)
    window.resize(1366, 850)
    window.charts_dock.raise_()  # the Results dock came to the front when the run ended
    window.chart_tabs.tabs.setCurrentIndex(0)
    charts = window.charts
    qtbot.waitUntil(lambda: not charts.visibleRegion().isEmpty())
    plot = charts.plot("latency")
    box = plot.vb
    scene_point = box.mapViewToScene(QPointF(6.0, 0.5 * box.viewRange()[1][1]))
    view_point = charts.graphics.mapFromScene(scene_point)
    qtbot.mouseMove(charts.graphics.viewport(), QPoint(view_point.x(), view_point.y()))
    crosshair = charts.crosshair
    assert crosshair.x is not None and abs(crosshair.x - 6.0) < 0.3
    for key in ("throughput", "latency", "errors", "utilization", "queue"):
        assert crosshair.line_x(charts.plot(key)) == crosshair.x
    text = crosshair.label_text(charts.plot("latency"))
    lines = text.splitlines()
    assert lines[0] == f"{crosshair.x:.1f} s" and lines[1].startswith("p50 ")
    assert float(lines[1].split()[1]) > 0  # the p50 at that time
    assert "Web " in crosshair.label_text(charts.plot("utilization"))
    dash_plot = window.chart_tabs.views[0].plots[0]
    assert crosshair.line_x(dash_plot) == crosshair.x  # the dashboard's chart too
    assert "DB " in crosshair.label_text(dash_plot)
    assert dash_plot.viewRange()[0] == charts.plot("throughput").viewRange()[0]
    _shot(window.charts_dock, "overview-crosshair.png")
    window.chart_tabs.tabs.setCurrentIndex(1)
    window.resizeDocks([window.charts_dock], [420], Qt.Orientation.Vertical)
    qtbot.waitUntil(window.chart_tabs.views[0].isVisible, timeout=3000)
    crosshair.set_x(8.0)
    _shot(window.charts_dock, "dashboard-crosshair.png")


def test_rename_and_delete_from_the_dashboard_menu_are_undoable(window, qtbot) -> None:
    window.document.reset(small_design())
    _make_dashboard(window, qtbot)
    tabs = window.chart_tabs
    tabs.rename_action.trigger()
    dialog = tabs.dialog
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Q&A <b>")
    _ok(qtbot, dialog)
    assert window.document.model.dashboards[0].name == "Q&A <b>"
    assert tabs.tabs.tabText(1) == "Q&&A <b>"  # shown as typed, "&" is no shortcut
    tabs.remove_chart_menu.aboutToShow.emit()
    labels = [a.text() for a in tabs.remove_chart_menu.actions()]
    assert labels == ["Tail latency: Web, DB"]
    tabs.delete_action.trigger()
    assert window.document.model.dashboards == [] and tabs.tabs.count() == 1
    window.window_actions.undo.trigger()
    assert tabs.tabs.tabText(1) == "Q&&A <b>"
    tabs.tabs.setCurrentIndex(1)
    tabs.remove_chart_menu.actions()[0].trigger()
    assert window.document.model.dashboards[0].charts == ()
    assert not tabs.views[0].plots
    _shot(tabs, "empty-dashboard.png")


def test_dashboards_cannot_be_edited_during_a_run(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    _make_dashboard(window, qtbot)
    window.scenario_bar.set_speed(20.0)
    window.runner.run()
    tabs = window.chart_tabs
    assert not tabs.new_button.isEnabled() and not tabs.add_chart_button.isEnabled()
    qtbot.waitUntil(lambda: tabs.views[0].series.count >= 3, timeout=5000)
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert tabs.new_button.isEnabled()
    assert tabs.views[0].series.count == len(window.runner.snapshots)
