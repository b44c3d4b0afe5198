"""Closing a window: counters and integrals become a WindowMetrics, and run totals grow.

Stations and clients keep cumulative counters and time integrals; a window's
figures are differences against the previous close. Latencies gathered during
the window are folded into the whole-run histogram and batch sums — only
those of requests that arrived after the warm-up, so the summary excludes
the warm-up exactly as PRODUCT.md §4 asks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.snapshot import WindowMetrics
from app.engine.station import Station
from app.engine.stats import BatchMeans, LatencyHistogram, window_percentiles
from app.engine.workloads import ClientNode

_COUNTERS = ("arrivals", "completed", "rejected", "failed", "timed_out")
_STATION_AREAS = ("queued_area", "serving_area", "busy_area", "insys_area")


class RunAccumulator:
    """Whole-run (post-warm-up) latency statistics and counters at the warm-up mark."""

    def __init__(self) -> None:
        self.histogram = LatencyHistogram()
        self.batches = BatchMeans()
        self.at_warmup: dict[str, float] = {}
        self.warmup_time = 0.0
        self.worker_seconds = 0.0

    def fold(self, lat_ms: np.ndarray, starts: np.ndarray, warmup_s: float) -> None:
        """Add one window's latencies of requests that arrived after the warm-up."""
        # Latencies are listed in completion order, so look at every start.
        if warmup_s > 0.0 and starts.size and float(starts.min()) < warmup_s:
            lat_ms = lat_ms[starts >= warmup_s]
        self.histogram.add(lat_ms)
        self.batches.add_window(int(lat_ms.size), float(lat_ms.sum()))


def _latency_fields(lat_ms: np.ndarray) -> dict[str, Any]:
    p50, p90, p95, p99, mx = window_percentiles(lat_ms)
    return {
        "latency_mean_ms": float(lat_ms.mean()) if lat_ms.size else 0.0,
        "latency_p50_ms": p50,
        "latency_p90_ms": p90,
        "latency_p95_ms": p95,
        "latency_p99_ms": p99,
        "latency_max_ms": mx,
    }


def _count_fields(d: dict[str, float], length: float) -> dict[str, Any]:
    """The window's event counts and throughput, from counter differences ``d``."""
    counts: dict[str, Any] = {name: int(d[name]) for name in _COUNTERS}
    counts["throughput_rps"] = d["completed"] / length if length > 0 else 0.0
    return counts


def _take_latencies(node: Station | ClientNode) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(node.lat, dtype=float) * 1000.0
    starts = np.asarray(node.lat_start, dtype=float)
    node.lat = []
    node.lat_start = []
    return lat, starts


class StationWindow:
    """Per-window metrics of one station, and its run accumulator."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.run = RunAccumulator()
        self._prev: dict[str, float] = dict.fromkeys(_COUNTERS + _STATION_AREAS, 0.0)

    def values(self, now: float) -> dict[str, float]:
        """Cumulative counters and time integrals at ``now``."""
        st = self.station
        vals = {name: float(getattr(st, name)) for name in _COUNTERS}
        vals.update(st.areas(now))
        return vals

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        self.run.at_warmup = self.values(now)
        self.run.warmup_time = now

    def close(self, end: float, length: float, warmup_s: float) -> WindowMetrics:
        """Metrics of the window ending at ``end``; folds latencies into the run."""
        st = self.station
        now_vals = self.values(end)
        d = {k: now_vals[k] - self._prev[k] for k in now_vals}
        self._prev = now_vals
        lat, starts = _take_latencies(st)
        self.run.fold(lat, starts, warmup_s)
        workers = st.workers
        if end > warmup_s:
            self.run.worker_seconds += workers * (end - max(end - length, warmup_s))
        rc = st.resolved
        in_flight = d["insys_area"] / length if length > 0 else 0.0
        memory = (rc.idle_memory_mb + in_flight * rc.memory_per_request_mb) / rc.memory_capacity_mb
        ended = d["completed"] + d["failed"] + d["rejected"]
        return WindowMetrics(
            **_count_fields(d, length),
            error_rate=(d["failed"] + d["rejected"]) / ended if ended else 0.0,
            utilization=d["busy_area"] / (workers * length) if workers and length > 0 else 0.0,
            memory_utilization=min(1.0, memory),
            queue_length=d["queued_area"] / length if length > 0 else 0.0,
            in_flight=in_flight,
            availability=1.0 if st.up else 0.0,
            **_latency_fields(lat),
        )


class ClientWindow:
    """Per-window end-to-end figures of one client."""

    def __init__(self, client: ClientNode) -> None:
        self.client = client
        self._prev: dict[str, float] = dict.fromkeys((*_COUNTERS, "in_flight_area"), 0.0)

    def values(self, now: float) -> dict[str, float]:
        """Cumulative counters and the in-flight integral at ``now``."""
        c = self.client
        vals = {name: float(getattr(c, name)) for name in _COUNTERS}
        vals["in_flight_area"] = c.in_flight_area(now)
        return vals

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        self.at_warmup = self.values(now)

    def take(self, end: float) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
        """This window's counter differences and latencies."""
        now_vals = self.values(end)
        d = {k: now_vals[k] - self._prev[k] for k in now_vals}
        self._prev = now_vals
        lat, starts = _take_latencies(self.client)
        return d, lat, starts


class EndToEndWindow:
    """Combines every client's window into the end-to-end metrics."""

    def __init__(self, clients: list[ClientNode]) -> None:
        self.windows = [ClientWindow(c) for c in clients]
        self.run = RunAccumulator()

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        total: dict[str, float] = {}
        for w in self.windows:
            w.mark_warmup(now)
            for k, v in w.at_warmup.items():
                total[k] = total.get(k, 0.0) + v
        self.run.at_warmup = total
        self.run.warmup_time = now

    def totals_now(self, now: float) -> dict[str, float]:
        """Cumulative counters over all clients at ``now``."""
        total: dict[str, float] = {}
        for w in self.windows:
            for k, v in w.values(now).items():
                total[k] = total.get(k, 0.0) + v
        return total

    def close(self, end: float, length: float, warmup_s: float) -> WindowMetrics:
        """End-to-end metrics of the window ending at ``end``."""
        d: dict[str, float] = dict.fromkeys((*_COUNTERS, "in_flight_area"), 0.0)
        lats, starts = [], []
        for w in self.windows:
            dw, lat, st = w.take(end)
            for k, v in dw.items():
                d[k] += v
            lats.append(lat)
            starts.append(st)
        lat = np.concatenate(lats) if lats else np.empty(0)
        start = np.concatenate(starts) if starts else np.empty(0)
        self.run.fold(lat, start, warmup_s)
        ended = d["completed"] + d["failed"]
        return WindowMetrics(
            **_count_fields(d, length),
            error_rate=d["failed"] / ended if ended else 0.0,
            in_flight=d["in_flight_area"] / length if length > 0 else 0.0,
            **_latency_fields(lat),
        )
