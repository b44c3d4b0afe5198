"""The alerts of one run as the GUI knows them: built from the run's alert events.

The engine's evaluator (:mod:`app.engine.alerts`) emits ``alert_pending``,
``alert_firing``, ``alert_resolved`` and ``alert_inactive`` events; they reach
the GUI in snapshots like every other event. :class:`AlertBoard` replays them
into one :class:`AlertEntry` per episode (an alert from pending to resolved),
and at the run's end takes the summary's ``alerts`` as the final word (exact
peaks, and episodes the capped event log did not carry).

No Qt here: the table model, the canvas badges and the chart spans all read
the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from app.engine.events import RunEvent
from app.model.alerts import SEVERITIES

PENDING: Final = "pending"
FIRING: Final = "firing"
RESOLVED: Final = "resolved"
#: Event kinds the board reads (the others are the Events dock's alone).
ALERT_KINDS: Final = frozenset({"alert_pending", "alert_firing", "alert_resolved",
                                "alert_inactive"})
#: (name, target, metric, op, threshold, severity): one alert (a rule on a target).
AlertKey = tuple[str, str, str, str, "float | None", str]
#: Rows sort firing first, then pending, then resolved.
_STATE_RANK: Final = {FIRING: 0, PENDING: 1, RESOLVED: 2}


def severity_rank(severity: str) -> int:
    """0 for info ... 3 for critical (-1 for an unknown word)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


@dataclass(slots=True)
class AlertEntry:
    """One episode of one alert (one rule on one target)."""

    name: str
    target: str
    severity: str
    metric: str
    op: str
    threshold: float | None
    state: str
    #: When its condition first held (pending from here); ``None`` if not known.
    since_s: float | None
    fired_at_s: float | None = None
    resolved_at_s: float | None = None
    peak: float | None = None

    def sort_key(self) -> tuple[int, int, float, str, str]:
        """Firing, pending, resolved; the most severe first; then the oldest."""
        when = self.fired_at_s if self.fired_at_s is not None else self.since_s
        return (_STATE_RANK.get(self.state, 3), -severity_rank(self.severity),
                when if when is not None else 0.0, self.name, self.target)

    @property
    def key(self) -> AlertKey:
        """Which alert this is an episode of (see :func:`_key`)."""
        return (self.name, self.target, self.metric, self.op, self.threshold, self.severity)

    @property
    def condition(self) -> str:
        """``utilization > 0.85``."""
        threshold = "?" if self.threshold is None else f"{self.threshold:g}"
        return f"{self.metric} {self.op} {threshold}"


def _key(name: str, target: str, rule: Mapping[str, Any]) -> AlertKey:
    """Which alert an event or summary entry is about.

    Two rules may share a name (a warning and a critical level of one metric):
    events do not carry the rule's position, so the rule's fields tell them apart.
    """
    return (name, target, str(rule.get("metric", "")), str(rule.get("op", "")),
            _float(rule.get("threshold")), str(rule.get("severity", "")))


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


class AlertBoard:
    """Every alert episode of one run, fed with events in order."""

    def __init__(self) -> None:
        self.entries: list[AlertEntry] = []
        #: The open episode (pending or firing) of each alert (see :func:`_key`).
        self._open: dict[AlertKey, AlertEntry] = {}

    def clear(self) -> None:
        """No alerts (a new run, or a replaced design)."""
        self.entries = []
        self._open = {}

    def feed(self, events: Iterable[RunEvent]) -> bool:
        """Apply alert events (others are skipped); whether anything changed."""
        changed = False
        for event in events:
            if event.kind in ALERT_KINDS:
                self._apply(event)
                changed = True
        return changed

    def _apply(self, event: RunEvent) -> None:
        detail = event.detail
        key = _key(str(detail.get("name", "")), event.target, detail)
        entry = self._open.get(key)
        peak = _float(detail.get("peak"))
        if event.kind == "alert_inactive":
            # A pending alert whose condition cleared before for_s: it never was an alert.
            if entry is not None and entry.state == PENDING:
                del self._open[key]
                self.entries.remove(entry)
            return
        if entry is None:
            if event.kind == "alert_resolved":
                return  # its start was not seen (cannot happen with ordered events)
            entry = AlertEntry(key[0], event.target, str(detail.get("severity", "")),
                               str(detail.get("metric", "")), str(detail.get("op", "")),
                               _float(detail.get("threshold")), PENDING, event.time_s)
            self._open[key] = entry
            self.entries.append(entry)
        entry.peak = peak if peak is not None else entry.peak
        if event.kind == "alert_firing":
            entry.state = FIRING
            entry.fired_at_s = event.time_s
        elif event.kind == "alert_resolved":
            entry.state = RESOLVED
            entry.resolved_at_s = event.time_s
            del self._open[key]

    def finish(self, summary: Mapping[str, Any] | None) -> None:
        """Take the summary's ``alerts`` as the fired episodes (the run's final word).

        Pending alerts still open at the end are kept: the summary lists only
        alerts that fired.
        """
        episodes = (summary or {}).get("alerts")
        if not isinstance(episodes, list):
            return
        fired: list[AlertEntry] = []
        for ep in episodes:
            if not isinstance(ep, Mapping):
                continue
            resolved = _float(ep.get("resolved_at_s"))
            fired.append(AlertEntry(
                str(ep.get("name", "")), str(ep.get("component", "")),
                str(ep.get("severity", "")), str(ep.get("metric", "")), str(ep.get("op", "")),
                _float(ep.get("threshold")), FIRING if resolved is None else RESOLVED,
                _float(ep.get("pending_since_s")), _float(ep.get("fired_at_s")), resolved,
                _float(ep.get("peak"))))
        pending = [e for e in self._open.values() if e.state == PENDING]
        self.entries = fired + pending
        self._open = {e.key: e for e in pending}
        self._open.update({e.key: e for e in fired if e.state == FIRING})

    def sorted_entries(self) -> list[AlertEntry]:
        """The episodes as the dock lists them (see :meth:`AlertEntry.sort_key`)."""
        return sorted(self.entries, key=AlertEntry.sort_key)

    def firing(self) -> list[AlertEntry]:
        """The alerts firing now."""
        return [e for e in self.entries if e.state == FIRING]

    def firing_by_target(self) -> dict[str, list[AlertEntry]]:
        """Target -> its firing alerts, the most severe first (the canvas badges)."""
        out: dict[str, list[AlertEntry]] = {}
        for entry in sorted(self.firing(), key=AlertEntry.sort_key):
            out.setdefault(entry.target, []).append(entry)
        return out

    def spans(self, now_s: float) -> list[tuple[float, float]]:
        """Firing periods as ``(fired, resolved or now)``, merged where they overlap."""
        raw = sorted((e.fired_at_s, e.resolved_at_s if e.resolved_at_s is not None else now_s)
                     for e in self.entries if e.fired_at_s is not None)
        merged: list[tuple[float, float]] = []
        for start, stop in raw:
            end = max(start, stop)
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged
