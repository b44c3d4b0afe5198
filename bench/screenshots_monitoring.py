"""Take the README's monitoring screenshots offscreen: alerts, analysis, a dashboard, the planner.

    .venv/bin/python bench/screenshots_monitoring.py [--out docs/screenshots] [--dpr 1]

Like bench/screenshots.py (whose offscreen set-up it reuses): a throw-away
settings folder, a 1440×900 window, real runs to the end.

* ``monitoring-alert-firing.png``: the Traffic surge template run to the end;
  the default "High utilization" rule fires on the web tier at 185 s (its
  badge on the node, its row in the Alerts dock).
* ``monitoring-analytic-results.png``: the same run's Results, the queueing
  model's figures beside the simulated ones.
* ``monitoring-dashboard.png``: the same run on a custom dashboard of four
  charts saved with the design (the firing alert's span shaded).
* ``monitoring-analysis.png``: an M/M/1 server slowed 1.7× for ten seconds:
  the Analysis dock lists the anomalies, trends and the p99 forecast, the
  charts carry the anomaly markers.
* ``monitoring-planner.png``: Run ▸ Plan capacity… on Traffic surge for twice
  the load and a 250 ms p99, planned and confirmed by simulation.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import SIZE, _wait, start_app


def main() -> int:
    """Write the five monitoring screenshots."""
    args, app = start_app(__doc__)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    from app.model import UNBOUNDED
    from app.model.dashboards import Dashboard, DashboardChart
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
    from app.model.templates import load_architecture_template
    from app.ui.main_window import MainWindow
    from app.ui.run_controller import IDLE
    from app.ui.settings import KEY_STATE, app_settings

    def new_window() -> MainWindow:
        # Each window starts from the default dock layout: a layout restored from the
        # previous window's saveState() brings Qt's stale dock tab bars back with it.
        app_settings().remove(KEY_STATE)
        window = MainWindow()
        window.resize(*SIZE)
        window.show()
        _wait(app, 0.3)
        return window

    def close(window: MainWindow) -> None:
        window.runner.shutdown()
        window.document.undo_stack.setClean()
        window.close()

    def run_to_end(window: MainWindow) -> None:
        window.scenario_bar.set_speed(None)
        if not window.runner.run():
            raise SystemExit("the run did not start")
        _wait(app, 300, until=lambda: window.runner.state == IDLE and window.runner._run is None)
        if window.runner.last_summary is None:
            raise SystemExit("the run ended without a summary")
        _wait(app, 0.3)  # the last chart redraw

    def shoot(widget: QWidget, name: str) -> None:
        path = args.out / name
        widget.grab().save(str(path))
        print(f"wrote {path}")

    def surge_with_dashboard() -> Document:
        model = load_architecture_template("traffic_surge")
        model.dashboards = [Dashboard("Web tier", (
            DashboardChart("Utilization", "utilization", ("web", "db"), 0, 0),
            DashboardChart("Queue length", "queue_length", ("web",), 0, 1),
            DashboardChart("p99 latency (ms)", "latency_p99_ms", ("end_to_end", "web"), 1, 0),
            DashboardChart("Throughput (req/s)", "throughput_rps", ("end_to_end",), 1, 1),
        ))]
        return model

    # 1 to 3. Traffic surge: the default utilization rule fires at 185 s.
    window = new_window()
    window.document.reset(surge_with_dashboard())
    window.view.fit_to_view()
    window.charts.set_picked_components(["web", "db"])
    run_to_end(window)
    fired = [a for a in window.runner.last_summary["alerts"] if a["component"] == "web"]
    if not fired:
        raise SystemExit("Traffic surge fired no alert on the web tier")
    # The default layout (a later window restores what this one leaves): the Alerts
    # dock raised among the bottom docks, the web tier selected (its prediction shown).
    window.scene.select_components(["web"])
    window.alerts_dock.raise_()
    window.alerts_panel.tabs.setCurrentIndex(0)
    _wait(app, 0.3)
    window.view.fit_to_view()
    _wait(app, 0.2)
    shoot(window, "monitoring-alert-firing.png")

    window.results_dock.raise_()
    _wait(app, 0.3)
    shoot(window, "monitoring-analytic-results.png")

    window.scene.select_components([])
    window.charts_dock.raise_()
    window.chart_tabs.tabs.setCurrentIndex(1)
    window.resizeDocks([window.charts_dock], [560], Qt.Orientation.Vertical)
    _wait(app, 0.3)
    window.view.fit_to_view()
    _wait(app, 0.2)
    shoot(window, "monitoring-dashboard.png")
    window.resizeDocks([window.charts_dock], [300], Qt.Orientation.Vertical)
    close(window)

    # 4. An M/M/1 server (rho 0.5) slowed 1.7x from 40 s to 50 s, a 150 ms p99 rule.
    slowed = Document(
        name="Slowed server",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=250.0)),
            Component("web", "web_server", "Web", (260.0, 0.0), concurrency=1,
                      blocking=False, queue_capacity=UNBOUNDED,
                      service_time=ServiceTime("exponential", mean_ms=2.0)),
            Component("db", "database", "DB", (520.0, 0.0)),
        ],
        links=[Link("users", "web"), Link("web", "db", probability=0.5)],
        simulation=SimulationSettings(duration_s=60.0, warmup_s=5.0, seed=7),
        faults=[Fault("slowdown", "web", at_s=40.0, duration_s=10.0, factor=1.7)],
        alerts=[AlertRule("p99 target", "latency_p99_ms", "end_to_end", ">", 150.0, 5.0,
                          "high")],
    )
    window = new_window()
    window.document.reset(slowed)
    window.view.fit_to_view()
    window.charts.set_picked_components(["web", "db"])
    run_to_end(window)
    analysis = window.runner.last_summary["analysis"]
    if not analysis["anomalies"] or not analysis["forecasts"]:
        raise SystemExit("the slowed server shows no anomaly or no forecast")
    window.resizeDocks([window.analysis_dock], [620], Qt.Orientation.Horizontal)
    window.analysis_dock.raise_()
    window.analysis_panel.tabs.setCurrentIndex(0)
    window.charts_dock.raise_()
    _wait(app, 0.3)
    window.view.fit_to_view()
    _wait(app, 0.2)
    shoot(window, "monitoring-analysis.png")
    window.resizeDocks([window.analysis_dock], [300], Qt.Orientation.Horizontal)
    close(window)

    # 5. The planner: Traffic surge at twice its peak and a 250 ms p99.
    window = new_window()
    window.document.reset(load_architecture_template("traffic_surge"))
    window.plan_action.trigger()
    dialog = window.planner_dialog
    if dialog is None:
        raise SystemExit("the planner dialog did not open")
    _wait(app, 0.3)
    dialog.rps.setValue(940.0)
    dialog.p99.setValue(250.0)
    dialog.start()
    _wait(app, 300, until=lambda: dialog.plan is not None or "Could not" in
          dialog.status.text())
    if dialog.plan is None or not dialog.plan.met:
        raise SystemExit(f"the planner did not meet the target: {dialog.status.text()}")
    _wait(app, 0.3)
    shoot(dialog, "monitoring-planner.png")
    dialog.close()
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
