"""Callbacks on SimPy's event queue, without a generator process or an event per step.

A process per request costs several events and a generator resume per hop.
The engine instead schedules callbacks: bound methods of the object that owns
the state (a visit, a hop, an arrival process). :class:`EngineEnvironment`
is a SimPy environment whose queue takes such a callback directly, under the
same ``(time, priority, event id)`` key an event would get, so SimPy's heap
and clock still order everything (time, then insertion order), runs stay
deterministic and can be driven in slices with ``env.run(until=...)``. On a
plain SimPy environment :func:`wake` falls back to a one-callback event
(:class:`Wake`), in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from types import MethodType
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event

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
    """An event that fires ``callback(event)`` after ``delay`` simulated seconds.

    Used on a plain SimPy environment; :class:`EngineEnvironment` needs no event.
    """

    def __init__(self, env: simpy.Environment, delay: float, callback: Callable[[Any], None]):
        # Inlined Event.__init__ + succeed(), as simpy.Timeout does, for speed.
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._ok = True
        env.schedule(self, NORMAL, delay)


def wake(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> None:
    """Call ``callback(None)`` after ``delay`` simulated seconds (a :class:`Wake` on plain SimPy).

    The key is the one ``env.schedule`` would give an event, so the order of
    everything is the same with either environment.
    """
    if type(env) is EngineEnvironment:
        queue: list[Any] = env._queue  # entries hold callbacks too
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), callback))
    else:
        Wake(env, delay, callback)


class EngineEnvironment(simpy.Environment):
    """A SimPy environment whose queue also holds plain callbacks.

    An entry's fourth element is either a SimPy event (handled exactly as
    :meth:`simpy.Environment.step` does) or a callable, called with ``None``
    at its time. Scheduling a callback costs one tuple and a ``heappush``
    instead of an event object with a callback list, and running it skips
    the event's bookkeeping: about 10-16 % of a run (docs/benchmarks.md,
    "#14 engine"). Relies on SimPy internals (``_queue``, ``_now``, ``_eid``),
    hence ``simpy<5`` (tests/unit/test_engine_environment.py covers them).
    """

    def step(self) -> None:
        """Process the next event or callback (raise :exc:`EmptySchedule` when none is left)."""
        try:
            self._now, _, _, item = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        if isinstance(item, Event):
            self._fire(item)
        else:
            item(None)

    def _fire(self, event: Event) -> None:
        # simpy.Environment.step after its heappop, unchanged.
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, URGENT - 1)  # type: ignore[arg-type]  # as SimPy: -1
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def run(self, until: Any = None) -> Any:
        """As :meth:`simpy.Environment.run`; a numeric ``until`` runs the fast loop."""
        if until is None or isinstance(until, Event):
            return super().run(until)
        at = until if isinstance(until, int) else float(until)
        if at <= self.now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        stop = Event(self)  # scheduled before all regular entries at ``at``, as SimPy does
        stop._ok = True
        stop._value = None
        self.schedule(stop, URGENT, at - self.now)
        stop.callbacks.append(StopSimulation.callback)
        # Entries are (time, priority, id, event or callback): typed loosely on purpose.
        queue: list[Any] = self._queue
        method = MethodType
        try:
            while queue:
                self._now, _, _, item = heappop(queue)
                if item.__class__ is method:  # the common case: a bound method
                    item(None)
                elif isinstance(item, Event):
                    self._fire(item)
                else:
                    item(None)
        except StopSimulation as exc:
            return exc.args[0]
        raise RuntimeError(f'No scheduled events left but "until" event was not '
                           f"triggered: {stop}")


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
