"""The collector while a run is built and driven (app/engine/gc_policy.py).

A 20,000-component chain spent 44 % of its CPU time in collections: full
passes over the model during the run, young passes over it while it was
being built. A run now builds with the collector off, runs with no full
collection, and leaves the process's settings as it found them.
"""

from __future__ import annotations

import gc
import threading

import pytest

from app.engine import Simulation
from app.engine.gc_policy import RUN_YOUNG_THRESHOLD, build_paused, run_thresholds
from tests.unit.test_engine_chains import chain


def test_a_run_has_no_full_collection_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    full: list[int] = []

    here = threading.get_ident()

    def count_full(phase: str, info: dict[str, int]) -> None:
        # Only the run's own thread: another test's leftover thread may collect by hand.
        if phase == "start" and info["generation"] == 2 and threading.get_ident() == here:
            full.append(1)

    sim = Simulation(chain(3000, duration=1.0))
    gc.callbacks.append(count_full)
    try:
        sim.run(on_snapshot=lambda _snap: seen.append(gc.get_threshold()))
    finally:
        gc.callbacks.remove(count_full)
    assert seen and all(t[0] >= RUN_YOUNG_THRESHOLD and t[2] >= 1 << 30 for t in seen)
    assert full == []
    assert gc.get_threshold() == before


def test_thresholds_come_back_after_an_error_and_overlapping_runs() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), run_thresholds():
        raise RuntimeError("a run failed")
    assert gc.get_threshold() == before
    # Two runs in two threads, ending in the other order than they started.
    first_in, second_in, first_may_end = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with run_thresholds():
            first_in.set()
            second_in.wait(5)
            first_may_end.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with run_thresholds():
        second_in.set()
    assert gc.get_threshold()[2] >= 1 << 30, "the first run is still going"
    first_may_end.set()
    thread.join(5)
    assert gc.get_threshold() == before


def test_a_collector_the_host_turned_off_stays_off() -> None:
    """The GUI collects from a timer (app/ui/gui_gc.py): building must not turn it on."""
    gc.disable()
    try:
        with build_paused():
            assert not gc.isenabled()
        Simulation(chain(10))
        assert not gc.isenabled()
    finally:
        gc.enable()
    with build_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_builds_keep_the_collector_off_until_the_last_ends() -> None:
    assert gc.isenabled()
    with build_paused():
        with build_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer build is still going"
    assert gc.isenabled()


def test_a_young_threshold_of_zero_stays_zero() -> None:
    """``set_threshold(0)`` is how a host turns automatic collection off: kept so."""
    before = gc.get_threshold()
    gc.set_threshold(0, before[1], before[2])
    try:
        with run_thresholds():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
