"""The report's tables as plain rows: the headline, the analytic comparison, the links.

One source for the PDF/PNG renderer, the HTML report and ``summary.csv`` /
``links.csv``: each table is a header and rows of cells, numbers kept as
numbers (None when there is no value: a latency with no completion is "—",
never 0). Formatting for the page is :func:`shown`.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.atomic_io import atomic_write_text
from app.engine.snapshot import END_TO_END
from app.reports.csv_writer import safe_cell
from app.reports.summary_table import NO_VALUE, WARMUP_SENTENCE

SUMMARY_CSV = "summary.csv"
LINKS_CSV = "links.csv"

Cell = str | float | int | None


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key in CSV, its heading on the page, and how a number is shown."""

    key: str
    heading: str
    spec: str = ""  # format spec for numbers ("" = text)
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Table:
    """A header and rows (``rows[i][j]`` belongs to ``columns[j]``)."""

    title: str
    columns: tuple[Column, ...]
    rows: list[list[Cell]]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def shown(value: Cell, column: Column) -> str:
    """A cell as text on the page ("—" for no value)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, str):
        return value
    if not column.spec:
        return str(value)
    if column.spec == SIGNIFICANT:
        return _significant(value * column.scale)
    return format(value * column.scale, column.spec)


#: A column spec: three significant figures without an exponent (0.00549, 21.2, 1,843).
SIGNIFICANT = "sig"


def _significant(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if value != 0 and abs(value) < 0.001:
        return "< 0.001"  # an exponent in a table of milliseconds reads as noise
    return f"{value:.3g}"


def _ci_half(block: dict[str, Any]) -> float | None:
    lo, hi = block.get("mean_ci95") or (None, None)
    lo, hi = _num(lo), _num(hi)
    return None if lo is None or hi is None else (hi - lo) / 2


HEADLINE_COLUMNS = (
    Column("component", "Component"),
    Column("throughput_rps", "req/s", ",.1f"),
    Column("utilization", "util %", ".1f", 100),
    Column("mean_queue_length", "queue", ".2f"),
    Column("latency_mean_ms", "mean ms", ".2f"),
    Column("latency_mean_ci95_half_ms", "± 95% CI", SIGNIFICANT),
    Column("latency_p50_ms", "p50 ms", ".2f"),
    Column("latency_p95_ms", "p95 ms", ".2f"),
    Column("latency_p99_ms", "p99 ms", ".2f"),
    Column("error_rate", "errors %", ".2f", 100),
)


def _headline_row(name: str, block: dict[str, Any], latency: dict[str, Any]) -> list[Cell]:
    return [
        name,
        _num(block.get("throughput_rps")),
        _num(block.get("utilization")),
        _num(block.get("mean_queue_length")),
        _num(latency.get("mean")),
        _ci_half(latency),
        _num(latency.get("p50")),
        _num(latency.get("p95")),
        _num(latency.get("p99")),
        _num(block.get("error_rate")),
    ]


def headline_table(summary: dict[str, Any]) -> Table:
    """End to end first, then one row per component (empty when stopped in the warm-up)."""
    rows: list[list[Cell]] = []
    if not summary.get("stopped_during_warmup"):
        e2e = summary.get("end_to_end") or {}
        rows.append(_headline_row(END_TO_END, e2e, e2e.get("latency_ms") or {}))
        for cid, comp in (summary.get("components") or {}).items():
            rows.append(_headline_row(cid, comp, comp.get("latency_ms") or {}))
    return Table("Results after the warm-up", HEADLINE_COLUMNS, rows)


ANALYTIC_COLUMNS = (
    Column("component", "Component"),
    Column("model", "Queueing model"),
    Column("analytic_utilization", "model util %", ".1f", 100),
    Column("simulated_utilization", "sim util %", ".1f", 100),
    Column("analytic_latency_ms", "model ms", ".2f"),
    Column("simulated_latency_ms", "sim ms", ".2f"),
    Column("saturated", "saturated"),
)


def analytic_table(summary: dict[str, Any]) -> Table | None:
    """Queueing theory's figures beside the simulation's, per component (None when absent)."""
    analytic = summary.get("analytic")
    if not isinstance(analytic, dict) or not analytic.get("components"):
        return None
    comps = summary.get("components") or {}
    rows: list[list[Cell]] = []
    for cid, model in analytic["components"].items():
        sim = comps.get(cid) or {}
        rows.append([
            cid, str(model.get("model") or ""),
            _num(model.get("utilization")), _num(sim.get("utilization")),
            _num(model.get("mean_latency_ms")),
            _num((sim.get("latency_ms") or {}).get("mean")),
            "yes" if model.get("saturated") else "no",
        ])
    e2e = analytic.get("end_to_end") or {}
    sim_e2e = (summary.get("end_to_end") or {}).get("latency_ms") or {}
    if e2e:
        rows.insert(0, [END_TO_END, "", None, None, _num(e2e.get("mean_latency_ms")),
                        _num(sim_e2e.get("mean")), ""])
    return Table("Simulation against queueing theory", ANALYTIC_COLUMNS, rows)


def analytic_sentences(summary: dict[str, Any]) -> list[str]:
    """The bottleneck and the saturation point in words (nothing when there is no analysis)."""
    analytic = summary.get("analytic")
    if not isinstance(analytic, dict):
        return []
    lines = []
    if analytic.get("bottleneck"):
        lines.append(f"Bottleneck (highest utilisation): {analytic['bottleneck']}")
    saturation = _num(analytic.get("saturation_rps"))
    if saturation is not None:
        first = analytic.get("saturates_first")
        lines.append(f"The design saturates at about {saturation:,.0f} req/s offered"
                     + (f"; {first} saturates first" if first else ""))
    cycle = analytic.get("endless_cycle")
    if cycle:
        lines.append("Requests can loop without end through: " + ", ".join(map(str, cycle)))
    return lines


LINK_COLUMNS = (
    Column("link", "Link"),
    Column("calls", "calls", ",.0f"),
    Column("calls_rps", "calls/s", ",.1f"),
    Column("failed", "failed", ",.0f"),
    Column("timed_out", "timed out", ",.0f"),
    Column("retried", "retried", ",.0f"),
    Column("short_circuited", "short-circuited", ",.0f"),
    Column("latency_mean_ms", "mean ms", ".2f"),
    Column("latency_p99_ms", "p99 ms", ".2f"),
)


def links_table(summary: dict[str, Any]) -> Table:
    """Every link as its caller saw it (attempts and retries included)."""
    rows: list[list[Cell]] = []
    for key, link in (summary.get("links") or {}).items():
        latency = link.get("latency") or {}
        rows.append([key, _num(link.get("calls")), _num(link.get("calls_rps")),
                     _num(link.get("failed")), _num(link.get("timed_out")),
                     _num(link.get("retried")), _num(link.get("short_circuited")),
                     _num(latency.get("mean")), _num(latency.get("p99"))])
    return Table("Links", LINK_COLUMNS, rows)


def status_sentence(summary: dict[str, Any]) -> str:
    """How the run ended, truthfully: finished, stopped early, stopped by a guard."""
    if summary.get("stop_reason"):
        return (f"Stopped by a limit at {summary.get('simulated_s', 0):g} s: "
                f"{summary['stop_reason']}")
    if summary.get("stopped_during_warmup"):
        return f"Stopped at {summary.get('simulated_s', 0):g} s, {WARMUP_SENTENCE}"
    if summary.get("interrupted") or summary.get("stopped"):
        return (f"Stopped early at {summary.get('simulated_s', 0):g} s simulated: "
                "the figures cover only what was simulated")
    return f"Finished: {summary.get('simulated_s', 0):g} s simulated"


def overload_sentence(summary: dict[str, Any]) -> str | None:
    """A warning when a component is saturated (model) or the error rate is high."""
    analytic = summary.get("analytic")
    saturated = []
    if isinstance(analytic, dict):
        saturated = [cid for cid, m in (analytic.get("components") or {}).items()
                     if m.get("saturated")]
    if saturated:
        return "Overloaded: offered load exceeds capacity at " + ", ".join(saturated)
    rate = _num((summary.get("end_to_end") or {}).get("error_rate"))
    if rate is not None and rate >= 0.01:
        return f"{rate * 100:.1f} % of requests failed"
    return None


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.6g}"


def table_csv_text(table: Table) -> str:
    """A table as CSV: keys as headers, raw numbers (not scaled), no value = empty cell."""
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return buffer.getvalue()


def write_table_csvs(summary: dict[str, Any], folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``summary.csv`` (the headline table) and ``links.csv`` into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in ((SUMMARY_CSV, headline_table(summary)), (LINKS_CSV, links_table(summary))):
        atomic_write_text(out / name, table_csv_text(table))
        written.append(out / name)
    return written


__all__ = ["Column", "Table", "analytic_table", "headline_table", "links_table",
           "shown", "status_sentence", "write_table_csvs"]
