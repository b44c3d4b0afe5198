"""The analytic model's figures for a sweep point, beside the simulated ones.

For each point the design with the point's overrides goes through the
queueing model of :mod:`app.analysis` (milliseconds): end-to-end mean and p99
latency, throughput (the offered rate while nothing saturates) and each
component's utilization and mean latency. A figure the model cannot give
(an unbounded queue, a saturated tier) is ``None``; a model that fails on a
numerical corner gives no figures at all, never a wrong one.
"""

from __future__ import annotations

import math
from pathlib import Path

from app.analysis.model import prepare
from app.analysis.planner_tails import predict_p99
from app.engine.snapshot import END_TO_END
from app.model.document import Document
from app.sweeps.headline import Figures


def analytic_figures(doc: Document, base_dir: Path | None = None) -> Figures:
    """``(metric, component) -> predicted value`` for ``doc`` as it is (load factor 1)."""
    try:
        model = prepare(doc, base_dir=base_dir)
        result = model.at(1.0, saturation=False)
        tails = predict_p99(model, result)
    except (ArithmeticError, ValueError):
        return {}
    saturated = any(p.saturated for p in result.components.values())
    out: Figures = {
        ("latency_mean_ms", END_TO_END): _finite(result.end_to_end_ms),
        ("latency_p99_ms", END_TO_END): _finite(tails.end_to_end),
        ("throughput_rps", END_TO_END): None if saturated else _finite(result.offered_rps),
    }
    for cid, pred in result.components.items():
        out[("utilization", cid)] = _finite(pred.utilization)
        out[("latency_mean_ms", cid)] = _finite(pred.mean_latency_ms)
        out[("latency_p99_ms", cid)] = _finite(tails.components.get(cid))
    return out


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
