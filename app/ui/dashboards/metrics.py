"""How the GUI shows each per-window metric: its label, unit, scale and group.

One table for the custom dashboards' metric picker, their axes, and the
component detail view's sections (traffic, latency, resources, errors,
replicas). The names are :data:`app.model.dashboards.DASHBOARD_METRICS`.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from app.model.dashboards import DASHBOARD_METRICS


class MetricInfo(NamedTuple):
    """What a metric is called on screen, in which unit, times what, in which group."""

    label: str
    unit: str
    scale: float
    group: str


#: Fractions are shown as percentages (scale 100); the rest as they come.
METRIC_INFO: Final[dict[str, MetricInfo]] = {
    "arrivals": MetricInfo("Arrivals", "per window", 1.0, "traffic"),
    "completed": MetricInfo("Completed", "per window", 1.0, "traffic"),
    "throughput_rps": MetricInfo("Throughput", "req/s", 1.0, "traffic"),
    "in_flight": MetricInfo("In flight", "requests", 1.0, "traffic"),
    "latency_mean_ms": MetricInfo("Latency mean", "ms", 1.0, "latency"),
    "latency_p50_ms": MetricInfo("Latency p50", "ms", 1.0, "latency"),
    "latency_p90_ms": MetricInfo("Latency p90", "ms", 1.0, "latency"),
    "latency_p95_ms": MetricInfo("Latency p95", "ms", 1.0, "latency"),
    "latency_p99_ms": MetricInfo("Latency p99", "ms", 1.0, "latency"),
    "latency_max_ms": MetricInfo("Latency max", "ms", 1.0, "latency"),
    "utilization": MetricInfo("Utilization", "%", 100.0, "resources"),
    "memory_utilization": MetricInfo("Memory", "%", 100.0, "resources"),
    "queue_length": MetricInfo("Queue length", "requests", 1.0, "resources"),
    "backlog": MetricInfo("Backlog", "messages", 1.0, "resources"),
    "error_rate": MetricInfo("Error rate", "%", 100.0, "errors"),
    "availability": MetricInfo("Availability", "%", 100.0, "errors"),
    "rejected": MetricInfo("Rejected", "per window", 1.0, "errors"),
    "timed_out": MetricInfo("Timed out", "per window", 1.0, "errors"),
    "failed": MetricInfo("Failed", "per window", 1.0, "errors"),
    "dropped": MetricInfo("Dropped", "per window", 1.0, "errors"),
    "throttled": MetricInfo("Throttled", "per window", 1.0, "errors"),
    "async_failed": MetricInfo("Async failed", "per window", 1.0, "errors"),
    "replicas": MetricInfo("Replicas", "replicas", 1.0, "replicas"),
    "replicas_up": MetricInfo("Replicas up", "replicas", 1.0, "replicas"),
}
assert set(METRIC_INFO) == set(DASHBOARD_METRICS)
#: The detail view's sections, in order: (group, title, metrics plotted in its chart).
METRIC_GROUPS: Final = (
    ("traffic", "Traffic (req/s)", ("throughput_rps",)),
    ("latency", "Latency (ms)", ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms")),
    ("resources", "Resources (%)", ("utilization", "memory_utilization")),
    ("errors", "Errors (%)", ("error_rate",)),
    ("replicas", "Replicas", ("replicas", "replicas_up")),
)


def metric_title(metric: str) -> str:
    """``"Latency p99 (ms)"``: a metric's label with its unit."""
    info = METRIC_INFO[metric]
    return f"{info.label} ({info.unit})"


def format_value(value: float, unit: str = "") -> str:
    """A figure as text for a label or table: ``—`` for no value, few digits."""
    if math.isnan(value):
        return "—"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit and unit != "per window" else text
