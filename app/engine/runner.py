"""Running a simulation on a background thread: pause, resume, stop, real-time pacing.

The GUI (or a notebook) gets snapshots through ``on_snapshot``, called on the
runner's thread; snapshots are immutable, so handing them over is safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from app.engine.simulation import Simulation
from app.engine.snapshot import Snapshot


class SimulationRunner:
    """Drives one :class:`Simulation` on its own thread.

    Args:
        sim: The run to drive (it must not be touched by other threads).
        speed: ``None`` runs as fast as possible; a number runs that many
            simulated seconds per wall second (1.0 = real time).
        on_snapshot: Called with each window's snapshot.
        on_finished: Called once with the summary when the run ends or stops.
        on_error: Called with the exception if the run fails.
    """

    def __init__(
        self,
        sim: Simulation,
        *,
        speed: float | None = None,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        on_finished: Callable[[dict[str, Any]], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive (or None for as fast as possible)")
        self.sim = sim
        self.speed = speed
        self._on_snapshot = on_snapshot
        self._on_finished = on_finished
        self._on_error = on_error
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="sdsim-runner", daemon=True)
        self._paced_wall = 0.0
        self._paced_sim = 0.0

    def start(self) -> None:
        """Start the run on its thread."""
        self._thread.start()

    def pause(self) -> None:
        """Hold the run at the next slice boundary."""
        self._running.clear()

    def resume(self) -> None:
        """Continue a paused run."""
        self._rebase_pacing()
        self._running.set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    def stop(self) -> None:
        """Stop at the next slice; the summary still covers what was simulated."""
        self._stop.set()
        self.sim.request_stop()
        self._running.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True if it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def _rebase_pacing(self) -> None:
        self._paced_wall = time.perf_counter()
        self._paced_sim = self.sim.now

    def _between_slices(self) -> None:
        if not self._running.is_set():
            self._running.wait()
        if self.speed is not None and not self._stop.is_set():
            # Sleep until wall time catches up with simulated time / speed.
            due = self._paced_wall + (self.sim.now - self._paced_sim) / self.speed
            delay = due - time.perf_counter()
            if delay > 0:
                self._stop.wait(delay)

    def _main(self) -> None:
        try:
            self._rebase_pacing()
            while not self.sim.finished and not self._stop.is_set():
                snap = self.sim.step_window(self._between_slices)
                if self._on_snapshot is not None:
                    self._on_snapshot(snap)
                self._between_slices()
            summary = self.sim.summary()
        except BaseException as exc:  # handed to the owner, never lost
            if self._on_error is not None:
                self._on_error(exc)
            return
        if self._on_finished is not None:
            self._on_finished(summary)
