"""Deep call chains: replies unwind in a loop, not by recursion (issue #8 §2).

A reply on a zero-latency link reaches the caller's station in the same
instant; unwinding that by recursion died at ~340 hops. These runs use
chains far deeper than Python's recursion limit.
"""

from __future__ import annotations

import sys

import pytest

from app.engine import Simulation
from app.engine.commands import LiveAction
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    Routing,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def chain(n: int, *, rate: float = 2.0, duration: float = 2.0,
          links: dict[str, object] | None = None) -> Document:
    """users -> s0 -> s1 -> ... -> s(n-1), constant service, one worker each."""
    comps = [Component(id="users", type="client", workload=Workload("constant", rate_rps=rate))]
    comps += [
        Component(id=f"s{i}", type="api_server", concurrency=1, queue_capacity=UNBOUNDED,
                  service_time=ServiceTime("constant", mean_ms=0.01))
        for i in range(n)
    ]
    extra = links or {}
    hops = [Link("users", "s0", **extra)]  # type: ignore[arg-type]
    hops += [Link(f"s{i}", f"s{i + 1}", **extra) for i in range(n - 1)]  # type: ignore[arg-type]
    return Document(name="chain", components=comps, links=hops,
                    simulation=SimulationSettings(duration_s=duration, warmup_s=0.0, seed=1))


def test_a_chain_of_2000_components_completes_with_exact_latencies() -> None:
    n = 2000
    assert n > sys.getrecursionlimit()  # recursion would need ~3 frames per hop
    out = Simulation(chain(n)).run()
    e2e = out["end_to_end"]
    # Constant arrivals at 2/s for 2 s: requests at 0, 0.5, 1.0, 1.5 s; each
    # spends 0.01 ms at each of the 2000 stations (no queueing: they are 0.5 s
    # apart and the whole chain takes 20 ms), so every latency is 20 ms.
    assert (e2e["requests"], e2e["completed"], e2e["failed"]) == (4, 4, 0)
    assert e2e["latency_ms"]["mean"] == pytest.approx(n * 0.01, rel=1e-9)
    assert e2e["latency_ms"]["max"] == pytest.approx(n * 0.01, rel=1e-9)
    first, last = out["components"]["s0"], out["components"][f"s{n - 1}"]
    assert first["completed"] == last["completed"] == 4
    # A component's latency is its own: the last one's is its service time.
    assert last["latency_ms"]["mean"] == pytest.approx(0.01, rel=1e-9)


def test_a_rejection_deep_in_a_chain_fails_every_caller_without_recursion() -> None:
    n = 2000
    sim = Simulation(chain(n), live=True)
    sim.apply(LiveAction("crash", f"s{n - 1}"))  # the last component is down
    out = sim.run()
    e2e = out["end_to_end"]
    assert (e2e["requests"], e2e["completed"], e2e["failed"]) == (4, 0, 4)
    assert all(c["failed"] == 4 for c in out["components"].values())


def test_a_chain_over_guarded_links_unwinds_too() -> None:
    # Timeouts and retries route replies through other objects; still no recursion.
    out = Simulation(chain(1500, links={"timeout_ms": 1000.0, "retries": 1})).run()
    assert out["end_to_end"]["completed"] == 4
    assert out["end_to_end"]["latency_ms"]["mean"] == pytest.approx(15.0, rel=1e-9)


def test_many_async_links_from_one_component_do_not_nest() -> None:
    fan = 3000
    comps = [Component(id="users", type="client", workload=Workload("constant", rate_rps=1.0)),
             Component(id="hub", type="api_server", concurrency=1, queue_capacity=UNBOUNDED,
                       service_time=ServiceTime("constant", mean_ms=0.01))]
    comps += [Component(id=f"t{i}", type="worker", concurrency=1, queue_capacity=UNBOUNDED,
                        service_time=ServiceTime("constant", mean_ms=0.01)) for i in range(fan)]
    links = [Link("users", "hub")] + [Link("hub", f"t{i}", mode="async") for i in range(fan)]
    doc = Document(name="fan", components=comps, links=links,
                   simulation=SimulationSettings(duration_s=1.0, warmup_s=0.0, seed=1))
    out = Simulation(doc).run()
    assert out["end_to_end"]["completed"] == 1
    assert sum(out["components"][f"t{i}"]["completed"] for i in range(fan)) == fan


def test_a_chain_of_20000_components_runs() -> None:
    # The file format's limit. Two requests (at 0 and 0.5 s), each through all
    # 20,000 stations at 0.01 ms apiece: 200 ms end to end.
    n = 20_000
    sim = Simulation(chain(n, duration=1.0))
    out = sim.run()
    e2e = out["end_to_end"]
    assert (e2e["requests"], e2e["completed"], e2e["failed"]) == (2, 2, 0)
    assert e2e["latency_ms"]["mean"] == pytest.approx(n * 0.01, rel=1e-9)
    assert all(c["completed"] == 2 for c in out["components"].values())


def _variant_chain(n: int, variant: str) -> Document:
    """A chain whose replies go through each kind of reply path."""
    doc = chain(n)
    for comp in doc.components[1:]:
        if variant == "parallel":
            comp.fanout = "parallel"
        elif variant == "balancer":
            comp.type = "load_balancer"
            comp.routing = Routing("least_connections")  # tracked replies
        elif variant == "cache_miss":
            comp.type = "cache"
            comp.hit_ratio = 0.0
    return doc


@pytest.mark.parametrize("variant", ["parallel", "balancer", "cache_miss"])
def test_every_reply_path_unwinds_in_a_loop(variant: str) -> None:
    n = 1500
    out = Simulation(_variant_chain(n, variant)).run()
    e2e = out["end_to_end"]
    assert (e2e["completed"], e2e["failed"]) == (4, 0)
    assert e2e["latency_ms"]["mean"] == pytest.approx(n * 0.01, rel=1e-9)


def test_a_chain_of_brokers_delivers_every_message() -> None:
    # users -> mq0 -> mq1 -> ... -> worker: each broker acknowledges its
    # producer at once and delivers downstream by the consumer's capacity.
    n = 1000
    comps = [Component(id="users", type="client", workload=Workload("constant", rate_rps=4.0))]
    comps += [Component(id=f"mq{i}", type="message_queue", concurrency=1,
                        service_time=ServiceTime("constant", mean_ms=0.01)) for i in range(n)]
    comps.append(Component(id="worker", type="worker", concurrency=1,
                           service_time=ServiceTime("constant", mean_ms=0.01)))
    links = [Link("users", "mq0")] + [Link(f"mq{i}", f"mq{i + 1}") for i in range(n - 1)]
    links.append(Link(f"mq{n - 1}", "worker", mode="async"))
    doc = Document(name="brokers", components=comps, links=links,
                   simulation=SimulationSettings(duration_s=2.0, warmup_s=0.0, seed=1))
    out = Simulation(doc).run()
    assert out["components"]["worker"]["completed"] == 8
    assert out["end_to_end"]["async_failed"] == 0
    assert all(out["components"][f"mq{i}"]["dropped"] == 0 for i in range(n))
