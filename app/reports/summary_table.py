"""A plain-text table of a run summary, for the terminal.

A latency that does not exist (no request completed) is shown as "—", never
as 0; a run stopped before the end of its warm-up has no statistics, and the
table says so instead of printing a row of zeros.
"""

from __future__ import annotations

from typing import Any

NO_VALUE = "—"
WARMUP_SENTENCE = "stopped during warm-up: no statistics yet"


def _num(value: float | None, spec: str, width: int = 0, scale: float = 1.0) -> str:
    """``value`` formatted with ``spec`` (times ``scale``), or "—" when there is none."""
    text = NO_VALUE if value is None else format(value * scale, spec)
    return f"{text:>{width}}"


def _ms(value: float | None, width: int = 0) -> str:
    return _num(value, ".3f", width)


def _ci(block: dict[str, Any]) -> str:
    lo, hi = block.get("mean_ci95") or (None, None)
    if lo is None or hi is None:
        return "n/a"
    return f"±{(hi - lo) / 2:.3g}"


def _heading(summary: dict[str, Any]) -> str:
    return (
        f"Simulated {summary['simulated_s']:g} s (warm-up {summary['warmup_s']:g} s, "
        f"seed {summary['seed']}) in {summary['wall_s']:.2f} s wall"
    )


def _table_text(text: str, width: int) -> str:
    """A component id in a column: control characters shown escaped, cut to ``width``."""
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return shown[:width]


def format_summary_table(summary: dict[str, Any]) -> str:
    """End to end first, then one row per component."""
    if summary.get("stopped_during_warmup"):
        return "\n".join([_heading(summary), "", WARMUP_SENTENCE])
    e2e = summary["end_to_end"]
    lat = e2e["latency_ms"]
    lines = [
        _heading(summary),
        "",
        f"End to end: {e2e['requests']:,} requests, {e2e['completed']:,} completed, "
        f"{e2e['failed']:,} failed, {e2e.get('rejected', 0):,} rejected, "
        f"{e2e.get('timed_out', 0):,} timed out "
        f"(error rate {_num(e2e['error_rate'], '.2f', scale=100)} %), "
        f"{_num(e2e['throughput_rps'], ',.1f')} req/s",
        f"  latency ms: mean {_ms(lat['mean'])} ({_ci(lat)} 95% CI)  p50 {_ms(lat['p50'])}  "
        f"p95 {_ms(lat['p95'])}  p99 {_ms(lat['p99'])}  max {_ms(lat['max'])}",
        "",
    ]
    header = (
        f"{'component':<20} {'req/s':>10} {'util %':>7} {'queue':>8} "
        f"{'mean ms':>9} {'p99 ms':>9} {'rejected':>9} {'timed out':>9} {'failed':>8}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for cid, c in summary["components"].items():
        cl = c["latency_ms"]
        lines.append(
            f"{_table_text(cid, 20):<20} {_num(c['throughput_rps'], ',.1f', 10)} "
            f"{_num(c['utilization'], '.1f', 7, 100)} {_num(c['mean_queue_length'], '.2f', 8)} "
            f"{_ms(cl['mean'], 9)} {_ms(cl['p99'], 9)} "
            f"{c['rejected']:>9,} {c.get('timed_out', 0):>9,} {c['failed']:>8,}"
        )
    return "\n".join(lines)
