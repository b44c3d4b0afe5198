"""Engine events that no request makes: health checks, crashes and repairs, breaker timers.

A balancer's health checks, a replica's random crashes and repairs (its own
``failure`` or the design's chaos), a breaker's open -> half-open timer and
the scheduled faults all put events on the engine's queue at a pace set by
the design, not by the traffic: a 1 ms check interval costs 1,000 checks a
simulated second with no request at all. :func:`engine_events` counts them
from the document alone, for the work budget (:mod:`app.engine.budget`) and
the run-time guard (:mod:`app.engine.run_guard`). Each check of one target,
each crash and each repair counts one work unit, as a station visit does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Component, Document
from app.model.resolve import (
    link_key,
    resolve_chaos,
    resolve_circuit_breaker,
    resolve_failure,
    resolve_health_check,
)

#: What each kind of engine event is called in the budget's message.
HEALTH_CHECKS = "health checks"
CRASHES = "crashes and repairs"
BREAKER_TIMERS = "circuit-breaker state changes"
FAULTS = "scheduled faults"
#: What to change to make fewer of each kind (the budget's message).
ADVICE = {
    HEALTH_CHECKS: "lengthen health_check.interval_s",
    CRASHES: "lengthen failure.mtbf_s and mttr_s (or chaos.mttr_s)",
    BREAKER_TIMERS: "lengthen circuit_breaker.open_s",
    FAULTS: "schedule fewer faults",
}


@dataclass(frozen=True)
class EngineEvents:
    """Engine events a run would make, in all and where most of them come from.

    Attributes:
        total: Expected engine events over the run (work units).
        busiest: ``(what, where, events)`` of the largest single source:
            ``what`` is one of :data:`HEALTH_CHECKS`, :data:`CRASHES`,
            :data:`BREAKER_TIMERS`, :data:`FAULTS`; ``where`` a component id or a
            ``"source->target"`` link key (empty for faults). ``None`` when there are none.
    """

    total: float
    busiest: tuple[str, str, float] | None = None


#: A run without any engine events of its own.
NO_ENGINE_EVENTS: Final = EngineEvents(0.0)


def _most_replicas(comp: Component) -> int:
    """Replicas a component may have at once (autoscaling may add up to its max)."""
    replicas = comp.replicas if comp.replicas is not None else 1
    if comp.autoscaling is not None:
        replicas = max(replicas, comp.autoscaling.max)
    return replicas


def _crash_cycles(duration_s: float, mtbf_s: float, mttr_s: float) -> float:
    """Crash + repair events of one replica: two per expected up/down cycle, plus one."""
    return 2.0 * (duration_s / (mtbf_s + mttr_s) + 1.0)


def engine_events(
    doc: Document, duration_s: float, visits: Mapping[str, float] | None = None
) -> EngineEvents:
    """Engine events a run of a *valid* ``doc`` for ``duration_s`` would make.

    * health checks: ``duration / interval_s`` rounds, each checking every target
      of the balancer (one unit per target, at least one per round);
    * crashes and repairs: ``2 · replicas · duration / (mtbf_s + mttr_s)`` per
      component with ``failure``, and with chaos on, the same for every serving
      component without one (autoscaled tiers counted at their ``max``);
    * breaker timers: two state changes per opening, at most one opening per
      ``open_s`` and never more than the calls the link can make (``visits`` of
      its target, when given);
    * scheduled faults: a start and an end each.

    Args:
        doc: A document that passes validation.
        duration_s: Simulated seconds.
        visits: Expected station visits by component id (bounds breaker timers).
    """
    sources: list[tuple[str, str, float]] = []
    chaos = resolve_chaos(doc)
    targets: dict[str, int] = {}
    for link in doc.links:
        targets[link.source] = targets.get(link.source, 0) + 1
    for comp in doc.components:
        ctype = COMPONENT_TYPES.get(comp.type)
        if ctype is None or ctype.is_client:
            continue
        check = resolve_health_check(comp.health_check)
        if check is not None and ctype.balancer and targets.get(comp.id):
            rounds = duration_s / check.interval_s
            sources.append((HEALTH_CHECKS, comp.id, rounds * max(1, targets[comp.id])))
        failure = resolve_failure(comp.failure)
        if failure is not None:
            mtbf_s, mttr_s = failure.mtbf_s, failure.mttr_s
        elif chaos is not None:
            mtbf_s, mttr_s = chaos.mtbf_s, chaos.mttr_s
        else:
            continue
        sources.append((CRASHES, comp.id,
                        _most_replicas(comp) * _crash_cycles(duration_s, mtbf_s, mttr_s)))
    for link in doc.links:
        breaker = resolve_circuit_breaker(link.circuit_breaker)
        if breaker is None:
            continue
        openings = duration_s / breaker.open_s + 1.0
        if visits is not None:
            openings = min(openings, visits.get(link.target, math.inf))
        sources.append((BREAKER_TIMERS, link_key(link.source, link.target), 2.0 * openings))
    if doc.faults:
        sources.append((FAULTS, "", 2.0 * len(doc.faults)))
    total = sum(events for _, _, events in sources)
    busiest = max(sources, key=lambda s: s[2], default=None)
    return EngineEvents(total if math.isfinite(total) else math.inf, busiest)
