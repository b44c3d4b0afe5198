"""The simulation's own process: steps the engine and sends snapshots down a pipe.

Why a process and not only a thread: the engine is pure Python and the GUI's
painting (canvas items, pyqtgraph) calls back into Python hundreds of times
per frame. In one process both need the GIL, and each call back into Python
waits for the engine thread to hand it over, so a repaint during a flat-out
run took hundreds of milliseconds (measured). In its own process the engine
has its own interpreter; the GUI's reader thread only unpickles small batches.

This module imports no Qt (it is what the child process runs). Control
arrives through shared ``multiprocessing`` primitives (:class:`EngineControl`),
results as messages on a pipe:

* ``("batch", [wire snapshot, ...])`` at most every ``batch_interval_s``;
* ``("finished", summary or None, stopped)`` at the end;
* ``("failed", message)`` if the design cannot run or the engine crashes.

The process runs at a lower scheduling priority (:func:`lower_priority`): on a
busy machine the GUI, which only wakes to draw, then gets a core before the
engine, which would take every cycle it is given.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from app.engine.snapshot import WireSnapshot
from app.model.document import Document

log = logging.getLogger(__name__)

#: How much nicer than the GUI the engine process is (0-19). At +5 the kernel weighs
#: the GUI about 3 times the engine, so a GUI that wakes to draw gets a core at once,
#: while on a machine busy with other work the engine still gets a third of a fair
#: share (at +10 it got a tenth: a run on a loaded machine took 3 times as long).
ENGINE_NICENESS = 5

@dataclass
class EngineControl:
    """Pause, stop and speed, shared between the GUI process and the engine process."""

    stop: Any  # multiprocessing Event
    running: Any  # Event: cleared while paused
    wake: Any  # Event: interrupts a real-time wait
    speed: Any  # Value('d'): simulated s per wall s; 0 = as fast as possible
    speed_version: Any  # Value('i'): bumped on every change, so pacing restarts

    @staticmethod
    def create(ctx: BaseContext, speed: float | None) -> EngineControl:
        """New primitives from ``ctx`` (the context that starts the process)."""
        control = EngineControl(
            stop=ctx.Event(), running=ctx.Event(), wake=ctx.Event(),
            speed=ctx.Value("d", float(speed or 0.0)), speed_version=ctx.Value("i", 0),
        )
        control.running.set()
        return control

    def set_speed(self, speed: float | None) -> None:
        """Change the pace (any process)."""
        with self.speed.get_lock():
            self.speed.value = float(speed or 0.0)
        with self.speed_version.get_lock():
            self.speed_version.value += 1
        self.wake.set()

    def read_speed(self) -> tuple[float, int]:
        """The current speed and its version."""
        with self.speed.get_lock():
            return self.speed.value, self.speed_version.value


def lower_priority(niceness: int = ENGINE_NICENESS) -> None:
    """Make the calling process yield the CPU to the GUI (best effort, per platform).

    ``os.nice`` raises the niceness by ``niceness``; on Linux the process is also
    marked ``SCHED_BATCH`` (CPU-bound: it never preempts a waking GUI thread).
    """
    try:
        os.nice(niceness)
    except (AttributeError, OSError) as exc:  # not on Windows; or not permitted
        log.debug("Could not lower the engine's priority: %s", exc)
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError as exc:
            log.debug("Could not make the engine SCHED_BATCH: %s", exc)


def run_engine(
    document: Document,
    base_dir: Path | None,
    conn: Connection,
    control: EngineControl,
    batch_interval_s: float,
    *,
    low_priority: bool = True,
    allow_outside_files: bool = False,
) -> None:
    """Child-process entry: build the simulation and step it to the end or a stop.

    ``allow_outside_files``: the user allowed a trace file outside the design's folder.
    """
    if low_priority:
        lower_priority()
    from app.engine import Simulation
    from app.model.errors import DocumentError

    try:
        try:
            sim = Simulation(document, base_dir=base_dir,
                             allow_outside_files=allow_outside_files)
        except (DocumentError, ValueError, OSError) as exc:
            conn.send(("failed", str(exc)))
            return
        try:
            summary = _loop(sim, conn, control, batch_interval_s)
        except Exception as exc:  # the user must hear of a crash, with details in the log
            conn.send(("failed", f"The simulation stopped with an error: {exc}\n"
                                 f"{traceback.format_exc()}"))
            return
        conn.send(("finished", summary, control.stop.is_set()))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the GUI went away: nobody to tell
    finally:
        conn.close()


def _loop(sim: Any, conn: Connection, control: EngineControl, batch_interval_s: float) -> Any:
    pending: list[WireSnapshot] = []
    last_send = time.monotonic()
    base_wall, base_sim, seen_version = time.monotonic(), sim.now, -1

    def flush() -> None:
        if pending:
            conn.send(("batch", list(pending)))
            pending.clear()

    while not sim.finished and not control.stop.is_set():
        if not control.running.is_set():
            flush()
            control.running.wait()
            base_wall, base_sim = time.monotonic(), sim.now  # pacing restarts after a pause
            continue
        speed, version = control.read_speed()
        if version != seen_version:
            base_wall, base_sim, seen_version = time.monotonic(), sim.now, version
        pending.append(sim.step_window().to_wire())
        if speed > 0:
            delay = base_wall + (sim.now - base_sim) / speed - time.monotonic()
            if delay > 0:
                # Show the window now, then wait out the real time it stands for.
                flush()
                last_send = time.monotonic()
                control.wake.clear()
                control.wake.wait(delay)
                continue
        if time.monotonic() - last_send >= batch_interval_s:
            flush()
            last_send = time.monotonic()
    flush()
    try:
        return sim.summary()
    except Exception:  # a run stopped before any data may have nothing to summarise
        return None
