"""``metrics.csv``: tidy long format, one row per window x component x metric."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.engine.snapshot import END_TO_END, Snapshot, WindowMetrics

HEADER = ("time_s", "component", "metric", "value")


class MetricsCsvWriter:
    """Streams snapshots to a CSV file as they arrive (memory stays flat).

    The file is written to ``<path>.partial`` and renamed into place by
    :meth:`close`, so a half-written CSV never carries the final name.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._handle: TextIO = self._partial.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._handle)
        self._csv.writerow(HEADER)
        self.rows = 0

    def write(self, snapshot: Snapshot) -> None:
        """Append every metric of one snapshot (end to end first, then components)."""
        t = f"{snapshot.time_s:g}"
        self._rows(t, END_TO_END, snapshot.end_to_end)
        for component_id, metrics in snapshot.components.items():
            self._rows(t, component_id, metrics)

    def _rows(self, t: str, component: str, metrics: WindowMetrics) -> None:
        for name, value in metrics.as_dict().items():
            self._csv.writerow((t, component, name, f"{value:.6g}"))
            self.rows += 1

    def close(self) -> None:
        """Flush, and move the file to its final name."""
        if self._handle.closed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._partial.replace(self.path)

    def __enter__(self) -> MetricsCsvWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_metrics_csv(snapshots: Iterable[Snapshot], path: str | os.PathLike[str]) -> int:
    """Write all ``snapshots`` to ``path``; returns the number of data rows."""
    with MetricsCsvWriter(path) as writer:
        for snap in snapshots:
            writer.write(snap)
    return writer.rows
