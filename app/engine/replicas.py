"""Replicas of a station, and the time integral of how many of them are up.

A component's availability over a window is the time-averaged share of its
replicas that are up (0 while the whole component is down). Faults and
autoscaling change ``up`` flags and the replica list at any simulated
instant, so every such change first closes the integral at the old share:
:class:`Replica` and the station's ``up`` are properties, and
:class:`ReplicaList` is a list that reports its own changes. Nothing of this
runs per request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, SupportsIndex

if TYPE_CHECKING:
    from app.engine.station import Visit


class UpTime:
    """Integral over time of a share in [0, 1] that changes at discrete instants."""

    __slots__ = ("_area", "_clock", "_share", "_since", "_source")

    def __init__(self, clock: Callable[[], float], source: Callable[[], float]) -> None:
        self._clock = clock
        self._source = source
        self._area = 0.0
        self._since = clock()
        self._share = source()

    def changing(self) -> None:
        """Call before a change: the old share holds up to now."""
        now = self._clock()
        self._area += self._share * (now - self._since)
        self._since = now

    def changed(self) -> None:
        """Call after a change: the new share holds from now on."""
        self._share = self._source()

    @property
    def share(self) -> float:
        """The share now."""
        return self._share

    def area(self, now: float) -> float:
        """Integral of the share from the start to ``now`` (share x seconds)."""
        return self._area + self._share * (now - self._since)


class Replica:
    """One instance of a component: ``concurrency`` workers and a waiting room.

    ``up`` is a property so that a crash or a recovery is integrated into the
    owner's availability at the instant it happens; the hot path reads ``_up``.
    """

    __slots__ = ("_up", "busy", "capacity", "concurrency", "owner", "queue")

    def __init__(self, concurrency: int, capacity: int | None) -> None:
        self.concurrency = concurrency
        self.capacity = capacity
        self.busy = 0
        self.queue: deque[Visit] = deque()
        self._up = True
        #: The up-time integral of the station this replica belongs to (set by the list).
        self.owner: UpTime | None = None

    @property
    def up(self) -> bool:
        """False while this replica is crashed: it takes no requests."""
        return self._up

    @up.setter
    def up(self, value: bool) -> None:
        owner = self.owner
        if owner is not None:
            owner.changing()
        self._up = bool(value)
        if owner is not None:
            owner.changed()


def _reports(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a list mutator so the owner's integral is closed before and updated after."""

    def wrapper(self: ReplicaList, *args: Any) -> Any:
        self.uptime.changing()
        result = method(self, *args)
        for rep in self:
            rep.owner = self.uptime
        self.uptime.changed()
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class ReplicaList(list[Replica]):
    """A station's replicas; adding or removing one is integrated into availability.

    Mutated in place (``append``, ``pop``, ``remove``, slices...) or replaced
    (``station.replicas = [...]``, which wraps the new list in one of these).
    """

    uptime: UpTime

    def __init__(self, replicas: Iterable[Replica] = ()) -> None:
        super().__init__(replicas)

    def bind(self, uptime: UpTime) -> None:
        """Attach the owner's integral (once, when the station is built)."""
        self.uptime = uptime
        for rep in self:
            rep.owner = uptime

    append = _reports(list.append)
    extend = _reports(list.extend)
    insert = _reports(list.insert)
    remove = _reports(list.remove)
    clear = _reports(list.clear)
    __setitem__ = _reports(list.__setitem__)
    __delitem__ = _reports(list.__delitem__)

    def pop(self, index: SupportsIndex = -1) -> Replica:
        """Remove and return a replica (integrated into availability)."""
        self.uptime.changing()
        rep = super().pop(index)
        self.uptime.changed()
        return rep

    def __iadd__(self, other: Iterable[Replica]) -> ReplicaList:  # type: ignore[override,misc]
        self.extend(other)
        return self


def up_share(station_up: bool, replicas: list[Replica]) -> float:
    """Share of ``replicas`` that are up; 0 when the component is down or has none."""
    if not station_up or not replicas:
        return 0.0
    return sum(1 for rep in replicas if rep._up) / len(replicas)
