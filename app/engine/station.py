"""A component during a run: replicas with FIFO queues and workers, and a visit's life.

A request arriving at a station picks a replica (round robin over the
replicas that are up), takes a free worker or waits in that replica's FIFO
queue (rejected when the queue is full), holds the worker for its service
time, then makes its downstream calls and replies to its caller. A blocking
station keeps the worker until the downstream calls return; a non-blocking
one frees it as soon as its own service ends.

State that faults and autoscaling change mid-run lives here, behind methods
that keep it consistent: a crash fails a replica's queued and in-flight
requests back to their callers at once; replicas are added (after
provisioning) and retired (after draining); availability and worker-seconds
are integrated over time (:mod:`app.engine.replicas`).

Replies never unwind by recursion: on zero-latency links a reply reaches the
caller's station in the same instant, which replies to its own caller, and so
on up the chain. Each station's reply goes through the run's shared
:class:`ReplyLoop`, which runs nested replies one after the other in a loop,
so a chain of 20,000 components needs no deeper stack than a chain of two.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

import simpy

from app.engine.distributions import BlockSampler
from app.engine.links import LinkRuntime
from app.engine.replicas import Capacity, Replica
from app.engine.routing import Router
from app.engine.scheduling import FAILED, OK, REJECTED, AsyncLedger, Reply, Wake
from app.engine.visit import Visit
from app.model.resolve import ResolvedComponent

__all__ = ["Node", "Replica", "ReplyLoop", "Request", "Station", "Visit"]


class Request:
    """One end-to-end request: when a client created it, and its routing key.

    ``async_failed`` is set once async work done on its behalf has failed
    downstream, so the end-to-end figures count each request once.
    """

    __slots__ = ("async_failed", "key", "t0")

    def __init__(self, t0: float, key: int) -> None:
        self.t0 = t0
        self.key = key
        self.async_failed = False


class ReplyLoop:
    """Replies waiting to run, shared by the stations of a run (see :meth:`Station.reply`).

    The first reply of an instant runs the loop; a reply made while the loop
    is running is queued and runs when the current one returns. Every reply
    is the last thing its caller does (a tail call), so the order of events is
    exactly that of direct calls, without the stack depth.
    """

    __slots__ = ("active", "pending")

    def __init__(self) -> None:
        self.active = False
        self.pending: deque[Visit] = deque()


class Node:
    """What a visit needs from the component it is at: its outgoing calls."""

    env: simpy.Environment
    calls: list[LinkRuntime]
    router: Router | None
    caching: bool
    hit_ratio: float
    parallel: bool
    coin: BlockSampler

    def add_link(self, link: LinkRuntime) -> None:
        """Attach an outgoing link (while the run is built)."""
        link.position = len(self.calls)
        self.calls.append(link)

    def visit_finished(self, visit: Visit, status: int) -> None:
        """The visit's downstream work is over; account for it and reply."""
        raise NotImplementedError


class Station(Node):
    """A serving component (everything but clients).

    Run-time state that faults and autoscaling change goes through methods
    that keep the integrals and invariants right: :meth:`crash_replica` fails
    the replica's queue and in-flight work back to their callers at once and
    takes nothing until :meth:`recover_replica`; :meth:`add_replica` and
    :meth:`retire_replica` grow and shrink the tier (a retiring replica takes
    no new work and drains what it holds). ``slowdown`` and ``error_rate``
    may be changed at any instant.
    """

    def __init__(
        self,
        env: simpy.Environment,
        rc: ResolvedComponent,
        service: BlockSampler,
        coin: BlockSampler,
        *,
        replies: ReplyLoop | None = None,
        ledger: AsyncLedger | None = None,
        tracked: bool = True,
    ) -> None:
        self.env = env
        #: Whether replicas keep their in-flight visits, which a crash needs
        #: (see :class:`Replica`); a run decides it per station when it is built.
        self.tracked = tracked
        #: Shared by all stations of a run, so a chain of replies unwinds in one loop.
        self.replies = replies if replies is not None else ReplyLoop()
        #: Shared by all stations of a run: async work that failed, end to end.
        self.ledger = ledger if ledger is not None else AsyncLedger()
        self.id = rc.id
        self.resolved = rc
        self.blocking = rc.blocking
        self.caching = rc.type.caching
        self.hit_ratio = rc.hit_ratio
        self.parallel = rc.fanout == "parallel"
        self.payload_kb = rc.payload_kb
        self.service = service
        self.coin = coin
        self.calls: list[LinkRuntime] = []
        self.router: Router | None = None
        self._replicas: list[Replica] = [
            Replica(rc.concurrency, rc.queue_capacity, tracked=tracked, number=i)
            for i in range(rc.replicas)
        ]
        #: The next replica's ``number`` (0-based in creation order, never reused).
        self._numbers = rc.replicas
        #: Retiring replicas that still hold work (a dict: O(1) removal when one drains).
        self._draining: dict[Replica, None] = {}
        # Running counts kept by every change of the replicas (+-1 per change, never a
        # rescan, so crashing or adding N replicas costs O(N)): serving replicas (not
        # provisioning), those of them up, their workers, and the draining ones' workers.
        self._n_serving = self._n_up = rc.replicas
        self._workers_up = sum(r.concurrency for r in self._replicas)
        self._workers_draining = 0
        #: ``fn(station, replica, what)`` after a replica becomes ready (``"ready"``) or
        #: leaves the tier (``"retired"``): the fault board and failure statistics
        #: forget a crashed replica that was retired. Not called per request.
        self.replica_hooks: list[Callable[[Station, Replica, str], None]] = []
        #: The replica when there is exactly one (kept by every change of the list):
        #: arrivals skip the round robin.
        self._only: Replica | None = None
        #: Time integrals of the availability share and of the workers serving.
        self.integrals = Capacity(lambda: float(env._now), self._capacity_now)
        self._only = self._replicas[0] if len(self._replicas) == 1 else None
        #: Fewest and most serving replicas so far (``summary.json`` ``replicas``).
        self.replicas_min = self.replicas_max = len(self._replicas)
        self._rr = 0
        #: Mutable by faults: multiplies every service time.
        self.slowdown = 1.0
        #: Probability that a request fails here after its service (the
        #: component's ``error_rate``; faults may raise it for a while).
        self.error_rate = 0.0
        #: Draws for ``error_rate`` (from the run's ``<id>/errors`` stream), set by the run.
        self.error_coin: BlockSampler | None = None
        # Counters since the start (windows and the summary take differences).
        self.arrivals = 0
        self.rejected = 0
        self.failed = 0
        self.timed_out = 0
        self.completed = 0
        self.throttled = 0
        # Current counts, each with a running "sum" that gives its time
        # integral for free: on +1 at time t the sum gains t, on -1 it loses t,
        # so integral(0..t) = count * t - sum (see :meth:`area`). This costs two
        # additions per change instead of integrating every count at every event.
        self.queued = 0
        self.queued_s = 0.0
        self.serving = 0
        self.serving_s = 0.0
        self.busy = 0
        self.busy_s = 0.0
        self.insys = 0
        self.insys_s = 0.0
        # This window's successful latencies (s) and their arrival times.
        self.lat: list[float] = []
        self.lat_start: list[float] = []

    # -- replicas -------------------------------------------------------------------

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
            hook(self, rep, what)

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

    def areas(self, now: float) -> dict[str, float]:
        """Time integrals since the start of each count, up to ``now``."""
        cap = self.integrals
        return {
            "queued_area": self.queued * now - self.queued_s,
            "serving_area": self.serving * now - self.serving_s,
            "busy_area": self.busy * now - self.busy_s,
            "insys_area": self.insys * now - self.insys_s,
            "up_area": cap.area(now),
            "workers_area": cap.workers_area(now),
        }

    # -- requests -------------------------------------------------------------------

    def _pick(self) -> Replica | None:
        replicas = self._replicas
        n = len(replicas)
        for _ in range(n):
            i = self._rr % n  # the list may have shrunk since the last pick
            rep = replicas[i]
            self._rr = i + 1
            if rep._up:
                return rep
        return None

    def arrive(self, req: Request, reply: Reply) -> None:
        """A request arrives: serve it, queue it, or refuse it."""
        self.arrivals += 1
        rep = self._only
        if rep is None or not rep._up:
            rep = self._pick()
            if rep is None:
                self.failed += 1
                reply(FAILED)
                return
        now = self.env._now  # the .now property costs a call per event
        if rep.busy < rep.concurrency:
            rep.busy += 1
            self.busy += 1
            self.busy_s += now
            self.serving += 1
            self.serving_s += now
            self.insys += 1
            self.insys_s += now
            visit = Visit(self, rep, req, reply, now)
            inflight = rep.inflight
            if inflight is not None:
                inflight[visit] = None
            Wake(self.env, self.service() * self.slowdown, visit.service_done)
        elif rep.capacity is None or len(rep.queue) < rep.capacity:
            self.queued += 1
            self.queued_s += now
            self.insys += 1
            self.insys_s += now
            rep.queue.append(Visit(self, rep, req, reply, now))
        else:
            self.rejected += 1
            reply(REJECTED)

    def release(self, rep: Replica, now: float) -> None:
        """A worker of ``rep`` is free: give it to the next waiting visit."""
        if rep.queue:
            visit = rep.queue.popleft()
            self.queued -= 1
            self.queued_s -= now
            self.serving += 1
            self.serving_s += now
            inflight = rep.inflight
            if inflight is not None:
                inflight[visit] = None
            Wake(self.env, self.service() * self.slowdown, visit.service_done)
        else:
            rep.busy -= 1
            self.busy -= 1
            self.busy_s -= now

    def visit_finished(self, visit: Visit, status: int) -> None:
        if visit.dead:  # a crash already failed it back to its caller
            return
        now = self.env._now
        rep: Replica = visit.rep  # type: ignore[assignment]
        if self.blocking:
            self.release(rep, now)
        inflight = rep.inflight
        if inflight is not None:  # only tracked replicas can crash or retire
            del inflight[visit]
            if rep.retiring and rep.idle:
                self._retired(rep)
        self.insys -= 1
        self.insys_s -= now
        if status == OK:
            self.completed += 1
            self.lat.append(visit.t_done - visit.t_arr)
            self.lat_start.append(visit.t_arr)
        else:
            self.failed += 1
        # Reply through the run's ReplyLoop (send_reply, inlined: this runs once per hop).
        loop = self.replies
        if loop.active:  # a reply is running further up the stack: queue this one
            visit.status = status
            loop.pending.append(visit)
            return
        loop.active = True
        try:
            visit.reply(status)
            pending = loop.pending
            while pending:
                nxt = pending.popleft()
                nxt.reply(nxt.status)
        except BaseException:
            loop.pending.clear()
            raise
        finally:
            loop.active = False

    def send_reply(self, visit: Visit, status: int) -> None:
        """Reply to ``visit``'s caller through the run's :class:`ReplyLoop`."""
        loop = self.replies
        if loop.active:  # a reply is running further up the stack: queue this one
            visit.status = status
            loop.pending.append(visit)
            return
        loop.active = True
        try:
            visit.reply(status)
            pending = loop.pending
            while pending:
                nxt = pending.popleft()
                nxt.reply(nxt.status)
        except BaseException:
            loop.pending.clear()
            raise
        finally:
            loop.active = False
