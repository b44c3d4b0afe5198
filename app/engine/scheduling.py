"""Callbacks on SimPy's event queue, without a generator process per request.

A process per request costs several events and a generator resume per hop.
The engine instead schedules plain SimPy events whose single callback is a
bound method of the object that owns the state (a visit, a hop, an arrival
process). SimPy still orders everything (time, then insertion order), so runs
stay deterministic and can be driven in slices with ``env.run(until=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL

if TYPE_CHECKING:
    from app.engine.station import Request

#: Status codes a call returns to its caller (ints: compared on the hot path).
OK = 0
REJECTED = 1
TIMED_OUT = 2
FAILED = 3

STATUS_NAMES = {OK: "ok", REJECTED: "rejected", TIMED_OUT: "timed_out", FAILED: "failed"}

Reply = Callable[[int], None]


class Wake(simpy.Event):
    """An event that fires ``callback(event)`` after ``delay`` simulated seconds."""

    def __init__(self, env: simpy.Environment, delay: float, callback: Callable[[Any], None]):
        # Inlined Event.__init__ + succeed(), as simpy.Timeout does, for speed.
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._ok = True
        env.schedule(self, NORMAL, delay)


class AsyncLedger:
    """Async work that failed downstream, counted end to end (one ledger per run).

    An async call answers its caller at once, so a failure behind it (a
    consumer rejecting the message, a broker dropping it when full) never
    reaches the client's reply. The ledger counts each request whose async
    work failed, once, when the first failure happens.
    """

    __slots__ = ("failed",)

    def __init__(self) -> None:
        self.failed = 0

    def fail(self, req: Request) -> None:
        """Async work done for ``req`` failed."""
        if not req.async_failed:
            req.async_failed = True
            self.failed += 1


class AsyncOutcome:
    """The reply target of an async message: a failure goes to the ledger."""

    __slots__ = ("ledger", "req")

    def __init__(self, ledger: AsyncLedger, req: Request) -> None:
        self.ledger = ledger
        self.req = req

    def __call__(self, status: int) -> None:
        if status != OK:
            self.ledger.fail(self.req)
