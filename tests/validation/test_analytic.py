"""The analytic model against the engine: inside the run's CI where it is exact.

The model's figures for exact stations (M/M/1, M/M/c, M/D/1, an open
Jackson network) must lie inside each run's 95 % batch-means CI of the mean
latency, and its utilization must match the measured occupancy. On the
templates without faults (where the model's approximations are small at
their design load) arrival rates, utilizations and mean latencies must agree
closely; the full error table, faults included, is in docs/analysis.md
(bench/analytic_vs_sim.py).
"""

from __future__ import annotations

import copy
from concurrent.futures import Executor
from typing import Any

import pytest

from app.analysis.model import AnalyticResult, analyze
from app.model import Document
from app.model.fileformat import load
from app.resources import resource_path
from tests.validation.queueing import jackson_doc, queue_doc
from tests.validation.runs import summaries

pytestmark = pytest.mark.slow

EXACT_CASES = {
    "M/M/1 rho=0.7": queue_doc(700.0, 1.0, 1, duration_s=120, seed=31),
    "M/M/4 rho=0.8": queue_doc(3200.0, 1.0, 4, duration_s=60, seed=32),
    "M/D/1 rho=0.7": queue_doc(700.0, 1.0, 1, distribution="constant", duration_s=120,
                               seed=33),
    "Jackson": jackson_doc(600.0, duration_s=120, seed=34),
}
#: Templates whose every feature the model covers (no faults, timeouts, retries,
#: autoscaling): there it must agree with the run.
COVERED_TEMPLATES = ("cdn_in_front_of_origin", "event_driven_with_queue",
                     "microservices_behind_gateway", "read_heavy_with_cache",
                     "three_tier_web_app")


def _check_exact(name: str, result: AnalyticResult, summary: dict[str, Any]) -> None:
    for cid, pred in result.components.items():
        if pred.model == "pass-through":
            continue
        assert pred.exact, (name, cid, pred.notes)
        comp = summary["components"][cid]
        lo, hi = comp["latency_ms"]["mean_ci95"]
        assert pred.mean_latency_ms is not None
        assert lo <= pred.mean_latency_ms <= hi, (name, cid, pred.mean_latency_ms, lo, hi)
        # ~10^5 services: the occupancy's relative spread is well under 2 %.
        assert comp["utilization"] == pytest.approx(pred.utilization, rel=0.02), (name, cid)
    assert result.end_to_end_exact
    lo, hi = summary["end_to_end"]["latency_ms"]["mean_ci95"]
    assert result.end_to_end_ms is not None
    assert lo <= result.end_to_end_ms <= hi, (name, result.end_to_end_ms, lo, hi)


def test_exact_models_inside_the_runs_ci(run_pool: Executor) -> None:
    runs = summaries(run_pool, list(EXACT_CASES.values()))
    for (name, doc), summary in zip(EXACT_CASES.items(), runs, strict=True):
        _check_exact(name, analyze(doc), summary)


def _short(doc: Document, duration_s: float) -> Document:
    out = copy.deepcopy(doc)
    out.simulation.duration_s = duration_s
    return out


def test_templates_agree_with_simulation(run_pool: Executor) -> None:
    docs = [_short(load(resource_path("templates", f"{name}.sdsim")), 40.0)
            for name in COVERED_TEMPLATES]
    runs = summaries(run_pool, docs)
    for name, doc, summary in zip(COVERED_TEMPLATES, docs, runs, strict=True):
        result = analyze(doc)
        assert result.end_to_end_ms is not None
        assert summary["end_to_end"]["latency_ms"]["mean"] == pytest.approx(
            result.end_to_end_ms, rel=0.02), name
        for cid, pred in result.components.items():
            comp = summary["components"][cid]
            assert pred.arrival_rps is not None and pred.utilization is not None
            # Poisson counts over 35 s: 4 standard deviations, and 1 % for round-robin splits.
            spread = 4.0 * (pred.arrival_rps / 35.0) ** 0.5 + 0.01 * pred.arrival_rps
            assert abs(comp["arrival_rate_rps"] - pred.arrival_rps) <= spread, (name, cid)
            assert comp["utilization"] == pytest.approx(pred.utilization, abs=0.01), (name, cid)
            assert comp["latency_ms"]["mean"] == pytest.approx(
                pred.mean_latency_ms, rel=0.05), (name, cid)
