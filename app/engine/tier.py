"""A station's replicas as a tier: crash, repair, add, make ready, retire, drain.

Every change keeps the station's invariants: a crash fails the replica's
queued and in-flight visits back to their callers at once (in arrival
order); running counts (serving, up, workers) change by one per change, so
crashing or adding N replicas costs O(N); the time integrals of the
availability share and of the workers are closed at the old values first
(:class:`~app.engine.replicas.Capacity`). Nothing here runs per request.
:class:`~app.engine.station.Station` inherits it; the attributes declared
below are the station's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import simpy

from app.engine.replicas import Capacity, Replica
from app.engine.scheduling import FAILED
from app.model.resolve import ResolvedComponent

if TYPE_CHECKING:
    from app.engine.station import Station
    from app.engine.visit import Visit


class ReplicaTier:
    """The replica half of a :class:`~app.engine.station.Station`.

    No ``__slots__`` here: a station keeps a ``__dict__`` (features install
    per-instance methods, such as a rate limit's ``arrive``) and a weak
    reference, and its hot fields in its own slots.
    """

    env: simpy.Environment
    id: str
    resolved: ResolvedComponent
    tracked: bool
    integrals: Capacity
    _replicas: list[Replica]
    _draining: dict[Replica, None]
    _numbers: int
    _n_serving: int
    _n_up: int
    _workers_up: int
    _workers_draining: int
    _only: Replica | None
    replicas_min: int
    replicas_max: int
    replica_hooks: list[Callable[[Station, Replica, str], None]]
    queued: int
    queued_s: float
    serving: int
    serving_s: float
    busy: int
    busy_s: float
    insys: int
    insys_s: float
    failed: int

    def send_reply(self, visit: Visit, status: int) -> None:
        """Reply to ``visit``'s caller (the station's reply loop)."""
        raise NotImplementedError


    @property
    def replicas(self) -> list[Replica]:
        """The tier's replicas (provisioning, up or crashed; not the retiring ones).

        Read-only: change them with the methods below, which keep the integrals.
        """
        return self._replicas

    @property
    def retiring(self) -> list[Replica]:
        """Replicas removed from the tier that still finish the work they hold."""
        return list(self._draining)

    @property
    def up(self) -> bool:
        """True while at least one replica takes requests."""
        return self._n_up > 0

    @property
    def up_count(self) -> int:
        """Replicas that take new requests now (serving and not crashed)."""
        return self._n_up

    @property
    def serving_count(self) -> int:
        """Replicas of the tier that are not provisioning (up or crashed)."""
        return self._n_serving

    @property
    def workers(self) -> int:
        """Workers of the replicas that take new requests now."""
        return self._workers_up

    def _capacity_now(self) -> tuple[float, int]:
        """(availability share, workers): the share is 0 while no replica is serving."""
        n = self._n_serving
        share = self._n_up / n if n else 0.0
        return share, self._workers_up + self._workers_draining

    def _changed(self) -> None:
        """After a change of the replicas: new integrand, new shortcut, new extremes."""
        self.integrals.changed()
        replicas = self._replicas
        self._only = replicas[0] if len(replicas) == 1 else None
        serving = self._n_serving
        self.replicas_min = min(self.replicas_min, serving)
        self.replicas_max = max(self.replicas_max, serving)

    def _in_tier(self, rep: Replica) -> bool:
        # Every replica of a station is in its tier until it retires (no list scan).
        return not rep.retiring

    def _notify(self, rep: Replica, what: str) -> None:
        for hook in self.replica_hooks:
            hook(self, rep, what)  # type: ignore[arg-type]  # self is a Station

    def crash_replica(self, rep: Replica) -> int:
        """Crash ``rep`` now: its queued and in-flight requests fail back to their callers.

        Returns how many requests failed. A crashed replica takes nothing until
        :meth:`recover_replica`. Crashing a crashed replica does nothing.
        """
        if rep.crashed:
            return 0
        if rep.inflight is None:
            raise RuntimeError(f"{self.id}: this run was built without crashes of "
                               "this component (Simulation(live=True) allows them)")
        now = self.env._now
        self.integrals.changing()
        if rep._up:  # serving and up until now
            self._n_up -= 1
            self._workers_up -= rep.concurrency
        rep.crashed = True
        rep.refresh()
        victims = list(rep.queue)
        n_queued = len(victims)
        self.queued -= n_queued
        self.queued_s -= n_queued * now
        for visit in rep.inflight:
            if visit.t_done < 0.0:  # still in service
                self.serving -= 1
                self.serving_s -= now
            victims.append(visit)
        self.busy -= rep.busy
        self.busy_s -= rep.busy * now
        rep.busy = 0
        rep.queue.clear()
        rep.inflight.clear()
        self.insys -= len(victims)
        self.insys_s -= len(victims) * now
        self.failed += len(victims)
        if rep in self._draining:  # it had work to drain; now it has none
            del self._draining[rep]
            self._workers_draining -= rep.concurrency
        self._changed()
        for visit in victims:
            visit.dead = True
            self.send_reply(visit, FAILED)
        return len(victims)

    def recover_replica(self, rep: Replica) -> None:
        """Repair a crashed replica: it takes requests again, with an empty queue."""
        if not rep.crashed:
            return
        self.integrals.changing()
        rep.crashed = False
        rep.refresh()
        if rep._up:
            self._n_up += 1
            self._workers_up += rep.concurrency
        self._changed()

    def add_replica(self, *, provisioning: bool = False) -> Replica:
        """A new replica at the end of the tier; ``provisioning`` ones serve after :meth:`ready`."""
        rc = self.resolved
        rep = Replica(rc.concurrency, rc.queue_capacity, provisioning=provisioning,
                      tracked=self.tracked, number=self._numbers)
        self._numbers += 1
        self.integrals.changing()
        self._replicas.append(rep)
        if not provisioning:
            self._n_serving += 1
            self._n_up += 1
            self._workers_up += rep.concurrency
        self._changed()
        return rep

    def ready(self, rep: Replica) -> None:
        """A provisioning replica starts serving."""
        if not rep.provisioning or not self._in_tier(rep):
            return
        self.integrals.changing()
        rep.provisioning = False
        rep.refresh()
        self._n_serving += 1
        if rep._up:
            self._n_up += 1
            self._workers_up += rep.concurrency
        self._changed()
        self._notify(rep, "ready")

    def retire_replica(self, rep: Replica) -> None:
        """Remove ``rep`` from the tier: it takes no new work and drains what it holds."""
        self.retire_replicas((rep,))

    def retire_replicas(self, reps: Iterable[Replica]) -> None:
        """Retire several replicas at once, in one pass over the tier (see :meth:`retire_replica`).

        ``replica_hooks`` hear ``"retired"`` for each, in the order given.
        """
        gone = [rep for rep in dict.fromkeys(reps) if self._in_tier(rep)]
        if not gone:
            return
        self.integrals.changing()
        for rep in gone:
            if not rep.provisioning:
                self._n_serving -= 1
            if rep._up:
                self._n_up -= 1
                self._workers_up -= rep.concurrency
            rep.retiring = True
            rep.refresh()
            if not (rep.idle or rep.crashed):
                self._draining[rep] = None
                self._workers_draining += rep.concurrency
        if len(gone) == 1:
            self._replicas.remove(gone[0])
        else:
            self._replicas[:] = [r for r in self._replicas if not r.retiring]
        self._changed()
        for rep in gone:
            self._notify(rep, "retired")

    def _retired(self, rep: Replica) -> None:
        """A retiring replica has drained: its workers are gone (once)."""
        if rep not in self._draining:
            return
        self.integrals.changing()
        del self._draining[rep]
        self._workers_draining -= rep.concurrency
        self.integrals.changed()
