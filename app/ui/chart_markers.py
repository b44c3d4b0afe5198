"""The run's events as vertical markers on the charts: a crash, a recovery, a breaker.

One :class:`pyqtgraph.VTickGroup` per colour and plot draws every marker of
that colour, so a run with thousands of events costs a few items, not one
per event; markers beyond :data:`MAX_EVENT_MARKERS` are only counted. Like
the curves, markers are collected as batches arrive and drawn on the charts'
redraw timer (:meth:`EventMarkers.flush`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pyqtgraph as pg

#: Event markers drawn per run; later events are only counted (10,000 crash events
#: would blur into a band and slow every redraw).
MAX_EVENT_MARKERS = 400
#: Marker colours by what an event means for the run.
MARKER_COLORS = {"fault": "#dc2626", "recovery": "#16a34a", "degraded": "#f59e0b",
                 "scaling": "#6366f1"}
_RECOVERY = frozenset({"recover", "live_recover", "breaker_closed", "breaker_close"})
_FAULT = frozenset({"crash", "zone_outage", "partition", "breaker_open", "live_refused"})
_DEGRADED = frozenset({"slowdown", "error_rate", "latency", "breaker_half_open"})


#: Alert state changes: the charts shade firing alerts instead (app/ui/alerts/spans.py),
#: and a rule going pending and back every few windows drew a forest of lines.
_NOT_MARKED_PREFIX = "alert_"


def marker_group(kind: str) -> str | None:
    """Which colour an event's marker has: a fault, a recovery, a degradation, scaling;
    ``None``: the event gets no marker (alert state changes)."""
    if kind.startswith(_NOT_MARKED_PREFIX):
        return None
    if kind in _RECOVERY or kind.endswith("_end"):
        return "recovery"
    if kind in _FAULT:
        return "fault"
    if kind in _DEGRADED:
        return "degraded"
    return "scaling"


class EventMarkers:
    """Vertical markers at event times on a set of plots, coloured by :func:`marker_group`."""

    def __init__(self, plots: Iterable[pg.PlotItem], *,
                 colors: Mapping[str, str] = MARKER_COLORS,
                 classify: Callable[[str], str | None] = marker_group) -> None:
        """``colors``: group -> colour; ``classify``: a kind -> its group (the run's
        events by default; the Analysis dock marks anomalies with its own)."""
        self._classify = classify
        self._times: dict[str, list[float]] = {group: [] for group in colors}
        self._marked: set[tuple[str, float]] = set()
        self._dirty = False
        #: Events not marked because :data:`MAX_EVENT_MARKERS` were already drawn.
        self.dropped = 0
        self._ticks: list[tuple[str, pg.VTickGroup]] = []
        for plot in plots:
            for group, color in colors.items():
                ticks = pg.VTickGroup(yrange=(0.0, 1.0), pen=pg.mkPen(color, width=1.5))
                ticks.setOpacity(0.7)
                ticks.setZValue(-5)  # behind the curves
                ticks.setVisible(False)  # until it has a marker (see flush)
                plot.addItem(ticks, ignoreBounds=True)
                self._ticks.append((group, ticks))

    def add(self, kind: str, time_s: float) -> None:
        """Mark an event (one marker per colour and instant: a zone's crashes are one line)."""
        group = self._classify(kind)
        if group is None:
            return
        key = (group, round(time_s, 3))
        if key in self._marked:
            return
        if len(self._marked) >= MAX_EVENT_MARKERS:
            self.dropped += 1
            return
        self._marked.add(key)
        self._times[key[0]].append(time_s)
        self._dirty = True

    def clear(self) -> None:
        """Forget every marker (a new run); drawn at the next :meth:`flush`."""
        for times in self._times.values():
            times.clear()
        self._marked.clear()
        self.dropped = 0
        self._dirty = True

    def flush(self) -> None:
        """Draw the markers added since the last flush (the redraw timer calls this)."""
        if not self._dirty:
            return
        self._dirty = False
        for group, ticks in self._ticks:
            times = self._times[group]
            ticks.setXVals(list(times))
            # An empty group is hidden, not painted: 20 groups on the overview were
            # repainted with every frame of a run, most of them without a marker (#14).
            ticks.setVisible(bool(times))

    @property
    def count(self) -> int:
        """Markers on each plot."""
        return len(self._marked)

    def times(self, group: str) -> list[float]:
        """Times of the markers of one colour (``fault``, ``recovery``, ...)."""
        return list(self._times[group])
