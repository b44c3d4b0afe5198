"""Effective parameters of a component: explicit field -> profile -> type default.

The engine and the inspector both read components through :func:`resolve`,
so what the user sees as "effective" is exactly what is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.catalog import ComponentType, component_type
from app.model.document import UNBOUNDED, Component, Link, ServiceTime, Specs, Workload
from app.model.profiles import (
    REFERENCE_SPECS,
    Profile,
    profile,
    scaled_concurrency,
    scaled_service_ms,
    transmission_ms,
)

DEFAULT_QUEUE_CAPACITY = 1000
DEFAULT_HIT_RATIO = 0.8


@dataclass(frozen=True)
class ResolvedService:
    """The service-time distribution with every parameter filled in (ms)."""

    distribution: str
    mean_ms: float
    std_ms: float | None = None
    shape: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None


@dataclass(frozen=True)
class ResolvedComponent:
    """Everything the engine needs to simulate one component."""

    id: str
    type: ComponentType
    name: str
    profile: Profile | None
    replicas: int
    specs: Specs
    concurrency: int
    queue_capacity: int | None  # None: unbounded
    blocking: bool
    service: ResolvedService
    hit_ratio: float
    routing: str
    fanout: str
    payload_kb: float
    memory_capacity_mb: float
    memory_per_request_mb: float
    idle_memory_mb: float
    workload: Workload | None


@dataclass(frozen=True)
class ResolvedLink:
    """A link with defaults filled in."""

    source: str
    target: str
    latency_ms: float
    bandwidth_mbps: float | None
    probability: float
    weight: float
    timeout_ms: float | None
    retries: int
    asynchronous: bool


def _specs(comp: Component) -> Specs:
    given = comp.specs or Specs()
    return Specs(
        cpu_cores=given.cpu_cores if given.cpu_cores is not None else REFERENCE_SPECS.cpu_cores,
        cpu_ghz=given.cpu_ghz if given.cpu_ghz is not None else REFERENCE_SPECS.cpu_ghz,
        memory_gb=given.memory_gb if given.memory_gb is not None else REFERENCE_SPECS.memory_gb,
        network_mbps=(
            given.network_mbps if given.network_mbps is not None else REFERENCE_SPECS.network_mbps
        ),
    )


def _service(
    comp: Component, prof: Profile | None, specs: Specs, payload_kb: float
) -> ResolvedService:
    given = comp.service_time
    ghz = specs.cpu_ghz or 2.4
    if given is not None and given.mean_ms is not None:
        # An explicit service time is taken as it is: textbook models stay exact.
        mean = given.mean_ms
    elif prof is not None:
        mean = scaled_service_ms(prof.mean_latency_ms, ghz)
    else:
        mean = 0.0
    if payload_kb > 0 and specs.network_mbps:
        mean += transmission_ms(payload_kb, specs.network_mbps)
    dist = given.distribution if given is not None else (prof.distribution if prof else "constant")
    st = given or ServiceTime()
    return ResolvedService(
        distribution=dist,
        mean_ms=mean,
        std_ms=st.std_ms,
        shape=st.shape,
        min_ms=st.min_ms,
        max_ms=st.max_ms,
    )


def resolve(comp: Component) -> ResolvedComponent:
    """Fill in every parameter of ``comp`` from its profile and type."""
    ctype = component_type(comp.type)
    prof_key = comp.profile or ctype.default_profile
    prof = profile(prof_key) if prof_key else None
    specs = _specs(comp)
    cores = specs.cpu_cores or 4.0
    if comp.concurrency is not None:
        concurrency = comp.concurrency
    elif prof is not None:
        concurrency = scaled_concurrency(prof.concurrency, cores)
    else:
        concurrency = 1
    if comp.queue_capacity is None:
        queue_capacity: int | None = DEFAULT_QUEUE_CAPACITY
    elif comp.queue_capacity == UNBOUNDED:
        queue_capacity = None
    else:
        queue_capacity = int(comp.queue_capacity)
    payload_kb = comp.payload_kb or 0.0
    memory_mb = (specs.memory_gb or 8.0) * 1024.0
    return ResolvedComponent(
        id=comp.id,
        type=ctype,
        name=comp.display_name,
        profile=prof,
        replicas=comp.replicas if comp.replicas is not None else 1,
        specs=specs,
        concurrency=concurrency,
        queue_capacity=queue_capacity,
        blocking=comp.blocking if comp.blocking is not None else ctype.blocking,
        service=_service(comp, prof, specs, payload_kb),
        hit_ratio=(
            comp.hit_ratio if comp.hit_ratio is not None
            else (DEFAULT_HIT_RATIO if ctype.caching else 0.0)
        ),
        routing=comp.routing.algorithm if comp.routing else "round_robin",
        fanout=comp.fanout or "sequential",
        payload_kb=payload_kb,
        memory_capacity_mb=memory_mb,
        memory_per_request_mb=prof.memory_per_request_mb if prof else 1.0,
        idle_memory_mb=memory_mb * (prof.idle_memory_fraction if prof else 0.1),
        workload=comp.workload,
    )


def resolve_link(link: Link) -> ResolvedLink:
    """Fill in a link's defaults (no latency, unlimited bandwidth, always called, sync)."""
    return ResolvedLink(
        source=link.source,
        target=link.target,
        latency_ms=link.latency_ms or 0.0,
        bandwidth_mbps=link.bandwidth_mbps,
        probability=1.0 if link.probability is None else link.probability,
        weight=1.0 if link.weight is None else link.weight,
        timeout_ms=link.timeout_ms,
        retries=link.retries or 0,
        asynchronous=link.mode == "async",
    )
