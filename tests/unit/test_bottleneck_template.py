"""The sample that shows a bottleneck: one tier ~90 % busy with a queue, the others idle,
the analytic model naming it; and the fix its description suggests (a second replica) works."""

from __future__ import annotations

import copy

from app.analysis.model import analyze
from app.engine.simulation import Simulation
from app.model.templates import list_architecture_templates, load_architecture_template
from app.model.validation import validate

KEY = "bottleneck_busy_database"


def _run(doc):
    return Simulation(doc).run()


def test_the_bottleneck_sample_is_listed_and_says_what_to_do() -> None:
    info = next(i for i in list_architecture_templates() if i.key == KEY)
    assert info.name == "Bottleneck: a busy database"
    for hint in ("90 %", "queue", "p99", "Analysis", "bottleneck", "2 replicas"):
        assert hint in info.description, hint
    assert validate(load_architecture_template(KEY)) == []


def test_one_tier_is_the_bottleneck_and_a_replica_fixes_it() -> None:
    doc = load_architecture_template(KEY)
    model = analyze(doc)
    assert model.bottleneck == "db" and model.saturates_first == "db"
    assert 0.85 <= model.components["db"].utilization <= 0.95
    summary = _run(doc)
    comps = summary["components"]
    assert 0.85 <= comps["db"]["utilization"] <= 0.95
    assert comps["db"]["mean_queue_length"] > 2.0
    assert max(comps["lb"]["utilization"], comps["api"]["utilization"]) < 0.1
    assert summary["end_to_end"]["error_rate"] == 0.0
    fixed = copy.deepcopy(doc)
    fixed.component("db").replicas = 2
    after = _run(fixed)
    db_after = after["components"]["db"]
    assert db_after["utilization"] < 0.55  # halved
    assert db_after["mean_queue_length"] < 0.2
    assert db_after["latency_ms"]["p99"] < 0.8 * comps["db"]["latency_ms"]["p99"]
