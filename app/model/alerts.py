"""Alert rules of a design: the records, the default rules, metric names and targets.

A rule watches one per-window metric (a ``metrics.csv`` name) of one target
and compares it with a threshold at every window close; the engine's
evaluator (:mod:`app.engine.alerts`) keeps one alert per (rule, target) with
Prometheus semantics. Every semantic is written down in docs/alerts.md.

What a rule's ``component`` names, in the order it is looked up:

1. ``"end_to_end"``: the end-to-end figures measured at the clients.
2. a link ``"source->target"`` of the design (link metrics, see
   :data:`LINK_METRICS`).
3. ``"*"``: every serving component (clients are left out: they have no
   per-window metrics of their own, their traffic is ``end_to_end``).
4. a component id: that component (an id wins over a type of the same name).
5. a component type key (``"web_server"``): every component of that type.

The model does not import the engine: :data:`COMPONENT_METRICS` and
:data:`LINK_METRICS` are the engine's field names written out again, and a
test holds them equal to ``WindowMetrics`` / ``LinkMetrics``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from app.model.catalog import COMPONENT_TYPES
from app.model.document import ALERT_OPS, ALERT_SEVERITIES, AlertRule, Document
from app.model.limits import MAX_TIME_S
from app.model.metric_names import WINDOW_METRICS
from app.model.resilience import link_key, parse_link_key

__all__ = [
    "ALL_COMPONENTS",
    "COMPONENT_METRICS",
    "DEFAULT_ALERTS",
    "END_TO_END",
    "END_TO_END_METRICS",
    "LINK_METRICS",
    "MAX_ALERT_FOR_S",
    "MAX_ALERT_NAME_LENGTH",
    "MAX_ALERT_RULES",
    "MAX_TRACKED_ALERTS",
    "OPS",
    "SEVERITIES",
    "AlertRule",
    "AlertTargets",
    "alert_targets",
    "effective_alerts",
    "metrics_for",
    "tracked_count",
]

OPS: Final = ALERT_OPS
SEVERITIES: Final = ALERT_SEVERITIES
#: A rule's ``component`` meaning every serving component.
ALL_COMPONENTS: Final = "*"
#: A rule's ``component`` meaning the end-to-end figures (as in metrics.csv).
END_TO_END: Final = "end_to_end"

#: Most rules in one design (the rule editor lists them all).
MAX_ALERT_RULES: Final = 200
#: Most alerts tracked in one run (rules x the targets each expands to). Every
#: tracked alert costs a comparison at every window close; the default rules
#: on the largest design the format allows (3 x 20,000 components) fit.
MAX_TRACKED_ALERTS: Final = 100_000
#: Longest rule name (names are shown in the Alerts dock, events and the CLI).
MAX_ALERT_NAME_LENGTH: Final = 200
#: Longest ``for_s``, in seconds (as for every time field of the format).
MAX_ALERT_FOR_S: Final = MAX_TIME_S

#: Per-window metrics of a component, as metrics.csv names them (the engine's
#: ``WindowMetrics`` fields, in order; a test keeps the two equal).
COMPONENT_METRICS: Final = WINDOW_METRICS
#: The metrics that mean something end to end: the engine leaves the others 0
#: there (no workers, memory, queue or replicas belong to the whole system).
END_TO_END_METRICS: Final = (
    "arrivals", "completed", "rejected", "timed_out", "failed", "throughput_rps", "error_rate",
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    "latency_max_ms", "in_flight", "availability", "async_failed",
)
#: Numeric per-window metrics of a link (``LinkMetrics`` without its state fields
#: ``breaker`` and ``partitioned``), plus ``error_rate`` = failed / calls.
LINK_NUMERIC_METRICS: Final = (
    "calls", "failed", "timed_out", "retried", "short_circuited", "calls_rps",
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    "latency_max_ms",
)
LINK_METRICS: Final = (*LINK_NUMERIC_METRICS, "error_rate")

#: The seed's rules, in force when a design has no ``alerts`` key.
DEFAULT_ALERTS: Final[tuple[AlertRule, ...]] = (
    AlertRule("High utilization", "utilization", ALL_COMPONENTS, ">", 0.85, 120.0, "high"),
    AlertRule("High memory", "memory_utilization", ALL_COMPONENTS, ">", 0.90, 120.0, "high"),
    AlertRule("High error rate", "error_rate", ALL_COMPONENTS, ">", 0.05, 120.0, "critical"),
)


def effective_alerts(doc: Document) -> tuple[AlertRule, ...]:
    """The rules a run of ``doc`` evaluates: its own, or the defaults when it gives none.

    ``doc.alerts is None`` (no key in the file) means the defaults;
    ``[]`` means alerts are off.
    """
    if doc.alerts is None:
        return DEFAULT_ALERTS
    return tuple(doc.alerts)


class AlertTargets:
    """What rule targets can name in one design, indexed once for many rules.

    Attributes:
        serving: Ids of the non-client components, in document order.
        clients: Ids of the clients.
        by_type: Component type -> ids of the serving components of that type.
        links: Link keys ``"a->b"`` of the design.
    """

    def __init__(self, doc: Document) -> None:
        self.serving: list[str] = []
        self.clients: set[str] = set()
        self.by_type: dict[str, list[str]] = {}
        seen: set[str] = set()
        for comp in doc.components:
            if not isinstance(comp.id, str) or comp.id in seen:
                continue
            seen.add(comp.id)
            if comp.type == "client":
                self.clients.add(comp.id)
                continue
            self.serving.append(comp.id)
            if isinstance(comp.type, str):
                self.by_type.setdefault(comp.type, []).append(comp.id)
        self._serving_set = set(self.serving)
        self.links = {link_key(link.source, link.target) for link in doc.links
                      if isinstance(link.source, str) and isinstance(link.target, str)}

    def kind(self, component: str) -> str | None:
        """What ``component`` names: ``"end_to_end"``, ``"link"``, ``"all"``,
        ``"component"``, ``"type"``, ``"client"`` (a client id or the client type:
        nothing to watch), or ``None`` (nothing in the design)."""
        if component == END_TO_END:
            return "end_to_end"
        if parse_link_key(component) is not None:
            return "link" if component in self.links else None
        if component == ALL_COMPONENTS:
            return "all"
        if component in self._serving_set:
            return "component"
        if component in self.clients or component == "client":
            return "client"
        if component in COMPONENT_TYPES:
            return "type"
        return None

    def expand(self, component: str) -> tuple[str, ...]:
        """The targets one rule tracks (empty for a client or an unknown name)."""
        kind = self.kind(component)
        if kind in ("end_to_end", "link", "component"):
            return (component,)
        if kind == "all":
            return tuple(self.serving)
        if kind == "type":
            return tuple(self.by_type.get(component, ()))
        return ()


def alert_targets(rule: AlertRule, doc: Document) -> tuple[str, ...]:
    """The targets ``rule`` tracks in ``doc``: component ids, a link key or ``"end_to_end"``.

    See the module docstring for the lookup order. For several rules use one
    :class:`AlertTargets` (the index is built once).
    """
    return AlertTargets(doc).expand(rule.component)


def metrics_for(kind: str | None) -> tuple[str, ...]:
    """The metric names a rule over a target of this :meth:`AlertTargets.kind` may use."""
    if kind == "link":
        return LINK_METRICS
    if kind == "end_to_end":
        return END_TO_END_METRICS
    return COMPONENT_METRICS


def tracked_count(rules: Iterable[AlertRule], targets: AlertTargets) -> int:
    """How many alerts ``rules`` track in a design (rules x expanded targets)."""
    return sum(len(targets.expand(rule.component)) for rule in rules
               if isinstance(rule.component, str))
