"""The design's scheduled faults: each kind does what it says, from ``at_s`` for ``duration_s``."""

from __future__ import annotations

import pytest

from app.engine import Simulation
from app.engine.snapshot import Snapshot
from app.model import Link
from app.model.document import Component, Fault
from tests.unit.engine_docs import client, design, server


def _windows(sim: Simulation) -> list[Snapshot]:
    out = []
    while not sim.finished:
        out.append(sim.step_window())
    return out


def _replicas(comp: Component, n: int, zone: str | None = None) -> Component:
    comp.replicas = n
    comp.zone = zone
    return comp


def test_a_scheduled_crash_fails_held_work_completes_nothing_while_down_and_recovers() -> None:
    # One replica, one worker, 1 s service at 20 requests/s: a long queue when it crashes.
    doc = design([client(20, "constant"), server("s", 1000.0, 1, dist="constant")],
                 [("users", "s")], duration=7)
    doc.faults = [Fault("crash", "s", at_s=2.0, duration_s=2.0)]
    sim = Simulation(doc)
    snaps = _windows(sim)
    st = sim.stations["s"]
    for down in snaps[2:4]:  # windows (2, 3] and (3, 4]
        c = down.components["s"]
        assert c.completed == 0 and c.availability == 0.0 and c.utilization == 0.0
    # At 2.0 everything it held (arrived, not completed) failed back to the client;
    # every arrival while down failed at once.
    held = sum(s.components["s"].arrivals - s.components["s"].completed for s in snaps[:2])
    assert held > 30 and snaps[2].components["s"].failed == 20 + held
    crash = next(e for e in sim.events.events if e.kind == "crash")  # alerts go pending too
    assert crash.detail["failed"] == held
    assert snaps[3].components["s"].failed == 20
    assert snaps[4].components["s"].availability == 1.0
    assert snaps[5].components["s"].completed == 1  # the first after the repair ends at 5
    assert st.failed == snaps[2].end_to_end.failed + snaps[3].end_to_end.failed
    events = [(e.kind, e.time_s, e.detail["source"]) for e in sim.events.events
              if not e.kind.startswith("alert_")]
    assert events == [("crash", 2.0, "fault"), ("recover", 4.0, "fault")]
    fails = sim.summary()["failures"]
    assert fails["crashes"] == 1 and fails["downtime_s"] == pytest.approx(2.0)
    assert fails["components"]["s"] == {
        "crashes": 1, "downtime_s": pytest.approx(2.0),
        "availability": pytest.approx(5.0 / 7.0), "mttr_observed_s": pytest.approx(2.0)}


def test_a_fault_without_duration_lasts_to_the_end() -> None:
    doc = design([client(10, "constant"), server("s", 1.0, 1)], [("users", "s")], duration=4)
    doc.faults = [Fault("crash", "s", at_s=1.0)]
    out = Simulation(doc).run()
    s = out["components"]["s"]
    assert s["availability"] == pytest.approx(0.25) and s["completed"] == 10
    assert out["failures"]["components"]["s"]["mttr_observed_s"] is None
    assert out["failures"]["downtime_s"] == pytest.approx(3.0)  # still down at the end


def test_crash_replicas_n_takes_down_the_first_n_of_a_tier() -> None:
    doc = design([client(400, "constant"), _replicas(server("s", 1.0, 1), 4)],
                 [("users", "s")], duration=3)
    doc.faults = [Fault("crash", "s", at_s=1.0, duration_s=1.0, replicas=2)]
    sim = Simulation(doc)
    snaps = _windows(sim)
    st = sim.stations["s"]
    mid = snaps[1].components["s"]
    assert mid.availability == pytest.approx(0.5) and mid.replicas_up == 2
    assert snaps[2].components["s"].replicas_up == 4  # repaired at 2.0, the next window's
    # The other two replicas served everything (1 ms each, well under capacity).
    assert mid.failed == 0 and mid.completed == 400
    crashed = [e.detail["replica"] for e in sim.events.events if e.kind == "crash"]
    assert crashed == [0, 1]
    assert all(not r.crashed for r in st.replicas)
    assert sim.summary()["failures"]["components"]["s"]["downtime_s"] == pytest.approx(2.0)


def test_a_zone_outage_crashes_every_replica_in_the_zone_only() -> None:
    a = _replicas(server("a", 1.0, 2), 2, "eu-1")
    b = _replicas(server("b", 1.0, 2), 3, "eu-1")
    c = _replicas(server("c", 1.0, 2), 2, "eu-2")
    doc = design([client(100), a, b, c], [("users", "c"), ("users", "a"), ("users", "b")],
                 duration=3)
    doc.faults = [Fault("zone_outage", "eu-1", at_s=1.0, duration_s=1.0)]
    sim = Simulation(doc)
    snaps = _windows(sim)
    mid = snaps[1].components
    assert mid["a"].availability == mid["b"].availability == 0.0
    assert mid["a"].completed == mid["b"].completed == 0
    assert mid["c"].availability == 1.0 and mid["c"].completed > 50
    out = sim.summary()
    assert out["failures"]["crashes"] == 5
    assert [e["kind"] for e in out["events"]].count("zone_outage") == 1
    assert out["failures"]["components"]["c"]["crashes"] == 0


def test_a_slowdown_multiplies_service_times_while_it_lasts() -> None:
    doc = design([client(10, "constant"), server("s", 10.0, 4, dist="constant")],
                 [("users", "s")], duration=3)
    doc.faults = [Fault("slowdown", "s", at_s=1.0, duration_s=1.0, factor=3.0)]
    sim = Simulation(doc)
    lat = [s.components["s"].latency_mean_ms for s in _windows(sim)]
    assert lat == pytest.approx([10.0, 30.0, 10.0])
    assert sim.stations["s"].slowdown == 1.0


def test_an_error_rate_fault_fails_requests_after_service_and_ends() -> None:
    doc = design([client(50, "constant"), server("s", 1.0, 4, dist="constant")],
                 [("users", "s")], duration=3)
    doc.faults = [Fault("error_rate", "s", at_s=1.0, duration_s=1.0, rate=1.0)]
    sim = Simulation(doc)
    snaps = _windows(sim)
    assert [s.end_to_end.failed for s in snaps] == [0, 50, 0]
    assert snaps[1].components["s"].completed == 0
    assert sim.stations["s"].error_rate == 0.0


def test_a_latency_fault_adds_its_milliseconds_to_the_link() -> None:
    doc = design([client(10, "constant"), server("web", 1.0, 8, dist="constant"),
                  server("db", 2.0, 8, dist="constant")],
                 [("users", "web"), Link("web", "db", latency_ms=1.0)], duration=3)
    doc.faults = [Fault("latency", "web->db", at_s=1.0, duration_s=1.0, add_ms=50.0)]
    sim = Simulation(doc)
    link = [s.links["web->db"].latency_mean_ms for s in _windows(sim)]
    # Round trip: 1 ms out (+50 ms during the fault), 2 ms served, 1 ms back.
    assert link == pytest.approx([4.0, 54.0, 4.0])


def test_a_partition_fails_calls_at_once_without_a_timeout() -> None:
    doc = design([client(10, "constant"), server("web", 1.0, 8), server("db", 1.0, 8)],
                 [("users", "web"), Link("web", "db", latency_ms=1.0)], duration=3)
    doc.faults = [Fault("partition", "web->db", at_s=1.0, duration_s=1.0)]
    sim = Simulation(doc)
    snaps = _windows(sim)
    assert [s.end_to_end.failed for s in snaps] == [0, 10, 0]
    assert snaps[1].components["db"].arrivals == 0
    assert [s.links["web->db"].partitioned for s in snaps] == [False, True, False]
    kinds = [e.kind for e in sim.events.events if not e.kind.startswith("alert_")]
    assert kinds == ["partition", "partition_end"]


def test_overlapping_causes_compose() -> None:
    # A crash of 1..3 and a zone outage of 2..4: the replica is down from 1 to 4.
    doc = design([client(10), _replicas(server("s", 1.0, 1), 1, "z")], [("users", "s")],
                 duration=5)
    doc.faults = [Fault("crash", "s", at_s=1.0, duration_s=2.0),
                  Fault("zone_outage", "z", at_s=2.0, duration_s=2.0)]
    out = Simulation(doc).run()
    assert out["components"]["s"]["availability"] == pytest.approx(0.4)
    assert out["failures"]["components"]["s"]["crashes"] == 1
    assert out["failures"]["components"]["s"]["mttr_observed_s"] == pytest.approx(3.0)


def test_failure_statistics_count_after_the_warm_up() -> None:
    doc = design([client(10), _replicas(server("s", 1.0, 1), 2)], [("users", "s")],
                 duration=6, warmup=2)
    doc.faults = [Fault("crash", "s", at_s=1.0, duration_s=2.0, replicas=1),  # 1..3
                  Fault("crash", "s", at_s=4.0, duration_s=1.0)]  # 4..5, both replicas
    out = Simulation(doc).run()
    s = out["failures"]["components"]["s"]
    # The first crash is in the warm-up (not counted) but its repair at 3 is measured.
    assert s["crashes"] == 2 and out["failures"]["crashes"] == 2
    assert s["downtime_s"] == pytest.approx(1.0 + 2.0)
    assert s["mttr_observed_s"] == pytest.approx((2.0 + 1.0 + 1.0) / 3)
    assert s["availability"] == out["components"]["s"]["availability"]
    # Downtime and availability tell the same story: 2 replicas over 4 measured seconds.
    assert s["downtime_s"] == pytest.approx(2 * 4.0 * (1.0 - s["availability"]))


def test_a_design_without_failures_schedules_nothing() -> None:
    sim = Simulation(design([client(10), server("s")], [("users", "s")], duration=2))
    assert sim.failures.specs == {}
    assert sim.alerts is not None  # only the default alert rules hook the window closes
    assert sim._window_hooks == [sim.alerts.window_closed]
    out = sim.run()
    assert out["failures"] == {"crashes": 0, "downtime_s": 0.0, "components": {
        "s": {"crashes": 0, "downtime_s": 0.0, "availability": 1.0, "mttr_observed_s": None}}}
