"""A component during a run: replicas with FIFO queues and workers, and a visit's life.

A request arriving at a station picks a replica (round robin over the
replicas that are up), takes a free worker or waits in that replica's FIFO
queue (rejected when the queue is full), holds the worker for its service
time, then makes its downstream calls and replies to its caller. A blocking
station keeps the worker until the downstream calls return; a non-blocking
one frees it as soon as its own service ends.

State that faults, alerts and autoscaling will change mid-run lives here:
``up``, ``slowdown`` and the ``replicas`` list (``up`` and the list record
their changes, which availability integrates over time).

Replies never unwind by recursion: on zero-latency links a reply reaches the
caller's station in the same instant, which replies to its own caller, and so
on up the chain. Each station's reply goes through the run's shared
:class:`ReplyLoop`, which runs nested replies one after the other in a loop,
so a chain of 20,000 components needs no deeper stack than a chain of two.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import simpy

from app.engine.distributions import BlockSampler
from app.engine.links import LinkRuntime
from app.engine.replicas import Replica, ReplicaList, UpTime, up_share
from app.engine.routing import Router, TrackedReply
from app.engine.scheduling import FAILED, OK, REJECTED, AsyncLedger, Reply, Wake
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
        self.calls.append(link)

    def visit_finished(self, visit: Visit, status: int) -> None:
        """The visit's downstream work is over; account for it and reply."""
        raise NotImplementedError


class Station(Node):
    """A serving component (everything but clients)."""

    def __init__(
        self,
        env: simpy.Environment,
        rc: ResolvedComponent,
        service: BlockSampler,
        coin: BlockSampler,
        *,
        replies: ReplyLoop | None = None,
        ledger: AsyncLedger | None = None,
    ) -> None:
        self.env = env
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
        self._up = True
        self._replicas = ReplicaList(
            Replica(rc.concurrency, rc.queue_capacity) for _ in range(rc.replicas)
        )
        #: The replica when there is exactly one (kept by every change of the list):
        #: arrivals skip the round robin, and indexing a list subclass.
        self._only: Replica | None = None
        #: Time integral of the share of replicas up (availability).
        self.uptime = UpTime(lambda: float(env._now), self._share_up)
        self._replicas.bind(self.uptime)
        self._rr = 0
        #: Mutable by faults: multiplies every service time.
        self.slowdown = 1.0
        # Counters since the start (windows and the summary take differences).
        self.arrivals = 0
        self.rejected = 0
        self.failed = 0
        self.timed_out = 0
        self.completed = 0
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

    @property
    def up(self) -> bool:
        """Mutable by faults: a station that is down fails every request at once."""
        return self._up

    @up.setter
    def up(self, value: bool) -> None:
        self.uptime.changing()
        self._up = bool(value)
        self.uptime.changed()

    @property
    def replicas(self) -> ReplicaList:
        """Mutable by faults and autoscaling: change it in place, or assign a new list."""
        return self._replicas

    @replicas.setter
    def replicas(self, value: Iterable[Replica]) -> None:
        self.uptime.changing()
        self._replicas = ReplicaList(value)
        self._replicas.bind(self.uptime)
        self.uptime.changed()

    def _share_up(self) -> float:
        replicas = self.replicas
        self._only = replicas[0] if len(replicas) == 1 else None
        return up_share(self._up, replicas)

    @property
    def workers(self) -> int:
        """Total workers over the replicas that are up."""
        return sum(r.concurrency for r in self.replicas if r._up)

    def areas(self, now: float) -> dict[str, float]:
        """Time integrals (count x seconds) since the start of each count, up to ``now``."""
        return {
            "queued_area": self.queued * now - self.queued_s,
            "serving_area": self.serving * now - self.serving_s,
            "busy_area": self.busy * now - self.busy_s,
            "insys_area": self.insys * now - self.insys_s,
        }

    def _pick(self) -> Replica | None:
        replicas = self.replicas
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
        if not self._up:
            self.failed += 1
            reply(FAILED)
            return
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
            Wake(self.env, self.service() * self.slowdown, visit.service_done)
        else:
            rep.busy -= 1
            self.busy -= 1
            self.busy_s -= now

    def visit_finished(self, visit: Visit, status: int) -> None:
        now = self.env._now
        if self.blocking:
            self.release(visit.rep, now)  # type: ignore[arg-type]
        self.insys -= 1
        self.insys_s -= now
        if status == OK:
            self.completed += 1
            self.lat.append(visit.t_done - visit.t_arr)
            self.lat_start.append(visit.t_arr)
        else:
            self.failed += 1
        # Reply through the run's ReplyLoop (inlined: this runs once per hop).
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


class Visit:
    """One request's stay at one node, from arrival to reply."""

    __slots__ = ("idx", "node", "pending", "rep", "reply", "req", "status", "t_arr", "t_done")

    def __init__(
        self, node: Node, rep: Replica | None, req: Request, reply: Reply, t_arr: float
    ) -> None:
        self.node = node
        self.rep = rep
        self.req = req
        self.reply = reply
        self.t_arr = t_arr
        self.t_done = t_arr
        self.idx = 0
        self.pending = 0
        self.status = OK

    def service_done(self, _ev: object) -> None:
        """Own service over: free the worker (non-blocking) and go downstream."""
        st: Station = self.node  # type: ignore[assignment]
        now = st.env._now
        self.t_done = now
        st.serving -= 1
        st.serving_s -= now
        if not st.blocking:
            st.release(self.rep, now)  # type: ignore[arg-type]
        self.downstream()

    def downstream(self) -> None:
        """Make the node's downstream calls, then finish."""
        node = self.node
        router = node.router
        if router is not None:
            link = router.choose(self.req)
            reply: Reply = self.finish
            if router.tracks:
                reply = TrackedReply(node.env, link, reply)
            link.call(self.req, reply)
            return
        if node.caching and node.coin() < node.hit_ratio:
            self.finish(OK)
            return
        if not node.calls:
            self.finish(OK)
            return
        if node.parallel:
            self._fan_out()
        else:
            self._next(OK)

    def _next(self, status: int) -> None:
        if status != OK:
            self.finish(status)
            return
        calls = self.node.calls
        while self.idx < len(calls):
            link = calls[self.idx]
            self.idx += 1
            if link.probability >= 1.0 or self.node.coin() < link.probability:
                if link.direct:
                    link.target.arrive(self.req, self._next)
                elif link.asynchronous and not link.partitioned:
                    # Answered at once: go on in this loop, not by a nested reply.
                    link.send_async(self.req)
                    continue
                else:
                    link.call(self.req, self._next)
                return
        self.finish(OK)

    def _fan_out(self) -> None:
        node = self.node
        chosen = [
            link for link in node.calls
            if link.probability >= 1.0 or node.coin() < link.probability
        ]
        if not chosen:
            self.finish(OK)
            return
        self.pending = len(chosen)
        for link in chosen:
            link.call(self.req, self._joined)

    def _joined(self, status: int) -> None:
        if status != OK and self.status == OK:
            self.status = status
        self.pending -= 1
        if self.pending == 0:
            self.finish(self.status)

    def finish(self, status: int) -> None:
        """Downstream work is over (with ``status``): the node accounts and replies."""
        self.node.visit_finished(self, status)

