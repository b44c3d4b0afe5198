"""Driving a run from another thread: slices, pause/resume/stop, pacing, snapshots, memory."""

from __future__ import annotations

import dataclasses
import threading
import time
import tracemalloc

import pytest

from app.engine import Simulation, Snapshot
from app.engine.runner import SimulationRunner
from tests.unit.engine_docs import client, design, server


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
    assert done.wait(30)
    assert runner.join(5)
    assert len(got) == 5 and summary["simulated_s"] == 5.0


def test_pause_resume_and_stop_from_another_thread() -> None:
    got: list[Snapshot] = []
    finished = threading.Event()
    summary: dict = {}
    sim = Simulation(_doc(10_000.0))
    runner = SimulationRunner(sim, on_snapshot=got.append,
                              on_finished=lambda s: (summary.update(s), finished.set()))
    runner.start()
    deadline = time.monotonic() + 20
    while len(got) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.pause()
    time.sleep(0.2)  # let the current slice end
    paused_at = sim.now
    time.sleep(0.3)
    assert sim.now == paused_at, "simulated time moved while paused"
    assert runner.paused
    runner.resume()
    time.sleep(0.3)
    assert sim.now > paused_at
    t0 = time.monotonic()
    runner.stop()
    assert finished.wait(10)
    assert time.monotonic() - t0 < 1.0, "stop took longer than a second"
    assert runner.join(5)
    assert sim.stopped and summary["simulated_s"] == pytest.approx(sim.now)
    assert 3.0 < summary["simulated_s"] < 10_000.0


def test_real_time_factor_paces_the_run() -> None:
    done = threading.Event()
    runner = SimulationRunner(Simulation(_doc(2.0, rate=200.0)), speed=4.0,
                              on_finished=lambda s: done.set())
    t0 = time.perf_counter()
    runner.start()
    assert done.wait(10)
    elapsed = time.perf_counter() - t0
    runner.join(5)
    # 2 simulated seconds at 4x real time: 0.5 s of wall time.
    assert 0.45 <= elapsed <= 0.9, elapsed


def test_errors_reach_the_owner() -> None:
    errors: list[BaseException] = []
    sim = Simulation(_doc(5.0))
    sim.stations["s"].service = lambda: 1 / 0  # a broken sampler
    runner = SimulationRunner(sim, on_error=errors.append)
    runner.start()
    assert runner.join(10)
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_memory_stays_bounded_over_a_long_run() -> None:
    """A run 10x longer does not hold 10x the memory (no per-request history kept)."""

    def peak(duration: float) -> int:
        sim = Simulation(_doc(duration, rate=3000.0))  # rho = 0.75: a stable queue
        tracemalloc.start()
        sim.run()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(2.0), peak(20.0)
    assert long < 1.5 * short, (short, long)
