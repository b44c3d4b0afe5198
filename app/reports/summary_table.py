"""A plain-text table of a run summary, for the terminal."""

from __future__ import annotations

from typing import Any


def _ci(block: dict[str, Any]) -> str:
    lo, hi = block.get("mean_ci95", [None, None])
    if lo is None or hi is None:
        return "n/a"
    return f"±{(hi - lo) / 2:.3g}"


def format_summary_table(summary: dict[str, Any]) -> str:
    """End to end first, then one row per component."""
    e2e = summary["end_to_end"]
    lat = e2e["latency_ms"]
    lines = [
        f"Simulated {summary['simulated_s']:g} s (warm-up {summary['warmup_s']:g} s, "
        f"seed {summary['seed']}) in {summary['wall_s']:.2f} s wall",
        "",
        f"End to end: {e2e['requests']:,} requests, {e2e['completed']:,} completed, "
        f"{e2e['failed']:,} failed ({e2e['error_rate'] * 100:.2f} %), "
        f"{e2e['throughput_rps']:,.1f} req/s",
        f"  latency ms: mean {lat['mean']:.3f} ({_ci(lat)} 95% CI)  p50 {lat['p50']:.3f}  "
        f"p95 {lat['p95']:.3f}  p99 {lat['p99']:.3f}  max {lat['max']:.3f}",
        "",
    ]
    header = (
        f"{'component':<20} {'req/s':>10} {'util %':>7} {'queue':>8} "
        f"{'mean ms':>9} {'p99 ms':>9} {'rejected':>9} {'failed':>8}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for cid, c in summary["components"].items():
        cl = c["latency_ms"]
        lines.append(
            f"{cid[:20]:<20} {c['throughput_rps']:>10,.1f} {c['utilization'] * 100:>7.1f} "
            f"{c['mean_queue_length']:>8.2f} {cl['mean']:>9.3f} {cl['p99']:>9.3f} "
            f"{c['rejected']:>9,} {c['failed']:>8,}"
        )
    return "\n".join(lines)
