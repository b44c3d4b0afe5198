"""The request model of PRODUCT.md §4, feature by feature, on small fast runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.engine.distributions import BlockSampler, RandomStreams, service_draw
from app.model import Component, Link, Routing, ServiceTime, Specs
from app.model.errors import DocumentError
from app.model.resolve import ResolvedService, resolve
from tests.unit.engine_docs import client, design, server


def _run(doc, **kw):
    return Simulation(doc, **kw).run()


# -- workloads -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("pattern", "fields", "expected"),
    [
        ("constant", {}, 2000),
        ("poisson", {}, 2000),
        ("ramp", {"from_rps": 0, "to_rps": 400, "ramp_s": 10}, 2000),
        ("step", {"step_rps": 400, "at_s": 5}, 1000 + 2000),
        ("spike", {"spike_rps": 1000, "spike_s": 1, "period_s": 5}, 2 * 1000 + 8 * 200),
        ("diurnal", {"amplitude": 0.5, "period_s": 10}, 2000),
    ],
)
def test_workload_patterns_create_the_expected_number_of_requests(
    pattern: str, fields: dict, expected: float
) -> None:
    doc = design([client(200, pattern, **fields), server("s", 0.1)], [("users", "s")])
    n = _run(doc)["end_to_end"]["requests"]
    # Poisson counts: 4 standard deviations (sqrt(n)) is a generous but honest band.
    assert abs(n - expected) <= 4 * expected**0.5 + 1, (pattern, n, expected)


def test_constant_workload_is_evenly_spaced() -> None:
    doc = design([client(100, "constant"), server("s", 0.1)], [("users", "s")], duration=5)
    sim = Simulation(doc)
    snaps = [sim.step_window() for _ in range(5)]
    assert [s.end_to_end.arrivals for s in snaps] == [100] * 5


def test_trace_workload_replays_timestamps(tmp_path) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text("timestamp\n0.5\n1.5\n1.6\n3.2\n9.9\n")
    users = Component(id="users", type="client", workload=client().workload)
    users.workload = dataclasses.replace(users.workload, pattern="trace", rate_rps=None,
                                         trace_file="trace.csv")
    doc = design([users, server("s", 0.1)], [("users", "s")], duration=5)
    sim = Simulation(doc, base_dir=tmp_path)
    arrivals = [sim.step_window().end_to_end.arrivals for _ in range(5)]
    assert arrivals == [1, 2, 0, 1, 0]  # 9.9 is after the end


# -- stations --------------------------------------------------------------------------

def test_queue_capacity_rejects_and_errors_reach_the_client() -> None:
    s = server("s", 10.0, 1)
    s.queue_capacity = 2
    doc = design([client(500), s], [("users", "s")])
    out = _run(doc)
    comp = out["components"]["s"]
    assert comp["rejected"] > 0
    assert out["end_to_end"]["rejected"] == comp["rejected"]
    assert out["end_to_end"]["error_rate"] == pytest.approx(
        comp["rejected"] / out["end_to_end"]["requests"], rel=0.02)


def test_blocking_server_holds_its_worker_during_downstream_calls() -> None:
    def build(blocking: bool):
        return design([client(200), server("front", 1.0, 4, blocking=blocking),
                       server("slow", 10.0, 50)], [("users", "front"), ("front", "slow")])

    blocking = _run(build(True))["components"]["front"]
    freeing = _run(build(False))["components"]["front"]
    # Blocking: each worker is busy ~11 ms per request (1 ms own + 10 ms waiting):
    # 200/s * 11 ms / 4 workers = 0.55. Non-blocking: 200/s * 1 ms / 4 = 0.05.
    assert blocking["utilization"] == pytest.approx(0.55, rel=0.1)
    assert freeing["utilization"] == pytest.approx(0.05, rel=0.1)


def test_replicas_share_the_load_round_robin() -> None:
    s = server("s", 1.0, 1)
    s.replicas = 4
    out = _run(design([client(2000), s], [("users", "s")]))["components"]["s"]
    # 4 replicas x 1 worker at 2000/s x 1 ms: each replica at rho = 0.5.
    assert out["utilization"] == pytest.approx(0.5, rel=0.05)


def test_specs_scale_workers_and_service_time() -> None:
    fast = Component(id="w", type="web_server", specs=Specs(cpu_cores=8, cpu_ghz=4.8))
    rc = resolve(fast)
    assert rc.concurrency == 60  # 30 workers on 4 cores -> 60 on 8
    assert rc.service.mean_ms == pytest.approx(1.0)  # 2 ms at 2.4 GHz -> 1 ms at 4.8


def test_payload_over_the_nic_adds_transmission_time() -> None:
    comp = Component(id="w", type="web_server", payload_kb=125.0,
                     specs=Specs(network_mbps=100.0))
    assert resolve(comp).service.mean_ms == pytest.approx(2.0 + 10.0)


@pytest.mark.parametrize("dist", ["constant", "exponential", "uniform", "normal",
                                  "lognormal", "gamma", "pareto"])
def test_service_distributions_have_the_requested_mean(dist: str) -> None:
    draw = service_draw(ResolvedService(dist, 4.0), scale=1.0)
    sample = BlockSampler(RandomStreams(1).generator("x"), draw)
    values = np.array([sample() for _ in range(200_000)])
    assert values.min() >= 0.0
    # 200k draws: the sample mean is within 1 % (pareto's heavy tail: 2 %).
    tolerance = 0.02 if dist == "pareto" else 0.01
    assert values.mean() == pytest.approx(4.0, rel=tolerance)



def test_a_stream_made_at_its_first_draw_draws_what_an_eager_one_does() -> None:
    made: list[str] = []

    class Counting(RandomStreams):
        def generator(self, name: str) -> np.random.Generator:
            made.append(name)
            return super().generator(name)

    draw = service_draw(ResolvedService("exponential", 4.0), scale=1.0)
    lazy = Counting(7).sampler("web/service", draw)
    assert made == []  # nothing made until a variate is asked for
    eager = BlockSampler(RandomStreams(7).generator("web/service"), draw)
    assert [lazy() for _ in range(10_000)] == [eager() for _ in range(10_000)]
    assert made == ["web/service"]  # made once, at the first block


# -- downstream calls ------------------------------------------------------------------

def _balanced(algorithm: str, weights: tuple[float, float] = (1, 1), slow_b: bool = False):
    lb = Component(id="lb", type="load_balancer", routing=Routing(algorithm))
    return design(
        [client(1000), lb, server("a", 1.0, 2), server("b", 5.0 if slow_b else 1.0, 2)],
        [("users", "lb"), Link("lb", "a", weight=weights[0]), Link("lb", "b", weight=weights[1])],
    )


@pytest.mark.parametrize("algorithm", ["round_robin", "random", "weighted_round_robin",
                                       "least_connections", "least_response_time",
                                       "consistent_hash"])
def test_every_balancing_algorithm_spreads_equal_targets(algorithm: str) -> None:
    out = _run(_balanced(algorithm))["components"]
    a, b = out["a"]["arrivals"], out["b"]["arrivals"]
    assert abs(a - b) / (a + b) < 0.05, (algorithm, a, b)


def test_least_connections_avoids_the_slow_target() -> None:
    rr = _run(_balanced("round_robin", slow_b=True))["components"]
    lc = _run(_balanced("least_connections", slow_b=True))["components"]
    assert rr["a"]["arrivals"] == pytest.approx(rr["b"]["arrivals"], rel=0.01)
    assert lc["a"]["arrivals"] > 2 * lc["b"]["arrivals"]


def test_least_response_time_prefers_the_fast_target() -> None:
    lrt = _run(_balanced("least_response_time", slow_b=True))["components"]
    assert lrt["a"]["arrivals"] > 2 * lrt["b"]["arrivals"]


def test_consistent_hash_keeps_a_key_on_one_target() -> None:
    from app.engine.routing import ConsistentHash
    from app.engine.station import Request

    sim = Simulation(_balanced("consistent_hash"))
    router = sim.stations["lb"].router
    assert isinstance(router, ConsistentHash)
    for key in range(0, 10_000, 97):
        first = router.choose(Request(0.0, key))
        assert all(router.choose(Request(1.0, key)) is first for _ in range(3))


def test_link_probability_and_parallel_fanout() -> None:
    front = server("front", 0.1, 8, fanout="parallel")
    doc = design(
        [client(1000), front, server("x", 5.0, 20), server("y", 5.0, 20)],
        [("users", "front"), Link("front", "x", probability=0.3), ("front", "y")],
    )
    out = _run(doc)
    ratio = out["components"]["x"]["arrivals"] / out["components"]["front"]["arrivals"]
    assert ratio == pytest.approx(0.3, abs=0.02)
    # Parallel: end to end is ~max(x, y), not x + y (5 ms each, exponential).
    assert out["end_to_end"]["latency_ms"]["mean"] < 5.0 + 0.3 * 5.0 + 0.5


def test_link_latency_each_way_and_bandwidth() -> None:
    target = server("s", 1.0, 50, dist="constant", payload_kb=100.0)
    doc = design([client(50), target],
                 [Link("users", "s", latency_ms=10, bandwidth_mbps=80)])
    lat = _run(doc)["end_to_end"]["latency_ms"]
    # 10 out + 1 service + 10 back + 100 kB * 8 / 80 Mbps = 10 ms on the link, and
    # 100 kB * 8 / 1000 Mbps = 0.8 ms through the server's own NIC (reference specs).
    assert lat["mean"] == pytest.approx(31.8, rel=1e-6)


def test_timeouts_and_retries() -> None:
    slow = server("s", 50.0, 100, dist="constant")
    doc = design([client(100), slow], [Link("users", "s", timeout_ms=20, retries=2)])
    out = _run(doc)
    comp = out["components"]["s"]
    e2e = out["end_to_end"]
    assert e2e["completed"] == 0 and e2e["timed_out"] == e2e["failed"] > 0
    # Every request is tried three times, each attempt times out (20 + 10 + 20 +
    # 20 + 20 ms: the last few requests of the run are cut short by its end).
    assert 3 * e2e["failed"] <= comp["arrivals"] <= 3 * e2e["requests"]
    assert 3 * e2e["failed"] <= comp["timed_out"] <= comp["arrivals"]


def test_async_link_returns_at_once() -> None:
    queue = Component(id="mq", type="message_queue")
    worker = server("worker", 100.0, 100, dist="constant")
    doc = design([client(100), queue, worker],
                 [("users", "mq"), Link("mq", "worker", mode="async")])
    out = _run(doc)
    assert out["end_to_end"]["latency_ms"]["p99"] < 5.0  # never waits for the worker
    assert out["components"]["worker"]["completed"] > 0.9 * out["end_to_end"]["requests"]


def test_a_failed_downstream_call_fails_the_caller() -> None:
    db = server("db", 10.0, 1)
    db.queue_capacity = 0
    doc = design([client(500), server("web", 0.1, 50), db], [("users", "web"), ("web", "db")])
    out = _run(doc)
    assert out["components"]["web"]["failed"] == out["components"]["db"]["rejected"] > 0


def test_component_down_fails_requests_immediately() -> None:
    doc = design([client(100), server("s", 1.0)], [("users", "s")], duration=4)
    sim = Simulation(doc, live=True)
    sim.step_window()
    sim.apply(LiveAction("crash", "s"))
    snap = sim.step_window()
    assert snap.components["s"].failed == snap.components["s"].arrivals > 0
    assert snap.end_to_end.error_rate == 1.0


# -- runs ------------------------------------------------------------------------------

def test_same_seed_same_results_other_seed_other_results() -> None:
    doc = _balanced("random")
    a, b = _run(doc), _run(doc)
    a.pop("wall_s"), b.pop("wall_s")
    assert a == b
    c = _run(doc, seed=99)
    assert c["end_to_end"]["requests"] != a["end_to_end"]["requests"]


def test_invalid_design_is_refused() -> None:
    doc = design([client(), server("s")], [("users", "ghost")])
    with pytest.raises(DocumentError, match="ghost"):
        Simulation(doc)


def test_service_time_field_wins_over_profile() -> None:
    comp = Component(id="db", type="database", profile="postgresql", concurrency=1,
                     service_time=ServiceTime("constant", mean_ms=7.0))
    rc = resolve(comp)
    assert (rc.concurrency, rc.service.mean_ms, rc.service.distribution) == (1, 7.0, "constant")


def test_state_changes_mid_run_slowdown_scaling_partition() -> None:
    """What faults and autoscaling will drive later: the engine honours it mid-run."""
    doc = design([client(1000), server("s", 1.0, 2)], [("users", "s")], duration=6)
    sim = Simulation(doc)
    station = sim.stations["s"]
    base = sim.step_window().components["s"]
    station.slowdown = 3.0  # a "slow down" fault: rho 0.5 -> 1.5, the queue builds
    slowed = sim.step_window().components["s"]
    assert slowed.utilization > 0.95 and slowed.queue_length > 10 * max(base.queue_length, 0.1)
    station.slowdown = 1.0
    station.add_replica()  # autoscaling adds a replica
    station.add_replica()
    sim.step_window()
    sim.step_window()
    scaled = sim.step_window().components["s"]
    assert scaled.utilization < base.utilization  # same load over three times the workers
    sim.apply(LiveAction("partition", "users->s"))  # a network partition
    cut = sim.step_window()
    # Every new request fails; only those already past the link complete.
    assert cut.components["s"].arrivals == 0
    assert cut.end_to_end.failed == cut.end_to_end.arrivals > 0
