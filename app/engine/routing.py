"""How a load balancer or gateway picks one outgoing link per request.

``round_robin`` cycles; ``random`` draws uniformly, or by link weights when
any link has a weight; ``weighted_round_robin`` is nginx's smooth weighted
round robin (deterministic, spreads the heavy target's turns evenly);
``least_connections`` picks the link with the fewest calls in flight from
this balancer; ``least_response_time`` picks the lowest
``ewma_response * (in_flight + 1)``; ``consistent_hash`` maps the request's
key onto a ring of 100 virtual nodes per target, so a key always lands on
the same target while the set of targets is unchanged.
"""

from __future__ import annotations

import bisect
import zlib
from typing import TYPE_CHECKING

from app.engine.distributions import BlockSampler
from app.engine.scheduling import Reply

if TYPE_CHECKING:
    import simpy

    from app.engine.links import LinkRuntime
    from app.engine.station import Request

EWMA_ALPHA = 0.2
VIRTUAL_NODES = 100


class Router:
    """Base: subclasses implement :meth:`choose`."""

    #: Whether calls must be tracked (in-flight counts, response times).
    tracks = False

    def __init__(self, links: list[LinkRuntime]) -> None:
        self.links = links

    def choose(self, req: Request) -> LinkRuntime:
        """The link this request goes to."""
        raise NotImplementedError


class RoundRobin(Router):
    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._next = 0

    def choose(self, req: Request) -> LinkRuntime:
        link = self.links[self._next]
        self._next = (self._next + 1) % len(self.links)
        return link


class RandomChoice(Router):
    def __init__(self, links: list[LinkRuntime], uniform: BlockSampler) -> None:
        super().__init__(links)
        self._uniform = uniform
        total = sum(link.weight for link in links)
        acc = 0.0
        self._cum: list[float] = []
        for link in links:
            acc += link.weight / total
            self._cum.append(acc)

    def choose(self, req: Request) -> LinkRuntime:
        i = bisect.bisect_right(self._cum, self._uniform())
        return self.links[min(i, len(self.links) - 1)]


class SmoothWeightedRoundRobin(Router):
    def __init__(self, links: list[LinkRuntime]) -> None:
        super().__init__(links)
        self._current = [0.0] * len(links)
        self._total = sum(link.weight for link in links)

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
        ring: list[tuple[int, int]] = []
        for i, link in enumerate(links):
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


def make_router(algorithm: str, links: list[LinkRuntime], uniform: BlockSampler) -> Router:
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
