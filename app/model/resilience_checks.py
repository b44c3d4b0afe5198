"""Checks on the failure and resilience fields (format version 2).

Used by :func:`app.model.validation.validate` and
:func:`app.model.graph_checks.check_graph`: the component and link fields
(``zone``, ``failure``, ``error_rate``, ``rate_limit``, ``autoscaling``,
``health_check``, ``backoff``, ``circuit_breaker``) and the design's ``chaos``
and ``faults``. Every problem names its JSON path; all are errors.
"""

from __future__ import annotations

import re
from typing import Final

from app.model.catalog import COMPONENT_TYPES
from app.model.document import (
    AUTOSCALING_METRICS,
    COMPONENT_FAULTS,
    FAULT_KINDS,
    JITTER_MODES,
    LINK_FAULTS,
    Autoscaling,
    Backoff,
    CircuitBreaker,
    Component,
    Document,
    Fault,
    HealthCheck,
    Link,
)
from app.model.errors import Problem
from app.model.limits import (
    MAX_BACKOFF_MULTIPLIER,
    MAX_BREAKER_WINDOW,
    MAX_CHECK_COUNT,
    MAX_RATE_RPS,
    MAX_REPLICAS,
    MAX_SERVICE_MS,
    MAX_SLOWDOWN_FACTOR,
    MAX_TIME_S,
    MAX_ZONE_LENGTH,
    MIN_RATE_RPS,
    MIN_TIME_S,
)
from app.model.resilience import (
    DEFAULT_AUTOSCALING_MIN,
    DEFAULT_BACKOFF_BASE_MS,
    DEFAULT_BACKOFF_MAX_MS,
    DEFAULT_BREAKER_WINDOW,
    link_key,
    parse_link_key,
)
from app.model.value_checks import Checker, describe, is_number, suggest

#: A zone name: letters, digits, ``_ . -`` (e.g. ``eu-west-1a``), starting with a letter or digit.
_ZONE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: The fields only one fault kind takes.
_KIND_FIELDS: Final = {"replicas": "crash", "factor": "slowdown", "rate": "error_rate",
                       "add_ms": "latency"}
#: The kind-specific field a kind cannot do without, with an example for the message.
_NEEDED: Final = {"slowdown": ("factor", "e.g. 3 (service three times slower)"),
                  "error_rate": ("rate", "e.g. 0.2 (a fifth of requests fail)"),
                  "latency": ("add_ms", "e.g. 200")}
#: The serving features a client cannot have.
_NOT_ON_CLIENTS: Final = ("failure", "error_rate", "rate_limit", "autoscaling", "health_check")


def fraction_below_one(ck: Checker, path: str, value: object) -> bool:
    """A fraction in ``[0, 1)``: 1 would mean "always", which the field cannot mean."""
    if not ck.number(path, value, minimum=0.0, maximum=1.0):
        return False
    assert isinstance(value, int | float)
    if value >= 1.0:
        return ck.fail(path, f"must be less than 1, got {describe(value)}")
    return True


def check_component_resilience(ck: Checker, comp: Component, path: str) -> None:
    """The failure and resilience fields of one component (its type may be unknown)."""
    ctype = COMPONENT_TYPES.get(comp.type) if isinstance(comp.type, str) else None
    if comp.zone is not None and ck.text(f"{path}.zone", comp.zone, MAX_ZONE_LENGTH) and (
            not _ZONE.fullmatch(comp.zone)):
        ck.fail(f"{path}.zone", f"must be a zone name of letters, digits, '_', '.' and '-' "
                                f"(e.g. \"eu-west-1a\"), got {describe(comp.zone)}")
    if ctype is not None and ctype.is_client:
        for name in _NOT_ON_CLIENTS:
            if getattr(comp, name) is not None:
                ck.fail(f"{path}.{name}", "a client serves no requests, so it cannot fail, "
                                          "throttle, scale or check: remove it")
        return
    if comp.failure is not None:
        for name in ("mtbf_s", "mttr_s"):
            ck.number(f"{path}.failure.{name}", getattr(comp.failure, name),
                      minimum=MIN_TIME_S, limit=MAX_TIME_S)
    if comp.error_rate is not None:
        fraction_below_one(ck, f"{path}.error_rate", comp.error_rate)
    if comp.rate_limit is not None:
        ck.number(f"{path}.rate_limit.rps", comp.rate_limit.rps, minimum=MIN_RATE_RPS,
                  limit=MAX_RATE_RPS)
        if comp.rate_limit.burst is not None:
            ck.number(f"{path}.rate_limit.burst", comp.rate_limit.burst, minimum=1.0,
                      limit=MAX_RATE_RPS)
    if comp.autoscaling is not None:
        _check_autoscaling(ck, comp, f"{path}.autoscaling", comp.autoscaling)
    if comp.health_check is not None:
        _check_health_check(ck, f"{path}.health_check", comp.health_check,
                            ctype is None or ctype.balancer)


def _check_autoscaling(ck: Checker, comp: Component, path: str, scaling: Autoscaling) -> None:
    if scaling.metric is not None:
        ck.choice(f"{path}.metric", scaling.metric, AUTOSCALING_METRICS, "autoscaling metric")
    if scaling.target is not None:
        ck.number(f"{path}.target", scaling.target, above=0.0, maximum=1.0)
    for name in ("cooldown_s", "provision_s"):
        value = getattr(scaling, name)
        if value is not None:
            ck.number(f"{path}.{name}", value, minimum=0.0, limit=MAX_TIME_S)
    low = DEFAULT_AUTOSCALING_MIN if scaling.min is None else scaling.min
    low_ok = scaling.min is None or ck.integer(f"{path}.min", scaling.min, minimum=1,
                                               maximum=MAX_REPLICAS)
    if not ck.integer(f"{path}.max", scaling.max, minimum=1, maximum=MAX_REPLICAS) or not low_ok:
        return
    if scaling.max < low:
        ck.fail(f"{path}.max", f"must be at least min ({low}), got {scaling.max}")
        return
    replicas = 1 if comp.replicas is None else comp.replicas
    if isinstance(replicas, int) and not low <= replicas <= scaling.max:
        where = f"{path[:-len('.autoscaling')]}.replicas" if comp.replicas is not None else (
            f"{path}.min")
        given = "" if comp.replicas is not None else " (by default)"
        ck.fail(where, f"replicas ({replicas}{given}) must lie within the autoscaling range "
                       f"min..max ({low}..{scaling.max})")


def _check_health_check(ck: Checker, path: str, check: HealthCheck, on_balancer: bool) -> None:
    if not on_balancer:
        ck.fail(path, "health checks are run by load balancers and API gateways on their "
                      "targets: put the health check on the balancer in front of this component")
        return
    if check.interval_s is not None:
        ck.number(f"{path}.interval_s", check.interval_s, minimum=MIN_TIME_S,
                  limit=MAX_TIME_S)
    for name in ("unhealthy_after", "healthy_after"):
        value = getattr(check, name)
        if value is not None:
            ck.integer(f"{path}.{name}", value, minimum=1, maximum=MAX_CHECK_COUNT)


def check_link_resilience(ck: Checker, link: Link, path: str) -> None:
    """A link's ``backoff`` and ``circuit_breaker``."""
    if link.backoff is not None:
        _check_backoff(ck, f"{path}.backoff", link.backoff)
    if link.circuit_breaker is not None:
        _check_breaker(ck, f"{path}.circuit_breaker", link.circuit_breaker)


def _check_backoff(ck: Checker, path: str, backoff: Backoff) -> None:
    base_ok = backoff.base_ms is None or ck.number(f"{path}.base_ms", backoff.base_ms,
                                                   minimum=0.0, limit=MAX_SERVICE_MS)
    if backoff.multiplier is not None:
        ck.number(f"{path}.multiplier", backoff.multiplier, minimum=1.0,
                  limit=MAX_BACKOFF_MULTIPLIER)
    cap_ok = backoff.max_ms is None or ck.number(f"{path}.max_ms", backoff.max_ms,
                                                 minimum=0.0, limit=MAX_SERVICE_MS)
    if backoff.jitter is not None:
        ck.choice(f"{path}.jitter", backoff.jitter, JITTER_MODES, "jitter")
    if base_ok and cap_ok:
        base = DEFAULT_BACKOFF_BASE_MS if backoff.base_ms is None else backoff.base_ms
        cap = DEFAULT_BACKOFF_MAX_MS if backoff.max_ms is None else backoff.max_ms
        if cap < base:
            if backoff.max_ms is None:
                ck.fail(f"{path}.base_ms", f"is more than max_ms ({cap:g} by default), got "
                                           f"{base:g}: give max_ms too")
            else:
                ck.fail(f"{path}.max_ms", f"must be at least base_ms ({base:g}), got {cap:g}")


def _check_breaker(ck: Checker, path: str, breaker: CircuitBreaker) -> None:
    if breaker.failure_rate is not None:
        ck.number(f"{path}.failure_rate", breaker.failure_rate, above=0.0, maximum=1.0)
    window_ok = breaker.window is None or ck.integer(f"{path}.window", breaker.window,
                                                     minimum=1, maximum=MAX_BREAKER_WINDOW)
    if breaker.min_calls is not None and ck.integer(
            f"{path}.min_calls", breaker.min_calls, minimum=1, maximum=MAX_BREAKER_WINDOW):
        window = DEFAULT_BREAKER_WINDOW if breaker.window is None else breaker.window
        if window_ok and breaker.min_calls > window:
            given = "" if breaker.window is not None else " by default"
            ck.fail(f"{path}.min_calls", f"must not exceed window ({window}{given}), got "
                                         f"{breaker.min_calls}")
    if breaker.open_s is not None:
        ck.number(f"{path}.open_s", breaker.open_s, minimum=MIN_TIME_S, limit=MAX_TIME_S)
    if breaker.half_open_calls is not None:
        ck.integer(f"{path}.half_open_calls", breaker.half_open_calls, minimum=1,
                   maximum=MAX_BREAKER_WINDOW)


def check_chaos_and_faults(doc: Document, problems: list[Problem]) -> None:
    """The design's ``chaos`` and its scheduled ``faults``."""
    ck = Checker(problems)
    if doc.chaos is not None:
        fraction_below_one(ck, "$.chaos.level", doc.chaos.level)
        if doc.chaos.mttr_s is not None:
            ck.number("$.chaos.mttr_s", doc.chaos.mttr_s, minimum=MIN_TIME_S,
                      limit=MAX_TIME_S)
    if not doc.faults:
        return
    targets = _Targets(doc)
    for index, fault in enumerate(doc.faults):
        _check_fault(Checker(problems, targets.ids_of(fault)), f"$.faults[{index}]", fault,
                     targets)


class _Targets:
    """What faults may hit: serving components, clients, links and zones."""

    def __init__(self, doc: Document) -> None:
        self.components: dict[str, Component] = {}
        self.clients: set[str] = set()
        self.zones: set[str] = set()
        for comp in doc.components:
            if not isinstance(comp.id, str) or comp.id in self.components:
                continue
            if comp.type == "client":
                self.clients.add(comp.id)
                continue
            self.components[comp.id] = comp
            if isinstance(comp.zone, str):
                self.zones.add(comp.zone)
        self.links = {link_key(link.source, link.target) for link in doc.links
                      if isinstance(link.source, str) and isinstance(link.target, str)}

    def ids_of(self, fault: Fault) -> tuple[str, ...]:
        """The components a fault is about, for the GUI's markers."""
        if not isinstance(fault.target, str):
            return ()
        if fault.kind in LINK_FAULTS:
            ends = parse_link_key(fault.target)
            return tuple(end for end in ends if end in self.components) if ends else ()
        return (fault.target,) if fault.target in self.components else ()


def _check_fault(ck: Checker, path: str, fault: Fault, targets: _Targets) -> None:
    kind_ok = ck.choice(f"{path}.kind", fault.kind, FAULT_KINDS, "fault kind")
    ck.number(f"{path}.at_s", fault.at_s, minimum=0.0, limit=MAX_TIME_S)
    if fault.duration_s is not None:
        ck.number(f"{path}.duration_s", fault.duration_s, above=0.0, limit=MAX_TIME_S)
    for name, owner in _KIND_FIELDS.items():
        value = getattr(fault, name)
        if value is None:
            continue
        if kind_ok and fault.kind != owner:
            ck.fail(f"{path}.{name}", f"is for {owner} faults, not {describe(fault.kind)}: "
                                      "remove it")
        elif name == "replicas":
            ck.integer(f"{path}.replicas", value, minimum=1, maximum=MAX_REPLICAS)
        elif name == "factor":
            ck.number(f"{path}.factor", value, above=0.0, limit=MAX_SLOWDOWN_FACTOR)
        elif name == "rate":
            ck.number(f"{path}.rate", value, minimum=0.0, maximum=1.0)
        else:
            ck.number(f"{path}.add_ms", value, above=0.0, limit=MAX_SERVICE_MS)
    target_ok = ck.text(f"{path}.target", fault.target)
    if not kind_ok:
        return
    if fault.kind in _NEEDED:
        name, example = _NEEDED[fault.kind]
        if getattr(fault, name) is None:
            ck.fail(f"{path}.{name}", f"a {fault.kind} fault needs {name}, {example}")
    if target_ok:
        _check_target(ck, path, fault, targets)


def _check_target(ck: Checker, path: str, fault: Fault, targets: _Targets) -> None:
    where = f"{path}.target"
    target = fault.target
    if fault.kind in COMPONENT_FAULTS:
        if target in targets.clients:
            ck.fail(where, f"{describe(target)} is a client: clients cannot fail, only the "
                           "components they call")
        elif target not in targets.components:
            hint = "" if ck.full else suggest(target, targets.components)
            ck.fail(where, f"no component has id {describe(target)}{hint}")
        elif fault.kind == "crash" and isinstance(fault.replicas, int):
            _check_crash_size(ck, path, fault.replicas, targets.components[target])
    elif fault.kind in LINK_FAULTS:
        if parse_link_key(target) is None:
            ck.fail(where, f'must name a link as "source->target", got {describe(target)}')
        elif target not in targets.links:
            hint = "" if ck.full else suggest(target, targets.links)
            ck.fail(where, f"no link {describe(target)} in the design{hint}")
    elif target not in targets.zones:
        hint = "" if ck.full else suggest(target, targets.zones)
        known = "" if hint or not targets.zones or ck.full else (
            " (zones: " + ", ".join(sorted(targets.zones)[:10]) + ")")
        ck.fail(where, f"no serving component is in zone {describe(target)}{hint}{known}")


def _check_crash_size(ck: Checker, path: str, count: int, comp: Component) -> None:
    """A crash of more replicas than the component can ever have is a typo."""
    most = comp.replicas if isinstance(comp.replicas, int) else 1
    if comp.autoscaling is not None and is_number(comp.autoscaling.max):
        most = max(most, int(comp.autoscaling.max))
    if count > most:
        ck.fail(f"{path}.replicas", f"crashes {count} replicas, but {describe(comp.id)} has at "
                                    f"most {most}: leave replicas out to crash them all")
