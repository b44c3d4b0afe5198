"""The one run driver: slices, pause/resume/stop, pacing, live actions, snapshots, memory.

Every run goes through :class:`~app.engine.driver.RunDriver` (the GUI's engine
process, the CLI, ``Simulation.run``); these tests drive it from a thread with
the in-process control, and once through a real engine process.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from app.engine import Simulation, Snapshot
from app.engine.commands import LiveAction
from app.engine.control import LocalControl, ProcessControl
from app.engine.driver import RunDriver
from app.engine.process import run_engine
from app.engine.simulation import SLICES_PER_WINDOW
from tests.unit.engine_docs import client, design, server

# Waits in these tests only turn a hang into a failure; they never judge speed.
HANG_GUARD_S = 60.0
#: Simulated time is a float sum of slices: "the same time" to this much.
TINY = 1e-9


def _doc(duration: float = 20.0, rate: float = 2000.0):
    return design([client(rate), server("s", 1.0, 4)], [("users", "s")], duration=duration)


class _Thread:
    """A driver on its own thread, as a notebook or a test would run one."""

    def __init__(self, sim: Simulation, control: LocalControl,
                 on_snapshot: Callable[[Snapshot], None] | None = None) -> None:
        self.summary: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.driver = RunDriver(sim, control, on_snapshot=on_snapshot)
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        try:
            self.summary = self.driver.run()
        except BaseException as exc:
            self.error = exc

    def join(self) -> None:
        self._thread.join(HANG_GUARD_S)
        assert not self._thread.is_alive(), "the run never ended"
        if self.error is not None:
            raise self.error


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


def test_the_driver_runs_to_the_end_and_reports() -> None:
    got: list[Snapshot] = []
    run = _Thread(Simulation(_doc(5.0)), LocalControl(), got.append)
    run.join()
    assert len(got) == 5 and run.summary["simulated_s"] == 5.0
    # Simulation.run is the same driver on the calling thread.
    again: list[Snapshot] = []
    assert Simulation(_doc(5.0)).run(again.append)["simulated_s"] == 5.0
    assert [s.to_wire() for s in again] == [s.to_wire() for s in got]


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
    at_three, go_on = threading.Event(), threading.Event()
    sim = Simulation(_doc(10_000.0))
    control = LocalControl()

    def on_snapshot(snap: Snapshot) -> None:
        got.append(snap)
        if len(got) == 3:  # hold the driver here until the main thread has paused it
            at_three.set()
            go_on.wait()

    run = _Thread(sim, control, on_snapshot)
    assert at_three.wait(HANG_GUARD_S)
    control.pause()
    go_on.set()
    assert control.paused()
    time.sleep(0.3)  # a driver that ignored the pause would move on meanwhile
    assert sim.now == 3.0 and len(got) == 3, "the run moved while paused"
    control.resume()
    assert not control.paused()
    _wait_until(lambda: len(got) >= 5, "the run went on after resume")
    control.request_stop()
    run.join()
    assert sim.stopped and run.summary["simulated_s"] == pytest.approx(sim.now)
    assert 5.0 <= run.summary["simulated_s"] < 10_000.0
    # The last snapshot and the summary cover exactly what was simulated.
    assert got[-1].time_s == pytest.approx(run.summary["simulated_s"])
    assert [s.time_s for s in got[:5]] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_pause_and_stop_take_effect_at_the_next_slice() -> None:
    """Requests made mid-window are honoured at the next slice boundary, not the window's end."""
    got: list[Snapshot] = []
    sim = Simulation(_doc(10_000.0))
    control = LocalControl()
    slice_s = sim.window_s / SLICES_PER_WINDOW
    _at(sim, 3.3, control.pause)
    _at(sim, 7.6, control.request_stop)
    held_at = math.ceil(3.3 / slice_s) * slice_s  # 3.375 with 1 s windows of 8 slices
    run = _Thread(sim, control, got.append)
    _wait_until(lambda: sim.now >= held_at - TINY, "the run reached the pause")
    time.sleep(0.3)  # a driver that ignored the pause would move on meanwhile
    assert sim.now == pytest.approx(held_at) and len(got) == 3
    control.resume()
    run.join()
    stopped_at = math.ceil(7.6 / slice_s) * slice_s  # 7.625
    assert sim.stopped and run.summary["simulated_s"] == pytest.approx(stopped_at)
    assert [s.time_s for s in got] == pytest.approx([1, 2, 3, 4, 5, 6, 7, stopped_at])
    assert got[-1].window_s == pytest.approx(stopped_at - 7.0)  # the window closed early


@pytest.mark.parametrize("asked_at", [0.01, 2.2, 2.5, 4.99, 6.0])
def test_a_stop_lands_within_one_slice_of_simulated_time(asked_at: float) -> None:
    sim = Simulation(_doc(10.0))
    control = LocalControl()
    _at(sim, asked_at, control.request_stop)
    summary = RunDriver(sim, control).run()
    assert sim.stopped
    assert asked_at <= sim.now <= asked_at + sim.window_s / SLICES_PER_WINDOW + TINY
    assert summary["simulated_s"] == pytest.approx(sim.now)


def test_stopping_a_paused_run_ends_it_where_it_was_held() -> None:
    got: list[Snapshot] = []
    sim = Simulation(_doc(10_000.0))
    control = LocalControl()
    slice_s = sim.window_s / SLICES_PER_WINDOW
    _at(sim, 2.2, control.pause)
    held_at = math.ceil(2.2 / slice_s) * slice_s  # 2.25
    run = _Thread(sim, control, got.append)
    _wait_until(lambda: sim.now >= held_at - TINY, "the run reached the pause")
    control.request_stop()
    run.join()
    assert run.summary["simulated_s"] == pytest.approx(held_at)
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
    sim = Simulation(_doc(duration, rate=200.0))
    slice_s = sim.window_s / SLICES_PER_WINDOW
    t0 = time.perf_counter()
    run = _Thread(sim, LocalControl(speed),
                  lambda snap: marks.append((time.perf_counter(), snap.time_s)))
    run.join()
    ended = time.perf_counter()
    assert [t for _, t in marks] == [1.0, 2.0]
    slack = 1e-3  # the clocks' and the sleep's resolution, nothing more
    for wall, simulated in marks:
        # The window's last slice is paced after its snapshot is handed over.
        assert wall - t0 >= (simulated - slice_s) / speed - slack, (wall - t0, simulated)
    assert ended - t0 >= duration / speed - slack, ended - t0


#: So slow that one slice would take days of wall time: a run at this speed is
#: asleep between two slices for as long as a test lasts.
GLACIAL = 1e-6


def test_a_new_speed_or_a_stop_ends_a_paced_wait() -> None:
    """The wait for the wall clock is interruptible: a faster speed re-bases the pacing
    at once, and a stop lands at the slice where the run sleeps."""
    sim = Simulation(_doc(3.0, rate=200.0))
    control = LocalControl(GLACIAL)
    got: list[Snapshot] = []
    run = _Thread(sim, control, got.append)
    step = sim.window_s / SLICES_PER_WINDOW
    # sim.now moves during the slice (read from another thread): wait for its end.
    _wait_until(lambda: sim.now >= step - 1e-9, "the first slice ran")
    assert sim.now == pytest.approx(step)  # asleep after it
    control.set_speed(None)
    run.join()
    assert run.summary["simulated_s"] == 3.0 and len(got) == 3

    sim = Simulation(_doc(3.0, rate=200.0))
    control = LocalControl(GLACIAL)
    run = _Thread(sim, control)
    _wait_until(lambda: sim.now >= 1 / SLICES_PER_WINDOW - 1e-9, "the first slice ran")
    control.request_stop()
    run.join()
    assert sim.stopped and run.summary["simulated_s"] == pytest.approx(1 / SLICES_PER_WINDOW)


def test_errors_reach_the_caller() -> None:
    sim = Simulation(_doc(5.0))
    sim.stations["s"].service = lambda: 1 / 0  # a broken sampler
    run = _Thread(sim, LocalControl())
    with pytest.raises(ZeroDivisionError):
        run.join()


def test_the_control_keeps_live_actions_in_order_and_wakes_the_driver() -> None:
    control = LocalControl()
    crash, recover = LiveAction("crash", "s"), LiveAction("recover", "s")
    control.send(crash)
    control.send(recover)
    control.wait(HANG_GUARD_S)  # returns at once: the sends woke it
    assert control.drain() == [crash, recover]
    assert control.drain() == []
    ctx = multiprocessing.get_context("spawn")
    shared = ProcessControl(ctx)
    shared.send(crash)
    shared.send(recover)
    shared.wait(HANG_GUARD_S)
    assert shared.drain() == [crash, recover]
    assert shared.drain() == []


def test_a_live_action_applies_between_slices() -> None:
    """A crash sent mid-run takes the only server down from the next slice on."""
    sim = Simulation(_doc(6.0), live=True)
    control = LocalControl()
    got: list[Snapshot] = []
    _at(sim, 2.3, lambda: control.send(LiveAction("crash", "s")))
    RunDriver(sim, control, on_snapshot=got.append).run()
    assert got[1].components["s"].completed > 1000  # before: busy
    assert [s.components["s"].completed for s in got[3:]] == [0, 0, 0]


# -- through the GUI's engine process ---------------------------------------------------------


def _engine(control: ProcessControl, doc: Any,
            on_batch: Callable[[list[Snapshot]], None] | None = None,
            ) -> tuple[list[Snapshot], tuple[Any, ...]]:
    """Run ``doc`` in a real engine process (spawned: no Qt, nothing inherited);
    returns the snapshots it sent and its last message."""
    ctx = multiprocessing.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(target=run_engine, args=(doc, None, writer, control, 0.01),
                          kwargs={"low_priority": False}, daemon=True)
    process.start()
    writer.close()
    got: list[Snapshot] = []
    try:
        while True:
            assert reader.poll(HANG_GUARD_S), "the engine process went silent"
            message = reader.recv()
            if message[0] != "batch":
                return got, message
            got.extend(Snapshot.from_wire(w) for w in message[1])
            if on_batch is not None:
                on_batch(got)
    finally:
        reader.close()
        process.join(HANG_GUARD_S)
        if process.is_alive():
            process.terminate()


def test_a_stop_from_the_gui_lands_within_one_slice_in_the_engine_process() -> None:
    """The engine process sleeps after its first slice (glacial pace), so a stop asked
    for now is asked for at a simulated time of at most one slice: it must land there,
    not at the window's end (where the old loop first looked)."""
    doc = _doc(10.0, rate=200.0)
    control = ProcessControl(multiprocessing.get_context("spawn"), GLACIAL)
    stopper = threading.Timer(0.2, control.request_stop)  # any moment will do
    stopper.start()
    try:
        got, message = _engine(control, doc)
    finally:
        stopper.cancel()
    assert message[0] == "finished", message
    summary, stopped = message[1], message[2]
    assert stopped
    assert summary["simulated_s"] <= 1.0 / SLICES_PER_WINDOW + TINY
    if got:  # the window closed early at the stop
        assert got[-1].time_s == pytest.approx(summary["simulated_s"])


def test_the_engine_process_pauses_and_stops_through_its_control() -> None:
    """Paused, slowed, sped up and stopped once windows arrive: the engine ends at a
    slice boundary, and every window it closed (the last one early) reached the GUI."""
    control = ProcessControl(multiprocessing.get_context("spawn"))

    def on_batch(got: list[Snapshot]) -> None:
        if not control.paused() and not control.stop_requested():
            control.pause()
            control.set_speed(GLACIAL)  # wakes the held engine, which holds on
            control.set_speed(None)
            control.request_stop()

    got, message = _engine(control, _doc(10_000.0, rate=200.0), on_batch)
    assert message[0] == "finished" and message[2] is True
    simulated = message[1]["simulated_s"]
    slices = simulated * SLICES_PER_WINDOW
    assert slices == pytest.approx(round(slices))  # stopped at a slice boundary
    assert got[-1].time_s == pytest.approx(simulated)
    whole = [s.time_s for s in got if s.window_s == 1.0]
    assert whole == [float(i) for i in range(1, len(whole) + 1)]


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
