"""How the owner of a run steers it: stop, pause, speed and live actions.

The :class:`~app.engine.driver.RunDriver` reads a :class:`RunControl` between
two slices of simulated time; the owner (the GUI, the CLI's signal handler, a
test or a notebook) writes to it from another thread or process. Two kinds:

* :class:`LocalControl`: ``threading`` primitives, for a run driven on a
  thread of this process (the CLI, tests, notebooks);
* :class:`ProcessControl`: ``multiprocessing`` primitives, shared between the
  GUI process and the engine process that drives the run.

Both have the same methods. Every change the driver must react to at once
(stop, resume, a new speed, a live action) also sets a *wake* event, so a
driver waiting (paused, or pacing a slow run) wakes up and looks again.
"""

from __future__ import annotations

import queue
import threading
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from app.engine.commands import LiveAction


class RunControl(Protocol):
    """What the driver reads between slices (see :class:`LocalControl` for the meanings)."""

    def stop_requested(self) -> bool:
        """Whether the owner asked the run to stop."""
        ...

    def paused(self) -> bool:
        """Whether the owner asked the run to hold."""
        ...

    def speed(self) -> tuple[float, int]:
        """Simulated seconds per wall second (0: as fast as possible) and a version that
        changes with every :meth:`set_speed`, so the driver re-bases its pacing."""
        ...

    def wait(self, timeout: float | None) -> None:
        """Sleep until woken (stop, resume, speed, a live action) or ``timeout`` seconds."""
        ...

    def drain(self) -> list[LiveAction]:
        """The live actions sent since the last call, oldest first."""
        ...


class _EventControl:
    """The logic both controls share, over ``threading``-like events.

    The driver clears *wake* right after each wait and then reads the state
    again; the owner changes the state before it sets *wake*. So no change is
    ever missed: at worst the driver wakes once for nothing.
    """

    def __init__(self, stop: Any, running: Any, wake: Any) -> None:
        self._stop = stop
        self._running = running  # cleared while paused
        self._wake = wake
        self._running.set()

    # -- the owner's side (any thread) --------------------------------------------------

    def request_stop(self) -> None:
        """Stop at the next slice; a paused run stops where it is held."""
        self._stop.set()
        self._running.set()
        self._wake.set()

    def pause(self) -> None:
        """Hold the run at the next slice."""
        self._running.clear()

    def resume(self) -> None:
        """Continue a paused run (its pacing restarts from now)."""
        self._running.set()
        self._wake.set()

    def set_speed(self, speed: float | None) -> None:
        """Simulated seconds per wall second; ``None`` or 0: as fast as possible."""
        if speed is not None and speed < 0:
            raise ValueError("speed must be positive (or None for as fast as possible)")
        self._store_speed(float(speed or 0.0))
        self._wake.set()

    def send(self, action: LiveAction) -> None:
        """Queue a live action; the driver applies it at the next slice."""
        self._put(action)
        self._wake.set()

    # -- the driver's side ----------------------------------------------------------------

    def stop_requested(self) -> bool:
        """Whether a stop was asked for."""
        return bool(self._stop.is_set())

    def paused(self) -> bool:
        """Whether a pause is in force."""
        return not self._running.is_set()

    def wait(self, timeout: float | None) -> None:
        """Sleep until woken or ``timeout`` seconds (``None``: until woken)."""
        self._wake.wait(timeout)
        self._wake.clear()

    # -- what differs between the two --------------------------------------------------------

    def _store_speed(self, speed: float) -> None:
        raise NotImplementedError

    def _put(self, action: LiveAction) -> None:
        raise NotImplementedError


class LocalControl(_EventControl):
    """A control for a run driven by a thread of this process."""

    def __init__(self, speed: float | None = None) -> None:
        super().__init__(threading.Event(), threading.Event(), threading.Event())
        self._lock = threading.Lock()
        self._speed = 0.0
        self._version = 0
        self._actions: queue.SimpleQueue[LiveAction] = queue.SimpleQueue()
        self.set_speed(speed)

    def _store_speed(self, speed: float) -> None:
        with self._lock:
            self._speed = speed
            self._version += 1

    def speed(self) -> tuple[float, int]:
        """The current speed (0: as fast as possible) and its version."""
        with self._lock:
            return self._speed, self._version

    def _put(self, action: LiveAction) -> None:
        self._actions.put(action)

    def drain(self) -> list[LiveAction]:
        """The live actions sent since the last call, oldest first."""
        out: list[LiveAction] = []
        while True:
            try:
                out.append(self._actions.get_nowait())
            except queue.Empty:
                return out


class ProcessControl(_EventControl):
    """A control shared with the engine process: pass it to the process as an argument.

    Live actions travel on a ``SimpleQueue``: its ``put`` writes to the pipe
    before it returns (no feeder thread), so once the wake event is set the
    engine process can already read the action.
    """

    def __init__(self, ctx: BaseContext, speed: float | None = None) -> None:
        super().__init__(ctx.Event(), ctx.Event(), ctx.Event())
        self._speed = ctx.Value("d", 0.0)  # its lock also guards the version
        self._version = ctx.Value("i", 0, lock=False)
        self._actions = ctx.SimpleQueue()
        self.set_speed(speed)

    def _store_speed(self, speed: float) -> None:
        with self._speed.get_lock():
            self._speed.value = speed
            self._version.value += 1

    def speed(self) -> tuple[float, int]:
        """The current speed (0: as fast as possible) and its version."""
        with self._speed.get_lock():
            return float(self._speed.value), int(self._version.value)

    def _put(self, action: LiveAction) -> None:
        self._actions.put(action)

    def drain(self) -> list[LiveAction]:
        """The live actions sent since the last call, oldest first (one reader only)."""
        out: list[LiveAction] = []
        while not self._actions.empty():
            item = self._actions.get()
            assert isinstance(item, LiveAction)
            out.append(item)
        return out
