"""The analytic model on every template at any load, and on the designs' corner cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.analysis.model import analyze
from app.model import Component, Document, Link, ServiceTime, Workload
from app.model.fileformat import load
from app.model.validation import validate
from app.resources import resource_path
from tests.validation.queueing import queue_doc

TEMPLATES = sorted(resource_path("templates").glob("*.sdsim"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
@pytest.mark.parametrize("factor", [0.0, 0.5, 1.0, 3.0, 1e9])
def test_every_template_at_any_load_is_json_safe(path: Path, factor: float) -> None:
    doc = load(path)
    result = analyze(doc, load_factor=factor, base_dir=path.parent)
    json.dumps(result.to_summary(), allow_nan=False)
    assert set(result.components) == {c.id for c in doc.components if c.type != "client"}
    if factor == 0.0:
        assert all(p.utilization == 0.0 for p in result.components.values())
        assert result.offered_rps == 0.0
    if factor == 1e9:
        assert any(p.saturated for p in result.components.values())
    sat = result.saturation_rps
    assert sat is not None and sat > 0.0
    # The saturation load does not depend on the load analysed.
    assert sat == pytest.approx(analyze(doc, base_dir=path.parent).saturation_rps, rel=2e-3)


def test_infinite_variance_service_has_no_mean_wait() -> None:
    doc = queue_doc(500.0, 1.0, 1)
    doc.components[1].service_time = ServiceTime("pareto", mean_ms=1.0, shape=1.5)
    q = analyze(doc).components["q"]
    assert q.mean_latency_ms is None and not q.saturated
    assert any("infinite variance" in n for n in q.notes)


def test_unreadable_trace_counts_as_no_traffic(tmp_path: Path) -> None:
    doc = Document(components=[
        Component(id="users", type="client",
                  workload=Workload("trace", trace_file="missing.csv")),
        Component(id="api", type="api_server"),
    ], links=[Link("users", "api")])
    result = analyze(doc, base_dir=tmp_path)
    assert result.offered_rps == 0.0
    assert result.components["api"].utilization == 0.0
    assert result.saturation_rps is None


def test_trace_rate_is_its_timestamps_in_the_measured_period(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("".join(f"{i * 0.01}\n" for i in range(6000)))  # 100/s
    doc = Document(components=[
        Component(id="users", type="client", workload=Workload("trace", trace_file="t.csv")),
        Component(id="api", type="api_server"),
    ], links=[Link("users", "api")])
    doc.simulation.duration_s, doc.simulation.warmup_s = 50.0, 10.0
    assert not validate(doc)
    assert analyze(doc, base_dir=tmp_path).offered_rps == pytest.approx(100.0, rel=1e-3)


def test_unconnected_and_idle_components() -> None:
    doc = Document(components=[
        Component(id="users", type="client", workload=Workload("poisson", rate_rps=0.0)),
        Component(id="lonely", type="database"),
        Component(id="zero", type="microservice",
                  service_time=ServiceTime("constant", mean_ms=0.0)),
    ], links=[Link("users", "zero")])
    result = analyze(doc)
    assert result.components["lonely"].arrival_rps == 0.0
    assert result.components["lonely"].mean_latency_ms is not None
    assert result.saturation_rps is None and result.bottleneck is None
    assert result.end_to_end_ms is None  # no traffic: no mean
