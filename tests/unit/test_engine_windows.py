"""Closing windows: idle components and links reuse their last idle figures only when valid."""

from __future__ import annotations

import pytest

from app.engine import Simulation
from app.model import SimulationSettings
from tests.unit.engine_docs import client, design, server


def _idle_design():
    # One request every 2 s against 0.5-s windows: most windows see nothing at all.
    s = server("s", 1.0, 1)
    s.replicas = 2
    doc = design([client(0.5, "constant"), s], [("users", "s")], duration=6.0)
    doc.simulation = SimulationSettings(duration_s=6.0, warmup_s=0.0, seed=1, window_s=0.5)
    return doc


def test_idle_windows_still_see_a_crash_and_a_recovery() -> None:
    sim = Simulation(_idle_design(), live=True)
    station = sim.stations["s"]
    rep = station._replicas[1]
    sim.schedule(2.25, lambda: station.crash_replica(rep))
    sim.schedule(3.25, lambda: station.recover_replica(rep))
    windows = []
    while not sim.finished:
        windows.append(sim.step_window().components["s"])
    availability = [w.availability for w in windows]
    # Half of the replicas were down from 2.25 s to 3.25 s: windows 2.0-2.5 and
    # 3.0-3.5 had them down half the time, 2.5-3.0 all the time.
    assert availability[4] == pytest.approx(0.75)
    assert availability[5] == pytest.approx(0.5)
    assert availability[6] == pytest.approx(0.75)
    assert availability[:4] == [1.0] * 4 and availability[7:] == [1.0] * 5
    assert [w.replicas_up for w in windows[4:7]] == [1, 1, 2]
    idle = [w for w in windows if w.arrivals == 0]
    assert len(idle) >= 6
    assert all(w.latency_mean_ms is None and w.utilization == 0.0 for w in idle)
    # The same request count as a busy window would report, over the whole run.
    assert sum(w.arrivals for w in windows) == sim.stations["s"].arrivals


def test_a_window_after_idle_ones_counts_only_its_own_events() -> None:
    sim = Simulation(_idle_design(), live=False)
    windows = []
    while not sim.finished:
        windows.append(sim.step_window())
    arrivals = [w.components["s"].arrivals for w in windows]
    assert arrivals == [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    calls = [w.links["users->s"].calls for w in windows]
    assert calls == arrivals
    busy = windows[4].components["s"]
    assert busy.completed == 1 and busy.latency_max_ms is not None
    assert busy.utilization > 0.0
