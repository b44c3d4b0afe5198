"""The headline figures of one run, read from its summary, by (metric, component).

These are the figures a sweep reports per point and a what-if compares:
latency (mean and percentiles), throughput, error rate and availability end
to end and per component, plus each component's utilization. The names are
those of ``metrics.csv``; ``component`` is a component id or ``end_to_end``.
A figure the run could not measure (no completions) is ``None``, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.engine.snapshot import END_TO_END

#: Latency figures: metric name -> key in a summary's ``latency_ms`` object.
LATENCY_METRICS: Final = {
    "latency_mean_ms": "mean",
    "latency_p50_ms": "p50",
    "latency_p90_ms": "p90",
    "latency_p95_ms": "p95",
    "latency_p99_ms": "p99",
}
#: Rate figures read straight from a summary's object.
RATE_METRICS: Final = ("throughput_rps", "error_rate", "availability")
#: Every end-to-end headline metric, in the order tables show them.
END_TO_END_METRICS: Final = (*LATENCY_METRICS, *RATE_METRICS)
#: Every per-component headline metric, in the order tables show them.
COMPONENT_METRICS: Final = ("utilization", *LATENCY_METRICS, *RATE_METRICS)

#: How each headline metric is shown: metric -> (what people call it, unit, factor from
#: the summary's value to that unit). The what-if table and the sweep plots share it.
FIGURE_LABELS: Final = {
    "latency_mean_ms": ("mean latency", "ms", 1.0),
    "latency_p50_ms": ("p50 latency", "ms", 1.0),
    "latency_p90_ms": ("p90 latency", "ms", 1.0),
    "latency_p95_ms": ("p95 latency", "ms", 1.0),
    "latency_p99_ms": ("p99 latency", "ms", 1.0),
    "throughput_rps": ("throughput", "req/s", 1.0),
    "error_rate": ("error rate", "%", 100.0),
    "availability": ("availability", "%", 100.0),
    "utilization": ("utilization", "%", 100.0),
}

Figures = dict[tuple[str, str], float | None]


def headline(summary: Mapping[str, Any]) -> Figures:
    """``(metric, component) -> value`` for every headline figure of ``summary``."""
    out: Figures = {}
    _read(out, summary.get("end_to_end") or {}, END_TO_END, END_TO_END_METRICS)
    for cid, comp in (summary.get("components") or {}).items():
        _read(out, comp, cid, COMPONENT_METRICS)
    return out


def _read(out: Figures, obj: Mapping[str, Any], component: str, metrics: tuple[str, ...]) -> None:
    latency = obj.get("latency_ms") or {}
    for metric in metrics:
        key = LATENCY_METRICS.get(metric)
        raw = latency.get(key) if key is not None else obj.get(metric)
        out[(metric, component)] = float(raw) if isinstance(raw, int | float) else None
