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
from app.model.resilience import (
    DEFAULT_BACKOFF,
    ResolvedAutoscaling,
    ResolvedBackoff,
    ResolvedChaos,
    ResolvedCircuitBreaker,
    ResolvedFailure,
    ResolvedFault,
    ResolvedHealthCheck,
    ResolvedRateLimit,
    link_key,
    parse_link_key,
    resolve_autoscaling,
    resolve_backoff,
    resolve_chaos,
    resolve_circuit_breaker,
    resolve_failure,
    resolve_faults,
    resolve_health_check,
    resolve_rate_limit,
    zone_members,
)
from app.model.service_time import ResolvedService, resolved_service, uniform_mean

__all__ = [
    "ResolvedAutoscaling",
    "ResolvedBackoff",
    "ResolvedChaos",
    "ResolvedCircuitBreaker",
    "ResolvedComponent",
    "ResolvedFailure",
    "ResolvedFault",
    "ResolvedHealthCheck",
    "ResolvedLink",
    "ResolvedRateLimit",
    "ResolvedService",
    "ServiceBasis",
    "effective_concurrency",
    "link_key",
    "parse_link_key",
    "resolve",
    "resolve_autoscaling",
    "resolve_backoff",
    "resolve_chaos",
    "resolve_circuit_breaker",
    "resolve_failure",
    "resolve_faults",
    "resolve_health_check",
    "resolve_link",
    "resolve_rate_limit",
    "service_basis",
    "zone_members",
]

DEFAULT_QUEUE_CAPACITY = 1000
DEFAULT_HIT_RATIO = 0.8


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
    zone: str | None = None
    failure: ResolvedFailure | None = None
    error_rate: float = 0.0
    rate_limit: ResolvedRateLimit | None = None
    autoscaling: ResolvedAutoscaling | None = None
    health_check: ResolvedHealthCheck | None = None


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
    backoff: ResolvedBackoff = DEFAULT_BACKOFF
    circuit_breaker: ResolvedCircuitBreaker | None = None


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


@dataclass(frozen=True)
class ServiceBasis:
    """Where a component's service time comes from, before defaults are filled in.

    Attributes:
        distribution: The distribution sampled.
        given: The parameters the file gave (an empty record when none).
        mean_ms: The mean before transmission time: ``mean_ms`` when given,
            else a uniform's midpoint when both bounds are given, else the
            profile's latency scaled to the clock, else 0.
        mean_source: Where ``mean_ms`` came from, for messages.
        transmission_ms: Time to send the payload over the NIC, added to every sample.
    """

    distribution: str
    given: ServiceTime
    mean_ms: float
    mean_source: str
    transmission_ms: float


def service_basis(comp: Component) -> ServiceBasis:
    """The sources of ``comp``'s service time (its type and profile must be known)."""
    ctype = component_type(comp.type)
    prof_key = comp.profile or ctype.default_profile
    prof = profile(prof_key) if prof_key else None
    specs = _specs(comp)
    given = comp.service_time
    if given is not None:
        distribution = given.distribution
    else:
        distribution = prof.distribution if prof else "constant"
        given = ServiceTime(distribution)
    midpoint = uniform_mean(given) if distribution == "uniform" else None
    if given.mean_ms is not None:
        # An explicit service time is taken as it is: textbook models stay exact.
        mean, source = given.mean_ms, "mean_ms"
    elif midpoint is not None:
        mean, source = midpoint, "from min_ms and max_ms"
    elif prof is not None:
        ghz = specs.cpu_ghz or 2.4
        mean = scaled_service_ms(prof.mean_latency_ms, ghz)
        source = f"from the {prof.key} profile at {ghz:g} GHz"
    else:
        mean, source = 0.0, "no profile"
    payload_kb = comp.payload_kb or 0.0
    shift = (transmission_ms(payload_kb, specs.network_mbps)
             if payload_kb > 0 and specs.network_mbps else 0.0)
    return ServiceBasis(distribution, given, mean, source, shift)


def _service(comp: Component) -> ResolvedService:
    basis = service_basis(comp)
    return resolved_service(basis.distribution, basis.given, basis.mean_ms,
                            basis.transmission_ms)


def effective_concurrency(comp: Component) -> int:
    """Workers per replica: given, else the profile's scaled to the cores, else 1."""
    if comp.concurrency is not None:
        return comp.concurrency
    ctype = component_type(comp.type)
    prof_key = comp.profile or ctype.default_profile
    if not prof_key:
        return 1
    return scaled_concurrency(profile(prof_key).concurrency, _specs(comp).cpu_cores or 4.0)


def resolve(comp: Component) -> ResolvedComponent:
    """Fill in every parameter of ``comp`` from its profile and type."""
    ctype = component_type(comp.type)
    prof_key = comp.profile or ctype.default_profile
    prof = profile(prof_key) if prof_key else None
    specs = _specs(comp)
    concurrency = effective_concurrency(comp)
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
        service=_service(comp),
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
        zone=comp.zone,
        failure=resolve_failure(comp.failure),
        error_rate=comp.error_rate or 0.0,
        rate_limit=resolve_rate_limit(comp.rate_limit),
        autoscaling=resolve_autoscaling(comp.autoscaling),
        health_check=resolve_health_check(comp.health_check),
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
        backoff=resolve_backoff(link.backoff),
        circuit_breaker=resolve_circuit_breaker(link.circuit_breaker),
    )
