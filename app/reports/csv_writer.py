"""``metrics.csv``: tidy long format, one row per window x component x metric.

Two rules make the file safe to hand to a spreadsheet and to our own tools:

* **Text from a design cannot run as a formula** (OWASP "CSV injection"): a
  text cell (a component id) that starts with ``=``, ``+``, ``-``, ``@``, a tab,
  a carriage return or a single quote is written with a leading ``'``, which
  spreadsheets show as text. The quote itself is escaped the same way, so the
  rule is reversible: :func:`read_cell` drops one leading ``'`` and gives the
  exact id back. Numbers are written as numbers.
* **A metric without a value** (a window with no completions has no latency)
  is an empty cell, never 0.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from app.engine.snapshot import END_TO_END, METRIC_NAMES, Snapshot, WindowMetrics
from app.reports.output_folder import PARTIAL_SUFFIX

HEADER = ("time_s", "component", "metric", "value")
#: First characters a spreadsheet reads as the start of a formula (and the quote
#: that escapes them, so that escaping stays reversible).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula (see the module doc)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def read_cell(cell: str) -> str:
    """The text :func:`safe_cell` wrote into ``cell``."""
    return cell[1:] if cell.startswith("'") else cell


def _number(value: float | int | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    if isinstance(value, int):
        return str(value)  # counts stay exact
    return f"{float(value):.6g}"


class MetricsCsvWriter:
    """Streams snapshots to a CSV file as they arrive (memory stays flat).

    The file is written to ``<path>.partial``; :meth:`close` (or :meth:`finish`
    then :meth:`commit`) moves it to its final name, and :meth:`discard`
    deletes it, so a half-written CSV never carries the final name. Leaving a
    ``with`` block by an exception discards the file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self._handle: TextIO = self.partial.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._handle)
        self._csv.writerow(HEADER)
        self.rows = 0

    def write(self, snapshot: Snapshot) -> None:
        """Append every metric of one snapshot (end to end first, then components)."""
        t = f"{snapshot.time_s:g}"
        self._rows(t, END_TO_END, snapshot.end_to_end)
        for component_id, metrics in snapshot.components.items():
            self._rows(t, safe_cell(component_id), metrics)

    def _rows(self, t: str, component: str, metrics: WindowMetrics) -> None:
        rows = [(t, component, name, _number(getattr(metrics, name))) for name in METRIC_NAMES]
        self._csv.writerows(rows)
        self.rows += len(rows)

    def finish(self) -> None:
        """Flush and sync the data to disk (still under the temporary name)."""
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()

    def commit(self) -> None:
        """Move the finished file to its final name."""
        self.finish()
        self.partial.replace(self.path)

    def close(self) -> None:
        """Finish and move the file to its final name."""
        if self.partial.exists() or not self._handle.closed:
            self.commit()

    def discard(self) -> None:
        """Drop the file (never leaves a partial one behind)."""
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            self.partial.unlink()

    def __enter__(self) -> MetricsCsvWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.discard()
        else:
            self.close()


def write_metrics_csv(snapshots: Iterable[Snapshot], path: str | os.PathLike[str]) -> int:
    """Write all ``snapshots`` to ``path``; returns the number of data rows."""
    with MetricsCsvWriter(path) as writer:
        for snap in snapshots:
            writer.write(snap)
    return writer.rows


MetricsRow = tuple[float, str, str, float | None]


def read_metrics_csv(path: str | os.PathLike[str]) -> Iterator[MetricsRow]:
    """Rows of a ``metrics.csv`` as ``(time_s, component, metric, value)``.

    Undoes :func:`safe_cell` on component ids; an empty value is None.
    """
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for time_s, component, metric, value in reader:
            yield float(time_s), read_cell(component), metric, float(value) if value else None
