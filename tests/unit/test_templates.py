"""Component templates and the architecture templates in resources/templates/."""

from __future__ import annotations

import pytest

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Component, Document, Link, Workload
from app.model.fileformat import dumps, load
from app.model.templates import (
    COMPONENT_TEMPLATES,
    list_architecture_templates,
    load_architecture_template,
)
from app.model.validation import validate
from app.resources import resource_path

ARCHITECTURES = [
    "three_tier_web_app",
    "read_heavy_with_cache",
    "cdn_in_front_of_origin",
    "event_driven_with_queue",
    "microservices_behind_gateway",
]


def test_the_required_component_templates_exist() -> None:
    for key in ("high_performance_web_server", "standard_api_server", "read_replica_database",
                "large_redis_cache"):
        assert key in COMPONENT_TEMPLATES
    fast = COMPONENT_TEMPLATES["high_performance_web_server"].make("web")
    assert fast.type == "web_server" and fast.replicas == 4
    assert fast.specs is not None and (fast.specs.cpu_cores, fast.specs.cpu_ghz) == (16.0, 3.5)


@pytest.mark.parametrize("key", sorted(COMPONENT_TEMPLATES))
def test_every_component_template_makes_a_valid_component(key: str) -> None:
    template = COMPONENT_TEMPLATES[key]
    assert template.label and template.description and template.type in COMPONENT_TYPES
    comp = template.make("x1", (200.0, 100.0))
    assert (comp.id, comp.position, comp.type) == ("x1", (200.0, 100.0), template.type)
    # In a small design (a client calling it, or it calling a server) nothing is wrong.
    if comp.type == "client":
        doc = Document(components=[comp, Component("s", "microservice")],
                       links=[Link("x1", "s")])
    else:
        users = Component("u", "client", workload=Workload("poisson", rate_rps=1.0))
        doc = Document(components=[users, comp], links=[Link("u", "x1")])
    assert validate(doc) == []


def test_made_components_are_independent() -> None:
    template = COMPONENT_TEMPLATES["large_redis_cache"]
    first = template.make("a")
    assert first.specs is not None
    first.specs.memory_gb = 1.0
    second = template.make("b")
    assert second.specs is not None and second.specs.memory_gb == 64.0


def test_the_five_architectures_are_listed_first_in_order() -> None:
    infos = list_architecture_templates()
    assert [info.key for info in infos][:5] == ARCHITECTURES
    for info in infos:
        assert info.name and len(info.description) > 40
        assert info.path == resource_path("templates", f"{info.key}.sdsim")


@pytest.mark.parametrize("key", ARCHITECTURES)
def test_architecture_template_is_runnable_canonical_and_laid_out(key: str) -> None:
    doc = load_architecture_template(key)
    assert validate(doc) == []  # not only loadable: complete and runnable
    path = resource_path("templates", f"{key}.sdsim")
    assert path.read_text(encoding="utf-8") == dumps(load(path))  # stored canonically
    # moderate loads: they run in seconds
    assert doc.simulation.duration_s == 60
    rates = [c.workload.rate_rps or 0.0 for c in doc.components if c.workload is not None]
    assert rates and all(100 <= r <= 2_000 for r in rates)
    # a left-to-right canvas: every call goes rightwards, boxes ~200 px apart, no overlap
    positions = {c.id: c.position for c in doc.components}
    for link in doc.links:
        assert positions[link.target][0] - positions[link.source][0] >= 150, link
    assert len(set(positions.values())) == len(positions)
    assert all(p[0] % 200 == 0 and p[1] % 200 == 0 for p in positions.values())


def test_event_driven_template_hands_off_asynchronously_to_a_queue() -> None:
    doc = load_architecture_template("event_driven_with_queue")
    async_links = [link for link in doc.links if link.mode == "async"]
    assert len(async_links) == 1
    assert doc.component(async_links[0].target).type == "message_queue"
    workers = [doc.component(link.target) for link in doc.outgoing(async_links[0].target)]
    assert [w.type for w in workers] == ["worker"]


def test_loading_a_template_gives_a_fresh_copy() -> None:
    first = load_architecture_template("three_tier_web_app")
    first.components.clear()
    assert load_architecture_template("three_tier_web_app").components


def test_unknown_architecture_template() -> None:
    with pytest.raises(KeyError):
        load_architecture_template("../three_tier_web_app")
    with pytest.raises(KeyError):
        load_architecture_template("nope")
