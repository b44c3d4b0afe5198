"""Run-time state that means what it says: crashes, replicas mid-run, events, link counters."""

from __future__ import annotations

import pickle

import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.engine.snapshot import Snapshot
from app.model import Link
from tests.unit.engine_docs import client, design, server


def _windows(sim: Simulation) -> list[Snapshot]:
    out = []
    while not sim.finished:
        out.append(sim.step_window())
    return out


def test_a_crashed_replica_fails_its_queue_and_in_flight_work_and_completes_nothing() -> None:
    # One replica, one worker, 1 s service at 20 requests/s: the queue is long.
    doc = design([client(20, "constant"), server("s", 1000.0, 1, dist="constant")],
                 [("users", "s")], duration=6)
    sim = Simulation(doc, live=True)
    sim.step_window()
    sim.step_window()
    st = sim.stations["s"]
    queued = len(st.replicas[0].queue)
    in_flight = len(st.replicas[0].inflight)
    assert queued > 10 and in_flight == 1
    failed_before = st.failed
    sim.apply(LiveAction("crash", "s"))
    # Everything it held failed back to the client at once.
    assert st.failed - failed_before == queued + in_flight
    assert st.insys == 0 and st.busy == 0 and st.queued == 0 and st.serving == 0
    assert sim.clients["users"].in_flight == 0
    down = sim.step_window()
    comp = down.components["s"]
    assert comp.completed == 0 and comp.availability == 0.0 and comp.utilization == 0.0
    # The crash came at the window's close: its victims count in this window.
    assert comp.arrivals == 20 and comp.failed == 20 + queued + in_flight
    sim.apply(LiveAction("recover", "s"))
    back = sim.step_window().components["s"]
    after = sim.step_window().components["s"]
    # Repaired with an empty queue: the first request after it ends 1 s later.
    assert back.availability == 1.0 and back.completed == 0 and back.failed == 0
    assert after.completed == 1
    kinds = [(e.kind, e.target) for e in sim.events.events]
    assert ("crash", "s") in kinds and ("recover", "s") in kinds


def test_the_crash_interrupts_work_whose_wake_up_is_later_ignored() -> None:
    doc = design([client(1, "constant"), server("s", 1500.0, 1, dist="constant")],
                 [("users", "s")], duration=4, warmup=0)
    sim = Simulation(doc, live=True)
    sim.schedule(0.5, lambda: sim.apply(LiveAction("crash", "s")))
    sim.schedule(0.6, lambda: sim.apply(LiveAction("recover", "s")))
    out = sim.run()
    s = out["components"]["s"]
    # The request of t=0 was failed at 0.5 and its service end (1.5) did nothing;
    # those of t=1, 2, 3 arrived after the repair: one worker, 1.5 s each, so
    # only that of t=1 completed (at 2.5) before the end at 4.
    assert s["failed"] == 1 and s["completed"] == 1
    assert out["end_to_end"]["failed"] == 1
    st = sim.stations["s"]
    assert st.busy == 1 and st.serving == 1 and st.queued == 1 and st.insys == 2


def test_replicas_added_and_retired_mid_run_drain_and_integrate_worker_seconds() -> None:
    s = server("s", 100.0, 1, dist="constant")
    s.replicas = 2
    doc = design([client(15, "constant"), s], [("users", "s")], duration=4)
    sim = Simulation(doc)
    st = sim.stations["s"]
    sim.step_window()
    retiring = st.replicas[1]
    st.retire_replica(retiring)  # it drains what it holds, takes nothing new
    assert retiring.retiring and not retiring.up
    sim.step_window()
    assert st.retiring == [] and len(st.replicas) == 1
    st.add_replica(provisioning=True)
    w3 = sim.step_window().components["s"]
    assert w3.replicas == 1  # provisioning does not serve nor count
    st.ready(st.replicas[1])
    w4 = sim.step_window().components["s"]
    assert w4.replicas == w4.replicas_up == 2
    out = sim.summary()
    assert out["components"]["s"]["replicas"] == {"min": 1, "max": 2, "final": 2}
    assert out["end_to_end"]["failed"] == 0


def test_utilization_divides_by_the_worker_seconds_of_the_window() -> None:
    # Two replicas of one worker, each busy all the time (overload); one retires
    # half-way through the second window: utilization stays 1, not 2.
    s = server("s", 1000.0, 1, dist="constant")
    s.replicas = 2
    doc = design([client(100, "constant"), s], [("users", "s")], duration=3)
    sim = Simulation(doc, live=True)
    st = sim.stations["s"]
    sim.step_window()
    sim.schedule(1.5, lambda: st.crash_replica(st.replicas[1]))
    w2 = sim.step_window().components["s"]
    assert w2.utilization == pytest.approx(1.0)
    assert w2.availability == pytest.approx(0.75)


def test_link_counters_in_snapshots_and_summary() -> None:
    doc = design(
        [client(200), server("web", 1.0, 8), server("db", 2.0, 8)],
        [("users", "web"), Link("web", "db", latency_ms=1.0)], duration=5,
    )
    sim = Simulation(doc)
    snaps = _windows(sim)
    out = sim.summary()
    link = out["links"]["web->db"]
    assert link["calls"] == out["components"]["db"]["arrivals"] > 800
    assert link["failed"] == link["timed_out"] == link["retried"] == 0
    # Round trip: 1 ms out, the db's own time, 1 ms back.
    db_mean = out["components"]["db"]["latency_ms"]["mean"]
    assert link["latency"]["mean"] == pytest.approx(db_mean + 2.0, rel=1e-6)
    direct = out["links"]["users->web"]
    assert direct["calls"] == out["components"]["web"]["arrivals"]
    assert direct["latency"]["count"] == out["components"]["web"]["completed"]
    assert sum(s.links["web->db"].calls for s in snaps) == link["calls"]


def test_link_counts_attempts_timeouts_and_retries() -> None:
    # db answers in 50 ms; the link gives up after 10 ms and retries twice.
    doc = design(
        [client(50, "constant"), server("web", 1.0, 8), server("db", 50.0, 64, dist="constant")],
        [("users", "web"), Link("web", "db", timeout_ms=10.0, retries=2)], duration=2,
    )
    out = Simulation(doc).run()
    link = out["links"]["web->db"]
    e2e = out["end_to_end"]
    ended = e2e["failed"]
    assert e2e["completed"] == 0 and e2e["timed_out"] == ended > 90
    # Each request that ended made three attempts; the last ones are still trying.
    assert 3 * ended <= link["calls"] <= 3 * e2e["requests"]
    assert link["retried"] == link["calls"] - e2e["requests"]
    assert link["timed_out"] == link["failed"] >= 3 * ended
    assert link["latency"]["count"] == 0


def test_a_partition_with_a_timeout_fails_at_the_timeout() -> None:
    doc = design(
        [client(10, "constant"), server("web", 1.0, 8), server("db", 1.0, 8)],
        [("users", "web"), Link("web", "db", timeout_ms=200.0)], duration=2,
    )
    sim = Simulation(doc)
    sim.apply(LiveAction("partition", "web->db"))
    out = sim.run()
    e2e = out["end_to_end"]
    # Requests of the last 0.2 s are still waiting for their timeout.
    assert e2e["completed"] == 0 and e2e["failed"] == e2e["requests"] - 2
    assert out["links"]["web->db"]["timed_out"] == e2e["failed"]
    assert out["components"]["db"]["arrivals"] == 0


def test_events_travel_in_snapshots_across_a_pipe() -> None:
    doc = design([client(100), server("s", 1.0, 4)], [("users", "s")], duration=3)
    sim = Simulation(doc)
    sim.schedule(1.25, lambda: sim.apply(LiveAction("slowdown", "s", factor=3.0,
                                                    duration_s=1.0)))
    snaps = _windows(sim)
    assert [e.kind for e in snaps[0].events] == []
    assert [(e.kind, e.time_s) for e in snaps[1].events] == [("slowdown", 1.25)]
    assert [(e.kind, e.time_s) for e in snaps[2].events] == [("slowdown_end", 2.25)]
    again = Snapshot.from_wire(pickle.loads(pickle.dumps(snaps[1].to_wire())))
    assert again == snaps[1]
    assert sim.stations["s"].slowdown == 1.0
    out = sim.summary()
    assert [e["kind"] for e in out["events"]] == ["slowdown", "slowdown_end"]
    assert out["events"][0] == {"time_s": 1.25, "kind": "slowdown", "target": "s",
                                "source": "live", "factor": 3.0}


def test_a_live_action_on_a_missing_target_is_an_event_not_an_error() -> None:
    sim = Simulation(design([client(10), server("s")], [("users", "s")], duration=1))
    sim.apply(LiveAction("crash", "ghost"))
    sim.apply(LiveAction("partition", "s->users"))
    assert [e.kind for e in sim.events.events] == ["live_refused", "live_refused"]


def test_window_hooks_see_the_window_and_their_events_land_in_its_snapshot() -> None:
    sim = Simulation(design([client(100), server("s")], [("users", "s")], duration=2))
    seen = []

    def hook(close: object) -> None:
        seen.append(close.time_s)  # type: ignore[attr-defined]
        sim.events.emit("checked", "s")

    sim.add_window_hook(hook)
    snaps = _windows(sim)
    assert seen == [1.0, 2.0]
    assert [e.kind for e in snaps[0].events] == ["checked"]


def test_same_seed_same_events_and_link_figures() -> None:
    doc = design([client(100), server("s", 1.0, 2)], [Link("users", "s", latency_ms=1.0)],
                 duration=3)

    def once() -> dict[str, object]:
        sim = Simulation(doc, live=True)
        sim.schedule(1.0, lambda: sim.apply(LiveAction("crash", "s", duration_s=0.5)))
        out = sim.run()
        out.pop("wall_s")
        return out

    assert once() == once()
