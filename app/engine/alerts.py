"""Alert rules evaluated at every window close, on simulated time (Prometheus semantics).

Each (rule, target) pair is one tracked alert with a state:

``inactive`` --condition true--> ``pending`` --held ``for_s``--> ``firing``
--clear condition false--> ``inactive`` (resolved); a ``pending`` alert whose
condition turns false goes back to ``inactive``. ``for_s = 0`` fires at the
first window close where the condition holds (no pending step). A window
without a value (``None``: no completions, so no latency) keeps the state.
``peak`` is the worst value over the alert's span, from pending to resolved
(the maximum for ``>``/``>=``, the minimum for ``<``/``<=``).

State changes are run events (``alert_pending``, ``alert_firing``,
``alert_resolved``, ``alert_inactive``) with the target as ``target``; the
episodes that fired are the summary's ``alerts``. docs/alerts.md has the
details and the reasons (warm-up windows, caps, hysteresis).

Cost: nothing when a run has no rules (no hook is installed); otherwise one
attribute read and one comparison per tracked alert per window, plus a
little more on a state change.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from app.engine.hooks import WindowClose
from app.engine.snapshot import LinkMetrics
from app.model.alerts import END_TO_END, AlertRule, AlertTargets, effective_alerts

if TYPE_CHECKING:
    from app.engine.events import EventLog
    from app.engine.simulation import Simulation

INACTIVE: Final = "inactive"
PENDING: Final = "pending"
FIRING: Final = "firing"

#: Fired episodes kept for summary.json; later ones are only counted
#: (``alerts_dropped``). An alert flapping every other window on a long run
#: could otherwise grow the summary without bound.
MAX_EPISODES: Final = 10_000
#: ``alert_pending`` and ``alert_inactive`` events emitted per run. A value
#: hovering at the threshold flaps between them every window; past this many
#: they are only counted (``alert_events_dropped``) so they cannot crowd the
#: event log (shared with crashes and faults, see app/engine/events.py).
#: ``alert_firing`` and ``alert_resolved`` are always emitted.
MAX_PENDING_EVENTS: Final = 1_000
#: Slack on "has held for_s": window ends are sums of floats (0.1 + 0.2 ...).
_TIME_SLACK: Final = 1e-9

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}

#: A metric of one target's figures (a ``WindowMetrics`` or a ``LinkMetrics``).
ValueOf = Callable[[Any], "float | None"]
#: The figures of one kind of target in a window close, by target.
TableOf = Callable[[WindowClose], Mapping[str, Any]]


@dataclass(slots=True)
class TrackedAlert:
    """One rule on one target, and where it stands."""

    rule: AlertRule
    target: str
    #: ``rule.op`` as a function, and the worse of two values (max or min).
    compare: Callable[[float, float], bool]
    worse: Callable[[float, float], float]
    #: The threshold a firing alert must stay past (the clear threshold if given).
    clear: float
    state: str = INACTIVE
    pending_since_s: float = 0.0
    fired_at_s: float | None = None
    peak: float = 0.0
    #: This alert's current fired episode in the summary, while firing.
    episode: dict[str, Any] | None = None


@dataclass(slots=True)
class _RuleGroup:
    """The alerts of one rule: they read the same metric from the same table."""

    table_of: TableOf
    value_of: ValueOf
    compare: Callable[[float, float], bool]
    threshold: float
    alerts: list[TrackedAlert]


def _link_error_rate(link: LinkMetrics) -> float | None:
    """Failed attempts over attempts; no value in a window without calls."""
    return link.failed / link.calls if link.calls else None


def _end_to_end_table(close: WindowClose) -> Mapping[str, Any]:
    return {END_TO_END: close.end_to_end}


_COMPONENTS: Final[TableOf] = operator.attrgetter("components")
_LINKS: Final[TableOf] = operator.attrgetter("links")


class AlertEvaluator:
    """Every tracked alert of one run; :meth:`window_closed` is the window hook.

    Args:
        rules: The rules (already validated against the design).
        targets: The design's target index.
        events: Where state changes are emitted.
        components: Component ids the run measures (stations).
        links: Link keys the run measures.
    """

    def __init__(self, rules: tuple[AlertRule, ...], targets: AlertTargets, events: EventLog,
                 components: set[str], links: set[str]) -> None:
        self.events = events
        #: Every tracked alert, rule by rule, targets in expansion order.
        self.alerts: list[TrackedAlert] = []
        self._groups: list[_RuleGroup] = []
        #: Fired episodes in firing order (summary.json ``alerts``).
        self.episodes: list[dict[str, Any]] = []
        self.episodes_dropped = 0
        self.pending_events = 0
        self.pending_events_dropped = 0
        for rule in rules:
            by_table: dict[str, list[TrackedAlert]] = {}
            for target in targets.expand(rule.component):
                table = ("end_to_end" if target == END_TO_END else "components"
                         if target in components else "links" if target in links else None)
                if table is None:
                    continue  # not measured by this run (validation makes this unreachable)
                alert = TrackedAlert(rule, target, _COMPARE[rule.op],
                                     max if rule.op in (">", ">=") else min,
                                     rule.threshold if rule.clear_threshold is None
                                     else rule.clear_threshold)
                by_table.setdefault(table, []).append(alert)
                self.alerts.append(alert)
            for table, alerts in by_table.items():
                value_of: ValueOf = (_link_error_rate if table == "links"
                                     and rule.metric == "error_rate"
                                     else operator.attrgetter(rule.metric))
                table_of = {"end_to_end": _end_to_end_table, "components": _COMPONENTS,
                            "links": _LINKS}[table]
                self._groups.append(_RuleGroup(table_of, value_of, _COMPARE[rule.op],
                                               rule.threshold, alerts))

    def window_closed(self, close: WindowClose) -> None:
        """Evaluate every tracked alert on the window that just closed.

        The common case (inactive, condition false) costs one read and one
        comparison. A window of no length (a run stopped right at a window's
        end) measured nothing: its zeros are not values, so every state stays.
        """
        if close.length_s <= 0.0:
            return
        now = close.time_s
        for group in self._groups:
            table = group.table_of(close)
            value_of, compare, threshold = group.value_of, group.compare, group.threshold
            for alert in group.alerts:
                value = value_of(table[alert.target])
                if value is None:
                    continue  # no value in this window: the state stays
                if alert.state is INACTIVE and not compare(value, threshold):
                    continue
                self._step(alert, now, value)

    def _step(self, alert: TrackedAlert, now: float, value: float) -> None:
        """One alert's transition on a value (not the inactive-and-false case)."""
        rule = alert.rule
        if alert.state is INACTIVE:  # the condition holds: a span starts
            alert.pending_since_s = now
            alert.peak = value
            if rule.for_s <= 0.0:
                self._fire(alert, now, value)
            else:
                alert.state = PENDING
                self._pending_event("alert_pending", alert, value)
            return
        alert.peak = alert.worse(alert.peak, value)
        if alert.state is PENDING:
            if not alert.compare(value, rule.threshold):
                alert.state = INACTIVE
                self._pending_event("alert_inactive", alert, value)
            elif now - alert.pending_since_s >= rule.for_s - _TIME_SLACK * max(1.0, now):
                self._fire(alert, now, value)
            return
        if alert.episode is not None:
            alert.episode["peak"] = alert.peak
        if not alert.compare(value, alert.clear):
            self._resolve(alert, now, value)

    def _detail(self, alert: TrackedAlert, value: float) -> dict[str, str | float]:
        rule = alert.rule
        return {"name": rule.name, "severity": rule.severity, "metric": rule.metric,
                "op": rule.op, "value": value, "threshold": rule.threshold, "peak": alert.peak}

    def _pending_event(self, kind: str, alert: TrackedAlert, value: float) -> None:
        if self.pending_events >= MAX_PENDING_EVENTS:
            self.pending_events_dropped += 1
            return
        self.pending_events += 1
        self.events.emit(kind, alert.target, **self._detail(alert, value))

    def _fire(self, alert: TrackedAlert, now: float, value: float) -> None:
        alert.state = FIRING
        alert.fired_at_s = now
        rule = alert.rule
        self.events.emit("alert_firing", alert.target, **self._detail(alert, value))
        if len(self.episodes) >= MAX_EPISODES:
            self.episodes_dropped += 1
            alert.episode = None
            return
        alert.episode = {
            "name": rule.name, "component": alert.target, "severity": rule.severity,
            "fired_at_s": now, "resolved_at_s": None, "peak": alert.peak,
            "metric": rule.metric, "op": rule.op, "threshold": rule.threshold,
            "pending_since_s": alert.pending_since_s,
        }
        self.episodes.append(alert.episode)

    def _resolve(self, alert: TrackedAlert, now: float, value: float) -> None:
        alert.state = INACTIVE
        self.events.emit("alert_resolved", alert.target, **self._detail(alert, value))
        if alert.episode is not None:
            alert.episode["resolved_at_s"] = now
            alert.episode = None

    def summary(self) -> list[dict[str, Any]]:
        """The fired episodes, by ``fired_at_s``, then name, then component (copies)."""
        return sorted((dict(ep) for ep in self.episodes),
                      key=lambda ep: (ep["fired_at_s"], ep["name"], ep["component"]))

    def states(self) -> dict[tuple[str, str], str]:
        """(rule name, target) -> state now (tests and live views)."""
        return {(a.rule.name, a.target): a.state for a in self.alerts}


def install_alerts(sim: Simulation) -> AlertEvaluator | None:
    """The run's alert evaluator, hooked on window closes; ``None`` when no rule applies.

    No rule (``"alerts": []``) or no target: no hook, so the run pays nothing.
    """
    rules = effective_alerts(sim.document)
    if not rules:
        return None
    evaluator = AlertEvaluator(rules, AlertTargets(sim.document), sim.events,
                               set(sim.stations), set(sim.links))
    if not evaluator.alerts:
        return None
    sim.add_window_hook(evaluator.window_closed)
    return evaluator
