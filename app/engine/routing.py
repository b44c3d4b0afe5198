"""How a load balancer or gateway picks one outgoing link per request.

``round_robin`` cycles; ``random`` draws uniformly, or by link weights when
any link has a weight; ``weighted_round_robin`` is nginx's smooth weighted
round robin (deterministic, spreads the heavy target's turns evenly);
``least_connections`` picks the link with the fewest calls in flight from
this balancer; ``least_response_time`` picks the lowest
``ewma_response * (in_flight + 1)``; ``consistent_hash`` maps the request's
key onto a ring of 100 virtual nodes per target, so a key always lands on
the same target while the set of targets is unchanged.

Routers choose among :attr:`Router.links`, the *eligible* links: all of them
unless a balancer's health check (:mod:`app.engine.health`) has excluded
some through :meth:`Router.set_eligible`, which rebuilds each router's own
state for the new set, so choosing costs the same with or without checks.
When no target is eligible the router answers with a stand-in link whose
calls fail at once: the balancer fails the request itself (``FAILED``),
as a real balancer answers 503 when its whole pool is down.
"""

from __future__ import annotations

import bisect
import zlib
from typing import TYPE_CHECKING

from app.engine.distributions import Sampler
from app.engine.scheduling import FAILED, Reply

if TYPE_CHECKING:
    import simpy

    from app.engine.links import LinkRuntime
    from app.engine.station import Request

EWMA_ALPHA = 0.2
VIRTUAL_NODES = 100


class NoTarget:
    """The stand-in a router picks when no target is eligible: every call fails at once."""

    __slots__ = ("active", "ewma_s", "key", "weight")

    #: Never called as a plain ``target.arrive`` (see :meth:`Visit.downstream`).
    direct = False

    def __init__(self, balancer: str) -> None:
        self.key = f"{balancer}->(no healthy target)"
        self.weight = 1.0
        self.active = 0
        self.ewma_s = 0.0

    def call(self, req: Request, reply: Reply) -> None:
        """Fail the request here, at the balancer."""
        reply(FAILED)


class Router:
    """Base: subclasses implement :meth:`choose` and, when they keep state, :meth:`_rebuild`."""

    #: Whether calls must be tracked (in-flight counts, response times).
    tracks = False

    def __init__(self, links: list[LinkRuntime]) -> None:
        #: Every outgoing link, in the design's order.
        self.all_links: list[LinkRuntime] = list(links)
        #: The links requests may go to now (see the module's docstring).
        self.links: list[LinkRuntime] = list(links)

    def choose(self, req: Request) -> LinkRuntime:
        """The link this request goes to."""
        raise NotImplementedError

    def set_eligible(self, links: list[LinkRuntime]) -> None:
        """Route only over ``links`` from now on (none: every request fails here)."""
        if links:
            self.links = list(links)
        else:
            source = self.all_links[0].source if self.all_links else "?"
            self.links = [NoTarget(source)]  # type: ignore[list-item]
        self._rebuild()

    def _rebuild(self) -> None:
        """Recompute whatever the router derives from :attr:`links`."""


class RoundRobin(Router):
    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._next = 0

    def choose(self, req: Request) -> LinkRuntime:
        link = self.links[self._next]
        self._next = (self._next + 1) % len(self.links)
        return link

    def _rebuild(self) -> None:
        self._next %= len(self.links)


class RandomChoice(Router):
    def __init__(self, links: list[LinkRuntime], uniform: Sampler) -> None:
        super().__init__(links)
        self._uniform = uniform
        self._cum: list[float] = []
        self._rebuild()

    def _rebuild(self) -> None:
        total = sum(link.weight for link in self.links)
        acc = 0.0
        self._cum = []
        for link in self.links:
            acc += link.weight / total
            self._cum.append(acc)

    def choose(self, req: Request) -> LinkRuntime:
        i = bisect.bisect_right(self._cum, self._uniform())
        return self.links[min(i, len(self.links) - 1)]


class SmoothWeightedRoundRobin(Router):
    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._current: list[float] = []
        self._total = 0.0
        self._rebuild()

    def _rebuild(self) -> None:
        # A changed pool starts its smooth cycle afresh (nginx keeps per-peer
        # state, but a restart only shifts the phase of the same proportions).
        self._current = [0.0] * len(self.links)
        self._total = sum(link.weight for link in self.links)

    def choose(self, req: Request) -> LinkRuntime:
        best = 0
        current = self._current
        for i, link in enumerate(self.links):
            current[i] += link.weight
            if current[i] > current[best]:
                best = i
        current[best] -= self._total
        return self.links[best]


class LeastConnections(Router):
    tracks = True

    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._rr = 0

    def _rebuild(self) -> None:
        self._rr %= len(self.links)

    def choose(self, req: Request) -> LinkRuntime:
        # Ties are broken round-robin, so an idle pool is not always hit in order.
        n = len(self.links)
        start = self._rr
        self._rr = (start + 1) % n
        best = self.links[start]
        for k in range(1, n):
            link = self.links[(start + k) % n]
            if link.active < best.active:
                best = link
        return best


class LeastResponseTime(LeastConnections):
    def choose(self, req: Request) -> LinkRuntime:
        n = len(self.links)
        start = self._rr
        self._rr = (start + 1) % n
        best = self.links[start]
        best_score = best.ewma_s * (best.active + 1)
        for k in range(1, n):
            link = self.links[(start + k) % n]
            score = link.ewma_s * (link.active + 1)
            if score < best_score:
                best, best_score = link, score
        return best


class ConsistentHash(Router):
    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._points: list[int] = []
        self._owners: list[int] = []
        self._rebuild()

    def _rebuild(self) -> None:
        # The ring of the eligible targets only: a target's virtual nodes do not
        # depend on the others, so removing one moves only its own keys (to the
        # next owner clockwise) and its return brings exactly them back.
        if isinstance(self.links[0], NoTarget):
            self._points, self._owners = [0], [0]
            return
        ring: list[tuple[int, int]] = []
        for i, link in enumerate(self.links):
            for v in range(VIRTUAL_NODES):
                ring.append((zlib.crc32(f"{link.target.id}#{v}".encode()), i))
        ring.sort()
        self._points = [p for p, _ in ring]
        self._owners = [i for _, i in ring]

    def choose(self, req: Request) -> LinkRuntime:
        h = zlib.crc32(req.key.to_bytes(8, "little"))
        i = bisect.bisect_left(self._points, h)
        if i == len(self._points):
            i = 0
        return self.links[self._owners[i]]


def make_router(algorithm: str, links: list[LinkRuntime], uniform: Sampler) -> Router:
    """The router for a balancer's algorithm over its outgoing links."""
    if algorithm == "round_robin":
        return RoundRobin(links)
    if algorithm == "random":
        return RandomChoice(links, uniform)
    if algorithm == "weighted_round_robin":
        return SmoothWeightedRoundRobin(links)
    if algorithm == "least_connections":
        return LeastConnections(links)
    if algorithm == "least_response_time":
        return LeastResponseTime(links)
    if algorithm == "consistent_hash":
        return ConsistentHash(links)
    raise ValueError(f"unknown routing algorithm {algorithm!r}")


class TrackedReply:
    """Counts a balancer's call in flight and measures its response time."""

    __slots__ = ("env", "link", "reply", "t0")

    def __init__(self, env: simpy.Environment, link: LinkRuntime, reply: Reply) -> None:
        self.env = env
        self.link = link
        self.reply = reply
        self.t0 = env.now
        link.active += 1

    def __call__(self, status: int) -> None:
        link = self.link
        link.active -= 1
        elapsed = self.env.now - self.t0
        link.ewma_s += EWMA_ALPHA * (elapsed - link.ewma_s)
        self.reply(status)
