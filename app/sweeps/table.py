"""A sweep's results as tidy (long) tables, written as CSV and Parquet.

``points`` has one row per point, metric and component: the point's axis
values (one column per swept key, named by the key), then ``metric``,
``component``, ``n`` (replications that measured it), ``mean``, ``std``,
``ci95_low``, ``ci95_high``, ``analytic`` (the queueing model's prediction,
empty where it has none) and ``failed`` (the point's failed replications).
``replications`` has one row per replication, metric and component: the axis
values, ``replication``, ``seed``, ``metric``, ``component`` and ``value``.

Both are long format, the shape pandas, R and spreadsheets pivot from.
Text cells are written so that no spreadsheet runs them as formulas.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any, Final

from app.atomic_io import atomic_write_bytes, atomic_write_text
from app.reports.csv_writer import safe_cell
from app.sweeps.headline import Figures, headline
from app.sweeps.sweep import SweepResult

POINT_COLUMNS: Final = ("point",)
POINT_STATS: Final = ("metric", "component", "n", "mean", "std", "ci95_low", "ci95_high",
                      "analytic", "failed")
REPLICATION_STATS: Final = ("replication", "seed", "metric", "component", "value")

Columns = dict[str, list[Any]]


def _axis_columns(result: SweepResult) -> list[str]:
    return [a.key for a in result.plan.axes]


def points_table(result: SweepResult) -> Columns:
    """The ``points`` table as columns (see the module doc)."""
    keys = _axis_columns(result)
    cols: Columns = {name: [] for name in (*POINT_COLUMNS, *keys, *POINT_STATS)}
    for point in result.plan.points:
        ests = result.estimates(point.index)
        if not ests:
            continue
        analytic: Figures = dict(result.plan.analytic.get(point.index, {}))
        failed = sum(1 for k in result.failures if k[0] == point.index)
        for (metric, component), est in sorted(ests.items(), key=_order):
            cols["point"].append(point.index)
            for key in keys:
                cols[key].append(point.value(key))
            cols["metric"].append(metric)
            cols["component"].append(component)
            cols["n"].append(est.n)
            cols["mean"].append(est.mean)
            cols["std"].append(est.std)
            cols["ci95_low"].append(est.ci_low)
            cols["ci95_high"].append(est.ci_high)
            cols["analytic"].append(analytic.get((metric, component)))
            cols["failed"].append(failed)
    return cols


def replications_table(result: SweepResult) -> Columns:
    """The ``replications`` table as columns (see the module doc)."""
    keys = _axis_columns(result)
    cols: Columns = {name: [] for name in (*POINT_COLUMNS, *keys, *REPLICATION_STATS)}
    points = {p.index: p for p in result.plan.points}
    for (index, k), run in sorted(result.runs.items()):
        point = points[index]
        for (metric, component), value in sorted(headline(run.summary).items(), key=_order):
            cols["point"].append(index)
            for key in keys:
                cols[key].append(point.value(key))
            cols["replication"].append(k)
            cols["seed"].append(run.seed)
            cols["metric"].append(metric)
            cols["component"].append(component)
            cols["value"].append(value)
    return cols


def _order(item: tuple[tuple[str, str], Any]) -> tuple[int, str, str]:
    (metric, component), _ = item
    return (0 if component == "end_to_end" else 1, component, metric)


def csv_text(cols: Columns) -> str:
    """``cols`` as CSV: numbers in full precision, empty cells for missing values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(cols)
    writer.writerow([safe_cell(n) for n in names])
    rows = len(next(iter(cols.values()))) if cols else 0
    for i in range(rows):
        writer.writerow([_cell(cols[n][i]) for n in names])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return safe_cell(str(value))


def parquet_bytes(cols: Columns) -> bytes:
    """``cols`` as a Parquet file (pyarrow; a mixed text/number column becomes text)."""
    import pyarrow as pa  # only writing a table pays for it
    import pyarrow.parquet as pq

    arrays = {}
    for name, values in cols.items():
        try:
            arrays[name] = pa.array(values)
        except OverflowError:  # 64-bit seeds above int64's range
            arrays[name] = pa.array(values, type=pa.uint64())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array([None if v is None else str(v) for v in values])
    sink = io.BytesIO()
    pq.write_table(pa.table(arrays), sink)
    return sink.getvalue()


def write_tables(result: SweepResult, folder: Path) -> list[Path]:
    """Write ``points`` and ``replications`` as CSV and Parquet into ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, cols in (("points", points_table(result)),
                       ("replications", replications_table(result))):
        csv_path, pq_path = folder / f"{stem}.csv", folder / f"{stem}.parquet"
        atomic_write_text(csv_path, csv_text(cols))
        atomic_write_bytes(pq_path, parquet_bytes(cols))
        written += [csv_path, pq_path]
    return written
