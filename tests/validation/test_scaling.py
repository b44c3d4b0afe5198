"""Rate limits and autoscaling against their closed forms.

Token bucket: it holds at most ``burst`` tokens, starts full and gains
``rps`` a second, so over ``[0, t]`` it can pass at most ``burst + rps * t``
requests. When arrivals come faster than tokens (and the bucket never
overflows after its first drain), it passes exactly that many, rounded down,
at each arrival: ``N(t_k) = floor(burst + rps * t_k)``.

Autoscaling: a tier of replicas with ``c`` workers each, mean service time
``S`` and arrival rate ``lambda`` has ``lambda * S`` busy workers on average;
the HPA rule brings its utilization to ``target``, at ``ceil(lambda * S / (c
* target))`` replicas. Its 10 % tolerance band also keeps one fewer (or one
more) replica when that is within 10 % of the target, so the contract is
"+-1". The measured utilization of a window is an estimate: with the numbers
below its standard deviation per 5 s window is about 0.02 (binomial-like
counts over ~1300 requests and their exponential service times), a few times
smaller than the distance from the settled utilization to the edges of the
band; so a stray recommendation outside +-1 would be a > 5-sigma event, and a
failure here means a wrong rule, not bad luck.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from typing import Any

import pytest

from app.engine import Simulation
from app.model import Component, Document, Link, ServiceTime, SimulationSettings, Workload
from app.model.document import Autoscaling, RateLimit
from tests.validation.runs import summaries

pytestmark = pytest.mark.slow


def _bucket_doc(pattern: str, rate: float, rps: float, burst: float, duration: float,
                seed: int = 1) -> Document:
    return Document(
        name="bucket",
        components=[
            Component(id="users", type="client", workload=Workload(pattern, rate_rps=rate)),
            Component(id="api", type="microservice", concurrency=64,
                      service_time=ServiceTime("exponential", mean_ms=1.0),
                      rate_limit=RateLimit(rps, burst)),
        ],
        links=[Link("users", "api")],
        simulation=SimulationSettings(duration_s=duration, warmup_s=0.0, seed=seed),
    )


def _passed(s: dict[str, Any]) -> int:
    api = s["components"]["api"]
    return int(api["arrivals"] - api["throttled"])


@pytest.mark.parametrize(
    ("rate", "rps", "burst", "duration"),
    [(100.0, 37.0, 5.0, 10.0), (1000.0, 250.0, 40.0, 20.0), (50.0, 3.5, 2.0, 30.0),
     (400.0, 100.0, 100.0, 15.0)],
)
def test_token_bucket_passes_rps_t_plus_burst_exactly(rate: float, rps: float, burst: float,
                                                      duration: float) -> None:
    # Constant arrivals at k / rate; the last one before the end at t_last.
    t_last = (math.ceil(duration * rate) - 1) / rate
    s = Simulation(_bucket_doc("constant", rate, rps, burst, duration)).run()
    assert _passed(s) == math.floor(burst + rps * t_last)
    assert s["components"]["api"]["throttled"] == s["components"]["api"]["rejected"]


def test_token_bucket_under_poisson_arrivals(run_pool: Executor) -> None:
    # Poisson arrivals at 10x the token rate. Never more than burst + rps*T
    # (tokens are conserved). After the first drain a bucket holds < 1 token
    # after each arrival, plus what it gains until the next one; it loses one
    # more only if the last gap before T exceeds 1/rps (probability
    # exp(-rate/rps) = 4.5e-5) or it overflows (a gap of (burst-1)/rps without
    # arrivals: exp(-190)). So exactly floor(burst + rps*T) or one fewer.
    rps, burst, duration = 50.0, 20.0, 60.0
    runs = summaries(run_pool, [_bucket_doc("poisson", 10 * rps, rps, burst, duration, seed=k)
                                for k in range(1, 6)])
    bound = math.floor(burst + rps * duration)
    for s in runs:
        assert bound - 1 <= _passed(s) <= bound


# -- autoscaling -------------------------------------------------------------------------

C, S_MS, TARGET, WINDOW_S = 4, 50.0, 0.6, 5.0
COOLDOWN_S, PROVISION_S, STEP_AT_S, DURATION_S = 60.0, 10.0, 100.0, 320.0
#: Low and high loads (req/s), and the replicas the HPA should settle at for each.
LOW, HIGH = 60.0, 260.0


def settled(rate: float) -> int:
    """ceil(lambda S / (c target)): 2 at 60 req/s, 6 at 260 req/s."""
    return math.ceil(rate * S_MS / 1000.0 / (C * TARGET))


def _scaled_doc(before: float, after: float, replicas: int, seed: int) -> Document:
    api = Component(
        id="api", type="microservice", concurrency=C, queue_capacity=20, replicas=replicas,
        service_time=ServiceTime("exponential", mean_ms=S_MS),
        autoscaling=Autoscaling(metric="utilization", target=TARGET, min=1, max=12,
                                cooldown_s=COOLDOWN_S, provision_s=PROVISION_S),
    )
    users = Component(id="users", type="client",
                      workload=Workload("step", rate_rps=before, step_rps=after, at_s=STEP_AT_S))
    settings = SimulationSettings(duration_s=DURATION_S, warmup_s=0.0, seed=seed,
                                  window_s=WINDOW_S)
    return Document(name="hpa", components=[users, api], links=[Link("users", "api")],
                    simulation=settings)


def _replicas_after(s: dict[str, Any], start: int, t: float) -> list[int]:
    """The tier's sizes (provisioning replicas included) at ``t`` and after each later change."""
    size, later = start, []
    for e in s["events"]:
        if e["kind"] in ("scale_up", "scale_down"):
            if e["time_s"] <= t:
                size = e["to"]
            else:
                later.append(e["to"])
    return [size, *later]


#: Settled within: the stabilisation window, provisioning, and a few windows.
SETTLE_S = COOLDOWN_S + PROVISION_S + 3 * WINDOW_S


def test_autoscaled_tier_settles_after_a_step_up(run_pool: Executor) -> None:
    docs = [_scaled_doc(LOW, HIGH, replicas=settled(LOW), seed=seed) for seed in (3, 4, 5)]
    n = settled(HIGH)
    for s in summaries(run_pool, docs):
        # Before the step the tier stays at its own settled size.
        early = [e for e in s["events"] if e["time_s"] <= STEP_AT_S
                 and e["kind"] in ("scale_up", "scale_down")]
        assert all(abs(e["to"] - settled(LOW)) <= 1 for e in early)
        sizes = _replicas_after(s, settled(LOW), STEP_AT_S + SETTLE_S)
        assert all(n - 1 <= k <= n + 1 for k in sizes), (n, sizes)
        assert n - 1 <= s["components"]["api"]["replicas"]["final"] <= n + 1
        ready = [e for e in s["events"] if e["kind"] == "replica_ready"]
        assert ready and all(e["time_s"] > STEP_AT_S for e in ready)


def test_autoscaled_tier_scales_back_down_after_the_load_drops(run_pool: Executor) -> None:
    docs = [_scaled_doc(HIGH, LOW, replicas=settled(HIGH), seed=seed) for seed in (6, 7, 8)]
    n = settled(LOW)
    for s in summaries(run_pool, docs):
        downs = [e for e in s["events"] if e["kind"] == "scale_down"]
        # Nothing shrinks before the load has stayed low for the whole window;
        # the step falls on a window's close, so the first low recommendation
        # is at STEP + WINDOW and the last high one at STEP.
        assert downs and downs[0]["time_s"] >= STEP_AT_S + COOLDOWN_S - 1e-9
        assert downs[0]["time_s"] <= STEP_AT_S + COOLDOWN_S + WINDOW_S + 1e-9
        sizes = _replicas_after(s, settled(HIGH), STEP_AT_S + SETTLE_S)
        assert all(n - 1 <= k <= n + 1 for k in sizes), (n, sizes)
        final = s["components"]["api"]["replicas"]
        assert n - 1 <= final["final"] <= n + 1 and final["min"] == final["final"]


def test_closed_form_values_are_the_intended_ones() -> None:
    # Guards the constants above against an edit that puts a settled size on a
    # boundary (lambda S / (c target) an integer, where +-1 would hide a bug).
    assert (settled(LOW), settled(HIGH)) == (2, 6)
    for rate in (LOW, HIGH):
        x = rate * S_MS / 1000.0 / (C * TARGET)
        assert abs(x - round(x)) > 0.2
