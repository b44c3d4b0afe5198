"""validate(): value rules on documents built in code, references, clients and cycles."""

from __future__ import annotations

import inspect
import sys

import pytest

from app.model.document import (
    Component,
    Document,
    Link,
    Routing,
    ServiceTime,
    SimulationSettings,
    Specs,
    Workload,
)
from app.model.errors import DocumentError, Problem, in_document_order
from app.model.fileformat import dumps, loads
from app.model.validation import problems_by_component, validate
from tests.unit.reader_guard import reader_guard


def design() -> Document:
    """users -> lb -> web -> db, runnable."""
    return Document(
        name="t",
        components=[
            Component("users", "client", workload=Workload("poisson", rate_rps=100.0)),
            Component("lb", "load_balancer", routing=Routing("random")),
            Component("web", "web_server", replicas=2),
            Component("db", "database"),
        ],
        links=[Link("users", "lb"), Link("lb", "web"), Link("web", "db")],
    )


def found(doc: Document) -> list[tuple[str, str, str]]:
    return [(p.path, p.message, p.severity) for p in validate(doc)]


def test_a_runnable_design_has_no_problems() -> None:
    assert validate(design()) == []
    assert problems_by_component(design()) == {}


def test_duplicate_ids() -> None:
    doc = design()
    doc.components.append(Component("web", "cache"))
    assert found(doc) == [(
        "$.components[4].id",
        'duplicate id "web": component ids must be unique (first used by component 3)',
        "error",
    )]


def test_dangling_links_suggest_close_ids() -> None:
    doc = design()
    doc.links.append(Link("web", "dbb"))
    doc.links.append(Link("ghost", "db"))
    assert found(doc) == [
        ("$.links[3].target", 'no component has id "dbb" (did you mean "db"?)', "error"),
        ("$.links[4].source", 'no component has id "ghost"', "error"),
    ]
    # the existing end gets the marker
    assert [p.path for p in problems_by_component(doc)["web"]] == ["$.links[3].target"]


def test_duplicate_and_self_links() -> None:
    doc = design()
    doc.links += [Link("lb", "web", latency_ms=3.0), Link("db", "db")]
    assert found(doc) == [
        ("$.links[3]", 'duplicate link "lb" -> "web": one link per ordered pair', "error"),
        ("$.links[4]", 'a component cannot call itself ("db")', "error"),
    ]


def test_no_client_is_incomplete() -> None:
    doc = design()
    del doc.components[0]
    doc.links = doc.links[1:]
    assert found(doc) == [
        ("$.components", "there is no client component: add one to generate traffic",
         "incomplete"),
    ]
    assert found(Document()) == found(doc)


def test_client_without_workload_without_calls_and_with_incoming_links() -> None:
    doc = design()
    doc.components[0].workload = None
    doc.links = [Link("lb", "users"), Link("lb", "web"), Link("web", "db")]
    problems = validate(doc)
    assert [(p.path, p.severity) for p in problems] == [
        ("$.components[0]", "incomplete"),
        ("$.components[0].workload", "incomplete"),
        ("$.links[0].target", "incomplete"),
    ]
    assert "the client calls nothing" in problems[0].message
    assert "a client needs a workload" in problems[1].message
    assert "a client serves no requests" in problems[2].message
    assert set(problems_by_component(doc)) == {"users", "lb"}


def test_only_clients_have_workloads() -> None:
    doc = design()
    doc.components[2].workload = Workload("poisson", rate_rps=1.0)
    assert found(doc)[0][:2] == (
        "$.components[2].workload",
        "only a client generates traffic: remove the workload or make the component a client",
    )


def test_synchronous_cycle_is_reported_with_its_ids() -> None:
    doc = design()
    doc.components.append(Component("cache", "cache"))
    doc.links += [Link("db", "cache"), Link("cache", "web")]
    problems = validate(doc)
    assert len(problems) == 1
    cycle = problems[0]
    assert cycle.path == "$.links[2]"  # web -> db, where the cycle starts
    assert cycle.severity == "incomplete"
    assert "synchronous call cycle web -> db -> cache -> web" in cycle.message
    assert cycle.component_ids == ("web", "db", "cache")
    by_component = problems_by_component(doc)
    assert set(by_component) == {"web", "db", "cache"}


def test_an_async_link_breaks_a_cycle() -> None:
    doc = design()
    doc.links.append(Link("db", "web", mode="async"))
    assert validate(doc) == []


def test_separate_cycles_are_each_reported() -> None:
    doc = design()
    doc.components += [Component("a", "microservice"), Component("b", "microservice")]
    doc.links += [Link("web", "lb"), Link("a", "b"), Link("b", "a"), Link("web", "a")]
    messages = [p.message for p in validate(doc) if "cycle" in p.message]
    assert len(messages) == 2
    assert "lb -> web -> lb" in messages[0] and "a -> b -> a" in messages[1]


def test_a_long_chain_is_checked_without_recursion() -> None:
    """A 20,000-hop chain is walked in a loop: it passes with the stack capped far below
    its length. (How long validation takes is a timing, for bench/, not a test.)"""
    n = 20_000
    comps = [Component("c0", "client", workload=Workload("poisson", rate_rps=1.0))]
    comps += [Component(f"c{i}", "microservice") for i in range(1, n)]
    links = [Link(f"c{i}", f"c{i + 1}") for i in range(n - 1)]
    links.append(Link(f"c{n - 1}", "c1"))  # one cycle of 19,999 components
    doc = Document(components=comps, links=links)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)  # 200 frames for validate itself
    try:
        with reader_guard():  # a hang guard, not a timing (bench/reader.py measures)
            problems = validate(doc)
    finally:
        sys.setrecursionlimit(limit)
    assert len(problems) == 1 and len(problems[0].component_ids) == n - 1


@pytest.mark.parametrize(
    ("field", "value", "path", "message"),
    [
        ("replicas", 0, "replicas", "must be at least 1, got 0"),
        ("replicas", 10_001, "replicas", "must be at most 10,000, got 10001"),
        ("replicas", True, "replicas", "must be a whole number, got true"),
        ("concurrency", 1.5, "concurrency", "must be a whole number, got 1.5"),
        ("queue_capacity", -1, "queue_capacity", "must be at least 0, got -1"),
        ("queue_capacity", "infinite", "queue_capacity", 'must be a whole number, got "infinite"'),
        ("hit_ratio", float("nan"), "hit_ratio", "must be a finite number, got NaN"),
        ("hit_ratio", -0.1, "hit_ratio", "must be between 0 and 1, got -0.1"),
        ("payload_kb", float("inf"), "payload_kb", "must be a finite number, got Infinity"),
        ("fanout", "both", "fanout", 'unknown fanout mode "both" (one of: sequential, parallel)'),
        ("profile", "oracle", "profile", 'unknown profile "oracle"'),
        ("type", "server", "type", 'unknown component type "server"'),
        ("blocking", 1, "blocking", "must be true or false, got 1"),
        ("position", (1.0,), "position", "must be [x, y], got a list"),
        ("position", (0.0, float("nan")), "position[1]", "must be a finite number, got NaN"),
        ("specs", Specs(cpu_ghz=-1.0), "specs.cpu_ghz", "must be greater than 0, got -1"),
        ("service_time", ServiceTime("pareto", mean_ms=5.0, shape=1.0), "service_time.shape",
         "must be greater than 1, got 1"),
        ("service_time", ServiceTime("uniform", min_ms=5.0, max_ms=1.0), "service_time.max_ms",
         "must be at least min_ms (5), got 1"),
        ("routing", Routing("fastest"), "routing.algorithm", 'unknown routing algorithm "fastest"'),
        ("name", "\udc80", "name", "contains an unpaired surrogate character"),
        ("id", "we\tb", "id", "must not contain control characters"),
        ("id", "x" * 201, "id", "is too long (201 characters, at most 200)"),
    ],
)
def test_values_built_in_code_are_checked(
    field: str, value: object, path: str, message: str
) -> None:
    doc = design()
    setattr(doc.components[2], field, value)
    problems = [p for p in validate(doc) if p.path.startswith("$.components[2]")]
    assert problems, validate(doc)
    assert problems[0].path == f"$.components[2].{path}"
    assert message in problems[0].message
    assert problems[0].severity == "error"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("probability", 2.0, "must be between 0 and 1, got 2"),
        ("weight", -1.0, "must be at least 0, got -1"),
        ("bandwidth_mbps", 0.0, "must be greater than 0, got 0"),
        ("timeout_ms", 0.0, "must be greater than 0, got 0"),
        ("retries", 101, "must be at most 100, got 101"),
        ("mode", "later", 'unknown link mode "later" (one of: sync, async)'),
    ],
)
def test_link_values_are_checked(field: str, value: object, message: str) -> None:
    doc = design()
    setattr(doc.links[1], field, value)
    assert found(doc) == [(f"$.links[1].{field}", message, "error")]
    assert problems_by_component(doc)["lb"][0].path == f"$.links[1].{field}"


@pytest.mark.parametrize(
    ("workload", "missing"),
    [
        (Workload("poisson"), ["rate_rps"]),
        (Workload("ramp", from_rps=1.0), ["to_rps", "ramp_s"]),
        (Workload("step", rate_rps=1.0), ["step_rps", "at_s"]),
        (Workload("spike", rate_rps=1.0), ["spike_rps", "spike_s", "period_s"]),
        (Workload("diurnal", rate_rps=1.0), ["period_s", "amplitude"]),
        (Workload("trace"), ["trace_file"]),
    ],
)
def test_workload_fields_required_by_the_pattern(workload: Workload, missing: list[str]) -> None:
    doc = design()
    doc.components[0].workload = workload
    problems = validate(doc)
    assert [p.path for p in problems] == [f"$.components[0].workload.{m}" for m in missing]
    assert all(p.severity == "incomplete" for p in problems)
    assert problems[0].message == f'a "{workload.pattern}" workload needs {missing[0]}'


def test_workload_values_are_checked() -> None:
    doc = design()
    doc.components[0].workload = Workload(
        "spike", rate_rps=10.0, spike_rps=-1.0, spike_s=20.0, period_s=10.0, amplitude=2.0
    )
    assert [(p.path, p.message) for p in validate(doc)] == [
        ("$.components[0].workload.spike_rps", "must be at least 0, got -1"),
        ("$.components[0].workload.spike_s", "must not exceed period_s (10), got 20"),
        ("$.components[0].workload.amplitude", "must be between 0 and 1, got 2"),
    ]


@pytest.mark.parametrize(
    ("settings", "path", "message"),
    [
        (SimulationSettings(duration_s=0.0), "duration_s", "must be greater than 0, got 0"),
        (SimulationSettings(duration_s=10.0, warmup_s=10.0), "warmup_s",
         "must be less than duration_s (10), got 10"),
        (SimulationSettings(warmup_s=-1.0), "warmup_s", "must be at least 0, got -1"),
        (SimulationSettings(window_s=0.0), "window_s", "must be greater than 0, got 0"),
        (SimulationSettings(duration_s=1e7, window_s=1.0), "window_s",
         "gives more than 1,000,000 metric windows"),
        (SimulationSettings(seed=-1), "seed", "must be at least 0, got -1"),
        (SimulationSettings(seed=True), "seed", "must be a whole number, got true"),
        (SimulationSettings(seed=1.5), "seed", "must be a whole number, got 1.5"),
    ],
)
def test_simulation_settings(settings: SimulationSettings, path: str, message: str) -> None:
    doc = design()
    doc.simulation = settings
    problems = validate(doc)
    assert [p.path for p in problems] == [f"$.simulation.{path}"]
    assert message in problems[0].message
    assert problems_by_component(doc) == {}


def test_loads_refuses_errors_but_accepts_incomplete_designs() -> None:
    doc = design()
    doc.links.append(Link("db", "web"))  # a cycle: incomplete, still stored and loaded
    assert loads(dumps(doc)) == doc
    doc.links.append(Link("db", "nowhere"))
    with pytest.raises(DocumentError, match=r'\$\.links\[4\]\.target: no component has id'):
        dumps(doc)


def test_problems_sort_in_document_order() -> None:
    problems = [
        Problem("$.simulation.seed", "x"),
        Problem("$.links[0]", "x"),
        Problem("$.components[10].id", "x"),
        Problem("$.components[2].workload", "x"),
        Problem("$.components[2].id", "x"),
        Problem("$.name", "x"),
        Problem("$.components", "x"),
    ]
    assert [p.path for p in in_document_order(problems)] == [
        "$.name",
        "$.components",
        "$.components[2].id",
        "$.components[2].workload",
        "$.components[10].id",
        "$.links[0]",
        "$.simulation.seed",
    ]


def test_document_error_summary() -> None:
    one = DocumentError([Problem("$.a", "bad")])
    assert str(one) == "$.a: bad"
    two = DocumentError([Problem("$.a", "bad"), Problem("$.b", "worse")])
    assert str(two) == "$.a: bad (and 1 more problem)"
    assert len(two.problems) == 2
