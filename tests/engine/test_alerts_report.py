"""The CLI's alert timeline (app/reports/summary_table.py)."""

from __future__ import annotations

from typing import Any

from app.reports.summary_table import SHOWN_ALERTS, alert_timeline, format_summary_table


def episode(fired: float, resolved: float | None, name: str = "High utilization",
            component: str = "web") -> dict[str, Any]:
    return {"name": name, "component": component, "severity": "high", "fired_at_s": fired,
            "resolved_at_s": resolved, "peak": 0.97321, "metric": "utilization", "op": ">",
            "threshold": 0.85, "pending_since_s": fired - 120.0}


def test_no_fired_alert_no_timeline() -> None:
    assert alert_timeline({"alerts": []}) == []
    assert alert_timeline({}) == []


def test_timeline_rows_show_pending_fired_resolved_or_firing() -> None:
    lines = alert_timeline({"alerts": [episode(185.0, None), episode(190.0, 200.5, "Errors",
                                                                     "db")]})
    assert lines[1] == "Alerts fired (2):"
    assert lines[2].split() == ["pending", "s", "fired", "s", "resolved", "s", "severity",
                                "rule", "target", "peak"]
    assert lines[3].split() == ["65.0", "185.0", "firing", "high", "High", "utilization", "web",
                                "0.9732"]
    assert lines[4].split() == ["70.0", "190.0", "200.5", "high", "Errors", "db", "0.9732"]


def test_a_long_timeline_is_cut_and_says_so_and_names_are_escaped() -> None:
    alerts = [episode(float(200 + i), None, component="a\nb") for i in range(30)]
    lines = alert_timeline({"alerts": alerts, "alerts_dropped": 5})
    assert lines[1] == f"Alerts fired (35; the first {SHOWN_ALERTS}, all in summary.json):"
    assert len(lines) == 3 + SHOWN_ALERTS
    assert "a\\nb" in lines[3]


def test_the_events_list_leaves_alert_changes_to_the_timeline() -> None:
    summary = {
        "simulated_s": 10.0, "warmup_s": 1.0, "seed": 1, "wall_s": 0.1,
        "stopped_during_warmup": False,
        "end_to_end": {"requests": 1, "completed": 1, "failed": 0, "error_rate": 0.0,
                       "throughput_rps": 1.0,
                       "latency_ms": {"mean": 1.0, "mean_ci95": [None, None], "p50": 1.0,
                                      "p95": 1.0, "p99": 1.0, "max": 1.0}},
        "components": {},
        "events": [{"time_s": 2.0, "kind": "alert_pending", "target": "web"},
                   {"time_s": 3.0, "kind": "crash", "target": "web", "replica": 0}],
        "alerts": [episode(125.0, None)],
    }
    text = format_summary_table(summary)
    assert "alert_pending" not in text
    assert "Events (1; the first 1" in text
    assert text.splitlines()[-1].split()[:3] == ["5.0", "125.0", "firing"]
