"""A link's circuit breaker: count-based sliding window, as Resilience4j's.

States:

* ``closed``: every attempt goes through; its outcome (success, or failure: a
  timeout, an error, a refusal or a cut link) goes into a ring of the last
  ``window`` outcomes. Once at least ``min_calls`` outcomes are recorded and
  failures / recorded >= ``failure_rate``, the breaker opens.
* ``open``: attempts are refused without being sent (the link counts them as
  ``short_circuited``, not ``calls``; the caller sees ``FAILED``). After
  ``open_s`` simulated seconds the breaker goes half-open on its own (a
  scheduled transition, as Resilience4j's
  ``automaticTransitionFromOpenToHalfOpenEnabled``, so the probe time is
  ``open_s`` after the opening whatever the traffic).
* ``half_open``: the first ``half_open_calls`` attempts go through (the rest
  are short-circuited); the first failure among them opens the breaker
  again, and when all of them succeed it closes with an empty ring.

An outcome is recorded only in the state (and state generation) in which its
attempt was let through: a slow reply to an attempt sent while closed that
arrives after the breaker opened does not count as a half-open probe.

The breaker sits inside the retry loop (Resilience4j's usual
``Retry(CircuitBreaker(call))``): each attempt asks the breaker, and a
short-circuited attempt is a failed attempt for the retry loop, retried after
the link's backoff like any other failure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy

from app.engine.scheduling import wake
from app.model.resolve import ResolvedCircuitBreaker

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

#: ``emit(kind, target)``: where state changes go (the run's event log).
Emit = Callable[[str, str], None]


class CircuitBreaker:
    """The breaker of the link ``key``; :attr:`state` is read by snapshots.

    Args:
        env: The run's environment (the open -> half-open timer).
        spec: The resolved ``circuit_breaker`` record.
        key: The link's ``"source->target"``, the target of its events.
        emit: Called with ``("breaker_open" | "breaker_half_open" |
            "breaker_closed", key)`` at each state change.
    """

    __slots__ = ("_emit", "_env", "_fails", "_seq", "_spec", "generation",
                 "key", "permits", "probes_ok", "state")

    def __init__(self, env: simpy.Environment, spec: ResolvedCircuitBreaker, key: str,
                 emit: Emit) -> None:
        self._env = env
        self._spec = spec
        self._emit = emit
        self.key = key
        #: ``"closed"``, ``"open"`` or ``"half_open"``.
        self.state = CLOSED
        #: Bumped at every state change: an outcome counts only in its own generation.
        self.generation = 0
        # The closed state's sliding window of the last ``window`` outcomes, kept as
        # the sequence numbers of its failures only: a success (the common case)
        # costs a counter, and memory follows the failures, not the window asked for.
        self._seq = 0
        self._fails: deque[int] = deque()
        # Half-open: probes still to let through, and probes that succeeded.
        self.permits = 0
        self.probes_ok = 0

    def allow(self) -> bool:
        """May an attempt be sent now? (A half-open probe uses up a permit.)"""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and self.permits > 0:
            self.permits -= 1
            return True
        return False

    def record(self, ok: bool, generation: int) -> None:
        """An attempt let through in ``generation`` ended (``ok``: it succeeded)."""
        if generation != self.generation:
            return  # let through in an earlier state: not this state's evidence
        if self.state == CLOSED:
            spec = self._spec
            seq = self._seq = self._seq + 1
            fails = self._fails
            if fails and fails[0] <= seq - spec.window:  # slid out of the window
                fails.popleft()
            if not ok:
                fails.append(seq)
            # The share rises only with a failure, or when min_calls is first reached.
            if (not ok or seq == spec.min_calls) and seq >= spec.min_calls:
                recorded = seq if seq < spec.window else spec.window
                if len(fails) / recorded >= spec.failure_rate:
                    self._open()
        elif self.state == HALF_OPEN:
            if not ok:
                self._open()
                return
            self.probes_ok += 1
            if self.probes_ok >= self._spec.half_open_calls:
                self._change(CLOSED)

    @property
    def recorded(self) -> int:
        """Outcomes in the closed state's window now (at most ``window``)."""
        return min(self._seq, self._spec.window)

    @property
    def failure_share(self) -> float:
        """Failures among the recorded outcomes of the closed state (0 when none)."""
        recorded = self.recorded
        return len(self._fails) / recorded if recorded else 0.0

    def _open(self) -> None:
        self._change(OPEN)
        wake(self._env, self._spec.open_s, self._half_open)

    def _half_open(self, _ev: object) -> None:
        self._change(HALF_OPEN)

    def _change(self, state: str) -> None:
        self.state = state
        self.generation += 1
        # A new closed period starts with an empty window (at most `window` entries go).
        self._seq = 0
        self._fails.clear()
        self.permits = self._spec.half_open_calls if state == HALF_OPEN else 0
        self.probes_ok = 0
        self._emit(f"breaker_{state}", self.key)
