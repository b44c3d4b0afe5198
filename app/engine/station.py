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
from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy

from app.engine.distributions import Sampler
from app.engine.links import LinkRuntime
from app.engine.replicas import Capacity, Replica
from app.engine.routing import Router
from app.engine.scheduling import (
    FAILED,
    OK,
    REJECTED,
    AsyncLedger,
    EngineEnvironment,
    Reply,
    wake,
)
from app.engine.tier import ReplicaTier
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

    __slots__ = ()

    env: simpy.Environment
    calls: list[LinkRuntime]
    router: Router | None
    caching: bool
    hit_ratio: float
    parallel: bool
    coin: Sampler

    def add_link(self, link: LinkRuntime) -> None:
        """Attach an outgoing link (while the run is built)."""
        link.position = len(self.calls)
        self.calls.append(link)

    def visit_finished(self, visit: Visit, status: int) -> None:
        """The visit's downstream work is over; account for it and reply."""
        raise NotImplementedError


class Station(Node, ReplicaTier):
    """A serving component (everything but clients).

    Run-time state that faults and autoscaling change goes through methods
    that keep the integrals and invariants right: :meth:`crash_replica` fails
    the replica's queue and in-flight work back to their callers at once and
    takes nothing until :meth:`recover_replica`; :meth:`add_replica` and
    :meth:`retire_replica` grow and shrink the tier (a retiring replica takes
    no new work and drains what it holds). ``slowdown`` and ``error_rate``
    may be changed at any instant.
    """

    # Slots, hot fields first: a visit reads and writes a dozen of them, and a
    # design with hundreds of stations keeps each one's few hot cache lines
    # together in the object instead of spread over its attribute values (docs/benchmarks.md,
    # "#14 engine", scaling).
    __slots__ = (  # noqa: RUF023 (hot fields first, on purpose)
        "env", "_queue", "_eid", "_only", "service", "slowdown", "arrivals",
        "busy", "busy_s", "serving", "serving_s", "insys", "insys_s", "blocking",
        "error_rate", "error_coin", "replies", "completed", "lat", "lat_start",
        "router", "caching", "calls", "coin", "hit_ratio", "parallel",
        "queued", "queued_s", "failed", "rejected", "timed_out", "throttled",
        "tracked", "ledger", "id", "resolved", "payload_kb", "_replicas", "_numbers",
        "_draining", "_n_serving", "_n_up", "_workers_up", "_workers_draining",
        "replica_hooks", "integrals", "replicas_min", "replicas_max", "_rr",
    )  # __dict__ and __weakref__ come from ReplicaTier

    def __init__(
        self,
        env: simpy.Environment,
        rc: ResolvedComponent,
        service: Sampler,
        coin: Sampler,
        *,
        replies: ReplyLoop | None = None,
        ledger: AsyncLedger | None = None,
        tracked: bool = True,
    ) -> None:
        self.env = env
        # The environment's queue when it takes callbacks directly (see
        # EngineEnvironment): a service end is then pushed here, inline.
        self._queue: list[Any] | None = (
            env._queue if type(env) is EngineEnvironment else None)
        self._eid = env._eid
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
        self.error_coin: Sampler | None = None
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
            queue = self._queue
            if queue is not None:  # wake(), inlined: once per visit
                heappush(queue, (now + self.service() * self.slowdown, 1, next(self._eid),
                                 visit.service_done))
            else:
                wake(self.env, self.service() * self.slowdown, visit.service_done)
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
            queue = self._queue
            if queue is not None:  # wake(), inlined
                heappush(queue, (now + self.service() * self.slowdown, 1, next(self._eid),
                                 visit.service_done))
            else:
                wake(self.env, self.service() * self.slowdown, visit.service_done)
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
            if rep.queue:
                self.release(rep, now)
            else:  # release() without a queue, inlined: the common case
                rep.busy -= 1
                self.busy -= 1
                self.busy_s -= now
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
