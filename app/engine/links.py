"""Calls over links: latency each way, response transmission, timeouts, retries, async.

A synchronous call goes out after the link's one-way latency, the target
serves it, and the reply comes back after the latency plus the time to
transmit the target's response payload over the link's bandwidth. With a
timeout the caller gives up at ``timeout_ms`` (the target keeps working: the
work is wasted, as in real systems); with retries it tries again after the
link's ``backoff``: before retry n (1-based) it waits
``d = min(max_ms, base_ms * multiplier**(n-1))`` (default 10 ms doubling,
capped at 1 s), jittered: ``"none"`` waits d, ``"full"`` U[0, d], ``"equal"``
U[d/2, d], drawn from the link's own stream ``"<source>-><target>/jitter"``.
An async call returns to the caller at once and delivers the message later;
if the work behind it fails, the run's :class:`AsyncLedger` counts it end to
end.

A link with a ``circuit_breaker`` (:mod:`app.engine.breaker`) asks it before
each attempt, inside the retry loop (``Retry(CircuitBreaker(call))``): an
attempt refused by an open breaker is not sent, counts as
``short_circuited`` (not as a call) and is a failed attempt for the retry
loop, retried after the backoff while retries remain. On an async link the
breaker guards each message sent (a refused message fails end to end).

Every link counts what went over it (``links."a->b"`` in snapshots and the
summary): ``calls`` are attempts sent (retries included), ``retried`` the
attempts after the first, ``failed`` the attempts that did not succeed
(``timed_out`` among them), ``short_circuited`` the calls an open circuit
breaker refused without sending; ``lat`` holds the round trip of each
successful attempt as the caller saw it. Calls over a link without latency,
timeout or retries (``direct``) are counted by the calling visit itself
(:meth:`app.engine.station.Visit._next`), which costs no object per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import simpy

from app.engine.breaker import CLOSED, CircuitBreaker
from app.engine.distributions import RandomStreams, Sampler, uniform01_draw
from app.engine.sampling import growing
from app.engine.scheduling import FAILED, OK, TIMED_OUT, AsyncOutcome, Reply, wake
from app.model.resolve import ResolvedLink, link_key

if TYPE_CHECKING:
    from app.engine.events import EventLog
    from app.engine.station import Request, Station


class LinkRuntime:
    """A link during a run: the caller-side behaviour of one ``source -> target`` call."""

    # Hot fields first (a call over a plain link reads the first six): a design
    # with hundreds of links keeps them in one or two cache lines (docs/benchmarks.md).
    __slots__ = (  # noqa: RUF023 (hot fields first, on purpose)
        "probability", "direct", "calls", "env", "target", "lat", "position", "breaker_direct",
        "asynchronous", "_partitioned", "_breaker", "failed", "active", "back_s",
        "backoff_base_s", "backoff_max_s", "backoff_multiplier", "ewma_s", "jitter",
        "jitter_draw", "key", "lat_start", "out_s", "retried", "retries", "short_circuited",
        "source", "timed_out", "timeout_s", "weight",
    )

    def __init__(self, env: simpy.Environment, link: ResolvedLink, target: Station, *,
                 streams: RandomStreams | None = None, events: EventLog | None = None) -> None:
        """``streams`` feed the backoff's jitter (needed when it is not ``"none"``);
        ``events`` receive the breaker's state changes (needed with a breaker)."""
        self.env = env
        self.source = link.source
        self.target = target
        #: ``"source->target"``, the link's name in snapshots and the summary.
        self.key = link_key(link.source, link.target)
        #: Index of this link in its source's ``calls`` (set by ``Node.add_link``).
        self.position = 0
        # Counters since the start (see the module's docstring).
        self.calls = 0
        self.failed = 0
        self.timed_out = 0
        self.retried = 0
        self.short_circuited = 0
        self._breaker: CircuitBreaker | None = None
        # This window's successful round trips (s); no start times (see LinkWindow.close).
        self.lat: list[float] = []
        self.lat_start: list[float] = []
        self.out_s = link.latency_ms / 1000.0
        tx_ms = 0.0
        if link.bandwidth_mbps and target.payload_kb > 0:
            tx_ms = target.payload_kb * 8.0 / link.bandwidth_mbps
        self.back_s = self.out_s + tx_ms / 1000.0
        self.probability = link.probability
        self.weight = link.weight
        self.timeout_s = link.timeout_ms / 1000.0 if link.timeout_ms is not None else None
        self.retries = link.retries
        self.asynchronous = link.asynchronous
        backoff = link.backoff
        self.backoff_base_s = backoff.base_ms / 1000.0
        self.backoff_multiplier = backoff.multiplier
        self.backoff_max_s = backoff.max_ms / 1000.0
        #: ``"none"``, ``"full"`` or ``"equal"``; draws come from :attr:`jitter_draw`.
        self.jitter = backoff.jitter
        self.jitter_draw: Sampler | None = None
        if self.jitter != "none":
            if streams is None:
                raise ValueError(f"link {self.key}: jittered backoff needs random streams")
            self.jitter_draw = streams.sampler(f"{self.key}/jitter", growing(uniform01_draw()))
        self._partitioned = False
        #: True when a call is just ``target.arrive``: no latency, timeout,
        #: retries, async or partition. Callers test it to skip a frame.
        self.direct = False
        self._update_direct()
        if link.circuit_breaker is not None:
            if events is None:
                raise ValueError(f"link {self.key}: a circuit breaker needs the run's event log")
            self.breaker = CircuitBreaker(env, link.circuit_breaker, self.key, events.emit)
        #: For least_connections / least_response_time balancing.
        self.active = 0
        self.ewma_s = 0.0

    def ended(self, status: int, t0: float) -> None:
        """One attempt sent at ``t0`` ended now with ``status``: count it."""
        if status == OK:
            self.lat.append(self.env._now - t0)
        else:
            self.failed += 1

    def backoff_wait(self, n: int) -> float:
        """Seconds to wait before retry ``n`` (1-based), jitter drawn."""
        d = min(self.backoff_max_s, self.backoff_base_s * self.backoff_multiplier ** (n - 1))
        draw = self.jitter_draw
        if draw is None:
            return d
        if self.jitter == "full":
            return d * draw()
        return d * (0.5 + 0.5 * draw())

    @property
    def breaker(self) -> Any:
        """The link's circuit breaker (``circuit_breaker`` in the design), or ``None``.

        Anything with a ``state`` string (``"closed"``/``"open"``/``"half_open"``)
        shows in snapshots; :class:`app.engine.breaker.CircuitBreaker` is the engine's.
        """
        return self._breaker

    @breaker.setter
    def breaker(self, value: Any) -> None:
        self._breaker = value
        self._update_direct()

    def add_delay(self, seconds: float) -> None:
        """A latency fault: every call takes ``seconds`` longer on its way out (negative undoes)."""
        self.out_s = max(0.0, self.out_s + seconds)
        if abs(self.out_s) < 1e-12:
            self.out_s = 0.0
        self._update_direct()

    @property
    def partitioned(self) -> bool:
        """A fault can cut the link mid-run; calls then fail."""
        return self._partitioned

    @partitioned.setter
    def partitioned(self, value: bool) -> None:
        self._partitioned = value
        self._update_direct()

    def _update_direct(self) -> None:
        plain = (
            not self._partitioned
            and not self.asynchronous
            and self.timeout_s is None
            and self.retries == 0
            and self.out_s == 0.0
            and self.back_s == 0.0
        )
        self.direct = plain and self._breaker is None
        #: A plain link but for its breaker (a CircuitBreaker): a sequential
        #: caller asks the breaker and calls ``target.arrive`` itself.
        self.breaker_direct = plain and isinstance(self._breaker, CircuitBreaker)

    def send_async(self, req: Request) -> None:
        """Deliver ``req`` as a fire-and-forget message (the caller does not wait).

        A failure behind it is counted end to end by the target's ledger.
        """
        outcome: Reply = AsyncOutcome(self.target.ledger, req)
        breaker = self._breaker
        if breaker is not None:
            if not breaker.allow():
                self.short_circuited += 1
                outcome(FAILED)
                return
            outcome = _Recorded(breaker, outcome).done
        self.calls += 1
        _Hop(self, req, outcome, counted=True).send()

    def call(self, req: Request, reply: Reply) -> None:
        """Send ``req`` to the target; ``reply(status)`` is called with the outcome."""
        if self.direct:
            self.calls += 1
            self.target.arrive(req, _Counted(self, reply).done)
            return
        if self.asynchronous and not self._partitioned:
            self.send_async(req)
            reply(OK)
            return
        self.deliver(req, reply)

    def deliver(self, req: Request, reply: Reply) -> None:
        """Send ``req`` and wait for the target's outcome, even over an async link.

        A broker delivers messages this way: it needs the consumer's answer
        (its acknowledgement) to know when the consumer can take the next one.
        """
        if self.timeout_s is None and self.retries == 0:
            # One attempt, no timer: the breaker (if any) is asked here and told the
            # outcome by the reply, without the retry loop's objects.
            breaker = self._breaker
            if breaker is not None:
                # A closed breaker lets everything through: ask it only when it is not.
                if breaker.state != CLOSED and not breaker.allow():
                    self.short_circuited += 1
                    reply(FAILED)
                    return
                if self.out_s == 0.0 and self.back_s == 0.0 and not self._partitioned:
                    self.calls += 1
                    self.target.arrive(req, _Counted(self, reply, breaker.generation).done)
                    return
                reply = _Recorded(breaker, reply).done
            self.calls += 1
            if self._partitioned:
                self.failed += 1
                reply(FAILED)
            elif self.out_s == 0.0 and self.back_s == 0.0:
                self.target.arrive(req, _Counted(self, reply).done)
            else:
                _Hop(self, req, reply, counted=True).send()
            return
        _GuardedCall(self, req, reply).attempt()


class _Counted:
    """The reply of one attempt over a link without latency: counts it, then replies.

    ``generation`` >= 0: the attempt went through the link's breaker in that
    generation, which is told the outcome (one object per call, not two).
    """

    __slots__ = ("generation", "link", "reply", "t0")

    def __init__(self, link: LinkRuntime, reply: Reply, generation: int = -1) -> None:
        self.link = link
        self.reply = reply
        self.t0 = link.env._now
        self.generation = generation

    def done(self, status: int) -> None:
        link = self.link
        if status == OK:
            link.lat.append(link.env._now - self.t0)
        else:
            link.failed += 1
        if self.generation >= 0:
            link._breaker.record(status == OK, self.generation)  # type: ignore[union-attr]
        self.reply(status)


class _Recorded:
    """The reply of a call or message let through a breaker: records its outcome."""

    __slots__ = ("breaker", "generation", "reply")

    def __init__(self, breaker: CircuitBreaker, reply: Reply) -> None:
        self.breaker = breaker
        self.generation = breaker.generation
        self.reply = reply

    def done(self, status: int) -> None:
        self.breaker.record(status == OK, self.generation)
        self.reply(status)


class _Hop:
    """One message over a link with latency: out, served, back.

    ``counted``: the hop counts its outcome on the link itself (a guarded
    call's attempts are counted by the attempt instead).
    """

    __slots__ = ("counted", "link", "reply", "req", "status", "t0")

    def __init__(self, link: LinkRuntime, req: Request, reply: Reply, *,
                 counted: bool = False) -> None:
        self.link = link
        self.req = req
        self.reply = reply
        self.status = OK
        self.counted = counted
        self.t0 = link.env._now

    def send(self) -> None:
        if self.link.out_s == 0.0:
            self.link.target.arrive(self.req, self._returned)
        else:
            wake(self.link.env, self.link.out_s, self._arrived)

    def _arrived(self, _ev: object) -> None:
        self.link.target.arrive(self.req, self._returned)

    def _returned(self, status: int) -> None:
        if self.link.back_s == 0.0:
            if self.counted:
                self.link.ended(status, self.t0)
            self.reply(status)
        else:
            self.status = status
            wake(self.link.env, self.link.back_s, self._delivered)

    def _delivered(self, _ev: object) -> None:
        if self.counted:
            self.link.ended(self.status, self.t0)
        self.reply(self.status)


class _GuardedCall:
    """A call with a timeout and/or retries; each attempt is a :class:`_Try`."""

    __slots__ = ("attempts", "link", "reply", "req")

    def __init__(self, link: LinkRuntime, req: Request, reply: Reply) -> None:
        self.link = link
        self.req = req
        self.reply = reply
        self.attempts = 0

    def attempt(self, _ev: object = None) -> None:
        self.attempts += 1
        _Try(self).start()

    def outcome(self, status: int) -> None:
        link = self.link
        if status == OK or self.attempts > link.retries:
            self.reply(status)
            return
        wake(link.env, link.backoff_wait(self.attempts), self.attempt)


class _Try:
    """One attempt: whichever comes first, the reply or the timeout, decides.

    With a breaker the attempt first asks it; a refused attempt is not sent
    and goes back to the retry loop as a failure.
    """

    __slots__ = ("call", "done", "generation", "t0")

    def __init__(self, call: _GuardedCall) -> None:
        self.call = call
        self.done = False
        self.t0 = call.link.env._now
        self.generation = -1  # the breaker's generation when let through

    def start(self) -> None:
        call = self.call
        link = call.link
        breaker = link._breaker
        if breaker is not None:
            if not breaker.allow():
                link.short_circuited += 1
                self.done = True
                call.outcome(FAILED)
                return
            self.generation = breaker.generation
        link.calls += 1
        if call.attempts > 1:
            link.retried += 1
        if link.timeout_s is not None:
            wake(link.env, link.timeout_s, self._timed_out)
        if link.partitioned:
            # Nothing comes back over a cut link: the caller learns it at the
            # timeout, or at once when it has none.
            if link.timeout_s is None:
                self._replied(FAILED)
            return
        _Hop(link, call.req, self._replied).send()

    def _replied(self, status: int) -> None:
        if not self.done:
            self.done = True
            link = self.call.link
            link.ended(status, self.t0)
            if link._breaker is not None:
                link._breaker.record(status == OK, self.generation)
            self.call.outcome(status)

    def _timed_out(self, _ev: object) -> None:
        if not self.done:
            self.done = True
            link = self.call.link
            link.target.timed_out += 1
            link.timed_out += 1
            link.failed += 1
            if link._breaker is not None:
                link._breaker.record(False, self.generation)
            self.call.outcome(TIMED_OUT)
