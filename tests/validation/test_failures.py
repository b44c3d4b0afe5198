"""Failures against closed forms: availability, error rates with retries, chaos.

As in the other validation tests, a closed form must lie inside the interval
the runs themselves justify: a t-interval over independent replications
(different seeds, run in the process pool) or an exact binomial interval
over independent coin flips. Seeds are fixed, so each test is deterministic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pytest
from scipy import stats

from app.engine import Simulation
from app.model import Document, Link
from app.model.document import Chaos, Component, FailureSpec, Workload
from app.model.fileformat import dumps, loads
from tests.unit.engine_docs import client, design, server
from tests.validation.runs import summaries

pytestmark = pytest.mark.slow

WARMUP_S = 10.0


def _t_interval(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples, dtype=float)
    half = stats.t.ppf(0.975, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size)
    return float(arr.mean() - half), float(arr.mean() + half)


def _assert_inside(value: float, interval: tuple[float, float], what: str) -> None:
    lo, hi = interval
    assert lo <= value <= hi, f"{what}: closed form {value:.5g} outside [{lo:.5g}, {hi:.5g}]"


def _long(doc: Document) -> Document:
    """Long runs of few requests: 10 s windows (the figures are whole-run ones)."""
    doc.simulation.window_s = 10.0
    return doc


def _tier(cid: str, replicas: int, failure: FailureSpec | None = None,
          error_rate: float | None = None) -> Component:
    comp = server(cid, 1.0, 2, failure=failure, error_rate=error_rate)
    comp.replicas = replicas
    return comp


# -- failure: availability = MTBF / (MTBF + MTTR) ---------------------------------------


@pytest.mark.parametrize(("replicas", "mtbf", "mttr", "duration"),
                         [(20, 9.0, 1.0, 200.0), (1, 4.0, 1.0, 1000.0)])
def test_availability_is_mtbf_over_mtbf_plus_mttr(
    run_pool: Executor, replicas: int, mtbf: float, mttr: float, duration: float,
) -> None:
    # The warm-up is > 10 relaxation times 1/(1/MTBF + 1/MTTR): every replica starts
    # up, and that start is forgotten before anything is measured.
    docs = [_long(design([client(5), _tier("s", replicas, FailureSpec(mtbf, mttr))],
                         [("users", "s")], duration=duration, warmup=WARMUP_S, seed=seed))
            for seed in range(300, 310)]
    runs = summaries(run_pool, docs)
    fails = [s["failures"]["components"]["s"] for s in runs]
    _assert_inside(mtbf / (mtbf + mttr), _t_interval([f["availability"] for f in fails]),
                   "availability")
    _assert_inside(mttr, _t_interval([f["mttr_observed_s"] for f in fails]), "observed MTTR")
    measured = duration - WARMUP_S
    up_s = [replicas * measured - f["downtime_s"] for f in fails]
    _assert_inside(1.0 / mtbf, _t_interval([f["crashes"] / up for f, up in zip(fails, up_s,
                                                                             strict=True)]),
                   "crashes per replica-second up")
    for f in fails:  # downtime and availability are two views of one integral
        assert f["downtime_s"] == pytest.approx(replicas * measured * (1 - f["availability"]))


# -- error rate p with r retries ------------------------------------------------------------


def _calls_distribution(p: float, r: int) -> tuple[float, float]:
    """Mean and variance of the attempts K of one request: K = min(Geometric(1-p), r + 1)."""
    ks = np.arange(1, r + 2)
    prob = np.array([p ** (k - 1) * (1 - p) for k in ks[:-1]] + [p**r])
    mean = float((ks * prob).sum())
    return mean, float((ks**2 * prob).sum() - mean**2)


@pytest.mark.parametrize(("p", "r"), [(0.3, 2), (0.5, 3), (0.2, 0)])
def test_error_rate_with_retries_succeeds_and_costs_as_the_closed_forms(p: float, r: int) -> None:
    # 500 requests/s for 20 s, then none: every request has ended by the end of the run.
    users = Component(id="users", type="client",
                      workload=Workload("step", rate_rps=500, at_s=20, step_rps=0))
    doc = design([users, server("s", 1.0, 8, error_rate=p)], [Link("users", "s", retries=r)],
                 duration=22, seed=int(100 * p) + r)
    out = Simulation(doc).run()
    e2e, link = out["end_to_end"], out["links"]["users->s"]
    n = e2e["requests"]
    assert e2e["completed"] + e2e["failed"] == n > 9000
    # Success: 1 - p^(r+1), inside the exact (Clopper-Pearson) interval of the runs' share.
    ci = stats.binomtest(e2e["completed"], n).proportion_ci(0.95)
    _assert_inside(1 - p ** (r + 1), (ci.low, ci.high), "success probability")
    # Each attempt is an independent coin: failed / calls estimates p.
    ci = stats.binomtest(link["failed"], link["calls"]).proportion_ci(0.95)
    _assert_inside(p, (ci.low, ci.high), "failure share of attempts")
    # Cost: (1 - p^(r+1)) / (1 - p) calls a request; the 95 % interval of a mean of n
    # independent K's (their variance is known exactly).
    mean, var = _calls_distribution(p, r)
    assert mean == pytest.approx((1 - p ** (r + 1)) / (1 - p))
    half = stats.norm.ppf(0.975) * math.sqrt(var / n)
    _assert_inside(mean, (link["calls"] / n - half, link["calls"] / n + half), "calls a request")
    assert link["retried"] == link["calls"] - n


# -- chaos: every replica is down a share `level` of the time ------------------------------


def _replica_downtime(summary: dict[str, Any], end: float) -> dict[tuple[str, int], float]:
    """Seconds each replica spent crashed after the warm-up, from the run's events."""
    down: dict[tuple[str, int], float] = defaultdict(float)
    since: dict[tuple[str, int], float] = {}
    for e in summary["events"]:
        key = (e["target"], e["replica"]) if "replica" in e else None
        if key is None:
            continue
        if e["kind"] == "crash":
            since[key] = e["time_s"]
        elif e["kind"] == "recover":
            down[key] += max(0.0, e["time_s"] - max(since.pop(key), WARMUP_S))
    for key, t0 in since.items():
        down[key] += end - max(t0, WARMUP_S)
    return down


def test_chaos_level_is_every_replicas_long_run_unavailability(run_pool: Executor) -> None:
    level, mttr, duration = 0.2, 1.0, 300.0
    docs = []
    for seed in range(400, 408):
        doc = design([client(5), _tier("a", 1), _tier("b", 4),
                      _tier("own", 2, FailureSpec(9.0, 1.0))],
                     [("users", "a"), ("users", "b"), ("users", "own")],
                     duration=duration, warmup=WARMUP_S, seed=seed)
        doc.chaos = Chaos(level, mttr)
        docs.append(_long(doc))
    runs = summaries(run_pool, docs)
    assert all(s["events_dropped"] == 0 for s in runs)
    measured = duration - WARMUP_S
    per_replica: dict[str, list[float]] = defaultdict(list)
    for s in runs:
        down = _replica_downtime(s, duration)
        for cid, n in (("a", 1), ("b", 4), ("own", 2)):
            per_replica[cid] += [down[(cid, i)] / measured for i in range(n)]
    # Each replica of a chaos component is an independent sample of its unavailability.
    _assert_inside(level, _t_interval(per_replica["a"] + per_replica["b"]),
                   "chaos replicas' unavailability")
    _assert_inside(level, _t_interval(per_replica["b"]), "unavailability, 4-replica tier")
    _assert_inside(1 - level,
                   _t_interval([s["components"]["a"]["availability"] for s in runs]),
                   "availability of a single-replica component under chaos")
    # A component with its own `failure` keeps it: 1 / (9 + 1) down, not the chaos level.
    _assert_inside(0.1, _t_interval(per_replica["own"]), "own failure under chaos")


# -- reproducible from the file and the seed ------------------------------------------------


def test_same_file_and_seed_give_the_same_summary() -> None:
    doc = design([client(50), _tier("a", 3, FailureSpec(2.0, 0.5)), _tier("b", 2, error_rate=0.1)],
                 [("users", "a"), Link("a", "b", retries=2)], duration=30, warmup=5, seed=9)
    doc.chaos = Chaos(0.05, 0.5)
    text = dumps(doc)

    def run(doc: Document) -> dict[str, Any]:
        out = Simulation(doc).run()
        out.pop("wall_s")
        return out

    first, second = run(loads(text)), run(loads(text))
    assert first == second
    assert first["failures"]["crashes"] > 20 and first["links"]["a->b"]["retried"] > 0
