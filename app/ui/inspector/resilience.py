"""Inspector sections for the failure and resilience fields (issue #9), switched on and off.

Each section edits one optional record of a component (``failure``,
``error_rate``, ``rate_limit``, ``autoscaling``, ``health_check``) or of a link
(``backoff``, ``circuit_breaker``). Switched off, the record is ``None`` (absent
from the file). Switching on installs a *starter* record: the required fields
get a plausible value to edit (a record without them would not load), the rest
stay empty and show the model's resolved defaults (app/model/resilience.py)
as placeholders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.model.document import (
    AUTOSCALING_METRICS,
    JITTER_MODES,
    Autoscaling,
    Backoff,
    CircuitBreaker,
    Component,
    Document,
    FailureSpec,
    HealthCheck,
    Link,
    RateLimit,
)
from app.model.errors import ERROR
from app.model.limits import MAX_REPLICAS
from app.model.resilience import (
    resolve_autoscaling,
    resolve_backoff,
    resolve_circuit_breaker,
    resolve_health_check,
    resolve_rate_limit,
)
from app.model.validation import validate
from app.ui.inspector.fields import FieldSpec, format_value

#: Starter values when a section is switched on (the user edits them next).
STARTER_MTBF_S = 3600.0
STARTER_MTTR_S = 60.0
STARTER_ERROR_RATE = 0.01
STARTER_RATE_LIMIT_RPS = 100.0


@dataclass(frozen=True)
class Switchable:
    """One switchable section: its title, the record field it edits, its fields.

    Attributes:
        title: Section title (also the group box's objectName, ``section_<slug>``).
        attr: The optional field of the component or link the section switches.
        specs: The fields shown when on (paths start with ``attr``).
        starter: The record installed when the section is switched on.
        resolver: Fills the record's defaults, for the placeholders (``None``: none).
    """

    title: str
    attr: str
    specs: tuple[FieldSpec, ...]
    starter: Callable[[Any], object]
    resolver: Callable[[Any], object] | None = None


def _autoscaling_starter(comp: Component) -> Autoscaling:
    replicas = comp.replicas if isinstance(comp.replicas, int) and comp.replicas > 0 else 1
    return Autoscaling(max=min(MAX_REPLICAS, max(2 * replicas, replicas + 1)))


COMPONENT_SWITCHABLES: tuple[Switchable, ...] = (
    Switchable("Failure", "failure", (
        FieldSpec(("failure", "mtbf_s"), "MTBF", optional=False, unit="s",
                  tip="Mean time between failures of each replica."),
        FieldSpec(("failure", "mttr_s"), "MTTR", optional=False, unit="s",
                  tip="Mean time to repair a crashed replica."),
    ), lambda _c: FailureSpec(mtbf_s=STARTER_MTBF_S, mttr_s=STARTER_MTTR_S)),
    Switchable("Error rate", "error_rate", (
        FieldSpec(("error_rate",), "Failing share", optional=False,
                  tip="Share of requests that fail after being served (0–1, below 1)."),
    ), lambda _c: STARTER_ERROR_RATE),
    Switchable("Rate limit", "rate_limit", (
        FieldSpec(("rate_limit", "rps"), "Rate", optional=False, unit="req/s",
                  tip="Token bucket refill rate; requests beyond it are throttled."),
        FieldSpec(("rate_limit", "burst"), "Burst", unit="req",
                  tip="Bucket size: requests allowed at once (default: one second's)."),
    ), lambda _c: RateLimit(rps=STARTER_RATE_LIMIT_RPS), resolve_rate_limit),
    Switchable("Autoscaling", "autoscaling", (
        FieldSpec(("autoscaling", "metric"), "Metric", "choice",
                  choices=tuple((m, m) for m in AUTOSCALING_METRICS),
                  tip="What the autoscaler watches."),
        FieldSpec(("autoscaling", "target"), "Target", tip="Utilization to aim for (0–1)."),
        FieldSpec(("autoscaling", "min"), "Minimum", "int", unit="replicas"),
        FieldSpec(("autoscaling", "max"), "Maximum", "int", optional=False, unit="replicas"),
        FieldSpec(("autoscaling", "cooldown_s"), "Cooldown", unit="s",
                  tip="Wait after a scaling step before the next."),
        FieldSpec(("autoscaling", "provision_s"), "Provisioning", unit="s",
                  tip="Time a new replica takes before it serves."),
    ), _autoscaling_starter, resolve_autoscaling),
    Switchable("Health check", "health_check", (
        FieldSpec(("health_check", "interval_s"), "Interval", unit="s",
                  tip="Time between checks of each target replica."),
        FieldSpec(("health_check", "unhealthy_after"), "Unhealthy after", "int",
                  unit="fails", tip="Failed checks in a row before traffic stops."),
        FieldSpec(("health_check", "healthy_after"), "Healthy after", "int",
                  unit="passes", tip="Passed checks in a row before traffic resumes."),
    ), lambda _c: HealthCheck(), resolve_health_check),
)

LINK_SWITCHABLES: tuple[Switchable, ...] = (
    Switchable("Backoff", "backoff", (
        FieldSpec(("backoff", "base_ms"), "Base", unit="ms", tip="Wait before the first retry."),
        FieldSpec(("backoff", "multiplier"), "Multiplier",
                  tip="Each retry waits this many times longer."),
        FieldSpec(("backoff", "max_ms"), "Cap", unit="ms", tip="Longest wait."),
        FieldSpec(("backoff", "jitter"), "Jitter", "choice",
                  choices=tuple((j, j) for j in JITTER_MODES),
                  tip="full: random 0..wait; equal: wait/2..wait; none: exactly the wait."),
    ), lambda _l: Backoff(), resolve_backoff),
    Switchable("Circuit breaker", "circuit_breaker", (
        FieldSpec(("circuit_breaker", "failure_rate"), "Failure rate",
                  tip="Share of failed calls in the window that opens the breaker (0–1)."),
        FieldSpec(("circuit_breaker", "window"), "Window", "int", unit="calls",
                  tip="The last calls the failure rate is measured over."),
        FieldSpec(("circuit_breaker", "min_calls"), "Minimum calls", "int",
                  tip="Calls in the window before the breaker may open."),
        FieldSpec(("circuit_breaker", "open_s"), "Open for", unit="s",
                  tip="Time calls are refused before probing."),
        FieldSpec(("circuit_breaker", "half_open_calls"), "Probe calls", "int",
                  tip="Trial calls while half open; all must succeed to close."),
    ), lambda _l: CircuitBreaker(), resolve_circuit_breaker),
)


def sections_of(
    switchables: tuple[Switchable, ...],
) -> tuple[tuple[str, tuple[FieldSpec, ...]], ...]:
    """The switchables as :class:`~app.ui.inspector.form.RecordForm` sections."""
    return tuple((s.title, s.specs) for s in switchables)


def switched(record: Any, section: Switchable, on: bool) -> Any:
    """``record`` (component or link) with ``section``'s field switched on or off."""
    current = getattr(record, section.attr)
    if on == (current is not None):
        return record
    value = section.starter(record) if on else None
    return dataclasses.replace(record, **{section.attr: value})


def placeholders(record: Component | Link, section: Switchable) -> dict[str, str]:
    """Field name -> the resolved value shown greyed in the empty field."""
    given = getattr(record, section.attr)
    if section.resolver is None:
        return {}
    try:
        resolved = section.resolver(given if given is not None else section.starter(record))
    except (TypeError, ValueError):  # hostile values loaded from a file: no defaults to show
        return {}
    out = {}
    for spec in section.specs:
        value = getattr(resolved, spec.path[-1], None)
        out[spec.name] = format_value(float(value) if isinstance(value, float) else value)
    return out


def edit_problem(before: Document, after: Document, path: str) -> str | None:
    """The model's verdict on an edit: an error at the field's ``path``, else any new error.

    A cross-field rule (autoscaling ``max`` below ``replicas``, breaker
    ``min_calls`` above the window) reports on another path; an edit that brings
    such an error in is refused with that message, so an edit never makes a
    valid document invalid.
    """
    after_errors = _errors(after)
    for p, message in after_errors:
        if p == path:
            return message
    old = set(_errors(before))
    return next((message for p, message in after_errors if (p, message) not in old), None)


def _errors(doc: Document) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate(doc) if p.severity == ERROR]
