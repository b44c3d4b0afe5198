"""Failure and resilience settings resolved for the engine: defaults filled, links parsed.

The records here are what the engine reads (through
:class:`~app.model.resolve.ResolvedComponent`, :class:`~app.model.resolve.ResolvedLink`,
:func:`resolve_chaos` and :func:`resolve_faults`); docs/file-format.md explains
each field and its default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from app.model.document import (
    LINK_FAULTS,
    Autoscaling,
    Backoff,
    CircuitBreaker,
    Document,
    FailureSpec,
    Fault,
    HealthCheck,
    RateLimit,
)
from app.model.limits import LINK_ARROW

_T = TypeVar("_T")

# Defaults of the failure and resilience fields (docs/file-format.md explains each).
DEFAULT_AUTOSCALING_METRIC = "utilization"
DEFAULT_AUTOSCALING_TARGET = 0.7
DEFAULT_AUTOSCALING_MIN = 1
#: Kubernetes' HPA scale-down stabilisation window.
DEFAULT_COOLDOWN_S = 300.0
DEFAULT_PROVISION_S = 30.0
DEFAULT_CHECK_INTERVAL_S = 5.0
DEFAULT_UNHEALTHY_AFTER = 3
DEFAULT_HEALTHY_AFTER = 2
#: Today's fixed retry waits: 10 ms doubling, no jitter (capped at 1 s).
DEFAULT_BACKOFF_BASE_MS = 10.0
DEFAULT_BACKOFF_MULTIPLIER = 2.0
DEFAULT_BACKOFF_MAX_MS = 1000.0
DEFAULT_JITTER = "none"
# Resilience4j's count-based defaults are 50 % / 100 calls / 100 / 60 s / 10; simulated
# runs are minutes long, so ours react within tens of calls.
DEFAULT_BREAKER_FAILURE_RATE = 0.5
DEFAULT_BREAKER_WINDOW = 20
DEFAULT_BREAKER_MIN_CALLS = 10
DEFAULT_BREAKER_OPEN_S = 30.0
DEFAULT_BREAKER_HALF_OPEN_CALLS = 3
DEFAULT_CHAOS_MTTR_S = 30.0


@dataclass(frozen=True)
class ResolvedFailure:
    """Random crashes of each replica: mean up-time ``mtbf_s``, mean repair ``mttr_s``."""

    mtbf_s: float
    mttr_s: float


@dataclass(frozen=True)
class ResolvedRateLimit:
    """A token bucket: ``rps`` tokens a second, holding at most ``burst`` (starts full)."""

    rps: float
    burst: float


@dataclass(frozen=True)
class ResolvedAutoscaling:
    """The HPA rule's parameters, defaults filled."""

    metric: str
    target: float
    min: int
    max: int
    cooldown_s: float
    provision_s: float


@dataclass(frozen=True)
class ResolvedHealthCheck:
    """A balancer's checks on each target, defaults filled."""

    interval_s: float
    unhealthy_after: int
    healthy_after: int


@dataclass(frozen=True)
class ResolvedBackoff:
    """Wait before retry ``n`` (1-based): ``min(max_ms, base_ms * multiplier**(n-1))``, jittered."""

    base_ms: float
    multiplier: float
    max_ms: float
    jitter: str


@dataclass(frozen=True)
class ResolvedCircuitBreaker:
    """A count-based breaker's parameters, defaults filled."""

    failure_rate: float
    window: int
    min_calls: int
    open_s: float
    half_open_calls: int


@dataclass(frozen=True)
class ResolvedChaos:
    """Design-wide random failures of every replica without its own ``failure``.

    Attributes:
        level: Long-run share of time each such replica is down, in ``[0, 1)``.
        mttr_s: Mean repair time.
    """

    level: float
    mttr_s: float

    @property
    def mtbf_s(self) -> float:
        """Mean up-time giving the long-run unavailability ``level``: mttr·(1−level)/level."""
        return self.mttr_s * (1.0 - self.level) / self.level if self.level > 0 else math.inf


@dataclass(frozen=True)
class ResolvedFault:
    """A scheduled fault with its target parsed and its end time computed.

    Attributes:
        kind: One of :data:`~app.model.document.FAULT_KINDS`.
        target: The file's target text (component id, ``"a->b"`` or zone).
        start_s: Simulated time the fault starts.
        end_s: When it ends; ``None``: at the end of the run.
        link: ``(source, target)`` for link faults, else ``None``.
        replicas: Crash: the first n replicas; ``None``: all of them.
        factor: Slowdown: service times multiplied by this (1 for other kinds).
        rate: Error rate: share of requests failed after service (0 for other kinds).
        add_ms: Latency: added to each call over the link (0 for other kinds).
    """

    kind: str
    target: str
    start_s: float
    end_s: float | None
    link: tuple[str, str] | None
    replicas: int | None
    factor: float
    rate: float
    add_ms: float


#: A link's retry waits when it gives no ``backoff``.
DEFAULT_BACKOFF: ResolvedBackoff = ResolvedBackoff(
    DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MULTIPLIER, DEFAULT_BACKOFF_MAX_MS, DEFAULT_JITTER)


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def resolve_failure(given: FailureSpec | None) -> ResolvedFailure | None:
    """A component's own random crashes, or ``None``."""
    return None if given is None else ResolvedFailure(given.mtbf_s, given.mttr_s)


def resolve_rate_limit(given: RateLimit | None) -> ResolvedRateLimit | None:
    """The token bucket; ``burst`` defaults to one second of tokens, at least 1."""
    if given is None:
        return None
    return ResolvedRateLimit(given.rps, _given(given.burst, max(1.0, given.rps)))


def resolve_autoscaling(given: Autoscaling | None) -> ResolvedAutoscaling | None:
    """The autoscaler with defaults filled (utilization, 70 %, min 1, 300 s, 30 s)."""
    if given is None:
        return None
    return ResolvedAutoscaling(
        metric=_given(given.metric, DEFAULT_AUTOSCALING_METRIC),
        target=_given(given.target, DEFAULT_AUTOSCALING_TARGET),
        min=_given(given.min, DEFAULT_AUTOSCALING_MIN),
        max=given.max,
        cooldown_s=_given(given.cooldown_s, DEFAULT_COOLDOWN_S),
        provision_s=_given(given.provision_s, DEFAULT_PROVISION_S),
    )


def resolve_health_check(given: HealthCheck | None) -> ResolvedHealthCheck | None:
    """Health checks with defaults filled (every 5 s, down after 3 bad, up after 2 good)."""
    if given is None:
        return None
    return ResolvedHealthCheck(
        interval_s=_given(given.interval_s, DEFAULT_CHECK_INTERVAL_S),
        unhealthy_after=_given(given.unhealthy_after, DEFAULT_UNHEALTHY_AFTER),
        healthy_after=_given(given.healthy_after, DEFAULT_HEALTHY_AFTER),
    )


def resolve_backoff(given: Backoff | None) -> ResolvedBackoff:
    """A link's retry waits; none given: today's 10 ms doubling, capped at 1 s, no jitter."""
    given = given or Backoff()
    return ResolvedBackoff(
        base_ms=_given(given.base_ms, DEFAULT_BACKOFF_BASE_MS),
        multiplier=_given(given.multiplier, DEFAULT_BACKOFF_MULTIPLIER),
        max_ms=_given(given.max_ms, DEFAULT_BACKOFF_MAX_MS),
        jitter=_given(given.jitter, DEFAULT_JITTER),
    )


def resolve_circuit_breaker(given: CircuitBreaker | None) -> ResolvedCircuitBreaker | None:
    """A breaker with defaults filled; ``min_calls`` defaults to ``min(10, window)``."""
    if given is None:
        return None
    window = _given(given.window, DEFAULT_BREAKER_WINDOW)
    return ResolvedCircuitBreaker(
        failure_rate=_given(given.failure_rate, DEFAULT_BREAKER_FAILURE_RATE),
        window=window,
        min_calls=_given(given.min_calls, min(DEFAULT_BREAKER_MIN_CALLS, window)),
        open_s=_given(given.open_s, DEFAULT_BREAKER_OPEN_S),
        half_open_calls=_given(given.half_open_calls, DEFAULT_BREAKER_HALF_OPEN_CALLS),
    )


def resolve_chaos(doc: Document) -> ResolvedChaos | None:
    """The design's chaos setting; ``None`` when absent or at level 0 (off)."""
    if doc.chaos is None or not doc.chaos.level:
        return None
    return ResolvedChaos(doc.chaos.level, _given(doc.chaos.mttr_s, DEFAULT_CHAOS_MTTR_S))


def link_key(source: str, target: str) -> str:
    """A link's name in faults and summary.json: ``"source->target"``."""
    return f"{source}{LINK_ARROW}{target}"


def zone_members(doc: Document) -> dict[str, list[str]]:
    """Zone -> ids of the serving (non-client) components in it, in document order.

    What a ``zone_outage`` fault reaches; clients may carry a zone but never crash.
    """
    zones: dict[str, list[str]] = {}
    for comp in doc.components:
        if comp.zone and comp.type != "client":
            zones.setdefault(comp.zone, []).append(comp.id)
    return zones


def parse_link_key(key: str) -> tuple[str, str] | None:
    """``"a->b"`` -> ``("a", "b")``; ``None`` unless exactly one arrow joins two non-empty ids.

    Ids may not contain the arrow (format version 2), so the split is unambiguous.
    """
    if not isinstance(key, str):
        return None
    parts = key.split(LINK_ARROW)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def resolve_fault(fault: Fault) -> ResolvedFault:
    """One scheduled fault in the engine's terms (the document must be valid)."""
    link = parse_link_key(fault.target) if fault.kind in LINK_FAULTS else None
    return ResolvedFault(
        kind=fault.kind,
        target=fault.target,
        start_s=fault.at_s,
        end_s=None if fault.duration_s is None else fault.at_s + fault.duration_s,
        link=link,
        replicas=fault.replicas if fault.kind == "crash" else None,
        factor=_given(fault.factor, 1.0) if fault.kind == "slowdown" else 1.0,
        rate=_given(fault.rate, 0.0) if fault.kind == "error_rate" else 0.0,
        add_ms=_given(fault.add_ms, 0.0) if fault.kind == "latency" else 0.0,
    )


def resolve_faults(doc: Document) -> list[ResolvedFault]:
    """The design's scheduled faults, in start order (ties in document order)."""
    return sorted((resolve_fault(fault) for fault in doc.faults), key=lambda f: f.start_s)
