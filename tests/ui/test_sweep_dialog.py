"""The Sweep dialog, used as a user would: pick a parameter, run, cancel, rerun, export."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.model.templates import load_architecture_template

RATES = [1000, 2200, 3400, 4600]
SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _type(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def _open_template(window, duration_s: float) -> None:  # type: ignore[no-untyped-def]
    """The three-tier template with short runs, set through the design's settings."""
    window.document.reset(load_architecture_template("three_tier_web_app"))
    sim = window.document.model.simulation
    window.document.edit_simulation(
        dataclasses.replace(sim, duration_s=duration_s, warmup_s=1.0), "Shorter runs")


def _open_sweep(window, qtbot):  # type: ignore[no-untyped-def]
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    action = next(a for a in run_menu.actions() if a.objectName() == "actionSweep")
    action.trigger()
    dialog = window.sweep_dialog
    qtbot.waitExposed(dialog)
    return dialog


def _click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _xy(item: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return (np.asarray(x if x is not None else [], dtype=float),
            np.asarray(y if y is not None else [], dtype=float))


def test_sweep_cancel_rerun_plot_and_export(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _open_template(window, duration_s=5.0)
    window.scene.select_components(["users"])
    dialog = _open_sweep(window, qtbot)
    assert dialog.axis1.current.key == "users.rate_rps"  # the selection's field first
    assert dialog.replications.value() == 5 and dialog.workers.value() == 0  # all cores

    # A mistake gets the axis parser's message and Start waits for a fix.
    # Up to 4,600 req/s: the database (5,000 req/s) nears saturation, the knee.
    _type(qtbot, dialog.axis1.start, "1000")
    _type(qtbot, dialog.axis1.stop, "4600")
    _type(qtbot, dialog.axis1.step, "-1200")
    assert "never gets from 1000 to 4600" in dialog.count.text()
    assert not dialog.start_button.isEnabled()
    _type(qtbot, dialog.axis1.step, "1200")
    dialog.replications.lineEdit().selectAll()
    qtbot.keyClicks(dialog.replications.lineEdit(), "3")
    assert dialog.count.text() == "4 points × 3 replications = 12 runs"
    assert dialog.start_button.isEnabled()

    # A value the design refuses: the planner's one-line message, nothing starts.
    _type(qtbot, dialog.axis1.start, "-200")
    _click(qtbot, dialog.start_button)
    assert dialog.status.text().startswith("Cannot start: point users.rate_rps=-200")
    assert not dialog.running
    _type(qtbot, dialog.axis1.start, "1000")

    _click(qtbot, dialog.start_button)
    assert dialog.running and dialog.cancel_button.isEnabled()
    assert not dialog.start_button.isEnabled() and not dialog.axis1.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 2, timeout=60_000)
    # The plots follow the running sweep: finished runs appear before the end.
    qtbot.waitUntil(lambda: _xy(dialog.plots.bands["mean"].mean)[0].size >= 1, timeout=5_000)
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "sweep_running.png"))
    _click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)

    # Cancelled partway: what finished is kept, shown, and the dialog is usable again.
    partial = dialog.sweep_result
    assert partial is not None and partial.cancelled
    assert 2 <= len(partial.runs) < 12 and not partial.complete
    assert dialog.status.text().startswith(f"Cancelled: {len(partial.runs)} of 12 runs kept")
    points_with_runs = {p for p, _k in partial.runs}
    assert dialog.table_model.rowCount() == len(points_with_runs)
    x, _y = _xy(dialog.plots.bands["mean"].mean)
    assert len(x) == len(points_with_runs) and set(x) <= {1000, 2200, 3400, 4600}
    assert dialog.start_button.isEnabled() and dialog.axis1.isEnabled()
    assert dialog.export_button.isEnabled()

    # Rerun to the end.
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    result = dialog.sweep_result
    assert result is not None and result.complete and not result.failures
    assert dialog.status.text().startswith("Done: 12 of 12 runs")
    assert dialog.progress.value() == 12 and dialog.table_model.rowCount() == 4

    # Latency against load: four simulated curves with CI bands, two analytic curves.
    plots = dialog.plots
    for name in ("mean", "p50", "p95", "p99"):
        band = plots.bands[name]
        assert isinstance(band.fill, pg.FillBetweenItem)
        assert band.fill in plots.latency.items and band.mean in plots.latency.items
        x, mean = _xy(band.mean)
        _, low = _xy(band.low)
        _, high = _xy(band.high)
        assert list(x) == RATES
        assert np.all(low <= mean) and np.all(mean <= high)
        assert np.all(low[-1:] < high[-1:])  # replications differ near the knee
    x, mean = _xy(plots.bands["mean"].mean)
    assert mean[-1] > mean[0]  # queueing: the mean rises with the load
    _, p99 = _xy(plots.bands["p99"].mean)
    assert np.all(p99 > mean)
    for name in ("mean", "p99"):
        ax, ay = _xy(plots.analytic[name])
        assert list(ax) == RATES  # one point per swept value
        assert np.all(np.isfinite(ay)) and np.all(np.diff(ay) >= 0)
        assert plots.analytic[name].opts["pen"].style() == Qt.PenStyle.DashLine
    # At light load the model's mean sits within 5 % of the simulated one.
    _, analytic_mean = _xy(plots.analytic["mean"])
    assert abs(analytic_mean[0] - mean[0]) < 0.05 * mean[0]
    _x, throughput = _xy(plots.throughput_band.mean)
    assert np.allclose(throughput, RATES, rtol=0.1)
    dialog.grab().save(str(SHOTS / "sweep_finished.png"))
    dialog.tabs.setCurrentWidget(dialog.table)
    dialog.grab().save(str(SHOTS / "sweep_table.png"))
    model = dialog.table_model
    column = model.columns.index("latency_mean_ms")
    cell = model.data(model.index(0, column))
    assert cell.startswith(f"{mean[0]:,.4g} ± ")
    dialog.tabs.setCurrentWidget(dialog.plots)

    written = dialog.export_tables(tmp_path / "out")
    assert {p.name for p in written} == {"points.csv", "points.parquet", "replications.csv",
                                         "replications.parquet"}
    with (tmp_path / "out" / "points.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f)
                if r["metric"] == "latency_mean_ms" and r["component"] == "end_to_end"]
    assert [int(r["users.rate_rps"]) for r in rows] == RATES
    assert [int(r["n"]) for r in rows] == [3, 3, 3, 3]
    assert np.allclose([float(r["mean"]) for r in rows], mean)
    png = dialog.export_png(tmp_path / "plot.png")
    assert png is not None and png.stat().st_size > 10_000
    _click(qtbot, dialog.close_button)
    qtbot.waitUntil(lambda: window.sweep_dialog is None)


def test_two_parameter_sweep_draws_a_heat_map(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open_template(window, duration_s=2.0)
    window.scene.select_components(["users"])
    dialog = _open_sweep(window, qtbot)
    _type(qtbot, dialog.axis1.start, "1000")
    _type(qtbot, dialog.axis1.stop, "5500")
    _type(qtbot, dialog.axis1.step, "1500")
    qtbot.mouseClick(dialog.use_axis2, Qt.MouseButton.LeftButton)
    assert dialog.axis2.isEnabled()
    dialog.axis2.select("app.replicas")
    dialog.axis2.set_values("1, 2")
    dialog.replications.setValue(2)
    assert dialog.count.text() == "8 points × 2 replications = 16 runs"
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    assert dialog.sweep_result is not None and dialog.sweep_result.complete
    dialog.tabs.setCurrentWidget(dialog.heat_map)
    heat = dialog.heat_map
    heat.metric_box.setCurrentIndex(heat.metric_box.findData("latency_p99_ms"))
    values = heat.values  # rows: app.replicas 1, 2; columns: the rates
    assert values.shape == (2, 4) and heat.image.image.shape == (2, 4)
    # One application server saturates near 4,000 req/s; two do not.
    assert values[0, 0] < 1.5 * values[1, 0]
    assert values[0, 2] > 2 * values[1, 2]
    # At 5,500 req/s one replica may complete nothing in time: that cell is empty, not 0.
    assert np.isnan(values[0, 3]) or values[0, 3] > values[1, 3]
    assert len(heat.labels) == np.isfinite(values).sum()
    dialog.grab().save(str(SHOTS / "sweep_heat_map.png"))
    # The line plots show one slice of the second axis at a time.
    dialog.tabs.setCurrentWidget(dialog.plots)
    assert dialog.plots.slice_box.isVisible() and dialog.plots.slice_box.count() == 2
    dialog.plots.slice_box.setCurrentIndex(1)
    x, _y = _xy(dialog.plots.bands["mean"].mean)
    assert list(x) == [1000, 2500, 4000, 5500]
    dialog.grab().save(str(SHOTS / "sweep_slice.png"))
    dialog.close()


def test_wrong_values_and_a_wrong_scheduler_get_one_line_each(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open_template(window, duration_s=2.0)
    window.scene.select_components(["web"])
    dialog = _open_sweep(window, qtbot)
    assert dialog.axis1.current.key == "web.replicas"
    assert (dialog.axis1.start.text(), dialog.axis1.stop.text()) == ("1", "6")  # 3 today
    dialog.axis1.select("web.profile")
    assert dialog.axis1.mode.currentText() == "List" and not dialog.axis1.mode.isEnabled()
    assert dialog.axis1.values.text() == "web_server"
    _type(qtbot, dialog.axis1.values, "web_server, <b>nosuch</b>")
    assert dialog.count.text() == "2 points × 5 replications = 10 runs"
    _click(qtbot, dialog.start_button)
    text = dialog.status.text()
    assert text.startswith("Cannot start: point web.profile=<b>nosuch</b>: override 'web.profile'")
    assert "\n" not in text and dialog.status.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.running

    _type(qtbot, dialog.axis1.values, "web_server, api_server")
    _type(qtbot, dialog.scheduler, "nonsense://x")
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert dialog.status.text().startswith(
        "Could not sweep: cannot start the Dask scheduler nonsense://x: ValueError: unknown "
        "address scheme 'nonsense'")
    assert dialog.start_button.isEnabled() and dialog.sweep_result is None

    # Names on the x axis: one tick per profile, the points at 0 and 1.
    dialog.scheduler.selectAll()
    qtbot.keyClick(dialog.scheduler, Qt.Key.Key_Delete)
    dialog.workers.lineEdit().selectAll()
    qtbot.keyClicks(dialog.workers.lineEdit(), "1")  # one worker: this process, serially
    dialog.replications.setValue(2)
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    assert dialog.sweep_result is not None, dialog.status.text()
    assert dialog.sweep_result.complete
    assert dialog.sweep_result.executor == "this process"
    x, mean = _xy(dialog.plots.bands["mean"].mean)
    assert list(x) == [0.0, 1.0] and np.all(mean > 0)
    ticks = dialog.plots.latency.getAxis("bottom")._tickLevels
    assert ticks == [[(0.0, "web_server"), (1.0, "api_server")]]
    dialog.grab().save(str(SHOTS / "sweep_profiles.png"))
    dialog.close()
    qtbot.waitUntil(lambda: window.sweep_dialog is None)
    # Where the runs go is a setting: the next dialog offers the last choice.
    again = _open_sweep(window, qtbot)
    assert again.scheduler.text() == "" and again.workers.value() == 1
    again.close()


def test_closing_the_dialog_stops_a_running_sweep(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _open_template(window, duration_s=600.0)  # runs far longer than the test
    dialog = _open_sweep(window, qtbot)
    dialog.replications.setValue(2)
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Running ("), timeout=30_000)
    thread = dialog.sweep_thread
    _click(qtbot, dialog.close_button)  # cancels, ends the pool's workers, joins the thread
    assert not thread.isRunning() and thread.cancel_event.is_set()
    qtbot.waitUntil(lambda: window.sweep_dialog is None)
