"""Alert rules on real runs: the engine's evaluator, summary.json ``alerts`` and the template."""

from __future__ import annotations

import math
from dataclasses import replace

from app.engine.simulation import Simulation
from app.model.alerts import DEFAULT_ALERTS, AlertRule
from app.model.document import (
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)
from app.model.templates import load_architecture_template


def design(service_ms: float, *, duration_s: float = 150.0, error_rate: float | None = None,
           alerts: list[AlertRule] | None = None) -> Document:
    """100 requests/s to one single-worker server (utilization = service_ms / 10)."""
    return Document(
        name="one server",
        components=[
            Component("users", "client", workload=Workload("poisson", rate_rps=100.0)),
            Component("web", "web_server", concurrency=1, blocking=False,
                      service_time=ServiceTime("exponential", mean_ms=service_ms),
                      error_rate=error_rate),
        ],
        links=[Link("users", "web")],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=5.0, seed=7),
        alerts=alerts,
    )


def run(doc: Document) -> tuple[dict, list[float]]:  # type: ignore[type-arg]
    sim = Simulation(doc, live=False)
    closes: list[float] = []
    summary = sim.run(on_snapshot=lambda snap: closes.append(snap.time_s))
    return summary, closes


def test_a_saturated_server_fires_the_default_utilization_rule_after_for_s() -> None:
    summary, closes = run(design(12.0))  # offered 1.2x its capacity
    (alert,) = summary["alerts"]
    high = DEFAULT_ALERTS[0]
    assert (alert["name"], alert["component"], alert["severity"]) == (high.name, "web", "high")
    assert alert["resolved_at_s"] is None  # still saturated at the end
    assert alert["fired_at_s"] in closes  # alerts change state at window closes only
    assert alert["fired_at_s"] >= alert["pending_since_s"] + high.for_s
    assert alert["fired_at_s"] < alert["pending_since_s"] + high.for_s + 1.0 + 1e-9
    assert alert["pending_since_s"] < 10.0  # busy from the first windows on
    assert 0.85 < alert["peak"] <= 1.0 + 1e-9
    kinds = [(e["kind"], e["time_s"]) for e in summary["events"]
             if e["kind"].startswith("alert_")]
    assert ("alert_firing", alert["fired_at_s"]) in kinds
    assert kinds[0] == ("alert_pending", alert["pending_since_s"])


def test_a_healthy_design_fires_nothing() -> None:
    summary, _ = run(design(5.0))  # half busy
    assert summary["alerts"] == []
    assert [e for e in summary["events"] if e["kind"].startswith("alert_")] == []


def test_alerts_turned_off_fire_nothing_and_install_nothing() -> None:
    doc = design(12.0, alerts=[])
    sim = Simulation(doc, live=False)
    assert sim.alerts is None
    summary = sim.run()
    assert summary["alerts"] == []
    assert not any(e["kind"].startswith("alert_") for e in summary["events"])


def test_a_stopped_run_leaves_firing_alerts_unresolved() -> None:
    rule = AlertRule("Busy", "utilization", "web", ">", 0.85, 0.0, "warning")
    sim = Simulation(design(12.0, alerts=[rule]), live=False)
    while not sim.alerts or not sim.alerts.episodes:
        sim.step_window()
    fired = sim.alerts.episodes[0]["fired_at_s"]
    sim.request_stop()
    last = sim.step_window()  # stopped at once: a window of no length, which measured nothing
    assert last.window_s == 0.0
    summary = sim.summary()
    assert summary["stopped"]
    assert [(a["name"], a["fired_at_s"], a["resolved_at_s"]) for a in summary["alerts"]] == [
        ("Busy", fired, None)]


def test_error_rate_rules_on_a_link_and_end_to_end_fire() -> None:
    rules = [AlertRule("Link errors", "error_rate", "users->web", ">", 0.2, 3.0, "critical"),
             AlertRule("User errors", "error_rate", "end_to_end", ">=", 0.2, 3.0, "high"),
             AlertRule("Slow users", "latency_p99_ms", "end_to_end", ">", 1e6, 0.0, "info")]
    summary, closes = run(design(5.0, duration_s=20.0, error_rate=0.3, alerts=rules))
    fired = {(a["name"], a["component"]): a for a in summary["alerts"]}
    assert set(fired) == {("Link errors", "users->web"), ("User errors", "end_to_end")}
    for alert in fired.values():
        assert alert["fired_at_s"] in closes
        assert math.isclose(alert["peak"], 0.3, abs_tol=0.15)


def test_alerts_are_deterministic() -> None:
    doc = design(9.0)  # near the threshold: flaps
    first, _ = run(doc)
    second, _ = run(replace(doc))
    assert first["alerts"] == second["alerts"]
    assert [e for e in first["events"] if e["kind"].startswith("alert_")] == [
        e for e in second["events"] if e["kind"].startswith("alert_")]


def test_the_traffic_surge_template_fires_a_default_alert() -> None:
    doc = load_architecture_template("traffic_surge")
    assert doc.alerts is None  # the defaults apply
    summary, _ = run(doc)
    assert [(a["name"], a["component"], a["pending_since_s"], a["fired_at_s"],
             a["resolved_at_s"]) for a in summary["alerts"]] == [
        ("High utilization", "web", 65.0, 185.0, None)]
