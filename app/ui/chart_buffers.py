"""The Overview's preallocated time series of one run, and the y-axis rounding it uses.

Sized for the whole run up front (growing by doubling only if a run outlives
its planned windows), so appending a window never reallocates; a view handed
to pyqtgraph is never written to afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.engine.snapshot import Snapshot

#: End-to-end series: (buffer key, snapshot field, scale to the plotted unit).
E2E_SERIES = (
    ("throughput", "throughput_rps", 1.0),
    ("p50", "latency_p50_ms", 1.0),
    ("p95", "latency_p95_ms", 1.0),
    ("p99", "latency_p99_ms", 1.0),
    ("error_rate", "error_rate", 100.0),
)


def finite_max(values: np.ndarray) -> float:
    """The largest finite value, 0 when there is none (all NaN, or empty)."""
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0


def nice_ceil(value: float) -> float:
    """The next of 1, 2, 5 × 10^k at or above ``value`` (the axis moves in few, round steps)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if value <= step * magnitude * (1 + 1e-12):
            return step * magnitude
    return 10.0 * magnitude


class MetricBuffers:
    """Preallocated time series of one run."""

    def __init__(self, component_ids: Sequence[str], capacity: int) -> None:
        self.capacity = max(2, capacity)
        self.count = 0
        self.time = np.zeros(self.capacity)
        self.e2e = {key: np.zeros(self.capacity) for key, _f, _s in E2E_SERIES}
        self.index = {cid: i for i, cid in enumerate(component_ids)}
        self.utilization = np.zeros((len(component_ids), self.capacity))
        self.queue = np.zeros((len(component_ids), self.capacity))

    def _grow(self) -> None:
        # Only if the run outlives its planned windows; old views stay valid (new arrays).
        self.capacity *= 2
        self.time = np.resize(self.time, self.capacity)
        self.e2e = {k: np.resize(v, self.capacity) for k, v in self.e2e.items()}
        self.utilization = np.resize(self.utilization, (len(self.index), self.capacity))
        self.queue = np.resize(self.queue, (len(self.index), self.capacity))

    def append(self, snapshot: Snapshot) -> None:
        """Copy one window's figures in (a figure the window does not have becomes NaN)."""
        if self.count >= self.capacity:
            self._grow()
        i = self.count
        self.time[i] = snapshot.time_s
        e2e = snapshot.end_to_end
        for key, field, scale in E2E_SERIES:
            value = getattr(e2e, field)
            self.e2e[key][i] = math.nan if value is None else value * scale
        for cid, row in self.index.items():
            metrics = snapshot.components.get(cid)
            if metrics is not None:
                self.utilization[row, i] = metrics.utilization * 100.0
                self.queue[row, i] = metrics.waiting
        self.count = i + 1
