"""Replicas of a station, and the time integrals of how many are up and how many workers serve.

A component's availability over a window is the time-averaged share of its
replicas that are up (0 while none is). Its utilization is its busy
worker-seconds over the worker-seconds it had, both integrated over the
window: faults and autoscaling change the replicas at any simulated instant,
so a window's end says nothing about its middle. Every change goes through
the station (``crash_replica``, ``recover_replica``, ``add_replica``,
``retire_replica``), which closes both integrals at the old values first
(:meth:`Capacity.changing`) and opens them at the new ones. Nothing of this
runs per request.

A replica's life: provisioning (counted by autoscaling, serving nothing,
not in the availability share) -> serving (up or crashed) -> retiring (takes
no new work, finishes its queue and in-flight work, then is gone).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.engine.station import Visit


class Replica:
    """One instance of a component: ``concurrency`` workers and a waiting room.

    The hot path reads ``_up`` (False while crashed, provisioning or
    retiring: it takes no new request). ``inflight`` holds the visits that
    left the queue and have not replied yet, so a crash can fail them back to
    their callers at once; it is ``None`` on a replica that cannot crash (a
    run without failures, faults, chaos or live actions on its component),
    which then costs nothing per request.
    """

    __slots__ = ("_up", "busy", "capacity", "concurrency", "crashed", "inflight", "number",
                 "provisioning", "queue", "retiring")

    def __init__(self, concurrency: int, capacity: int | None, *,
                 provisioning: bool = False, tracked: bool = True, number: int = 0) -> None:
        self.concurrency = concurrency
        #: Stable id within its station: 0-based in creation order (events' ``replica``).
        self.number = number
        self.capacity = capacity
        self.busy = 0
        self.queue: deque[Visit] = deque()
        # A dict (insertion-ordered), not a set: a crash fails its visits back in
        # the order they arrived, so the same seed gives the same run.
        self.inflight: dict[Visit, None] | None = {} if tracked else None
        self.crashed = False
        self.provisioning = provisioning
        self.retiring = False
        self._up = not provisioning

    @property
    def up(self) -> bool:
        """True while the replica takes new requests."""
        return self._up

    @property
    def idle(self) -> bool:
        """True when nothing waits or runs here (a retiring replica may then go)."""
        inflight = self.inflight
        return not self.queue and (not inflight if inflight is not None else self.busy == 0)

    def refresh(self) -> None:
        """Recompute ``_up`` from the replica's state."""
        self._up = not (self.crashed or self.provisioning or self.retiring)


class Capacity:
    """Integrals over time of the availability share and of the workers serving.

    ``share`` is the fraction of serving replicas (not provisioning, not
    retiring) that are up; ``workers`` counts the workers of replicas that
    are not crashed, retiring ones included until they have drained.
    """

    __slots__ = ("_clock", "_share", "_since", "_source", "_workers", "share_area",
                 "worker_area")

    def __init__(self, clock: Callable[[], float],
                 source: Callable[[], tuple[float, int]]) -> None:
        self._clock = clock
        self._source = source
        self.share_area = 0.0
        self.worker_area = 0.0
        self._since = clock()
        self._share, self._workers = source()

    def changing(self) -> None:
        """Call before a change: the old values hold up to now."""
        now = self._clock()
        dt = now - self._since
        self.share_area += self._share * dt
        self.worker_area += self._workers * dt
        self._since = now

    def changed(self) -> None:
        """Call after a change: the new values hold from now on."""
        self._share, self._workers = self._source()

    @property
    def share(self) -> float:
        """The availability share now."""
        return self._share

    @property
    def workers(self) -> int:
        """Workers serving now."""
        return self._workers

    def area(self, now: float) -> float:
        """Integral of the share from the start to ``now`` (share x seconds)."""
        return self.share_area + self._share * (now - self._since)

    def workers_area(self, now: float) -> float:
        """Integral of the workers from the start to ``now`` (worker-seconds)."""
        return self.worker_area + self._workers * (now - self._since)

