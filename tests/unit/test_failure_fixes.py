"""Review findings on failures: owned crash holds, O(N) replica changes, retired crashed
replicas in the statistics, crashed replicas in the autoscaler's scale-down."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from app.engine import Simulation
from app.engine.autoscaling import hpa_recommendation
from app.engine.commands import LiveAction
from app.model.document import Autoscaling, FailureSpec, Fault
from tests.unit.engine_docs import client, design, server

# -- 3: a stale release never ends another cause's crash --------------------------------


def test_a_stale_random_repair_does_not_end_a_later_live_crash() -> None:
    s = server("s", 1.0, 2, failure=FailureSpec(2.0, 20.0))
    sim = Simulation(design([client(50), s], [("users", "s")], duration=60), live=True)
    st = sim.stations["s"]
    rep = st.replicas[0]
    while not rep.crashed:  # the random process crashes it; its repair is ~20 s away
        sim.step_window()
    sim.apply(LiveAction("recover", "s"))  # ends the random hold early
    assert not rep.crashed
    sim.apply(LiveAction("crash", "s"))  # until a recover: no duration
    t_live = sim.now
    while not sim.finished:
        sim.step_window()
    # The random repair came and went; the live crash still holds the replica down.
    assert rep.crashed
    after = [e for e in sim.events.events if e.time_s > t_live]
    assert not [e for e in after if e.kind == "recover"]
    down = sim.summary()["failures"]["components"]["s"]["downtime_s"]
    assert down >= sim.now - t_live  # open until the end of the run


def test_releasing_a_cause_that_does_not_hold_the_replica_does_nothing() -> None:
    sim = Simulation(design([client(10), server("s", 1.0, 1)], [("users", "s")]), live=True)
    st, board = sim.stations["s"], sim.faults
    rep = st.replicas[0]
    first, second = object(), object()
    board.hold_down(st, rep, "live", cause=first)
    board.hold_down(st, rep, "fault", cause=second)
    board.release(st, rep, "live", cause=first)
    board.release(st, rep, "live", cause=first)  # twice: still held by the second
    assert rep.crashed
    board.release(st, rep, "fault", cause=object())  # a stranger: nothing
    assert rep.crashed
    board.release(st, rep, "fault", cause=second)
    assert not rep.crashed
    kinds = [(e.kind, e.detail["source"]) for e in sim.events.events]
    assert kinds == [("crash", "live"), ("recover", "fault")]
    assert sim.failures.stats.block({})["components"]["s"]["crashes"] == 1


# -- 5: crashing, repairing, adding and retiring N replicas is O(N) ----------------------


def _opcodes(action: Callable[[], None]) -> int:
    """Python bytecodes run by ``action`` (deterministic, unlike a clock)."""
    count = 0

    def tracer(frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        action()
    finally:
        sys.settrace(None)
    return count


def _tier_changes(n: int) -> int:
    a = server("a", 1.0, 1, zone="z")
    a.replicas = n
    sim = Simulation(design([client(1), a], [("users", "a")], duration=4))
    st = sim.stations["a"]

    def changes() -> None:
        outage = sim.faults.start("zone_outage", "z", source="fault")
        assert st.up_count == 0 and st.workers == 0
        sim.faults.end(outage)
        added = [st.add_replica(provisioning=True) for _ in range(n)]
        for rep in added:
            st.ready(rep)
        assert st.serving_count == 2 * n and st.integrals.share == 1.0
        st.retire_replicas(added)
        assert len(st.replicas) == n and st.replicas_max == 2 * n and st.replicas_min == n

    return _opcodes(changes)


def test_a_zone_outage_and_a_tier_change_of_n_replicas_cost_o_n() -> None:
    small, large = _tier_changes(1250), _tier_changes(5000)
    # Linear work gives 4x for 4x the replicas; a rescan per change would give ~16x.
    assert large / small == pytest.approx(4.0, rel=0.1)


def test_replica_numbers_are_stable_ids_in_creation_order() -> None:
    a = server("a", 1.0, 1)
    a.replicas = 3
    sim = Simulation(design([client(1), a], [("users", "a")]), live=True)
    st = sim.stations["a"]
    st.retire_replica(st.replicas[0])
    new = st.add_replica()
    assert [r.number for r in st.replicas] == [1, 2, 3] and new.number == 3
    fault = sim.faults.start("crash", "a", source="fault", replicas=1)
    sim.faults.end(fault)
    assert [(e.kind, e.detail["replica"]) for e in sim.events.events] == [
        ("crash", 1), ("recover", 1)]


# -- 6: a crashed replica that autoscaling retires leaves the statistics ------------------


def test_a_retired_crashed_replica_stops_counting_downtime_and_is_never_recovered() -> None:
    a = server("a", 10.0, 4, autoscaling=Autoscaling(target=0.6, min=1, max=8, cooldown_s=1,
                                                     provision_s=0))
    a.replicas = 4
    doc = design([client(20), a], [("users", "a")], duration=30)
    doc.faults = [Fault("crash", "a", 0.5, 20.0, replicas=1)]  # held 0.5..20.5
    sim = Simulation(doc)
    crashed = sim.stations["a"].replicas[0]
    summary = sim.run()
    events = summary["events"]
    down = [e for e in events if e["kind"] == "scale_down"]
    # Low load: even with the crashed replica at 100 %, the tier shrinks; it goes first.
    assert down and down[0]["time_s"] == 1.0
    assert crashed.retiring
    assert not [e for e in events if e["kind"] == "recover"]
    stats = summary["failures"]["components"]["a"]
    assert stats["crashes"] == 1
    assert stats["downtime_s"] == pytest.approx(0.5)  # 0.5 .. 1.0, then it left the tier
    assert stats["mttr_observed_s"] is None  # no repair: it never came back
    assert sim.faults._holds == {}


def test_a_replica_crashed_while_provisioning_counts_downtime_once_ready() -> None:
    sim = Simulation(design([client(10), server("s", 1.0, 1)], [("users", "s")],
                            duration=10), live=True)
    st, board = sim.stations["s"], sim.faults
    rep = st.add_replica(provisioning=True)
    cause = object()
    sim.schedule(1.0, lambda: board.hold_down(st, rep, "live", cause=cause))
    sim.schedule(3.0, lambda: st.ready(rep))  # in the availability share from now on
    sim.schedule(7.0, lambda: board.release(st, rep, "live", cause=cause))
    summary = sim.run()
    stats = summary["failures"]["components"]["s"]
    assert stats["crashes"] == 1
    assert stats["downtime_s"] == pytest.approx(4.0)  # 3 .. 7, not 1 .. 7
    assert stats["mttr_observed_s"] == pytest.approx(6.0)  # the whole repair
    # The same replica-seconds as the availability share: 2 replicas from 3 s, 1 down 3..7.
    assert summary["components"]["s"]["availability"] == pytest.approx(
        (3.0 * 1.0 + 4.0 * 0.5 + 3.0 * 1.0) / 10.0)


# -- 7: crashed replicas count at 100 % on a scale-down, as Kubernetes' missing pods ------


def test_hpa_counts_crashed_replicas_at_full_utilization_for_a_scale_down() -> None:
    # 2 ready at 50 %, 2 crashed, target 60 %: (0.5 x 2 + 1 x 2) / 4 = 0.75 -> ratio
    # 1.25, the direction flips: nothing changes (the crash does not shrink the tier).
    assert hpa_recommendation(4, 2, 0.5, 0.6) == (4, 0.75)
    # Very low load still shrinks it: (0.05 x 3 + 1) / 4 = 0.2875 -> ceil(0.479 x 4) = 2.
    assert hpa_recommendation(4, 3, 0.05, 0.6, crashed=1) == (2, pytest.approx(0.2875))
    # Provisioning replicas (not crashed) are left out of a scale-down.
    assert hpa_recommendation(4, 3, 0.2, 0.7, crashed=0) == (1, 0.2)
    # 5 replicas, 2 ready at 0.2, 1 crashed, 2 provisioning: (0.4 + 1) / 3 over 3 replicas.
    raw, metric = hpa_recommendation(5, 2, 0.2, 0.7, crashed=1)
    assert metric == pytest.approx(1.4 / 3) and raw == 2


def test_a_crash_does_not_shrink_an_autoscaled_tier() -> None:
    # 2 of 4 replicas crashed from the start; the 2 ready ones at ~50 % (target 60 %).
    # Counting the crashed ones at 0 % of nothing (the old rule) shrank the tier to 2.
    a = server("a", 10.0, 4, autoscaling=Autoscaling(target=0.6, min=1, max=8, cooldown_s=2,
                                                     provision_s=1))
    a.replicas = 4
    doc = design([client(400), a], [("users", "a")], duration=20)
    doc.faults = [Fault("crash", "a", 0.0, 10.0, replicas=2)]
    sim = Simulation(doc)
    while sim.now < 9.5:
        sim.step_window()
    assert len(sim.stations["a"].replicas) == 4
    assert not [e for e in sim.events.events if e.kind == "scale_down"]
    while not sim.finished:  # repaired at 10 s: ~25 % each, now it shrinks
        sim.step_window()
    assert next(e.time_s for e in sim.events.events if e.kind == "scale_down") > 10.0
