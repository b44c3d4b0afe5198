"""A snapshot's pipe format (the GUI's engine process) keeps every field of a real one."""

from __future__ import annotations

import pickle

from app.engine.simulation import Simulation
from app.engine.snapshot import Snapshot
from app.model.fileformat import load
from app.resources import resource_path


def test_a_snapshot_survives_the_pipe_with_warm_up_flag_and_missing_latency() -> None:
    doc = load(resource_path("templates", "three_tier_web_app.sdsim"))
    sim = Simulation(doc, duration_s=4, warmup_s=2, window_s=0.5, seed=1)
    first = sim.step_window()
    assert first.warming_up
    back = Snapshot.from_wire(pickle.loads(pickle.dumps(first.to_wire())))
    assert back == first and back.warming_up
    while not sim.finished:
        last = sim.step_window()
    assert not last.warming_up
    back = Snapshot.from_wire(pickle.loads(pickle.dumps(last.to_wire())))
    assert back == last and not back.warming_up
    # A window in which nothing completed has no latency, and says so after the pipe.
    idle = Simulation(doc, duration_s=1, warmup_s=0, window_s=0.001, seed=1).step_window()
    assert idle.end_to_end.latency_mean_ms is None
    assert Snapshot.from_wire(idle.to_wire()).end_to_end.latency_mean_ms is None
