"""The capacity planner on crafted designs, confirmed by real (short) simulations."""

from __future__ import annotations

import math

import pytest

from app.analysis.model import prepare
from app.analysis.planner import (
    MAX_CONFIRM_ROUNDS,
    PlanCancelled,
    apply_plan,
    p99_target_from_alerts,
    plan_capacity,
    scaled_workloads,
)
from app.analysis.planner_search import Searcher, tier_caps
from app.model.document import (
    AlertRule,
    Autoscaling,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def _station(cid: str, mean_ms: float, **settings: object) -> Component:
    return Component(id=cid, type="microservice", concurrency=1, blocking=False,
                     queue_capacity="unbounded",
                     service_time=ServiceTime("exponential", mean_ms=mean_ms),
                     **settings)  # type: ignore[arg-type]


def _mm1(rate: float = 100.0, mean_ms: float = 10.0, *, workload: Workload | None = None,
         **settings: object) -> Document:
    """Users -> one exponential server: each replica is an M/M/1 queue."""
    return Document(
        name="mm1",
        components=[Component(id="users", type="client",
                              workload=workload or Workload(pattern="poisson", rate_rps=rate)),
                    _station("q", mean_ms, **settings)],
        links=[Link("users", "q")],
        simulation=SimulationSettings(duration_s=20.0, warmup_s=2.0, seed=11))


def _closed_form_replicas(lam: float, mean_ms: float, target_ms: float) -> int:
    """Fewest k with the M/M/1 p99 ln(100) / (mu - lambda/k) within the target."""
    mu = 1000.0 / mean_ms
    k = 1
    while not (mu - lam / k > 0 and math.log(100.0) / (mu - lam / k) * 1000.0 <= target_ms):
        k += 1
    return k


@pytest.mark.parametrize(("lam", "target_ms", "expected"),
                         [(1000.0, 100.0, 19), (600.0, 60.0, 26), (150.0, 100.0, 3)])
def test_mm1_plan_equals_the_closed_form(lam: float, target_ms: float, expected: int) -> None:
    assert _closed_form_replicas(lam, 10.0, target_ms) == expected
    plan = plan_capacity(_mm1(), target_rps=lam, p99_ms=target_ms)
    (q,) = plan.components
    assert (q.component, q.replicas_now, q.replicas_planned) == ("q", 1, expected)
    assert plan.load_factor == pytest.approx(lam / 100.0)
    # The predicted p99 is the closed form at the planned replicas, within the target.
    mu = 100.0
    assert plan.predicted_p99_ms == pytest.approx(
        math.log(100.0) / (mu - lam / expected) * 1000.0, rel=1e-9)
    assert q.predicted_p99_ms == pytest.approx(plan.predicted_p99_ms, rel=1e-9)
    # Confirmed by a real run at the target load: one round, within the target.
    assert plan.confirmed and plan.iterations == 1 and plan.met
    assert plan.simulated_p99_ms is not None and 0.0 < plan.simulated_p99_ms <= target_ms
    assert q.simulated_p99_ms is not None and q.simulated_p99_ms > 10.0
    assert plan.confirm_duration_s == 20.0 and plan.notes == ()


def test_one_replica_fewer_misses_the_prediction() -> None:
    """The plan is the fewest replicas the model accepts, over several tiers."""
    doc = Document(
        name="chain",
        components=[Component(id="users", type="client",
                              workload=Workload(pattern="poisson", rate_rps=100.0)),
                    _station("a", 5.0), _station("b", 8.0), _station("c", 2.0)],
        links=[Link("users", "a"), Link("a", "b"), Link("a", "c", probability=0.5)],
        simulation=SimulationSettings(duration_s=10.0, warmup_s=1.0))
    plan = plan_capacity(doc, target_rps=800.0, p99_ms=60.0, confirm=False)
    assert plan.met and not plan.confirmed and plan.simulated_p99_ms is None
    planned = {c.component: c.replicas_planned for c in plan.components}
    assert all(n > 1 for n in planned.values())
    model = prepare(doc)
    searcher = Searcher(model, plan.load_factor, tier_caps(model))
    assert searcher.evaluate(planned).meets(60.0)
    for cid in planned:
        fewer = dict(planned)
        fewer[cid] -= 1
        assert not searcher.evaluate(fewer).meets(60.0), cid


def test_a_sufficient_design_plans_no_change() -> None:
    doc = _mm1(100.0, 10.0)
    doc.components[1].replicas = 3
    plan = plan_capacity(doc, target_rps=100.0, p99_ms=200.0)
    assert plan.met and plan.replicas == {} and plan.evaluations == 1
    assert [(c.replicas_now, c.replicas_planned, c.changed) for c in plan.components] == [
        (3, 3, False)]
    # Simulated latency of a seeded run (not wall-clock time) meets the 200 ms target.
    assert plan.simulated_p99_ms is not None and plan.simulated_p99_ms <= 200.0
    assert apply_plan(doc, plan).components[1].replicas == 3


def test_a_target_below_the_latency_floor_is_unreachable() -> None:
    # One exponential service of 10 ms alone has a p99 of 46 ms: 30 ms is out of reach.
    plan = plan_capacity(_mm1(), target_rps=100.0, p99_ms=30.0)
    assert not plan.met and not plan.confirmed and plan.iterations == 0
    assert any(n.startswith("unreachable") and "q (p99 46" in n for n in plan.notes)
    assert plan.predicted_p99_ms is not None and plan.predicted_p99_ms > 46.0


def test_a_tier_at_its_autoscaling_cap_is_reported() -> None:
    # 500 req/s x 10 ms needs 6 replicas not to saturate; autoscaling allows 3.
    doc = _mm1(autoscaling=Autoscaling(max=3))
    plan = plan_capacity(doc, target_rps=500.0, p99_ms=500.0)
    assert not plan.met and plan.components[0].replicas_planned == 3
    assert plan.components[0].max_replicas == 3
    assert any("needs 6 replicas" in n and "cap of 3" in n for n in plan.notes)


def test_the_simulation_adds_what_the_model_misses() -> None:
    """A spiky workload: the model plans for the mean rate, the runs see the spikes."""
    spikes = Workload(pattern="spike", rate_rps=100.0, spike_rps=600.0, spike_s=2.0,
                      period_s=10.0)
    doc = _mm1(workload=spikes)
    doc.simulation = SimulationSettings(duration_s=30.0, warmup_s=2.0, seed=5)
    analytic = plan_capacity(doc, target_rps=200.0, p99_ms=100.0, confirm=False)
    plan = plan_capacity(doc, target_rps=200.0, p99_ms=100.0, seeds=(5,))
    assert 1 < plan.iterations <= MAX_CONFIRM_ROUNDS and plan.met
    assert plan.replicas["q"] > analytic.replicas["q"]
    assert plan.simulated_p99_ms is not None and plan.simulated_p99_ms <= 100.0
    assert any("varies in time" in n for n in plan.notes)
    assert any(n.startswith("simulation round 1") for n in plan.notes)


def test_apply_plan_returns_a_new_document() -> None:
    doc = _mm1()
    plan = plan_capacity(doc, target_rps=1000.0, p99_ms=100.0, confirm=False)
    planned = apply_plan(doc, plan)
    assert planned is not doc and planned.components[1].replicas == 19
    assert doc.components[1].replicas is None  # the original is left as it was


def test_scaled_workloads_multiplies_every_rate_field() -> None:
    ramp = Workload(pattern="ramp", from_rps=10.0, to_rps=50.0, ramp_s=5.0)
    doc = _mm1(workload=ramp)
    scaled = scaled_workloads(doc, 3.0)
    w = scaled.components[0].workload
    assert w is not None and (w.from_rps, w.to_rps, w.ramp_s) == (30.0, 150.0, 5.0)
    assert doc.components[0].workload is ramp and ramp.from_rps == 10.0
    trace = _mm1(workload=Workload(pattern="trace", trace_file="t.csv"))
    with pytest.raises(ValueError, match="replays a trace"):
        scaled_workloads(trace, 2.0)
    assert scaled_workloads(trace, 1.0).components[0].workload == trace.components[0].workload


@pytest.mark.parametrize(("rps", "p99"), [(-1.0, 10.0), (math.nan, 10.0), (math.inf, 10.0),
                                          (1e12, 10.0), (0.0, 10.0), (10.0, 0.0),
                                          (10.0, math.nan), (10.0, -5.0), (10.0, 1e30)])
def test_targets_out_of_range_are_refused(rps: float, p99: float) -> None:
    with pytest.raises(ValueError, match="target"):
        plan_capacity(_mm1(), target_rps=rps, p99_ms=p99)


def test_a_design_without_traffic_cannot_be_planned() -> None:
    with pytest.raises(ValueError, match="no traffic"):
        plan_capacity(_mm1(0.0), target_rps=10.0, p99_ms=100.0)


def test_cancel_stops_the_planner() -> None:
    with pytest.raises(PlanCancelled):
        plan_capacity(_mm1(), target_rps=1000.0, p99_ms=100.0, cancelled=lambda: True)
    steps: list[str] = []

    def after_the_search() -> bool:  # lets the search finish, stops the simulation
        return any(s.startswith("simulating") for s in steps)

    with pytest.raises(PlanCancelled):
        plan_capacity(_mm1(), target_rps=1000.0, p99_ms=100.0,
                      progress=lambda _f, text: steps.append(text), cancelled=after_the_search)
    assert steps[-1].startswith("simulating") and "done" not in steps


def test_the_p99_target_comes_from_an_end_to_end_rule() -> None:
    doc = _mm1()
    assert p99_target_from_alerts(doc) is None  # the default rules have none
    doc.alerts = [AlertRule(name="slow", metric="latency_p99_ms", component="end_to_end",
                            op=">", threshold=250.0, for_s=30.0, severity="high")]
    assert p99_target_from_alerts(doc) == 250.0
