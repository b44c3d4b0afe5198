"""Immutable metric snapshots: what the engine hands to the GUI and the writers.

A snapshot is built once at the end of a window and never changed, so it can
cross threads safely (a Qt signal hands over the same object).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from app.engine.events import RunEvent

END_TO_END = "end_to_end"


class WindowMetrics(NamedTuple):
    """One component's (or the end-to-end) figures over one window.

    Counts are of events in the window (window-based, see docs/model.md).
    Latencies are in milliseconds; for a component they are its own queueing
    plus service time, end to end they are measured at the clients. A window
    in which nothing completed has no latency: the latency fields are
    ``None``, never 0. ``utilization`` and ``memory_utilization`` are
    fractions in [0, 1]; ``queue_length``, ``in_flight`` and ``backlog`` are
    time averages over the window.

    ``availability``: for a component, the time-averaged share of its
    replicas that were up (0 while the component is down); end to end,
    completed / (completed + failed), ``None`` when no request ended.
    ``dropped`` and ``backlog`` are a message broker's lost messages and its
    messages waiting for a consumer (0 elsewhere). ``async_failed`` (end to
    end only) counts requests whose async work failed downstream; it is in
    the end-to-end ``error_rate``. ``throttled`` counts requests a
    component's rate limit refused (also in ``rejected``). ``replicas`` and
    ``replicas_up`` are the component's serving replicas at the window's end
    and how many of them took requests (0 end to end).

    A named tuple rather than a frozen dataclass: a window closes one of
    these per busy component and link, and a frozen dataclass's constructor
    (one ``object.__setattr__`` per field) cost 3.3 µs against 0.4 µs, its
    ``astuple`` for the pipe 28 µs against 0.2 µs (docs/benchmarks.md, "#14
    engine", per-window work). Immutable either way.
    """

    arrivals: int = 0
    completed: int = 0
    rejected: int = 0
    timed_out: int = 0
    failed: int = 0
    throughput_rps: float = 0.0
    error_rate: float = 0.0
    latency_mean_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p90_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_max_ms: float | None = None
    utilization: float = 0.0
    memory_utilization: float = 0.0
    queue_length: float = 0.0
    in_flight: float = 0.0
    availability: float | None = 1.0
    dropped: int = 0
    backlog: float = 0.0
    async_failed: int = 0
    throttled: int = 0
    replicas: int = 0
    replicas_up: int = 0

    @property
    def waiting(self) -> float:
        """Requests waiting at the component (time average): its replicas' queues plus,
        for a message queue, the backlog of messages held for consumers. What the
        GUI shows as a component's queue, so a broker's backlog is visible."""
        return self.queue_length + self.backlog

    def as_dict(self) -> dict[str, float | None]:
        """Metric name -> value, in field order (the CSV's metric names); ``None`` stays."""
        return {name: None if value is None else float(value)
                for name, value in zip(self._fields, self, strict=True)}


METRIC_NAMES: tuple[str, ...] = WindowMetrics._fields


class LinkMetrics(NamedTuple):
    """One link's figures over one window, as its caller saw them.

    ``calls`` are attempts sent (retries included, ``retried`` of them
    retries); ``failed`` attempts that did not succeed (``timed_out`` among
    them); ``short_circuited`` calls an open breaker refused without sending.
    Latencies (ms) are the round trips of successful attempts; ``None`` when
    none succeeded. ``breaker`` is the circuit breaker's state at the
    window's end (``None`` without one); ``partitioned`` whether the link
    was cut then. A named tuple for the reasons :class:`WindowMetrics` gives.
    """

    calls: int = 0
    failed: int = 0
    timed_out: int = 0
    retried: int = 0
    short_circuited: int = 0
    calls_rps: float = 0.0
    latency_mean_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p90_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_max_ms: float | None = None
    breaker: str | None = None
    partitioned: bool = False


LINK_METRIC_NAMES: tuple[str, ...] = LinkMetrics._fields

#: A snapshot as plain tuples, for a pipe to another process (a Snapshot's
#: read-only mapping does not pickle): time, window, progress, end to end,
#: components, warming up, links, events.
WireSnapshot = tuple[float, float, float, tuple[Any, ...], dict[str, tuple[Any, ...]], bool,
                     dict[str, tuple[Any, ...]], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """All metrics of one window: ``time_s`` is the window's end (simulated seconds).

    ``warming_up`` is True for a window that ends by the end of the warm-up:
    its figures are live measurements but not part of the summary. ``links``
    maps ``"source->target"`` to the link's figures; ``events`` are the
    run's state changes during the window (faults, recoveries, breakers,
    scaling, live actions), in order.
    """

    time_s: float
    window_s: float
    progress: float
    end_to_end: WindowMetrics
    components: Mapping[str, WindowMetrics]
    warming_up: bool = False
    links: Mapping[str, LinkMetrics] = field(
        default_factory=lambda: MappingProxyType({}))
    events: tuple[RunEvent, ...] = ()

    @staticmethod
    def build(
        time_s: float,
        window_s: float,
        progress: float,
        end_to_end: WindowMetrics,
        components: dict[str, WindowMetrics],
        *,
        warming_up: bool = False,
        links: dict[str, LinkMetrics] | None = None,
        events: tuple[RunEvent, ...] = (),
    ) -> Snapshot:
        """Freeze the per-component dict so no one can change it afterwards."""
        return Snapshot(
            time_s, window_s, progress, end_to_end, MappingProxyType(dict(components)),
            warming_up, MappingProxyType(dict(links or {})), tuple(events),
        )

    def to_wire(self) -> WireSnapshot:
        """Flatten for a pipe; :meth:`from_wire` rebuilds an equal snapshot."""
        return (
            self.time_s,
            self.window_s,
            self.progress,
            tuple(self.end_to_end),
            {cid: tuple(m) for cid, m in self.components.items()},
            self.warming_up,
            {key: tuple(m) for key, m in self.links.items()},
            tuple(e.to_wire() for e in self.events),
        )

    @staticmethod
    def from_wire(wire: WireSnapshot) -> Snapshot:
        """Rebuild the immutable snapshot that :meth:`to_wire` flattened."""
        time_s, window_s, progress, e2e, comps, warming_up, links, events = wire
        return Snapshot.build(
            time_s, window_s, progress, WindowMetrics(*e2e),
            {cid: WindowMetrics(*values) for cid, values in comps.items()},
            warming_up=warming_up,
            links={key: LinkMetrics(*values) for key, values in links.items()},
            events=tuple(RunEvent.from_wire(e) for e in events),
        )
