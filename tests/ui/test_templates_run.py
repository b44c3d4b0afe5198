"""A new user's first hour: every architecture template opens in the window and runs
to the end with the real engine, and the results make sense."""

from __future__ import annotations

import pytest

from app.model.templates import list_architecture_templates, load_architecture_template
from app.ui.run_controller import IDLE

TEMPLATES = [info.key for info in list_architecture_templates()]


def test_there_are_templates_to_try() -> None:
    assert len(TEMPLATES) >= 5


@pytest.mark.parametrize("key", TEMPLATES)
def test_each_template_runs_to_the_end_in_the_window(window, qtbot, key: str) -> None:
    doc = load_architecture_template(key)
    window.document.reset(doc)
    window.scenario_bar.set_speed(None)
    assert window.runner.run(), window.results.caption.text()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=120_000)
    summary = window.runner.last_summary
    assert summary is not None and not summary.get("stop_reason")
    e2e = summary["end_to_end"]
    assert e2e["completed"] > 0 and e2e["latency_ms"]["mean"] is not None
    if not doc.faults:  # a scenario's faults make errors on purpose (Retry storm...)
        assert e2e["error_rate"] < 0.01  # the architecture templates are healthy designs
    assert window.results.caption.text().startswith("Finished")
    assert window.results.table.rowCount() == 1 + sum(
        1 for c in doc.components if c.type != "client")
    assert window.charts.sample_count == len(window.runner.snapshots) > 0
