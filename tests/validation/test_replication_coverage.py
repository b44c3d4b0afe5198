"""Across-replication confidence intervals cover the analytic mean: M/M/1 and M/M/3.

Each interval is what a user gets from ``main.py replicate``: a sweep plan of
N replications (seeds ``SeedSequence(base, spawn_key=(k,))``) run on the
local process pool, and the Student-t 95 % CI of the replications' mean
latencies. Over many independent intervals (distinct base seeds) the share
that covers the closed-form mean (app.analysis.queueing) must be near 95 %;
the acceptance bar is 90 %. Seeds are fixed, so the test is deterministic.

Run length. At rho = 0.7 the queue forgets its empty start in about
1 / (c mu (1 - sqrt(rho))^2) = 37.5 ms (both queues here serve at most 1,000
requests a second), so the 0.5 s warm-up is 13 of those times and the
initial bias is nil. The measured 10 s (7,000 requests per replication) are what make the
t interval honest with 5 replications: shorter runs' means are skewed (a
congested stretch lifts one run a lot), and a t interval over skewed values
covers too rarely -- 3.5 s runs gave 93 % over 600 intervals, 10 s runs 95 %
over 200. The mean over a finite run is also slightly low (runs with more
arrivals are more congested but weigh the same): about 0.15 %, against a
half-width of about 8 %.
"""

from __future__ import annotations

import pytest

from app.analysis.queueing import mmc_mean_response
from app.engine.snapshot import END_TO_END
from app.sweeps.executors import PoolExecutor, usable_cores
from app.sweeps.sweep import plan_sweep, run_sweep
from tests.validation.queueing import queue_doc

pytestmark = pytest.mark.slow

#: Independent intervals per model (the acceptance asks for at least 100).
INTERVALS = 100
#: Replications behind each interval.
REPLICATIONS = 5
#: Offered load, per server.
RHO = 0.7
#: Arrivals per second (the service time is chosen to give RHO).
RATE_RPS = 700.0
#: Warm-up and measured time of each replication (see the module doc).
WARMUP_S = 0.5
MEASURED_S = 10.0
#: Share of intervals that must cover the analytic mean.
MIN_COVERAGE = 0.90


@pytest.mark.parametrize("servers", [1, 3])
def test_replication_intervals_cover_the_analytic_mean(servers: int) -> None:
    service_ms = 1000.0 * RHO * servers / RATE_RPS
    truth_ms = 1000.0 * mmc_mean_response(RATE_RPS, 1000.0 / service_ms, servers)
    doc = queue_doc(RATE_RPS, service_ms, servers, duration_s=WARMUP_S + MEASURED_S,
                    warmup_s=WARMUP_S)
    covered = below = above = 0
    seeds: set[int] = set()
    # Every core, but no more workers than one interval has replications.
    executor = PoolExecutor(min(REPLICATIONS, max(2, usable_cores())))
    try:
        for base in range(1, INTERVALS + 1):
            plan = plan_sweep(doc, (), REPLICATIONS, seed=base)
            # The sweep's own analytic figure is the closed form it is judged by.
            assert plan.analytic[0][("latency_mean_ms", END_TO_END)] == pytest.approx(truth_ms)
            seeds.update(job.seed for job in plan.jobs())
            result = run_sweep(plan, executor)
            assert result.complete, result.failures
            est = result.estimates(0)[("latency_mean_ms", END_TO_END)]
            assert est.n == REPLICATIONS and est.ci_low is not None and est.ci_high is not None
            covered += est.covers(truth_ms)
            below += est.ci_high < truth_ms
            above += est.ci_low > truth_ms
    finally:
        executor.close()
    assert len(seeds) == INTERVALS * REPLICATIONS  # independent streams throughout
    report = (f"M/M/{servers} at rho {RHO}: {covered}/{INTERVALS} intervals cover "
              f"{truth_ms:.4g} ms ({below} entirely below, {above} above)")
    print(report)
    assert covered >= MIN_COVERAGE * INTERVALS, report
