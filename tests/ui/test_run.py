"""Runs with the real engine: live charts and canvas, pause, stop, results, exports, locking."""

from __future__ import annotations

import csv
import os
import time

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QImage

from app.model.document import Document
from app.ui.palette import palette_mime_data
from app.ui.run_controller import IDLE, PAUSED, RUNNING
from tests.ui.helpers import send_palette_drop, small_design


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _wait_idle(window, qtbot, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=timeout)


def test_a_run_feeds_charts_and_canvas_then_shows_the_summary(window, qtbot, tmp_path) -> None:
    window.document.reset(small_design(rate_rps=200, duration_s=20))
    window.scenario_bar.set_speed(None)
    _action(window, "actionRun").trigger()
    assert window.runner.state == RUNNING and window.document.locked
    _wait_idle(window, qtbot)
    charts = window.charts
    assert charts.sample_count == 20 == len(window.runner.snapshots)
    x, y = charts.curve_data("throughput")
    assert len(x) == 20 and x[-1] == 20 and y[5:].mean() > 150  # ~200 req/s after warm-up
    _x, p99 = charts.curve_data("p99")
    assert (p99[5:] > 0).all()
    assert charts.picked_components == ["lb", "web", "cache"]
    _x, util = charts.curve_data("util:web")
    assert len(util) == 20 and 0 < util[10] < 100
    web = window.scene.node_item("web")
    assert web.live_text is not None and "rps" in web.live_text
    assert window.scene.link_item(("lb", "web")).label_text.endswith("/s")
    table = window.results.table
    assert table.rowCount() == 5  # end to end + 4 stations
    assert table.item(0, 0).text() == "End to end" and table.item(0, 1).text() != "—"
    assert not window.document.locked
    csv_path = window.export_csv(tmp_path / "metrics.csv")
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["component"] for r in rows} >= {"end_to_end", "web", "db"}


def test_picking_components_for_the_charts(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=10))
    window.scenario_bar.set_speed(None)
    window.runner.run()
    _wait_idle(window, qtbot)
    window.charts.set_picked_components(["db"])
    assert window.charts.picked_components == ["db"]
    _x, queue = window.charts.curve_data("queue:db")
    assert len(queue) == 10


def test_stop_ends_the_run_early_and_keeps_what_ran(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(20.0)  # 20 simulated s per second: 30 s to the end
    _action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 2, timeout=5000)
    _action(window, "actionStop").trigger()
    _wait_idle(window, qtbot)
    assert 2 <= len(window.runner.snapshots) < 600
    assert window.results.caption.text().startswith("Stopped early")
    assert window.runner.last_summary is not None


def test_pause_holds_the_run_and_run_resumes_it(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(50.0)
    window.runner.run()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 3, timeout=5000)
    _action(window, "actionPause").trigger()
    assert window.runner.state == PAUSED and _action(window, "actionPause").isChecked()
    qtbot.wait(150)  # let a window in flight arrive
    held = window.charts.sample_count
    qtbot.wait(300)
    assert window.charts.sample_count == held
    _action(window, "actionRun").trigger()  # F5 while paused continues
    assert window.runner.state == RUNNING
    qtbot.waitUntil(lambda: window.charts.sample_count > held + 2, timeout=5000)
    window.runner.stop()
    _wait_idle(window, qtbot)


def test_real_time_factor_paces_the_run(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=50, duration_s=10))
    window.scenario_bar.set_speed(20.0)
    start = time.monotonic()
    window.runner.run()
    _wait_idle(window, qtbot)
    assert time.monotonic() - start >= 0.45  # 10 simulated s at ×20 take 0.5 s


def test_edits_are_locked_during_a_run(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(10.0)
    window.runner.run()
    window.scene.select_components(["web"])
    assert window.document.add_component("cache", (0, 0)) is None
    assert not send_palette_drop(window.view, palette_mime_data("cache"), QPoint(40, 40))
    assert not _action(window, "actionDelete").isEnabled()
    assert not _action(window, "actionUndo").isEnabled()
    assert window.inspector.component_editor.form.fields["replicas"].isReadOnly()
    assert not window.scenario_bar.duration.isEnabled()
    assert not window.scene.node_item("web").port.isVisible()
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert window.document.add_component("cache", (0, 0)) == "cache_2"


def test_an_invalid_design_is_not_run(window) -> None:
    window.document.reset(Document(name="Empty"))
    window.document.add_component("web_server", (0, 0))  # no client: nothing to simulate
    assert not window.runner.run()
    assert window.runner.state == IDLE and not window.document.locked
    assert window.results.caption.text().startswith("Cannot run")


def test_a_flat_out_run_fills_the_charts_in_order_with_bounded_gui_work(window, qtbot) -> None:
    """Every window reaches the charts, in order; drawing is per frame, not per batch.

    How long the GUI thread may stall while this runs is measured by
    bench/gui_bench.py (wall-clock limits do not belong in a pass/fail test).
    """
    window.document.reset(small_design(rate_rps=1000, duration_s=60))
    window.scenario_bar.set_speed(None)
    batches: list[int] = []
    with qtbot.waitSignal(window.runner.state_changed, timeout=60_000,
                          check_params_cb=lambda state: state == IDLE):
        window.runner.run()
        window.runner._run.batch_ready.connect(lambda batch: batches.append(len(batch)))
    snapshots = window.runner.snapshots
    assert len(snapshots) == 60 == window.charts.sample_count == sum(batches)
    times = [s.time_s for s in snapshots]
    assert times == sorted(times) and times[0] == 1 and times[-1] == 60
    x, throughput = window.charts.curve_data("throughput")
    assert list(x) == times and throughput[10:].mean() > 800
    # Coalesced: at most one redraw and one canvas update per frame with new data,
    # so never more than one per batch (plus the final frame).
    assert 1 <= window.charts.redraw_count <= len(batches) + 2
    assert 1 <= window.runner.live_updates <= window.charts.redraw_count
    assert window.scene.node_item("web").live_text is not None


def test_the_engine_process_runs_at_a_lower_priority_than_the_gui(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(20.0)
    window.runner.run()
    qtbot.waitUntil(lambda: window.charts.sample_count >= 1, timeout=10_000)
    pid = window.runner._run.worker.process_id
    assert pid is not None and pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 1
    if hasattr(os, "SCHED_BATCH"):
        assert os.sched_getscheduler(pid) == os.SCHED_BATCH
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert window.runner.last_summary is not None


def test_export_png_writes_the_diagram(window, tmp_path) -> None:
    window.document.reset(small_design())
    path = window.export_png(tmp_path / "diagram.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 800 and image.height() > 100


def test_the_end_of_a_run_is_shown_over_several_event_loop_turns(window, qtbot) -> None:
    """The end of a run is split into steps, one per event-loop turn, idle last (#14).

    One handler used to fill every panel and raise the Results dock in a single
    turn (the GUI's longest stall): now the stall is the largest step, not the sum.
    """
    window.document.reset(small_design(rate_rps=200, duration_s=10))
    window.scenario_bar.set_speed(None)
    runner = window.runner
    seen: list[tuple[str, int]] = []
    runner.run_finished.connect(lambda: seen.append(("finished", runner.state == IDLE)))
    # The results come to the front a turn after the canvas's summary figures, not with them.
    runner.results_ready.connect(lambda: seen.append(("results", runner.state == IDLE)))
    runner.state_changed.connect(
        lambda state: seen.append((state, window.results.table.rowCount())))
    runner.run()
    _wait_idle(window, qtbot)
    # A real run: the summary was announced while running, the table filled before idle.
    assert seen[-3:] == [("finished", False), ("results", False), (IDLE, 5)]
    assert not window.results_dock.visibleRegion().isEmpty()  # in front once idle
    assert runner.finish_steps_pending == 0 and not runner._finish_timer.isActive()

    # The same end replayed one turn at a time (the worker's signals, by hand).
    summary = runner.last_summary
    window.results.clear()
    runner._set_state(RUNNING)
    seen.clear()
    runner._on_finished(summary, False)
    runner._on_ended()
    assert window.results.table.rowCount() == 0 and seen == [], "all in the first turn"
    assert runner._finish_timer.isActive()  # the rest waits for the event loop
    runner._finish_timer.stop()
    pending = [runner.finish_steps_pending]
    while runner.finish_steps_pending:
        runner._run_finish_step()
        pending.append(runner.finish_steps_pending)
    # The listeners (Events, Alerts, Analysis), the table, the announcement, idle.
    assert pending == list(range(pending[0], -1, -1)) and pending[0] >= 5
    assert seen == [("finished", False), ("results", False), (IDLE, 5)]
    assert window.results.table.rowCount() == 5 and not window.document.locked


def test_the_canvas_frame_is_not_pushed_back_by_the_next_chart_frame(window, qtbot) -> None:
    """The canvas's frame comes half a frame after a chart frame (#14); a chart frame
    that comes before it fired must not restart it, or slow chart frames would keep
    the canvas, progress bar and status line from ever updating."""
    from PySide6.QtCore import Qt

    timer = window.runner._canvas_timer
    half_frame, kind = timer.interval(), timer.timerType()
    timer.setInterval(60_000)  # so it cannot fire while the test looks at it
    timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one rounds a restart away
    try:
        window.charts.timer.timeout.emit()
        assert timer.isActive()
        first = timer.remainingTime()
        qtbot.wait(20)
        window.charts.timer.timeout.emit()  # the next chart frame, before the canvas's
        assert timer.isActive() and timer.remainingTime() <= first - 15  # not restarted
    finally:
        timer.stop()
        timer.setInterval(half_frame)
        timer.setTimerType(kind)
