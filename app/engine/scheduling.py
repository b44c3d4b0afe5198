"""Callbacks on SimPy's event queue, without a generator process per request.

A process per request costs several events and a generator resume per hop.
The engine instead schedules plain SimPy events whose single callback is a
bound method of the object that owns the state (a visit, a hop, an arrival
process). SimPy still orders everything (time, then insertion order), so runs
stay deterministic and can be driven in slices with ``env.run(until=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

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


def ignore_reply(_status: int) -> None:
    """Reply target for fire-and-forget (async) calls."""
