"""Immutable metric snapshots: what the engine hands to the GUI and the writers.

A snapshot is built once at the end of a window and never changed, so it can
cross threads safely (a Qt signal hands over the same object).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

END_TO_END = "end_to_end"


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    """One component's (or the end-to-end) figures over one window.

    Latencies are in milliseconds; for a component they are its own queueing
    plus service time, end to end they are measured at the clients.
    ``utilization`` and ``memory_utilization`` are fractions in [0, 1];
    ``queue_length`` and ``in_flight`` are time averages over the window.
    """

    arrivals: int = 0
    completed: int = 0
    rejected: int = 0
    timed_out: int = 0
    failed: int = 0
    throughput_rps: float = 0.0
    error_rate: float = 0.0
    latency_mean_ms: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p90_ms: float = 0.0
    latency_p95_ms: float = 0.0
    latency_p99_ms: float = 0.0
    latency_max_ms: float = 0.0
    utilization: float = 0.0
    memory_utilization: float = 0.0
    queue_length: float = 0.0
    in_flight: float = 0.0
    availability: float = 1.0

    def as_dict(self) -> dict[str, float]:
        """Metric name -> value, in field order (the CSV's metric names)."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


METRIC_NAMES: tuple[str, ...] = tuple(f.name for f in fields(WindowMetrics))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """All metrics of one window: ``time_s`` is the window's end (simulated seconds)."""

    time_s: float
    window_s: float
    progress: float
    end_to_end: WindowMetrics
    components: Mapping[str, WindowMetrics]

    @staticmethod
    def build(
        time_s: float,
        window_s: float,
        progress: float,
        end_to_end: WindowMetrics,
        components: dict[str, WindowMetrics],
    ) -> Snapshot:
        """Freeze the per-component dict so no one can change it afterwards."""
        return Snapshot(time_s, window_s, progress, end_to_end, MappingProxyType(dict(components)))
