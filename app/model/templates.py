"""Ready-made starting points: component templates and whole-architecture templates.

A *component template* is a preconfigured component (a type with hardware,
replicas and settings filled in) that the palette can drop on the canvas:
``COMPONENT_TEMPLATES["high_performance_web_server"].make("web", (200, 0))``.

An *architecture template* is a complete design stored as a ``.sdsim`` file
under ``resources/templates/``; it loads like any file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from app.model.document import (
    UNBOUNDED,
    Component,
    Document,
    Routing,
    ServiceTime,
    Specs,
    Workload,
)
from app.model.fileformat import FILE_SUFFIX, load
from app.resources import resource_path


@dataclass(frozen=True)
class ComponentTemplate:
    """A preconfigured component the user can place on the canvas.

    Attributes:
        key: Stable identifier (used in menus and settings).
        label: Human name shown in the palette.
        description: One or two sentences for the tooltip.
        prototype: The component's settings; its ``id`` and ``position`` are
            replaced by :meth:`make`.
    """

    key: str
    label: str
    description: str
    prototype: Component = field(repr=False)

    @property
    def type(self) -> str:
        """The component type the template makes (a catalog key)."""
        return self.prototype.type

    def make(self, id: str, position: tuple[float, float] = (0.0, 0.0)) -> Component:
        """A new, independent component from this template.

        Args:
            id: The new component's id (unique in its document).
            position: Where it sits on the canvas.
        """
        return replace(copy.deepcopy(self.prototype), id=id, position=position)


def _template(key: str, label: str, description: str, **settings: Any) -> ComponentTemplate:
    prototype = Component(id=key, **settings)
    return ComponentTemplate(key, label, description, prototype)


_COMPONENT_TEMPLATES: Final = (
    _template(
        "steady_users", "Steady users",
        "A client sending 500 requests/s as a Poisson process.",
        type="client", name="Users", workload=Workload("poisson", rate_rps=500.0),
    ),
    _template(
        "ramping_users", "Ramping users",
        "A client whose load grows from 100 to 2,000 requests/s over 60 s.",
        type="client", name="Users",
        workload=Workload("ramp", from_rps=100.0, to_rps=2000.0, ramp_s=60.0),
    ),
    _template(
        "high_availability_load_balancer", "HA load balancer",
        "Two NGINX balancers spreading requests by least connections.",
        type="load_balancer", name="Load balancer", profile="nginx_lb", replicas=2,
        routing=Routing("least_connections"),
    ),
    _template(
        "high_performance_web_server", "High-performance web server",
        "Four web servers with 16 cores at 3.5 GHz and 32 GB each.",
        type="web_server", name="Web server", profile="web_server", replicas=4,
        specs=Specs(cpu_cores=16.0, cpu_ghz=3.5, memory_gb=32.0, network_mbps=10_000.0),
    ),
    _template(
        "standard_api_server", "Standard API server",
        "Two API servers on the reference hardware (4 cores, 2.4 GHz, 8 GB).",
        type="api_server", name="API server", profile="api_server", replicas=2,
    ),
    _template(
        "event_loop_api_server", "Event-loop API server",
        "A non-blocking API server: workers are freed while downstream calls run.",
        type="api_server", name="API server", profile="api_server", replicas=2,
        blocking=False,
    ),
    _template(
        "read_replica_database", "Database with read replicas",
        "PostgreSQL with three replicas on 8 cores and 32 GB each.",
        type="database", name="Database", profile="postgresql", replicas=3,
        specs=Specs(cpu_cores=8.0, memory_gb=32.0),
    ),
    _template(
        "large_redis_cache", "Large Redis cache",
        "Redis with 64 GB of memory and a 90 % hit ratio.",
        type="cache", name="Cache", profile="redis", replicas=2, hit_ratio=0.9,
        specs=Specs(cpu_cores=8.0, memory_gb=64.0),
    ),
    _template(
        "global_cdn", "Global CDN",
        "An edge cache serving 95 % of requests without reaching the origin.",
        type="cdn", name="CDN", profile="cdn", hit_ratio=0.95,
    ),
    _template(
        "durable_message_queue", "Durable message queue",
        "A broker with an unbounded backlog: producers never wait for consumers.",
        type="message_queue", name="Queue", profile="message_queue",
        queue_capacity=UNBOUNDED,
    ),
    _template(
        "background_worker_pool", "Background worker pool",
        "Four workers consuming queued jobs of about 20 ms each.",
        type="worker", name="Workers", profile="worker", replicas=4,
    ),
    _template(
        "mm1_station", "M/M/1 queue",
        "A textbook single-server queue: one worker, exponential 10 ms service, no queue limit.",
        type="microservice", name="M/M/1", concurrency=1, queue_capacity=UNBOUNDED,
        service_time=ServiceTime("exponential", mean_ms=10.0),
    ),
)

#: Component templates by key, in palette order.
COMPONENT_TEMPLATES: Final[dict[str, ComponentTemplate]] = {
    t.key: t for t in _COMPONENT_TEMPLATES
}

TEMPLATES_DIR: Final = ("templates",)

#: Architecture templates shown first, in this order; other files follow by name.
_ARCHITECTURE_ORDER: Final = (
    "three_tier_web_app",
    "read_heavy_with_cache",
    "cdn_in_front_of_origin",
    "event_driven_with_queue",
    "microservices_behind_gateway",
)


@dataclass(frozen=True)
class TemplateInfo:
    """One architecture template, for a "New from template" list.

    Attributes:
        key: The file's stem, e.g. ``three_tier_web_app``.
        name: The document's name.
        description: The document's description ("" when it has none).
        path: The ``.sdsim`` file.
    """

    key: str
    name: str
    description: str
    path: Path


def _template_files() -> list[Path]:
    folder = resource_path(*TEMPLATES_DIR)
    files = [p for p in folder.glob(f"*{FILE_SUFFIX}") if p.is_file()]

    def rank(path: Path) -> tuple[int, str]:
        stem = path.stem
        known = _ARCHITECTURE_ORDER.index(stem) if stem in _ARCHITECTURE_ORDER else None
        return (known if known is not None else len(_ARCHITECTURE_ORDER), stem)

    return sorted(files, key=rank)


def list_architecture_templates() -> list[TemplateInfo]:
    """The architecture templates under ``resources/templates/``, best known first.

    Raises:
        DocumentError: A template file is broken (a packaging bug; tests load each).
    """
    infos = []
    for path in _template_files():
        doc = load(path)
        infos.append(TemplateInfo(path.stem, doc.name, doc.description or "", path))
    return infos


def load_architecture_template(key: str) -> Document:
    """A fresh copy of the architecture template ``key``.

    Raises:
        KeyError: There is no template with this key.
    """
    for path in _template_files():
        if path.stem == key:
            return load(path)
    raise KeyError(key)
