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
    """End to end first, then one row per component, then failures, events and alerts."""
    if summary.get("stopped_during_warmup"):
        # Alerts are evaluated during the warm-up too (docs/alerts.md).
        return "\n".join([_heading(summary), "", WARMUP_SENTENCE, *alert_timeline(summary)])
    e2e = summary["end_to_end"]
    lat = e2e["latency_ms"]
    lines = [
        _heading(summary),
        "",
        # Counts cover events after the warm-up, so a request created during the
        # warm-up may complete after it: completed can exceed requests slightly.
        f"End to end, after warm-up: {e2e['requests']:,} requests, "
        f"{e2e['completed']:,} completed, "
        f"{e2e['failed']:,} failed, {e2e.get('rejected', 0):,} rejected, "
        f"{e2e.get('timed_out', 0):,} timed out, "
        f"{e2e.get('async_failed', 0):,} failed in async work "
        f"(error rate {_num(e2e['error_rate'], '.2f', scale=100)} %), "
        f"{_num(e2e['throughput_rps'], ',.1f')} req/s",
        f"  latency ms: mean {_ms(lat['mean'])} ({_ci(lat)} 95% CI)  p50 {_ms(lat['p50'])}  "
        f"p95 {_ms(lat['p95'])}  p99 {_ms(lat['p99'])}  max {_ms(lat['max'])}",
        "",
    ]
    header = (
        f"{'component':<20} {'req/s':>10} {'util %':>7} {'queue':>8} "
        f"{'mean ms':>9} {'p99 ms':>9} {'rejected':>9} {'timed out':>9} {'failed':>8} "
        f"{'dropped':>8}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for cid, c in summary["components"].items():
        cl = c["latency_ms"]
        lines.append(
            f"{_table_text(cid, 20):<20} {_num(c['throughput_rps'], ',.1f', 10)} "
            f"{_num(c['utilization'], '.1f', 7, 100)} {_num(c['mean_queue_length'], '.2f', 8)} "
            f"{_ms(cl['mean'], 9)} {_ms(cl['p99'], 9)} "
            f"{c['rejected']:>9,} {c.get('timed_out', 0):>9,} {c['failed']:>8,} "
            f"{c.get('dropped', 0):>8,}"
        )
    lines.extend(_resilience_lines(summary))
    lines.extend(alert_timeline(summary))
    return "\n".join(lines)


#: Events shown on the command line; summary.json holds them all.
SHOWN_EVENTS = 12


def _resilience_lines(summary: dict[str, Any]) -> list[str]:
    """Failures, replicas that moved, throttling and the first events (nothing when calm)."""
    lines: list[str] = []
    failures = summary.get("failures") or {}
    if failures.get("crashes"):
        lines += ["", f"Failures: {failures['crashes']:,} crashes, "
                      f"{_num(failures.get('downtime_s'), ',.1f')} replica-seconds down"]
        for cid, f in (failures.get("components") or {}).items():
            if f.get("crashes"):
                lines.append(
                    f"  {_table_text(cid, 20):<20} {f['crashes']:>5,} crashes  availability "
                    f"{_num(f.get('availability'), '.2f', scale=100)} %  "
                    f"observed MTTR {_num(f.get('mttr_observed_s'), '.1f')} s")
    moved = [(cid, c) for cid, c in summary["components"].items()
             if isinstance(c.get("replicas"), dict)
             and c["replicas"]["min"] != c["replicas"]["max"]]
    throttled = [(cid, c["throttled"]) for cid, c in summary["components"].items()
                 if c.get("throttled")]
    if moved or throttled:
        lines.append("")
    for cid, c in moved:
        r = c["replicas"]
        lines.append(f"Replicas of {_table_text(cid, 20)}: {r['min']} to {r['max']}, "
                     f"{r['final']} at the end")
    for cid, n in throttled:
        lines.append(f"Throttled at {_table_text(cid, 20)}: {n:,} requests")
    # Alert state changes have their own timeline below; here they would crowd out
    # the crashes and faults.
    events = [e for e in summary.get("events") or [] if not str(e["kind"]).startswith("alert_")]
    if events:
        total = len(events) + int(summary.get("events_dropped") or 0)
        lines += ["", f"Events ({total:,}; the first {min(SHOWN_EVENTS, total)}, "
                      "all in summary.json):"]
        for event in events[:SHOWN_EVENTS]:
            extra = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in event.items() if k not in ("time_s", "kind", "target"))
            lines.append(f"  {event['time_s']:>9.3f} s  {_table_text(str(event['kind']), 18):<18} "
                         f"{_table_text(str(event['target']), 30)}"
                         + (f"  ({_table_text(extra, 60)})" if extra else ""))
    return lines


#: Fired alerts listed on the command line; summary.json holds them all.
SHOWN_ALERTS = 20


def alert_timeline(summary: dict[str, Any]) -> list[str]:
    """The fired alerts in firing order: when, until when, severity, rule, target, peak.

    Nothing when no alert fired. An alert still firing at the end of the run
    shows "firing" in the resolved column.
    """
    alerts = summary.get("alerts") or []
    if not alerts:
        return []
    total = len(alerts) + int(summary.get("alerts_dropped") or 0)
    shown = min(SHOWN_ALERTS, len(alerts))
    which = "" if shown == total else f"; the first {shown}, all in summary.json"
    lines = ["", f"Alerts fired ({total:,}{which}):",
             f"  {'pending s':>9} {'fired s':>9} {'resolved s':>10}  {'severity':<8}  "
             f"{'rule':<24} {'target':<24} {'peak':>10}"]
    for alert in alerts[:shown]:
        resolved = alert.get("resolved_at_s")
        until = "firing" if resolved is None else f"{resolved:.1f}"
        lines.append(
            f"  {_num(alert.get('pending_since_s'), '.1f', 9)} {alert['fired_at_s']:>9.1f} "
            f"{until:>10}  {_table_text(str(alert['severity']), 8):<8}  "
            f"{_table_text(str(alert['name']), 24):<24} "
            f"{_table_text(str(alert['component']), 24):<24} {_num(alert.get('peak'), '.4g', 10)}")
    return lines
