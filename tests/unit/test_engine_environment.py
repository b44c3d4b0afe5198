"""EngineEnvironment: callbacks in SimPy's queue keep SimPy's order and run semantics.

The engine pushes callbacks straight into ``env._queue`` under the key
``env.schedule`` would give an event (``simpy<5`` internals): these tests pin
that the order of everything matches a plain SimPy environment with one
event per callback, and that ``run``/``step`` behave as SimPy's.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import simpy

from app.engine.scheduling import EngineEnvironment, Wake, wake


def _script(env: simpy.Environment, log: list[tuple[float, str]]) -> None:
    """Callbacks at equal and distinct times, nested scheduling, and a SimPy process."""

    def note(name: str) -> Callable[[object], None]:
        def cb(_ev: object) -> None:
            log.append((env.now, name))
            if name == "a":
                wake(env, 0.0, note("a-child"))  # same instant: after those already queued
                wake(env, 0.5, note("a-later"))

        return cb

    for i, delay in enumerate((1.0, 0.0, 1.0, 0.5, 1.0)):
        wake(env, delay, note("a" if i == 0 else f"w{i}"))

    def proc(env: simpy.Environment):  # a real SimPy process mixed in
        yield env.timeout(1.0)
        log.append((env.now, "proc"))
        yield env.timeout(0.5)
        log.append((env.now, "proc2"))

    env.process(proc(env))


def test_callbacks_run_in_the_order_plain_simpy_events_would() -> None:
    plain, fast = simpy.Environment(), EngineEnvironment()
    want: list[tuple[float, str]] = []
    got: list[tuple[float, str]] = []
    _script(plain, want)
    _script(fast, got)
    for until in (0.75, 1.0, 1.5, 3.0):  # in slices, as a run is driven
        plain.run(until=until)
        fast.run(until=until)
        assert got == want
        assert fast.now == plain.now == until
    assert next(fast._eid) == next(plain._eid)  # the same number of queue entries


def test_step_and_run_without_until_drain_the_queue() -> None:
    env = EngineEnvironment()
    log: list[float] = []
    wake(env, 2.0, lambda _ev: log.append(env.now))
    Wake(env, 1.0, lambda _ev: log.append(env.now))  # an event still works
    env.step()
    assert log == [1.0]
    env.run()
    assert log == [1.0, 2.0]
    with pytest.raises(simpy.core.EmptySchedule):
        env.step()


def test_run_until_must_be_in_the_future_and_failed_events_raise() -> None:
    env = EngineEnvironment()
    env.run(until=1.0)
    with pytest.raises(ValueError):
        env.run(until=1.0)
    event = env.event()
    event.fail(RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        env.run(until=2.0)
