"""The tidy result tables: long format, formula-safe CSV, Parquet that reads back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.sweeps.axes import parse_axis
from app.sweeps.executors import SerialExecutor
from app.sweeps.headline import COMPONENT_METRICS, END_TO_END_METRICS
from app.sweeps.sweep import SweepResult, plan_sweep, run_sweep
from app.sweeps.table import (
    POINT_STATS,
    REPLICATION_STATS,
    csv_text,
    parquet_bytes,
    points_table,
    replications_table,
    write_tables,
)
from tests.sweeps.conftest import tiny_doc

#: Headline figures per replication of the tiny design: end to end, and the queue ``q``.
FIGURES = len(END_TO_END_METRICS) + len(COMPONENT_METRICS)


@pytest.fixture(scope="module")
def result() -> SweepResult:
    """Two points x three replications of the tiny queue, one replication reported failed."""
    plan = plan_sweep(tiny_doc(), [parse_axis("users.rate_rps=20,40")], 3)
    out = run_sweep(plan, SerialExecutor())
    assert out.complete
    del out.runs[(1, 2)]  # as if it had failed: the table says so
    out.failures[(1, 2)] = "RuntimeError: lost"
    return out


def test_points_table_is_long_with_one_row_per_point_metric_component(result: SweepResult) -> None:
    cols = points_table(result)
    assert tuple(cols) == ("point", "users.rate_rps", *POINT_STATS)
    rows = list(zip(*cols.values(), strict=True))
    assert len(rows) == 2 * FIGURES
    keys = [(r[0], r[2], r[3]) for r in rows]
    assert len(set(keys)) == len(keys)  # (point, metric, component) identifies a row
    assert set(cols["users.rate_rps"]) == {20, 40}
    assert cols["component"][0] == "end_to_end"  # end to end first
    by_key = {(r[0], r[2], r[3]): dict(zip(cols, r, strict=True)) for r in rows}
    for point in (0, 1):
        ests = result.estimates(point)
        row = by_key[(point, "latency_mean_ms", "end_to_end")]
        est = ests[("latency_mean_ms", "end_to_end")]
        assert (row["n"], row["mean"], row["std"], row["ci95_low"], row["ci95_high"]) == (
            est.n, est.mean, est.std, est.ci_low, est.ci_high)
        assert row["analytic"] == result.plan.analytic[point][("latency_mean_ms", "end_to_end")]
        assert row["failed"] == point  # point 1 lost one replication
        assert row["n"] == 3 - point
    # A figure the model does not predict is empty, not zero.
    assert by_key[(0, "error_rate", "end_to_end")]["analytic"] is None


def test_replications_table_has_every_figure_of_every_run(result: SweepResult) -> None:
    cols = replications_table(result)
    assert tuple(cols) == ("point", "users.rate_rps", *REPLICATION_STATS)
    assert len(cols["value"]) == 5 * FIGURES
    for point, k, seed, metric, component, value in zip(
            cols["point"], cols["replication"], cols["seed"], cols["metric"],
            cols["component"], cols["value"], strict=True):
        run = result.runs[(point, k)]
        assert seed == run.seed
        if (metric, component) == ("throughput_rps", "end_to_end"):
            assert value == run.summary["end_to_end"]["throughput_rps"]


def test_csv_has_full_precision_empty_missing_and_no_formulas(result: SweepResult) -> None:
    cols = points_table(result)
    rows = list(csv.reader(io.StringIO(csv_text(cols))))
    assert rows[0] == list(cols)
    assert len(rows) == 1 + len(cols["point"])
    means = [float(r[rows[0].index("mean")]) for r in rows[1:]]
    assert means == cols["mean"]  # repr round-trips every float exactly
    analytic = [r[rows[0].index("analytic")] for r in rows[1:]]
    assert "" in analytic  # missing, not "None" nor 0

    hostile = {"=cmd|' /C calc'!A0": ["=1+1", "+SUM(A1)", "-2+3", "@x", "plain", None],
               "n": [1, 2, 3, 4, 5, 6], "x": [1.5, float("nan"), True, 0.1, -2.0, None]}
    back = list(csv.reader(io.StringIO(csv_text(hostile))))
    assert back[0][0].startswith("'=")
    assert [r[0] for r in back[1:]] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@x", "plain", ""]
    assert [r[2] for r in back[1:]] == ["1.5", "", "true", "0.1", "-2.0", ""]
    # Negative numbers are numbers, not text behind a quote.
    assert back[5][2] == "-2.0"


def test_parquet_reads_back_with_pyarrow(result: SweepResult) -> None:
    for cols in (points_table(result), replications_table(result)):
        table = pq.read_table(io.BytesIO(parquet_bytes(cols)))
        assert table.column_names == list(cols)
        assert table.to_pydict() == cols  # 64-bit seeds included
    mixed = {"v": [1, "small", None]}
    assert pq.read_table(io.BytesIO(parquet_bytes(mixed))).to_pydict() == {
        "v": ["1", "small", None]}


def test_write_tables_writes_both_tables_in_both_formats(result: SweepResult,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out" / "sweep"
    paths = write_tables(result, out)
    assert sorted(p.name for p in paths) == ["points.csv", "points.parquet",
                                             "replications.csv", "replications.parquet"]
    assert (out / "points.csv").read_text() == csv_text(points_table(result))
    assert pq.read_table(out / "replications.parquet").num_rows == 5 * FIGURES
