"""The one loop that drives a run: the GUI's engine process, the CLI and the tests use it.

A :class:`RunDriver` steps a :class:`~app.engine.simulation.Simulation` window
by window. Each window is simulated in
:data:`~app.engine.simulation.SLICES_PER_WINDOW` slices, and between two slices
(and between two windows) the driver looks at its :class:`RunControl`:

* a stop request ends the run at that slice: the window in progress closes
  early, so the last snapshot and the summary cover exactly what was simulated;
* live actions sent since the last slice are applied, at the current simulated time;
* a pause holds the run there (still answering stop and live actions);
* at a finite speed the driver sleeps until the wall clock catches up with the
  simulated time; the sleep ends early on stop, resume, a new speed or a live
  action. Resuming and changing the speed re-base the pacing on the present.

Snapshots go to ``on_snapshot``; ``before_wait`` is called before the driver
sleeps or holds, so an owner that batches snapshots can hand them over first.
Errors propagate to the caller.

Example::

    control = LocalControl()
    summary = RunDriver(Simulation(doc), control, on_snapshot=print).run()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.engine.control import LocalControl, RunControl
from app.engine.gc_policy import run_thresholds

if TYPE_CHECKING:
    from app.engine.simulation import Simulation
    from app.engine.snapshot import Snapshot


class RunDriver:
    """Drives one simulation to its end or to a stop, as its control says.

    Args:
        sim: The run (driven from the calling thread only).
        control: Stop, pause, speed and live actions; a fresh
            :class:`LocalControl` (as fast as possible) when omitted.
        on_snapshot: Called with each window's snapshot, on the driving thread.
        before_wait: Called before the driver sleeps (pacing) or holds (pause).
    """

    def __init__(
        self,
        sim: Simulation,
        control: RunControl | None = None,
        *,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        before_wait: Callable[[], None] | None = None,
    ) -> None:
        self.sim = sim
        self.control: RunControl = control if control is not None else LocalControl()
        self._on_snapshot = on_snapshot
        self._before_wait = before_wait
        # Pacing: wall time and simulated time at the last re-base, and the speed's
        # version then (None: not based yet).
        self._base_wall = 0.0
        self._base_sim = 0.0
        self._seen_version: int | None = None

    def run(self) -> dict[str, Any]:
        """Drive the run to its end (or a stop) and return its summary."""
        with run_thresholds():  # the summary walks the model too
            self.drive()
            return self.sim.summary()

    def drive(self) -> None:
        """Drive the run to its end (or a stop), handing each snapshot to ``on_snapshot``.

        :meth:`run` holds the run's collector thresholds around this and the summary.
        """
        while (snap := self.next_window()) is not None:
            if self._on_snapshot is not None:
                self._on_snapshot(snap)

    def next_window(self) -> Snapshot | None:
        """Wait at the window boundary as the control says, then simulate one window.

        Returns its snapshot, or ``None`` once the run has ended (finished or
        stopped). Callers that step themselves (the CLI, to write each window
        outside its signal handling) call this in a loop; ``on_snapshot`` is
        then not called.
        """
        self._boundary()
        if self.sim.finished:
            return None
        return self.sim.step_window(self._boundary)

    # -- between slices ------------------------------------------------------------------------

    def _boundary(self) -> None:
        """Between two slices: stop, live actions, pause, pacing (in that order)."""
        control, sim = self.control, self.sim
        while True:
            if control.stop_requested():
                sim.request_stop()
                return
            if sim.finished:  # after the last window: only its pacing is left
                self._pace_or_return()
                return
            for action in control.drain():
                sim.apply(action)
            if control.paused():
                self._wait(None)
                self._seen_version = None  # pacing restarts from the resume
                continue
            if self._pace_or_return():
                return

    def _pace_or_return(self) -> bool:
        """Sleep towards the pace; True when no (more) sleep is needed."""
        delay = self._pacing_delay()
        if delay <= 0.0 or self.control.stop_requested():
            return True
        self._wait(delay)
        return False  # woken or slept: look at the control again

    def _pacing_delay(self) -> float:
        """Wall seconds until the present simulated time is due (<= 0: now)."""
        speed, version = self.control.speed()
        if speed <= 0.0:
            self._seen_version = None
            return 0.0
        if version != self._seen_version:
            self._base_wall, self._base_sim = time.monotonic(), self.sim.now
            self._seen_version = version
        return self._base_wall + (self.sim.now - self._base_sim) / speed - time.monotonic()

    def _wait(self, timeout: float | None) -> None:
        if self._before_wait is not None:
            self._before_wait()
        self.control.wait(timeout)
