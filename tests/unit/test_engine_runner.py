"""Driving a run from another thread: slices, pause/resume/stop, pacing, snapshots, memory."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import tracemalloc
from collections.abc import Callable

import pytest

from app.engine import Simulation, Snapshot
from app.engine.runner import SimulationRunner
from app.engine.simulation import SLICES_PER_WINDOW
from tests.unit.engine_docs import client, design, server

# Waits in these tests only turn a hang into a failure; they never judge speed.
HANG_GUARD_S = 60.0


def _doc(duration: float = 20.0, rate: float = 2000.0):
    return design([client(rate), server("s", 1.0, 4)], [("users", "s")], duration=duration)


def test_snapshots_are_immutable_and_cover_every_window() -> None:
    sim = Simulation(_doc(5.0))
    snaps = []
    while not sim.finished:
        snaps.append(sim.step_window())
    assert [s.time_s for s in snaps] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert snaps[-1].progress == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        snaps[0].time_s = 9.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        snaps[0].components["x"] = snaps[0].end_to_end  # type: ignore[index]
    total = sum(s.end_to_end.arrivals for s in snaps)
    assert total == pytest.approx(10_000, abs=400)


def test_runner_runs_to_the_end_and_reports() -> None:
    got: list[Snapshot] = []
    done = threading.Event()
    summary: dict = {}
    runner = SimulationRunner(
        Simulation(_doc(5.0)), on_snapshot=got.append,
        on_finished=lambda s: (summary.update(s), done.set()),
    )
    runner.start()
    assert done.wait(HANG_GUARD_S)
    assert runner.join(HANG_GUARD_S)
    assert len(got) == 5 and summary["simulated_s"] == 5.0


def _at(sim: Simulation, t: float, action: Callable[[], object]) -> None:
    """Call ``action`` from inside the run, when simulated time reaches ``t``."""
    sim.env.timeout(t).callbacks.append(lambda _event: action())


def _wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Poll until ``predicate()`` holds. The guard is generous: it only turns a hang
    into a failure, it never judges speed."""
    deadline = time.monotonic() + HANG_GUARD_S
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def test_pause_resume_and_stop_from_another_thread() -> None:
    got: list[Snapshot] = []
    at_three, go_on, finished = threading.Event(), threading.Event(), threading.Event()
    summary: dict = {}
    sim = Simulation(_doc(10_000.0))

    def on_snapshot(snap: Snapshot) -> None:
        got.append(snap)
        if len(got) == 3:  # hold the runner here until the main thread has paused it
            at_three.set()
            go_on.wait()

    runner = SimulationRunner(sim, on_snapshot=on_snapshot,
                              on_finished=lambda s: (summary.update(s), finished.set()))
    runner.start()
    assert at_three.wait(HANG_GUARD_S)
    runner.pause()
    go_on.set()
    assert runner.paused
    time.sleep(0.3)  # a runner that ignored the pause would move on meanwhile
    assert sim.now == 3.0 and len(got) == 3, "the run moved while paused"
    runner.resume()
    assert not runner.paused
    _wait_until(lambda: len(got) >= 5, "the run went on after resume")
    runner.stop()
    assert finished.wait(HANG_GUARD_S)
    assert runner.join(HANG_GUARD_S)
    assert sim.stopped and summary["simulated_s"] == pytest.approx(sim.now)
    assert 5.0 <= summary["simulated_s"] < 10_000.0
    # The last snapshot and the summary cover exactly what was simulated.
    assert got[-1].time_s == pytest.approx(summary["simulated_s"])
    assert [s.time_s for s in got[:5]] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_pause_and_stop_take_effect_at_the_next_slice() -> None:
    """Requests made mid-window are honoured at the next slice boundary, not the window's end."""
    got: list[Snapshot] = []
    finished = threading.Event()
    summary: dict = {}
    sim = Simulation(_doc(10_000.0))
    runner = SimulationRunner(sim, on_snapshot=got.append,
                              on_finished=lambda s: (summary.update(s), finished.set()))
    slice_s = sim.window_s / SLICES_PER_WINDOW
    _at(sim, 3.3, runner.pause)
    _at(sim, 7.6, runner.stop)
    held_at = math.ceil(3.3 / slice_s) * slice_s  # 3.375 with 1 s windows of 8 slices
    runner.start()
    _wait_until(lambda: sim.now >= held_at - 1e-9, "the run reached the pause")
    time.sleep(0.3)  # a runner that ignored the pause would move on meanwhile
    assert sim.now == pytest.approx(held_at) and len(got) == 3
    runner.resume()
    assert finished.wait(HANG_GUARD_S)
    assert runner.join(HANG_GUARD_S)
    stopped_at = math.ceil(7.6 / slice_s) * slice_s  # 7.625
    assert sim.stopped and summary["simulated_s"] == pytest.approx(stopped_at)
    assert [s.time_s for s in got] == pytest.approx([1, 2, 3, 4, 5, 6, 7, stopped_at])
    assert got[-1].window_s == pytest.approx(stopped_at - 7.0)  # the window closed early


def test_stopping_a_paused_run_ends_it_where_it_was_held() -> None:
    got: list[Snapshot] = []
    finished = threading.Event()
    summary: dict = {}
    sim = Simulation(_doc(10_000.0))
    runner = SimulationRunner(sim, on_snapshot=got.append,
                              on_finished=lambda s: (summary.update(s), finished.set()))
    slice_s = sim.window_s / SLICES_PER_WINDOW
    _at(sim, 2.2, runner.pause)
    held_at = math.ceil(2.2 / slice_s) * slice_s  # 2.25
    runner.start()
    _wait_until(lambda: sim.now >= held_at - 1e-9, "the run reached the pause")
    runner.stop()
    assert finished.wait(HANG_GUARD_S)
    assert runner.join(HANG_GUARD_S)
    assert summary["simulated_s"] == pytest.approx(held_at)
    assert got[-1].time_s == pytest.approx(held_at)


def test_real_time_factor_paces_the_run() -> None:
    """A paced run never gets ahead of the clock: at ``speed`` 4, two simulated seconds
    take at least half a wall second, and each window ends no earlier than its time / 4.

    Pacing only ever waits, so a busy machine can only make the run later and these
    lower bounds cannot flake; an unpaced run of these 400 requests takes a few
    milliseconds, so they do fail when pacing is broken. How closely the run keeps to
    the requested speed is a timing, measured by bench/runner_pacing.py.
    """
    speed, duration = 4.0, 2.0
    marks: list[tuple[float, float]] = []  # (wall clock, simulated time) at each window end
    done = threading.Event()
    sim = Simulation(_doc(duration, rate=200.0))
    runner = SimulationRunner(
        sim, speed=speed, on_finished=lambda s: done.set(),
        on_snapshot=lambda snap: marks.append((time.perf_counter(), snap.time_s)),
    )
    slice_s = sim.window_s / SLICES_PER_WINDOW
    t0 = time.perf_counter()
    runner.start()
    assert done.wait(HANG_GUARD_S)
    ended = time.perf_counter()
    assert runner.join(HANG_GUARD_S)
    assert [t for _, t in marks] == [1.0, 2.0]
    slack = 1e-3  # the clocks' and the sleep's resolution, nothing more
    for wall, simulated in marks:
        # The window's last slice is paced after its snapshot is handed over.
        assert wall - t0 >= (simulated - slice_s) / speed - slack, (wall - t0, simulated)
    assert ended - t0 >= duration / speed - slack, ended - t0


def test_errors_reach_the_owner() -> None:
    errors: list[BaseException] = []
    sim = Simulation(_doc(5.0))
    sim.stations["s"].service = lambda: 1 / 0  # a broken sampler
    runner = SimulationRunner(sim, on_error=errors.append)
    runner.start()
    assert runner.join(HANG_GUARD_S)
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_memory_stays_bounded_over_a_long_run() -> None:
    """A run 10x longer does not hold 10x the memory (no per-request history kept)."""

    # A first, untraced run loads whatever the engine imports lazily (the summary's
    # statistics): imported during a traced run it would count as that run's memory,
    # and which run that is depends on what the test process ran before.
    Simulation(_doc(5.0, rate=3000.0)).run()

    def peak(duration: float) -> int:
        sim = Simulation(_doc(duration, rate=3000.0))  # rho = 0.75: a stable queue
        tracemalloc.start()
        sim.run()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(2.0), peak(20.0)
    assert long < 1.5 * short, (short, long)
