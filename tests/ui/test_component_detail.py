"""The component detail view, as a user: double-click a node after (and during) a run."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.engine.events import RunEvent
from app.model.document import Fault
from app.ui.run_controller import IDLE
from tests.ui.helpers import small_design, viewport_point

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _wait_idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=20_000)


def _double_click_node(window, qtbot, component_id: str) -> None:
    node = window.scene.node_item(component_id)
    point = viewport_point(window.view, node.sceneBoundingRect().center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _detail(window) -> QDialog | None:
    return window.findChild(QDialog, "component_detail")


def test_before_any_run_a_double_click_opens_nothing(window, qtbot) -> None:
    window.document.reset(small_design())
    _double_click_node(window, qtbot, "web")
    assert _detail(window) is None
    assert window.document.undo_stack.count() == 0  # and edits nothing


def test_after_a_run_a_double_click_shows_every_figure_of_the_component(
        window, qtbot) -> None:
    design = small_design(rate_rps=150, duration_s=12)
    design.faults = [Fault("crash", "web", at_s=4.0, duration_s=2.0, replicas=1)]
    window.document.reset(design)
    window.scenario_bar.set_speed(None)
    window.runner.run()
    _wait_idle(window, qtbot)
    _double_click_node(window, qtbot, "web")
    detail = _detail(window)
    assert detail is not None and detail.isVisible() and not detail.isModal()
    assert detail.component_id == "web"
    # Every per-window metric, with the run's numbers.
    table = detail.metrics_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert len(rows) == 24 and "Utilization (%)" in rows and "Replicas up (replicas)" in rows
    mean_tp = float(table.item(rows["Throughput (req/s)"], 3).text())
    assert 120 < mean_tp < 180  # ~150 req/s reach the web tier
    last_replicas = table.item(rows["Replicas (replicas)"], 2).text()
    assert last_replicas == "2.00"
    x, util = detail.curves["utilization"].getData()
    assert len(x) == 12 and 0 < util[8] < 100
    # Its links: lb -> web in, web -> cache out, with calls counted.
    links = detail.links_table
    keys = [links.item(r, 0).text() for r in range(links.rowCount())]
    assert keys == ["lb->web", "web->cache"]
    assert int(links.item(1, 1).text().replace(",", "")) > 1000
    # Its events: the crash and the recovery, nothing of other components.
    events = [detail.events_table.item(r, 1).text()
              for r in range(detail.events_table.rowCount())]
    assert len(events) >= 2 and all("cache" not in e for e in events)
    assert detail.alerts_table.rowCount() == 0
    detail.resize(1120, 620)
    SHOTS.mkdir(exist_ok=True)
    detail.grab().save(str(SHOTS / "detail.png"))
    # A second double-click brings the same view forward.
    _double_click_node(window, qtbot, "web")
    assert len(window.findChildren(QDialog, "component_detail")) == 1


def test_the_detail_view_follows_a_run_and_lists_alert_events(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(20.0)
    window.runner.run()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 2, timeout=5000)
    _double_click_node(window, qtbot, "db")
    detail = _detail(window)
    assert detail is not None
    seen = detail.series.count
    qtbot.waitUntil(lambda: detail.series.count >= seen + 3, timeout=5000)
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert detail.series.count == len(window.runner.snapshots)
    x, _y = detail.curves["throughput_rps"].getData()
    assert len(x) == len(window.runner.snapshots)
    # Alert events (added by the alerting engine) go to their own tab.
    alert = RunEvent(3.0, "alert_firing", "db", MappingProxyType({"name": "cpu"}))
    other = RunEvent(3.0, "alert_firing", "web", MappingProxyType({}))
    detail.set_events([*window.runner.run_events, alert, other])
    detail.redraw()
    assert detail.alert_events() == [alert]
    assert detail.alerts_table.rowCount() == 1
    assert detail.alerts_table.item(0, 2).text() == "name cpu"
