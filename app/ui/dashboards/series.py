"""Time series of chosen (component, metric) pairs of a run, kept as snapshots arrive.

A dashboard chart or the component detail view asks for a few series; this
keeps exactly those, so a window costs work in the number of series shown,
never in the run's history. Series are filled from the run's past snapshots
once, when a chart is made (a chart added in the middle of a run), then
appended to. Arrays grow by doubling; a view handed to pyqtgraph is never
written to afterwards (appends go past its end, growth makes new arrays).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from app.engine.snapshot import END_TO_END, Snapshot
from app.ui.dashboards.metrics import METRIC_INFO

SeriesKey = tuple[str, str]
"""(component id or ``"end_to_end"``, metric name)."""


class _Column:
    """One growing float array with its running count, sum and max (NaN skipped)."""

    def __init__(self, capacity: int) -> None:
        self.data = np.empty(capacity)
        self.count = 0
        self.total = 0.0
        self.finite = 0
        self.peak = math.nan

    def append(self, value: float) -> None:
        if self.count >= self.data.size:
            self.data = np.resize(self.data, max(16, self.data.size * 2))
        self.data[self.count] = value
        self.count += 1
        if not math.isnan(value):
            self.total += value
            self.finite += 1
            self.peak = value if math.isnan(self.peak) else max(self.peak, value)

    def view(self) -> np.ndarray:
        return self.data[:self.count]


class RunSeries:
    """The time axis and the chosen series of one run (values already in display units)."""

    def __init__(self, keys: Iterable[SeriesKey], capacity: int = 64) -> None:
        self._capacity = max(16, capacity)
        self._time = _Column(self._capacity)
        self._columns = {key: _Column(self._capacity) for key in keys}

    @property
    def keys(self) -> list[SeriesKey]:
        """The series kept, in the order asked for."""
        return list(self._columns)

    @property
    def count(self) -> int:
        """Windows received."""
        return self._time.count

    def append(self, snapshot: Snapshot) -> None:
        """Copy one window's figures of the chosen series (a missing figure: NaN)."""
        self._time.append(snapshot.time_s)
        for (cid, metric), column in self._columns.items():
            metrics = (snapshot.end_to_end if cid == END_TO_END
                       else snapshot.components.get(cid))
            value = None if metrics is None else getattr(metrics, metric)
            column.append(math.nan if value is None
                          else float(value) * METRIC_INFO[metric].scale)

    def extend(self, snapshots: Iterable[Snapshot]) -> None:
        """Append several windows (a chart made during or after a run catches up)."""
        for snapshot in snapshots:
            self.append(snapshot)

    def time(self) -> np.ndarray:
        """Window ends (simulated seconds) received so far."""
        return self._time.view()

    def values(self, key: SeriesKey) -> np.ndarray:
        """One series' values so far (NaN where the window had none)."""
        return self._columns[key].view()

    def last(self, key: SeriesKey) -> float:
        """The newest value (NaN before any)."""
        column = self._columns[key]
        return float(column.data[column.count - 1]) if column.count else math.nan

    def mean(self, key: SeriesKey) -> float:
        """Mean over the windows that had a value (NaN if none)."""
        column = self._columns[key]
        return column.total / column.finite if column.finite else math.nan

    def peak(self, key: SeriesKey) -> float:
        """Largest value so far (NaN if none)."""
        return self._columns[key].peak
