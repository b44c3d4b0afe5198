"""The per-window metric names of a component, as ``metrics.csv`` writes them.

One list for the whole model: alert rules and dashboard charts both name a
metric by these. They are the engine's ``WindowMetrics`` fields written out
again, because the model may not import the engine; a test holds the two equal.
"""

from __future__ import annotations

from typing import Final

#: Per-window metrics of a component (and end to end), in ``WindowMetrics`` field order.
WINDOW_METRICS: Final = (
    "arrivals", "completed", "rejected", "timed_out", "failed", "throughput_rps", "error_rate",
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    "latency_max_ms", "utilization", "memory_utilization", "queue_length", "in_flight",
    "availability", "dropped", "backlog", "async_failed", "throttled", "replicas",
    "replicas_up",
)
