"""The engine process's pipe format keeps every field of a real snapshot."""

from __future__ import annotations

import pickle

from app.engine.simulation import Simulation
from app.model.fileformat import load
from app.resources import resource_path
from app.ui.engine_process import from_wire, to_wire


def test_a_snapshot_survives_the_pipe_with_warm_up_flag_and_missing_latency() -> None:
    doc = load(resource_path("templates", "three_tier_web_app.sdsim"))
    sim = Simulation(doc, duration_s=4, warmup_s=2, window_s=0.5, seed=1)
    first = sim.step_window()
    assert first.warming_up
    back = from_wire(pickle.loads(pickle.dumps(to_wire(first))))
    assert back == first and back.warming_up
    while not sim.finished:
        last = sim.step_window()
    assert not last.warming_up
    back = from_wire(pickle.loads(pickle.dumps(to_wire(last))))
    assert back == last and not back.warming_up
    # A window in which nothing completed has no latency, and says so after the pipe.
    idle = Simulation(doc, duration_s=1, warmup_s=0, window_s=0.001, seed=1).step_window()
    assert idle.end_to_end.latency_mean_ms is None
    assert from_wire(to_wire(idle)).end_to_end.latency_mean_ms is None
