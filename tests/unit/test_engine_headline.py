"""Headline numbers that tell the truth when a design is in trouble (issue #8 §6).

Real SimPy runs; most designs use constant arrivals and service times so the
expected figures are exact, and the stochastic ones compare with a closed
form (Erlang B) within a stated number of standard errors.
"""

from __future__ import annotations

import math

import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.model import UNBOUNDED, Component, Link, ServiceTime
from tests.unit.engine_docs import client, design, server


def _explicit(cid: str, ctype: str, workers: int, mean_ms: float, capacity: object,
              dist: str = "constant") -> Component:
    return Component(id=cid, type=ctype, concurrency=workers,
                     queue_capacity=capacity,  # type: ignore[arg-type]
                     service_time=ServiceTime(dist, mean_ms=mean_ms))


def _windows(sim: Simulation) -> list:
    snaps = []
    while not sim.finished:
        snaps.append(sim.step_window())
    return snaps


# -- async work that fails downstream ----------------------------------------------------

def test_async_failures_at_a_consumer_show_end_to_end() -> None:
    # web -> (async) worker; the worker is an M/M/1/1 loss system at a = 1, so
    # Erlang B gives a blocking probability of a / (1 + a) = 1/2.
    web = server("web", 0.1, 50)
    worker = _explicit("worker", "worker", 1, 1.0, 0, dist="exponential")
    doc = design([client(1000), web, worker],
                 [("users", "web"), Link("web", "worker", mode="async")], duration=10)
    out = Simulation(doc).run()
    e2e, comp = out["end_to_end"], out["components"]["worker"]
    assert e2e["failed"] == 0 and e2e["completed"] == e2e["requests"] > 9000
    # One message per request: each rejected message is one request whose async work failed.
    assert e2e["async_failed"] == comp["rejected"]
    # ~10,000 messages: the standard error of the share is ~0.5 %; 0.03 is 6 of them.
    assert e2e["async_failed"] / e2e["requests"] == pytest.approx(0.5, abs=0.03)
    assert e2e["error_rate"] == pytest.approx(e2e["async_failed"] / e2e["completed"], rel=1e-9)
    assert e2e["availability"] == 1.0  # every reply was a success


def test_async_failures_are_in_the_windows_error_rate() -> None:
    worker = _explicit("worker", "worker", 1, 1.0, 0, dist="exponential")
    doc = design([client(1000), server("web", 0.1, 50), worker],
                 [("users", "web"), Link("web", "worker", mode="async")], duration=4)
    snaps = _windows(Simulation(doc))
    assert sum(s.end_to_end.async_failed for s in snaps) > 1000
    for s in snaps:
        e = s.end_to_end
        assert e.failed == 0
        assert e.error_rate == pytest.approx(min(1.0, e.async_failed / e.completed))
        assert 0.4 < e.error_rate < 0.6


# -- a message queue is a broker ---------------------------------------------------------

def _broker_design(capacity: object, *, worker_servers: int = 1, duration: float = 4.0,
                   worker_ms: float = 2.0):
    # 1000 messages/s into a broker; the consumer takes 2 ms per message with
    # one worker (500/s) and has no waiting room at all.
    mq = _explicit("mq", "message_queue", 10, 0.1, capacity)
    worker = _explicit("worker", "worker", worker_servers, worker_ms, 0)
    return design([client(1000, "constant"), mq, worker],
                  [("users", "mq"), Link("mq", "worker", mode="async")], duration=duration)


def test_a_broker_buffers_up_to_its_capacity_then_drops() -> None:
    sim = Simulation(_broker_design(100))
    snaps = _windows(sim)
    out = sim.summary()
    mq, worker, e2e = out["components"]["mq"], out["components"]["worker"], out["end_to_end"]
    # The consumer takes messages only as it has capacity: it never refuses one.
    assert worker["rejected"] == 0 and worker["failed"] == 0
    # Every message is delivered, waiting, or dropped (at most one is being processed).
    published = mq["completed"]
    assert published == 4000
    in_process = worker["arrivals"] - worker["completed"]
    assert in_process in (0, 1)
    assert published == worker["arrivals"] + mq["backlog_at_end"] + mq["dropped"]
    assert mq["backlog_at_end"] == 100
    # The consumer serves 500/s, so about half of what arrives after the
    # backlog is full (at 0.2 s) is lost: 4000 - 2000 served - 100 kept.
    assert mq["dropped"] == pytest.approx(1900, abs=2)
    assert worker["throughput_rps"] == pytest.approx(500, abs=1)
    # The backlog grows by one message per 2 ms to 100, then stays full:
    # time average (0.2 s x 50 + 3.8 s x 100) / 4 s = 97.5. A consumer's
    # acknowledgement and a new message can fall on the same instant, in
    # either order (float sums of 1 ms and 2 ms steps): if the message comes
    # first it is dropped and the backlog spends 1 ms of every 2 at 99, so
    # the average is between (0.2 x 50 + 3.8 x 99.5) / 4 = 97.025 and 97.5.
    assert 97.0 <= mq["mean_backlog"] <= 97.5 + 1e-6
    backlog = [s.components["mq"].backlog for s in snaps]
    assert 89.4 <= backlog[0] <= 90.0 + 1e-6
    assert all(99.5 - 1e-6 <= b <= 100.0 + 1e-6 for b in backlog[1:]), backlog
    assert [s.components["mq"].dropped for s in snaps] == pytest.approx(
        [400, 500, 500, 500], abs=1)
    # Lost messages are failed async work, end to end and per window.
    assert e2e["failed"] == 0 and e2e["async_failed"] == mq["dropped"]
    assert [s.end_to_end.async_failed for s in snaps] == [s.components["mq"].dropped
                                                          for s in snaps]
    assert e2e["error_rate"] == pytest.approx(1900 / 4000, abs=1e-3)


def test_an_unbounded_broker_keeps_every_message() -> None:
    out = Simulation(_broker_design(UNBOUNDED)).run()
    mq, e2e = out["components"]["mq"], out["end_to_end"]
    assert mq["dropped"] == 0 and e2e["async_failed"] == 0 and e2e["error_rate"] == 0.0
    # 1000/s in, 500/s out: 2000 messages wait at the end; on average 1000.
    assert mq["backlog_at_end"] == pytest.approx(2000, abs=2)
    assert mq["mean_backlog"] == pytest.approx(1000, abs=2)


def test_a_broker_holds_messages_while_its_consumer_is_down() -> None:
    sim = Simulation(_broker_design(5000, worker_servers=4, duration=3), live=True)
    sim.apply(LiveAction("crash", "worker"))
    down = sim.step_window()
    sim.apply(LiveAction("recover", "worker"))
    drained = sim.step_window()
    sim.step_window()
    out = sim.summary()
    # Down for a second: 1000 messages wait (none lost, none failed).
    assert down.components["worker"].arrivals == 0
    assert down.components["mq"].backlog == pytest.approx(500, abs=1)
    # Four workers at 2 ms take 2000/s against 1000/s arriving: the backlog of
    # 1000 is gone after 1 s; nothing was dropped or failed.
    assert drained.components["worker"].completed == pytest.approx(2000, abs=4)
    assert out["components"]["mq"]["backlog_at_end"] == 0
    assert out["end_to_end"]["async_failed"] == 0
    assert out["components"]["worker"]["rejected"] == 0


def test_a_partition_between_broker_and_consumer_keeps_the_messages() -> None:
    sim = Simulation(_broker_design(5000, worker_servers=4, duration=3))
    sim.apply(LiveAction("partition", "mq->worker"))
    cut = sim.step_window()
    sim.apply(LiveAction("recover", "mq->worker"))
    sim.step_window()
    sim.step_window()
    out = sim.summary()
    assert cut.components["worker"].arrivals == 0 and cut.end_to_end.async_failed == 0
    assert cut.components["mq"].backlog == pytest.approx(500, abs=1)
    assert out["components"]["mq"]["backlog_at_end"] == 0
    assert out["end_to_end"]["async_failed"] == 0 and out["components"]["mq"]["dropped"] == 0


# -- summary and windows count the same completions -------------------------------------------

def test_summary_counts_agree_with_the_windows_for_a_slow_component() -> None:
    # Requests every 0.1 s, each served in 1.5 s (constant), 20 workers: no queueing.
    slow = _explicit("slow", "api_server", 20, 1500.0, UNBOUNDED)
    doc = design([client(10, "constant"), slow], [("users", "slow")], duration=10, warmup=2)
    sim = Simulation(doc)
    snaps = _windows(sim)
    out = sim.summary()
    after = [s for s in snaps if s.time_s > 2.0]
    for key in ("slow", None):
        summary = out["components"][key] if key else out["end_to_end"]
        windows = [s.components[key] if key else s.end_to_end for s in after]
        assert summary["completed"] == sum(w.completed for w in windows)
        assert summary["throughput_rps"] == pytest.approx(
            sum(w.throughput_rps for w in windows) / len(windows), rel=1e-12)
        # Completions in [2, 10): requests 5..84 (arrived at 0.5 .. 8.4 s).
        assert summary["completed"] == 80
        # Latencies are of the cohort that arrived after the warm-up: 2.0 .. 8.4 s.
        assert summary["latency_ms"]["count"] == 65
        assert summary["latency_ms"]["mean"] == pytest.approx(1500.0)
    assert out["end_to_end"]["requests"] == 80  # arrivals at 2.0 .. 9.9 s


# -- no statistics where nothing was measured ---------------------------------------------------

def test_a_run_stopped_during_warmup_has_no_statistics() -> None:
    doc = design([client(100), server("s", 1.0)], [("users", "s")], duration=10, warmup=5)
    sim = Simulation(doc)
    first = sim.step_window()
    sim.request_stop()
    out = sim.run()
    assert first.warming_up
    assert out["stopped"] and out["stopped_during_warmup"]
    e2e, comp = out["end_to_end"], out["components"]["s"]
    assert e2e["requests"] == e2e["completed"] == comp["completed"] == 0
    for block in (e2e, comp):
        assert block["throughput_rps"] is None and block["error_rate"] is None
        assert block["availability"] is None
        assert block["latency_ms"]["mean"] is None and block["latency_ms"]["p99"] is None
        assert block["latency_ms"]["count"] == 0
    assert comp["utilization"] is None and comp["mean_queue_length"] is None


def test_a_run_stopped_after_warmup_keeps_its_statistics() -> None:
    doc = design([client(100), server("s", 1.0)], [("users", "s")], duration=10, warmup=2)
    sim = Simulation(doc)
    snaps = [sim.step_window() for _ in range(3)]
    sim.request_stop()
    out = sim.run()
    assert [s.warming_up for s in snaps] == [True, True, False]
    assert out["stopped"] and not out["stopped_during_warmup"]
    assert out["end_to_end"]["completed"] > 50
    assert out["end_to_end"]["latency_ms"]["mean"] > 0
    assert not Simulation(doc).run()["stopped"]


def test_a_window_without_completions_has_no_latency() -> None:
    # One request per 3 s, served in 2.5 s: windows 1, 2 and 4, 5 complete nothing.
    slow = _explicit("s", "api_server", 1, 2500.0, UNBOUNDED)
    doc = design([client(1 / 3, "constant"), slow], [("users", "s")], duration=6)
    snaps = _windows(Simulation(doc))
    done = [s.end_to_end.completed for s in snaps]
    assert done == [0, 0, 1, 0, 0, 1]
    for snap in snaps:
        for metrics in (snap.end_to_end, snap.components["s"]):
            if metrics.completed:
                assert metrics.latency_mean_ms == pytest.approx(2500.0)
            else:
                assert metrics.latency_mean_ms is None and metrics.latency_p99_ms is None
                assert metrics.latency_max_ms is None
                assert metrics.as_dict()["latency_p50_ms"] is None
    assert snaps[0].end_to_end.availability is None  # no request ended


def test_nothing_completed_means_no_latency_in_the_summary() -> None:
    slow = server("s", 50.0, 100, dist="constant")
    doc = design([client(100), slow], [Link("users", "s", timeout_ms=20)])
    out = Simulation(doc).run()
    e2e = out["end_to_end"]
    assert e2e["completed"] == 0 and e2e["failed"] > 0
    assert e2e["latency_ms"] == {"count": 0, "mean": None, "mean_ci95": [None, None],
                                 "p50": None, "p90": None, "p95": None, "p99": None,
                                 "max": None}
    assert e2e["availability"] == 0.0 and e2e["error_rate"] == 1.0


# -- availability is measured ---------------------------------------------------------------

def test_component_availability_integrates_replicas_up_over_time() -> None:
    s = server("s", 1.0, 4)
    s.replicas = 2
    doc = design([client(200), s], [("users", "s")], duration=4)
    sim = Simulation(doc, live=True)
    station = sim.stations["s"]

    # One of two replicas crashes mid-window.
    sim.schedule(1.5, lambda: station.crash_replica(station.replicas[0]))
    snaps = _windows(sim)
    out = sim.summary()
    avail = [snap.components["s"].availability for snap in snaps]
    assert avail == pytest.approx([1.0, 0.75, 0.5, 0.5], abs=1e-12)
    assert out["components"]["s"]["availability"] == pytest.approx((1.5 + 2.5 * 0.5) / 4)
    # The survivor took everything: end to end nothing failed.
    assert out["end_to_end"]["availability"] == 1.0


def test_availability_follows_replicas_added_removed_and_a_component_down() -> None:
    s = server("s", 1.0, 4)
    s.replicas = 2
    doc = design([client(200), s], [("users", "s")], duration=6)
    sim = Simulation(doc, live=True)
    station = sim.stations["s"]
    station.crash_replica(station.replicas[1])
    half = sim.step_window().components["s"].availability
    station.add_replica()  # autoscaling: 2 of 3 up
    two_thirds = sim.step_window().components["s"].availability
    station.retire_replica(station.replicas[1])  # the crashed one is replaced: 2 of 2
    whole = sim.step_window().components["s"].availability
    sim.apply(LiveAction("crash", "s"))  # the whole component is down
    down = sim.step_window()
    for rep in list(station.replicas):  # and then has no replicas at all
        station.retire_replica(rep)
    empty = sim.step_window()
    station.add_replica()  # one fresh replica takes it all
    back = sim.step_window().components["s"]
    assert back.availability == 1.0 and back.failed == 0
    assert back.arrivals > 150 and back.completed >= back.arrivals - 4  # the last in service
    assert (half, two_thirds, whole) == pytest.approx((0.5, 2 / 3, 1.0))
    assert down.components["s"].availability == 0.0
    assert empty.components["s"].availability == 0.0
    # 100 % failure end to end: availability 0, error rate 1 (it was 1 and 0).
    for snap in (down, empty):
        assert snap.end_to_end.availability == 0.0
        assert snap.end_to_end.error_rate == 1.0
        assert snap.end_to_end.failed == snap.end_to_end.arrivals > 150


def test_end_to_end_availability_is_successes_over_requests_that_ended() -> None:
    s = server("s", 10.0, 1)
    s.queue_capacity = 2
    out = Simulation(design([client(500), s], [("users", "s")])).run()
    e2e = out["end_to_end"]
    assert 0 < e2e["failed"] < e2e["requests"]
    assert e2e["availability"] == pytest.approx(
        e2e["completed"] / (e2e["completed"] + e2e["failed"]), rel=1e-12)
    assert e2e["availability"] == pytest.approx(1 - e2e["error_rate"], rel=1e-12)
    assert not math.isclose(e2e["availability"], 1.0)


def test_a_broker_with_no_room_delivers_only_to_a_free_consumer() -> None:
    # queue_capacity 0: a message goes straight to a free consumer or is lost.
    # Messages are stored at k ms + 0.1 ms; the consumer takes 2.5 ms, so it
    # takes the messages at 0.1, 3.1, 6.1 ... ms (every third: 1334 of 4000)
    # and is busy when each of the others comes.
    out = Simulation(_broker_design(0, worker_ms=2.5)).run()
    mq, worker = out["components"]["mq"], out["components"]["worker"]
    assert mq["backlog_at_end"] == 0 and mq["mean_backlog"] == 0.0
    assert worker["arrivals"] + mq["dropped"] == mq["completed"] == 4000
    assert (worker["arrivals"], mq["dropped"]) == (1334, 2666)
    assert out["end_to_end"]["async_failed"] == mq["dropped"]


def test_a_broker_without_consumers_is_a_plain_station() -> None:
    mq = _explicit("mq", "message_queue", 10, 0.1, 5)
    out = Simulation(design([client(1000, "constant"), mq], [("users", "mq")],
                            duration=2)).run()
    comp = out["components"]["mq"]
    assert comp["completed"] == 2000 and comp["dropped"] == 0 and comp["backlog_at_end"] == 0
    assert out["end_to_end"]["error_rate"] == 0.0


def test_a_consumer_failing_downstream_is_an_async_failure() -> None:
    # The consumer calls a database that is down: every message it takes fails.
    mq = _explicit("mq", "message_queue", 10, 0.1, UNBOUNDED)
    worker = _explicit("worker", "worker", 4, 1.0, UNBOUNDED)
    db = _explicit("db", "database", 4, 1.0, UNBOUNDED)
    doc = design([client(100, "constant"), mq, worker, db],
                 [("users", "mq"), Link("mq", "worker", mode="async"), ("worker", "db")],
                 duration=2)
    sim = Simulation(doc, live=True)
    sim.apply(LiveAction("crash", "db"))
    out = sim.run()
    e2e = out["end_to_end"]
    assert e2e["failed"] == 0 and e2e["completed"] == 200
    assert e2e["async_failed"] == out["components"]["worker"]["failed"] == 200
    assert e2e["error_rate"] == 1.0 and e2e["availability"] == 1.0
    assert out["components"]["db"]["availability"] == 0.0
