"""The run's event log: faults, recoveries, breaker and scaling changes, live actions.

Everything that changes a run's state (as opposed to its traffic) is an
event ``{time_s, kind, target, ...}``: a crash, a repair, a breaker opening,
a replica added, a user's live action. Events go into the window's snapshot
(markers on the charts) and into ``summary.json`` ``events``. A run can
produce events without bound (chaos on thousands of replicas), so the log
keeps the first :data:`EVENT_CAP` and counts the rest in ``dropped``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Events kept per run; later ones are only counted.
EVENT_CAP = 10_000

#: Detail values an event may carry (JSON scalars, so snapshots pickle and summaries dump).
Detail = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One state change of a run at simulated time ``time_s``.

    ``kind`` says what happened (``crash``, ``recover``, ``breaker_open``,
    ``scale_up``...), ``target`` to what (a component id, a link
    ``"a->b"``, a zone); ``detail`` holds the rest (``replica``,
    ``source`` = ``"failure"``/``"chaos"``/``"fault"``/``"live"``, sizes).
    """

    time_s: float
    kind: str
    target: str
    detail: Mapping[str, Detail] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, Any]:
        """``{time_s, kind, target, **detail}``: the summary's and the CSV's form."""
        return {"time_s": self.time_s, "kind": self.kind, "target": self.target,
                **self.detail}

    def to_wire(self) -> tuple[float, str, str, tuple[tuple[str, Detail], ...]]:
        """Plain tuples for a pipe (a read-only mapping does not pickle)."""
        return (self.time_s, self.kind, self.target, tuple(self.detail.items()))

    @staticmethod
    def from_wire(wire: tuple[float, str, str, tuple[tuple[str, Detail], ...]]) -> RunEvent:
        """Rebuild what :meth:`to_wire` flattened."""
        time_s, kind, target, detail = wire
        return RunEvent(time_s, kind, target, MappingProxyType(dict(detail)))


class EventLog:
    """The events of one run, and those of the window in progress.

    Args:
        clock: Simulated time now.
        cap: Events kept; the rest only count in :attr:`dropped`.
    """

    def __init__(self, clock: Callable[[], float], cap: int = EVENT_CAP) -> None:
        self._clock = clock
        self._cap = cap
        self.events: list[RunEvent] = []
        self.dropped = 0
        self._window: list[RunEvent] = []
        self._listeners: list[Callable[[RunEvent], None]] = []

    def now(self) -> float:
        """Simulated time now (the run's clock)."""
        return self._clock()

    def emit(self, kind: str, target: str, **detail: Detail) -> None:
        """Record that ``kind`` happened to ``target`` now."""
        if len(self.events) >= self._cap:
            self.dropped += 1
            return
        event = RunEvent(self._clock(), kind, target, MappingProxyType(detail))
        self.events.append(event)
        self._window.append(event)
        for listener in self._listeners:
            listener(event)

    def listen(self, listener: Callable[[RunEvent], None]) -> None:
        """Call ``listener`` with every event kept from now on (statistics, tests)."""
        self._listeners.append(listener)

    def take_window(self) -> tuple[RunEvent, ...]:
        """The events since the last call (the window's), in order."""
        out = tuple(self._window)
        self._window.clear()
        return out
