"""The design's ``dashboards``: round trip, and one clear message for each hostile value."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest

from app.engine.snapshot import WindowMetrics
from app.model.dashboards import (
    DASHBOARD_METRICS,
    GRID_SIZE,
    MAX_CHART_COMPONENTS,
    MAX_DASHBOARD_CHARTS,
    MAX_DASHBOARD_NAME,
    MAX_DASHBOARDS,
    Dashboard,
    DashboardChart,
    next_free_cell,
)
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads


def _file(dashboards: Any) -> dict[str, Any]:
    ids = ("users", "web", "db")
    comps: list[dict[str, Any]] = [
        {"id": "users", "type": "client", "workload": {"pattern": "poisson", "rate_rps": 10}}
    ]
    comps += [{"id": cid, "type": "web_server"} for cid in ids[1:]]
    links = [{"source": a, "target": b} for a, b in pairwise(ids)]
    return {"format": "sdsim", "version": 2, "components": comps, "links": links,
            "dashboards": dashboards}


def _chart(**given: Any) -> dict[str, Any]:
    return {"metric": "latency_p99_ms", "components": ["web"], "row": 0, "col": 0, **given}


def _problems(dashboards: Any) -> list[str]:
    with pytest.raises(DocumentError) as info:
        loads(json.dumps(_file(dashboards)))
    return [str(p) for p in info.value.problems]


def test_the_metric_names_are_the_engines_window_metrics() -> None:
    assert WindowMetrics._fields == DASHBOARD_METRICS


def test_dashboards_round_trip_exactly_and_are_written_only_when_present() -> None:
    data = _file([{"name": "Database", "charts": [
        {"title": "Tail", "metric": "latency_p99_ms", "components": ["web", "end_to_end"],
         "row": 0, "col": 0, "col_span": 2},
        {"metric": "utilization", "components": ["db"], "row": 1, "col": 1, "row_span": 2},
    ]}])
    doc = loads(json.dumps(data))
    assert doc.dashboards == [Dashboard("Database", (
        DashboardChart("Tail", "latency_p99_ms", ("web", "end_to_end"), 0, 0, None, 2),
        DashboardChart(None, "utilization", ("db",), 1, 1, 2, None),
    ))]
    text = dumps(doc)
    assert json.loads(text)["dashboards"] == data["dashboards"]
    assert dumps(loads(text)) == text
    doc.dashboards = []
    assert "dashboards" not in json.loads(dumps(doc))


def test_a_new_chart_goes_to_the_first_free_cell() -> None:
    charts = (DashboardChart(row=0, col=0, col_span=2), DashboardChart(row=1, col=0))
    assert next_free_cell(charts) == (1, 1)
    assert next_free_cell(()) == (0, 0)


@pytest.mark.parametrize(("dashboards", "expected"), [
    ({"name": "x"}, "$.dashboards: must be a list [...], got an object"),
    ([{"charts": []}], "$.dashboards[0].name: missing: the dashboard's name"),
    ([{"name": ""}], "$.dashboards[0].name: must not be empty"),
    ([{"name": "x" * (MAX_DASHBOARD_NAME + 1)}], "$.dashboards[0].name: is too long"),
    ([{"name": "a"}, {"name": "a"}], '$.dashboards[1].name: another dashboard is already'),
    ([{"name": "a", "charts": {}}], "$.dashboards[0].charts: must be a list"),
    ([{"name": "a", "charts": [_chart(metric="cpu")]}],
     '$.dashboards[0].charts[0].metric: unknown metric "cpu"'),
    ([{"name": "a", "charts": [_chart(components=["nope"])]}],
     '$.dashboards[0].charts[0].components[0]: no component has the id "nope"'),
    ([{"name": "a", "charts": [_chart(components=[])]}],
     "$.dashboards[0].charts[0].components: must name at least one component"),
    ([{"name": "a", "charts": [_chart(components="web")]}],
     "$.dashboards[0].charts[0].components: must be a list"),
    ([{"name": "a", "charts": [_chart(components=[3])]}],
     "$.dashboards[0].charts[0].components[0]: must be a string"),
    ([{"name": "a", "charts": [_chart(components=["web", "web"])]}],
     '$.dashboards[0].charts[0].components[1]: "web" is already on this chart'),
    ([{"name": "a", "charts": [_chart(components=["web"] * (MAX_CHART_COMPONENTS + 1))]}],
     f"at most {MAX_CHART_COMPONENTS} fit on one chart"),
    ([{"name": "a", "charts": [_chart(row=-1)]}],
     "$.dashboards[0].charts[0].row: must be at least 0"),
    ([{"name": "a", "charts": [_chart(col=GRID_SIZE)]}],
     f"$.dashboards[0].charts[0].col: must be at most {GRID_SIZE - 1}"),
    ([{"name": "a", "charts": [_chart(col=GRID_SIZE - 1, col_span=2)]}],
     "$.dashboards[0].charts[0].col_span: must be at most 1"),
    ([{"name": "a", "charts": [_chart(row_span=0)]}],
     "$.dashboards[0].charts[0].row_span: must be at least 1"),
    ([{"name": "a", "charts": [_chart(row=1.5)]}],
     "$.dashboards[0].charts[0].row: must be a whole number"),
    ([{"name": "a", "charts": [_chart(col_span=2), _chart(row=0, col=1)]}],
     "$.dashboards[0].charts[1]: overlaps charts[0] at row 0, column 1"),
    ([{"name": "a", "charts": [{"metric": "utilization", "row": 0, "col": 0}]}],
     "$.dashboards[0].charts[0].components: missing"),
    ([{"name": "a", "charts": [_chart(colour="red")]}],
     '$.dashboards[0].charts[0].colour: unknown key "colour"'),
    ([{"name": f"d{i}"} for i in range(MAX_DASHBOARDS + 1)],
     f"at most {MAX_DASHBOARDS} are supported"),
    ([{"name": "a", "charts": [_chart(row=i // GRID_SIZE, col=i % GRID_SIZE)
                               for i in range(MAX_DASHBOARD_CHARTS + 1)]}],
     f"at most {MAX_DASHBOARD_CHARTS} fit on one dashboard"),
])
def test_a_hostile_dashboard_is_refused_with_one_clear_message(
    dashboards: Any, expected: str
) -> None:
    problems = _problems(dashboards)
    assert len(problems) == 1, problems
    assert expected in problems[0]
