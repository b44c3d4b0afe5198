"""A request's stay at one node: service, downstream calls, and the reply.

The hot path of the engine (one :class:`Visit` per request per component):
it frees the worker, makes the node's calls in order, in parallel or
through its balancer, counts each call over a plain link on the link
itself (no object per call), and finishes at the node, which replies.
A visit that a crash already failed back (``dead``) ignores whatever it was
waiting for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.engine.breaker import CLOSED
from app.engine.routing import TrackedReply
from app.engine.scheduling import FAILED, OK, Reply

if TYPE_CHECKING:
    from app.engine.breaker import CircuitBreaker
    from app.engine.replicas import Replica
    from app.engine.station import Node, Request, Station


class Visit:
    """One request's stay at one node, from arrival to reply.

    ``dead`` is set when a crash of its replica has already failed it back
    to its caller: whatever it was waiting for is then ignored. ``t_done``
    is negative until the visit's own service has ended; ``t_call`` is the
    time a call over a link without latency was made (negative when the
    visit is not waiting for one); ``gen`` the breaker generation such a
    call went through, when its link has a breaker.
    """

    __slots__ = ("dead", "gen", "idx", "node", "pending", "rep", "reply", "req", "status",
                 "t_arr", "t_call", "t_done")

    def __init__(
        self, node: Node, rep: Replica | None, req: Request, reply: Reply, t_arr: float
    ) -> None:
        self.node = node
        self.rep = rep
        self.req = req
        self.reply = reply
        self.t_arr = t_arr
        self.t_done = -1.0
        self.t_call = -1.0
        self.idx = 0
        self.dead = False

    def service_done(self, _ev: object) -> None:
        """Own service over: free the worker (non-blocking) and go downstream."""
        if self.dead:
            return
        st: Station = self.node  # type: ignore[assignment]
        now = st.env._now
        self.t_done = now
        st.serving -= 1
        st.serving_s -= now
        if not st.blocking:
            rep: Replica = self.rep  # type: ignore[assignment]
            if rep.queue:
                st.release(rep, now)
            else:  # Station.release without a queue, inlined: the common case
                rep.busy -= 1
                st.busy -= 1
                st.busy_s -= now
        if st.error_rate and st.error_coin is not None and st.error_coin() < st.error_rate:
            self.finish(FAILED)
            return
        self.downstream()

    def downstream(self) -> None:
        """Make the node's downstream calls, then finish."""
        node = self.node
        router = node.router
        if router is not None:
            link = router.choose(self.req)
            if link.direct and not router.tracks:
                # Counted here, like a sequential call (no object per call).
                link.calls += 1
                self.t_call = link.env._now
                self.idx = link.position + 1
                link.target.arrive(self.req, self._routed)
                return
            reply: Reply = self.finish
            if router.tracks:
                reply = TrackedReply(node.env, link, reply)
            link.call(self.req, reply)
            return
        # node.visit_finished is finish(), inlined here and below (once per visit).
        if node.caching and node.coin() < node.hit_ratio:
            node.visit_finished(self, OK)
            return
        if not node.calls:
            node.visit_finished(self, OK)
            return
        if node.parallel:
            self._fan_out()
        else:
            self._next(OK)

    def _routed(self, status: int) -> None:
        """A balancer's call over a link without latency returned: count it, finish."""
        if self.dead:
            return
        link = self.node.calls[self.idx - 1]
        if status == OK:
            link.lat.append(link.env._now - self.t_call)
        else:
            link.failed += 1
        self.node.visit_finished(self, status)  # finish(), inlined

    def _through_breaker(self, status: int) -> None:
        """A sequential call over a plain link with a breaker returned: tell the breaker."""
        if self.dead:
            return
        breaker: CircuitBreaker = self.node.calls[self.idx - 1]._breaker  # type: ignore[assignment]
        breaker.record(status == OK, self.gen)
        self._next(status)  # counts the call on the link, as for a plain link

    def _next(self, status: int) -> None:
        if self.dead:
            return
        node = self.node
        calls = node.calls
        t0 = self.t_call
        if t0 >= 0.0:  # a call over a link without latency returned: count it on the link
            self.t_call = -1.0
            link = calls[self.idx - 1]
            if status == OK:
                link.lat.append(link.env._now - t0)
            else:
                link.failed += 1
        if status != OK:
            node.visit_finished(self, status)
            return
        while self.idx < len(calls):
            link = calls[self.idx]
            self.idx += 1  # before the call: a call may return (and re-enter here) at once
            if link.probability >= 1.0 or node.coin() < link.probability:
                if link.direct:
                    link.calls += 1
                    self.t_call = link.env._now
                    link.target.arrive(self.req, self._next)
                elif link.breaker_direct:
                    breaker: CircuitBreaker = link._breaker  # type: ignore[assignment]
                    if breaker.state != CLOSED and not breaker.allow():
                        link.short_circuited += 1
                        self.finish(FAILED)
                        return
                    link.calls += 1
                    self.gen = breaker.generation
                    self.t_call = link.env._now
                    link.target.arrive(self.req, self._through_breaker)
                elif link.asynchronous and not link.partitioned:
                    # Answered at once: go on in this loop, not by a nested reply.
                    link.send_async(self.req)
                    continue
                else:
                    link.call(self.req, self._next)
                return
        self.node.visit_finished(self, OK)

    def _fan_out(self) -> None:
        node = self.node
        chosen = [
            link for link in node.calls
            if link.probability >= 1.0 or node.coin() < link.probability
        ]
        if not chosen:
            self.finish(OK)
            return
        self.status = OK  # set here, not per visit: only a fan-out reads it before a reply
        self.pending = len(chosen)
        for link in chosen:
            link.call(self.req, self._joined)

    def _joined(self, status: int) -> None:
        if self.dead:
            return
        if status != OK and self.status == OK:
            self.status = status
        self.pending -= 1
        if self.pending == 0:
            self.finish(self.status)

    def finish(self, status: int) -> None:
        """Downstream work is over (with ``status``): the node accounts and replies."""
        self.node.visit_finished(self, status)

