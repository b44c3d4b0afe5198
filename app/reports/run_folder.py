"""A run folder as a report reads it: design.sdsim, run.json, summary.json, metrics.csv.

``simulate --out DIR`` writes the design it ran (canonical text, so a report can
draw the diagram later, even after the original file changed) and ``run.json``
(what was run, when and how: settings, seed, source file, app version). The
per-window series are not copied into ``run.json``: ``metrics.csv`` already
holds them, tidy, and the report reads them from there (docs/reports.md).

A sweep folder (``main.py sweep --out DIR``) is recognised by its
``points.csv``; :func:`load_sweep_folder` reads it.

Nothing here imports Qt: the renderer (:mod:`app.reports.render`) draws what
these functions read.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.atomic_io import atomic_write_text
from app.engine.snapshot import END_TO_END, METRIC_NAMES, Snapshot
from app.reports.csv_writer import read_cell, read_metrics_csv
from app.reports.output_folder import DESIGN_NAME, METRICS_NAME, RUN_NAME, SUMMARY_NAME

POINTS_NAME = "points.csv"
#: What a run.json says it is (a reader refuses anything else).
RUN_FORMAT = "sdsim-run"
RUN_FORMAT_VERSION = 1

#: (component, metric) -> [(time_s, value or None)], in time order.
Series = dict[tuple[str, str], list[tuple[float, float | None]]]


class ReportInputError(Exception):
    """The folder or file cannot be reported on: one line for the user."""


def write_run_json(path: str | os.PathLike[str], *, design_name: str, source: str,
                   settings: dict[str, Any], created: str, app_version: str) -> None:
    """Write ``run.json`` (atomically): what was run and how, for a later report."""
    data = {
        "format": RUN_FORMAT,
        "version": RUN_FORMAT_VERSION,
        "design": DESIGN_NAME,
        "design_name": design_name,
        "source_file": source,
        "created": created,
        "app_version": app_version,
        "settings": settings,
        "metrics": METRICS_NAME,
        "summary": SUMMARY_NAME,
    }
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@dataclass(slots=True)
class RunReportInput:
    """Everything a report of one run draws."""

    folder: Path
    summary: dict[str, Any]
    run: dict[str, Any]
    series: Series
    design_text: str | None
    #: The design's name (from run.json or the design), "" when unknown.
    design_name: str = ""

    @property
    def components(self) -> list[str]:
        """Component ids in the summary's order."""
        return list((self.summary.get("components") or {}).keys())


@dataclass(slots=True)
class SweepReportInput:
    """A sweep folder: the points table, long format, as read from points.csv."""

    folder: Path
    axes: list[str]
    #: Rows of points.csv as dicts (numbers parsed; empty cells None).
    rows: list[dict[str, Any]] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{path}: not a JSON object")
    return data


def read_series(path: Path) -> Series:
    """The per-window series of ``metrics.csv``."""
    series: Series = defaultdict(list)
    try:
        for time_s, component, metric, value in read_metrics_csv(path):
            series[(component, metric)].append((time_s, value))
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ReportInputError(f"{path}: not a metrics.csv ({exc})") from None
    return dict(series)


def load_run_folder(folder: Path) -> RunReportInput:
    """Read a ``simulate --out`` folder; raises ReportInputError (one line) when it is not one.

    ``run.json`` and ``design.sdsim`` are optional (folders written before they
    existed still report, without the diagram); ``summary.json`` and
    ``metrics.csv`` are required.
    """
    summary_path = folder / SUMMARY_NAME
    if not summary_path.is_file():
        raise ReportInputError(
            f"{folder}: no {SUMMARY_NAME} here; give a folder written by "
            "`simulate --out` or `sweep --out`, or a .sdsim design")
    summary = _read_json(summary_path)
    for key in ("end_to_end", "components", "simulated_s"):
        if key not in summary:
            raise ReportInputError(f"{summary_path}: not a run summary (no {key!r})")
    metrics_path = folder / METRICS_NAME
    series = read_series(metrics_path) if metrics_path.is_file() else {}
    run_path = folder / RUN_NAME
    run = _read_json(run_path) if run_path.is_file() else {}
    if run and run.get("format") != RUN_FORMAT:
        raise ReportInputError(f"{run_path}: not a run description (format is not {RUN_FORMAT!r})")
    design_path = folder / DESIGN_NAME
    design_text: str | None = None
    if design_path.is_file():
        try:
            design_text = design_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            design_text = None  # the report is still made, without the diagram
    name = str(run.get("design_name") or "")
    return RunReportInput(folder, summary, run, series, design_text, name)


def _cell_number(text: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


#: Columns of points.csv after the axes (app.sweeps.table).
POINT_COLUMNS = ("metric", "component", "n", "mean", "std", "ci95_low", "ci95_high",
                 "analytic", "failed")


def load_sweep_folder(folder: Path) -> SweepReportInput:
    """Read a ``sweep --out`` folder's points.csv (swept columns sit between point and metric)."""
    path = folder / POINTS_NAME
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or header[0] != "point" or "metric" not in header:
                raise ReportInputError(f"{path}: not a sweep's points.csv")
            axes = header[1:header.index("metric")]
            rows: list[dict[str, Any]] = []
            for raw in reader:
                if len(raw) != len(header):
                    raise ReportInputError(f"{path}: a row has {len(raw)} cells, "
                                           f"the header {len(header)}")
                row: dict[str, Any] = {"point": int(raw[0])}
                for name, cell in zip(header[1:], raw[1:], strict=True):
                    if name in ("metric", "component"):
                        row[name] = read_cell(cell)
                    elif name in axes:
                        number = _cell_number(cell)
                        row[name] = read_cell(cell) if number is None else number
                    else:
                        row[name] = _cell_number(cell)
                rows.append(row)
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: not a sweep's points.csv ({exc})") from None
    return SweepReportInput(folder, axes, rows)


def is_sweep_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a sweep's results rather than one run's."""
    return (folder / POINTS_NAME).is_file() and not (folder / SUMMARY_NAME).is_file()


def series_from_snapshots(snapshots: Iterable[Snapshot]) -> Series:
    """The series :func:`read_series` reads from metrics.csv, from snapshots in memory
    (a run in the desktop app: the same report without a round trip through files)."""
    series: Series = defaultdict(list)
    for snap in snapshots:
        blocks = [(END_TO_END, snap.end_to_end), *snap.components.items()]
        for component, metrics in blocks:
            for name in METRIC_NAMES:
                value = getattr(metrics, name)
                number = None if value is None else float(value)
                if number is not None and not math.isfinite(number):
                    number = None
                series[(component, name)].append((snap.time_s, number))
    return dict(series)
