"""One completion of a run's summary (``analytic`` + ``analysis``) for the CLI and the GUI.

The GUI's engine process (:mod:`app.analysis.engine_run`) and ``main.py
simulate`` must write the same blocks for the same design and seed; the p99
forecast takes its target from the design's end-to-end p99 alert rules.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.analysis.engine_run import run_engine_with_analysis
from app.analysis.run_report import p99_target_ms
from app.engine.control import ProcessControl
from app.model import Document, fileformat
from app.model.document import AlertRule
from app.reports.summary_json import summary_text
from tests.unit.engine_docs import client, design, server

ROOT = Path(__file__).resolve().parents[2]
#: Only turns a hang into a failure; never judges speed.
HANG_GUARD_S = 120.0


def _rule(metric: str, component: str, op: str, threshold: float) -> AlertRule:
    return AlertRule(f"{component} {metric} {op} {threshold}", metric, component, op,
                     threshold, 10.0, "high")


def _doc(alerts: list[AlertRule] | None) -> Document:
    # M/M/1 at rho = 0.6 (300/s, 2 ms): steady, so the forecast has room to grow.
    doc = design([client(300.0), server("s", 2.0, 1)], [("users", "s")],
                 duration=40.0, warmup=5.0, seed=7)
    doc.alerts = alerts
    return doc


def test_the_p99_target_is_the_lowest_upper_bound_on_end_to_end_p99() -> None:
    assert p99_target_ms(_doc(None)) is None  # the defaults hold no p99 rule
    assert p99_target_ms(_doc([])) is None
    doc = _doc([
        _rule("latency_p99_ms", "end_to_end", ">", 50.0),
        _rule("latency_p99_ms", "end_to_end", ">=", 30.0),
        _rule("latency_p99_ms", "end_to_end", "<", 5.0),     # a floor, not a target
        _rule("latency_p99_ms", "s", ">", 10.0),             # a component's, not end to end
        _rule("latency_p95_ms", "end_to_end", ">", 20.0),    # another metric
    ])
    assert p99_target_ms(doc) == 30.0


def _gui_summary(doc: Document) -> dict[str, Any]:
    """The summary the GUI's engine process sends for ``doc`` (a real, spawned process)."""
    ctx = multiprocessing.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    control = ProcessControl(ctx, None)
    process = ctx.Process(target=run_engine_with_analysis,
                          args=(doc, None, writer, control, 0.05),
                          kwargs={"low_priority": False}, daemon=True)
    process.start()
    writer.close()
    try:
        while True:
            assert reader.poll(HANG_GUARD_S), "the engine process went silent"
            message = reader.recv()
            if message[0] == "batch":
                continue
            assert message[0] == "finished", message
            summary = message[1]
            assert isinstance(summary, dict)
            return summary
    finally:
        reader.close()
        process.join(HANG_GUARD_S)
        if process.is_alive():
            process.terminate()


def _cli_summary(doc: Document, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "design.sdsim"
    fileformat.save(doc, path)
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "simulate", str(path), "--out", str(out),
         "--quiet"],
        capture_output=True, text=True, timeout=HANG_GUARD_S, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return result


def test_the_gui_run_gets_the_same_analytic_and_analysis_as_the_cli(tmp_path: Path) -> None:
    doc = _doc([_rule("latency_p99_ms", "end_to_end", ">", 40.0)])
    gui = json.loads(summary_text(_gui_summary(doc)))  # as summary.json would hold it
    cli = _cli_summary(doc, tmp_path)
    assert gui["end_to_end"] == cli["end_to_end"]  # the same run (same seed)
    assert gui["analytic"] == cli["analytic"]
    assert gui["analysis"] == cli["analysis"]
    # And the blocks say something: M/M/1 at rho = 0.6 with its p99 forecast.
    s = gui["analytic"]["components"]["s"]
    assert s["utilization"] == pytest.approx(0.6)
    assert s["mean_latency_ms"] == pytest.approx(2.0 / (1 - 0.6))
    assert gui["analysis"]["windows"] == 35
    p99 = gui["analysis"]["forecasts"][0]
    assert p99["kind"] == "p99_target" and p99["target_ms"] == 40.0
    # M/M/1: p99 = ln(100) * 2 / (1 - rho); 40 ms is reached near rho = 0.77, 385/s. The
    # forecast scales the run's own p99, so it lands near there, well below saturation.
    assert p99["offered_rps"] == pytest.approx(300.0, rel=0.05)
    assert 330.0 < p99["load_rps"] < 440.0
    assert p99["saturated"] is False and p99["already_exceeded"] is False


def test_without_a_p99_rule_there_is_no_p99_forecast(tmp_path: Path) -> None:
    gui = _gui_summary(_doc(None))
    assert gui["analytic"]["bottleneck"] == "s"
    assert not [f for f in gui["analysis"]["forecasts"] if f["kind"] == "p99_target"]
