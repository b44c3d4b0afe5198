"""Rate limits: a token bucket in front of a component (``rate_limit: {rps, burst}``).

The bucket holds at most ``burst`` tokens, starts full, and refills at
``rps`` tokens a second, continuously. A request that finds a whole token
takes it and goes on to the component; one that finds less than a token is
refused at once (an HTTP 429): it counts in the component's ``arrivals``,
``throttled`` and ``rejected``, and its caller sees REJECTED. Nothing waits
for a token.

A component without a rate limit pays nothing: there is no test in
:meth:`Station.arrive`. Instead, at build time, each rate-limited station gets
a per-instance ``arrive`` (the gate's), which every caller reaches because
they all call ``target.arrive`` / ``link.target.arrive`` on the instance
(:mod:`app.engine.links`, :meth:`app.engine.station.Visit._next`, broker
deliveries in :mod:`app.engine.messaging`). Tokens are brought up to date
lazily, from the simulated clock, when a request arrives: no timer runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.engine.scheduling import REJECTED, Reply
from app.model.resolve import ResolvedRateLimit

if TYPE_CHECKING:
    from app.engine.simulation import Simulation
    from app.engine.station import Request, Station

__all__ = ["TokenBucket", "install_rate_limits"]

#: A token due at this very instant counts: refills are summed in floating
#: point, and a bucket that should hold exactly 1.0 may hold 0.9999999999.
_DUE = 1.0 - 1e-9


class TokenBucket:
    """The gate of one rate-limited station; its :meth:`arrive` replaces the station's."""

    __slots__ = ("_inner", "_t", "burst", "rps", "station", "tokens")

    def __init__(self, station: Station, limit: ResolvedRateLimit) -> None:
        self.station = station
        self.rps = float(limit.rps)
        self.burst = float(limit.burst)
        #: Tokens at time ``_t`` (the last arrival); the bucket starts full.
        self.tokens = self.burst
        self._t = float(station.env._now)
        #: The station's own arrive (its class's, bound), called for admitted requests.
        self._inner = station.arrive

    def level(self, now: float) -> float:
        """Tokens in the bucket at ``now`` (refilled since the last arrival, capped)."""
        tokens = self.tokens + (now - self._t) * self.rps
        return tokens if tokens < self.burst else self.burst

    def arrive(self, req: Request, reply: Reply) -> None:
        """Take a token and pass the request on, or refuse it at once."""
        st = self.station
        now = st.env._now
        tokens = min(self.tokens + (now - self._t) * self.rps, self.burst)
        self._t = now
        if tokens >= _DUE:
            self.tokens = tokens - 1.0
            self._inner(req, reply)
            return
        self.tokens = tokens
        st.arrivals += 1
        st.throttled += 1
        st.rejected += 1
        reply(REJECTED)


def install_rate_limits(sim: Simulation) -> dict[str, TokenBucket]:
    """Put a token bucket in front of every station whose design has a ``rate_limit``.

    Returns the buckets by component id (empty when none is configured).
    """
    buckets: dict[str, TokenBucket] = {}
    for sid, station in sim.stations.items():
        limit = station.resolved.rate_limit
        if limit is None:
            continue
        bucket = TokenBucket(station, limit)
        # Per instance, so stations without a limit keep the class's arrive untouched.
        station.arrive = bucket.arrive  # type: ignore[method-assign]
        buckets[sid] = bucket
    return buckets
