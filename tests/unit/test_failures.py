"""Random crashes (``failure``, chaos): who gets them, from which stream, added replicas."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from app.engine import Simulation
from app.model import Document, Link
from app.model.document import Chaos, Component, FailureSpec, Workload
from tests.unit.engine_docs import client, design, server


def _two_chains(failure_on_a: FailureSpec | None) -> Document:
    """Two independent chains, ``ca -> a`` and ``cb -> b``; ``a`` maybe with random crashes."""
    a = server("a", 5.0, 2, failure=failure_on_a)
    a.replicas = 3
    b = server("b", 5.0, 2)
    b.replicas = 3
    ca = Component(id="ca", type="client", workload=Workload("poisson", rate_rps=200))
    cb = Component(id="cb", type="client", workload=Workload("poisson", rate_rps=200))
    return design([ca, cb, a, b], [("ca", "a"), ("cb", "b")], duration=20, warmup=2, seed=7)


def _run(doc: Document) -> dict[str, Any]:
    out = Simulation(doc).run()
    out.pop("wall_s")
    return out


def test_same_design_and_seed_give_the_same_run() -> None:
    doc = _two_chains(FailureSpec(2.0, 0.5))
    doc.chaos = Chaos(0.1, 1.0)
    first, second = _run(doc), _run(doc)
    assert first == second
    assert first["failures"]["components"]["a"]["crashes"] > 10
    assert first["failures"]["components"]["b"]["crashes"] > 2  # chaos


def test_a_failure_on_one_component_leaves_the_others_draws_unchanged() -> None:
    plain, failing = _run(_two_chains(None)), _run(_two_chains(FailureSpec(2.0, 0.5)))
    # a crashed: it failed requests and lost availability...
    assert failing["components"]["a"]["failed"] > 0
    assert failing["components"]["a"]["availability"] < 0.95
    # ...but its arrivals (the client's stream) are the same requests,
    assert failing["components"]["a"]["arrivals"] == plain["components"]["a"]["arrivals"]
    # and b saw exactly the same arrivals and service times: every figure is identical.
    assert failing["components"]["b"] == plain["components"]["b"]
    assert failing["links"]["cb->b"] == plain["links"]["cb->b"]


def test_chaos_gives_a_process_to_components_without_their_own_failure() -> None:
    doc = _two_chains(FailureSpec(3.0, 0.5))
    doc.chaos = Chaos(0.2, 2.0)
    sim = Simulation(doc)
    a, b = sim.failures.specs["a"], sim.failures.specs["b"]
    assert (a.source, a.mtbf_s, a.mttr_s) == ("failure", 3.0, 0.5)
    assert (b.source, b.mttr_s) == ("chaos", 2.0)
    assert b.mtbf_s == pytest.approx(2.0 * 0.8 / 0.2)
    sim.run()
    sources = {(e.target, e.detail["source"]) for e in sim.events.events if e.kind == "crash"}
    assert sources == {("a", "failure"), ("b", "chaos")}


def test_chaos_level_zero_is_off() -> None:
    doc = _two_chains(None)
    doc.chaos = Chaos(0.0)
    sim = Simulation(doc)
    # Only the default alert rules hook the window closes.
    assert sim.failures.specs == {} and sim.alerts is not None
    assert sim._window_hooks == [sim.alerts.window_closed]


def test_replicas_added_mid_run_get_a_process_and_retired_ones_stop() -> None:
    s = server("s", 1.0, 1, failure=FailureSpec(0.5, 0.1))
    doc = design([client(10), s], [("users", "s")], duration=40)
    sim = Simulation(doc)
    st = sim.stations["s"]
    sim.step_window()
    announced = st.add_replica()
    sim.failures.replica_added(st, announced)
    sim.failures.replica_added(st, announced)  # twice is once
    unannounced = st.add_replica()
    sim.step_window()  # its window's close gives the unannounced one its process
    st.retire_replica(st.replicas[0])
    while not sim.finished:
        sim.step_window()
    crashed = {e.detail["replica"] for e in sim.events.events
               if e.kind == "crash" and e.time_s > 3.0}
    # Only the two added replicas (numbers 1 and 2) still crash after the retirement.
    assert crashed == {announced.number, unannounced.number} == {1, 2}
    assert st.replicas == [announced, unannounced]
    # One process per replica: each alternates crash/recover, never two crashes in a row.
    for rep in (1, 2):
        kinds = [e.kind for e in sim.events.events if e.time_s > 3.0
                 and e.detail.get("replica") == rep]
        assert all(x != y for x, y in pairwise(kinds))


def test_a_component_error_rate_fails_requests_after_their_service() -> None:
    doc = design([client(100, "constant"), server("web", 1.0, 4, dist="constant"),
                  server("db", 1.0, 4, error_rate=0.5)],
                 [("users", "web"), Link("web", "db")], duration=4)
    out = Simulation(doc).run()
    db, e2e = out["components"]["db"], out["end_to_end"]
    # Served, then failed: nothing is rejected, and each failure reaches the client.
    assert db["rejected"] == 0 and db["completed"] + db["failed"] == db["arrivals"] == 400
    assert e2e["failed"] == db["failed"] and e2e["completed"] == db["completed"]
    # 400 fair coins: 3.5 standard deviations either side of 200.
    assert 165 <= db["failed"] <= 235
    assert e2e["availability"] == e2e["completed"] / 400
