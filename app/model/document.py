"""The architecture document: components, links and simulation settings.

These are plain, typed records. Optional fields are ``None`` when the file
did not give them: the effective value then comes from the component's
profile, then from its type's defaults (see :mod:`app.model.resolve`). Keeping
"not given" distinct from "given" is what makes the ``.sdsim`` round trip
exact and lets a later profile change reach every component that did not
override it.

Geometry is a plain ``(x, y)`` tuple: the model knows nothing of Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from app.model.dashboards import Dashboard

#: ``queue_capacity`` value meaning "no limit" (JSON ``null``); ``None`` means "not given".
UNBOUNDED: Final = "unbounded"

QueueCapacity = int | Literal["unbounded"]

DISTRIBUTIONS: Final = (
    "constant",
    "exponential",
    "uniform",
    "normal",
    "lognormal",
    "gamma",
    "pareto",
)
WORKLOAD_PATTERNS: Final = ("constant", "poisson", "ramp", "step", "spike", "diurnal", "trace")
ROUTING_ALGORITHMS: Final = (
    "round_robin",
    "random",
    "weighted_round_robin",
    "least_connections",
    "least_response_time",
    "consistent_hash",
)
FANOUT_MODES: Final = ("sequential", "parallel")
LINK_MODES: Final = ("sync", "async")
#: What an autoscaler measures (only utilization for now).
AUTOSCALING_METRICS: Final = ("utilization",)
#: Retry jitter: "full" draws the wait in [0, d], "equal" in [d/2, d], "none" waits d.
JITTER_MODES: Final = ("full", "equal", "none")
#: Scheduled fault kinds, by what their ``target`` names.
COMPONENT_FAULTS: Final = ("crash", "slowdown", "error_rate")
LINK_FAULTS: Final = ("latency", "partition")
ZONE_FAULTS: Final = ("zone_outage",)
FAULT_KINDS: Final = (*COMPONENT_FAULTS, *LINK_FAULTS, *ZONE_FAULTS)
#: Alert rule comparisons and severities (see app/model/alerts.py, docs/alerts.md).
ALERT_OPS: Final = (">", ">=", "<", "<=")
ALERT_SEVERITIES: Final = ("info", "warning", "high", "critical")


@dataclass
class Specs:
    """Hardware of one replica. Reference hardware: 4 cores, 2.4 GHz, 8 GB, 1000 Mbps."""

    cpu_cores: float | None = None
    cpu_ghz: float | None = None
    memory_gb: float | None = None
    network_mbps: float | None = None


@dataclass
class ServiceTime:
    """Distribution of the time one request holds a worker.

    ``mean_ms`` is always the mean (a uniform given both bounds and no
    ``mean_ms`` has their midpoint). Shape parameters by distribution:
    ``uniform`` uses ``min_ms``/``max_ms`` (default ``0 .. 2*mean``);
    ``normal`` and ``lognormal`` use ``std_ms`` (default ``mean/2``; the normal
    is truncated at zero); ``gamma`` uses ``shape`` (k, default 2);
    ``pareto`` uses ``shape`` (alpha > 1, default 3). Which sets are refused,
    and what is sampled: :mod:`app.model.service_time`.
    """

    distribution: str = "exponential"
    mean_ms: float | None = None
    std_ms: float | None = None
    shape: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None


@dataclass
class Workload:
    """How a client generates requests.

    Patterns and their fields:
    ``constant`` (evenly spaced, ``rate_rps``), ``poisson`` (``rate_rps``),
    ``ramp`` (``from_rps`` -> ``to_rps`` over ``ramp_s``, then flat),
    ``step`` (``rate_rps`` until ``at_s``, then ``step_rps``),
    ``spike`` (``rate_rps`` with bursts of ``spike_rps`` lasting ``spike_s``
    every ``period_s``), ``diurnal`` (``rate_rps`` * (1 + ``amplitude`` *
    sin(2 pi t / ``period_s``))), ``trace`` (timestamps in seconds, one per
    line, from the CSV ``trace_file``; relative paths are relative to the
    document's folder). All time-varying patterns but ``trace`` are
    non-homogeneous Poisson processes.
    """

    pattern: str = "poisson"
    rate_rps: float | None = None
    from_rps: float | None = None
    to_rps: float | None = None
    ramp_s: float | None = None
    step_rps: float | None = None
    at_s: float | None = None
    spike_rps: float | None = None
    spike_s: float | None = None
    period_s: float | None = None
    amplitude: float | None = None
    trace_file: str | None = None


@dataclass
class Routing:
    """How a load balancer or gateway picks one outgoing link."""

    algorithm: str = "round_robin"


@dataclass
class FailureSpec:
    """Random crashes of each replica: exponential up-times and repair times."""

    mtbf_s: float
    mttr_s: float


@dataclass
class RateLimit:
    """A token bucket in front of the component: ``rps`` tokens a second, ``burst`` at most.

    ``burst`` not given: one second of tokens, ``max(1, rps)``.
    """

    rps: float
    burst: float | None = None


@dataclass(kw_only=True)
class Autoscaling:
    """Horizontal autoscaling by the Kubernetes HPA rule (``max`` is required)."""

    metric: str | None = None
    target: float | None = None
    min: int | None = None
    max: int
    cooldown_s: float | None = None
    provision_s: float | None = None


@dataclass
class HealthCheck:
    """Active health checks a balancer or gateway runs against its targets."""

    interval_s: float | None = None
    unhealthy_after: int | None = None
    healthy_after: int | None = None


@dataclass
class Component:
    """One box on the canvas: a client, a server, a cache, a queue..."""

    id: str
    type: str
    name: str | None = None
    position: tuple[float, float] = (0.0, 0.0)
    profile: str | None = None
    replicas: int | None = None
    specs: Specs | None = None
    concurrency: int | None = None
    queue_capacity: QueueCapacity | None = None
    blocking: bool | None = None
    service_time: ServiceTime | None = None
    hit_ratio: float | None = None
    routing: Routing | None = None
    fanout: str | None = None
    payload_kb: float | None = None
    workload: Workload | None = None
    zone: str | None = None
    failure: FailureSpec | None = None
    error_rate: float | None = None
    rate_limit: RateLimit | None = None
    autoscaling: Autoscaling | None = None
    health_check: HealthCheck | None = None

    @property
    def display_name(self) -> str:
        """The name shown to the user (the id when no name is set)."""
        return self.name or self.id


@dataclass
class Backoff:
    """Waits between a link's retries: ``min(max_ms, base_ms * multiplier**n)``, jittered."""

    base_ms: float | None = None
    multiplier: float | None = None
    max_ms: float | None = None
    jitter: str | None = None


@dataclass
class CircuitBreaker:
    """A count-based sliding-window circuit breaker on a link (as Resilience4j's)."""

    failure_rate: float | None = None
    window: int | None = None
    min_calls: int | None = None
    open_s: float | None = None
    half_open_calls: int | None = None


@dataclass
class Link:
    """A directed call from ``source`` to ``target``."""

    source: str
    target: str
    latency_ms: float | None = None
    bandwidth_mbps: float | None = None
    probability: float | None = None
    weight: float | None = None
    timeout_ms: float | None = None
    retries: int | None = None
    mode: str | None = None
    backoff: Backoff | None = None
    circuit_breaker: CircuitBreaker | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The link's identity: one link per ordered pair of components."""
        return (self.source, self.target)


@dataclass
class SimulationSettings:
    """Run settings stored with the design."""

    duration_s: float = 60.0
    warmup_s: float = 5.0
    seed: int = 42
    window_s: float = 1.0


@dataclass
class Chaos:
    """Design-wide random failures: each replica without its own ``failure`` is
    down a share ``level`` of the time in the long run (see docs/file-format.md)."""

    level: float
    mttr_s: float | None = None


@dataclass
class Fault:
    """A scheduled fault: ``kind`` hits ``target`` from ``at_s`` for ``duration_s``.

    ``target`` is a component id (crash, slowdown, error_rate), a link
    ``"source->target"`` (latency, partition) or a zone (zone_outage).
    ``duration_s`` not given: to the end of the run. The kind-specific keys:
    ``replicas`` (crash: the first n replicas, all when not given),
    ``factor`` (slowdown), ``rate`` (error_rate), ``add_ms`` (latency).
    """

    kind: str
    target: str
    at_s: float
    duration_s: float | None = None
    replicas: int | None = None
    factor: float | None = None
    rate: float | None = None
    add_ms: float | None = None


@dataclass
class AlertRule:
    """An alert rule: ``metric`` of ``component`` ``op`` ``threshold`` for ``for_s`` seconds.

    ``component`` is a component id, a component type, ``"*"`` (every serving
    component), a link ``"source->target"`` or ``"end_to_end"``; a type or
    ``"*"`` tracks one alert per component. ``clear_threshold`` (hysteresis):
    a firing alert resolves only once the value is back past it. Semantics:
    :mod:`app.model.alerts` and docs/alerts.md. Kept here beside the other
    records so the document module needs no import of the alerts module.
    """

    name: str
    metric: str
    component: str
    op: str
    threshold: float
    for_s: float
    severity: str
    clear_threshold: float | None = None


@dataclass
class Document:
    """A whole design: what a ``.sdsim`` file holds."""

    name: str = "Untitled"
    components: list[Component] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    description: str | None = None
    chaos: Chaos | None = None
    faults: list[Fault] = field(default_factory=list)
    #: Alert rules; ``None`` (no key in the file): the default rules apply, ``[]``: none.
    alerts: list[AlertRule] | None = None
    #: Custom chart grids (:mod:`app.model.dashboards`); empty: only the Overview.
    dashboards: list[Dashboard] = field(default_factory=list)

    def component(self, component_id: str) -> Component:
        """The component with this id; ``KeyError`` if there is none."""
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(component_id)

    def outgoing(self, component_id: str) -> list[Link]:
        """Links leaving a component, in document order (which is call order)."""
        return [link for link in self.links if link.source == component_id]

    def incoming(self, component_id: str) -> list[Link]:
        """Links arriving at a component."""
        return [link for link in self.links if link.target == component_id]
