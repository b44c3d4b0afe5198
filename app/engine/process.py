"""The simulation's own process: steps the engine and sends snapshots down a pipe.

Why a process and not only a thread: the engine is pure Python and the GUI's
painting (canvas items, pyqtgraph) calls back into Python hundreds of times
per frame. In one process both need the GIL, and each call back into Python
waits for the engine thread to hand it over, so a repaint during a flat-out
run took hundreds of milliseconds (measured). In its own process the engine
has its own interpreter; the GUI's reader thread only unpickles small batches.

This module imports no Qt (it is what the child process runs). It drives the
run with the engine's one loop, :class:`~app.engine.driver.RunDriver`; stop,
pause, speed and live actions arrive through a
:class:`~app.engine.control.ProcessControl` (shared ``multiprocessing``
primitives and a queue of actions), results leave as messages on a pipe:

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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.engine.control import ProcessControl
from app.engine.snapshot import Snapshot, WireSnapshot
from app.model.document import Document

if TYPE_CHECKING:
    pass


class RunObserver(Protocol):
    """Watches a GUI run in the engine process (see :func:`run_engine`)."""

    def add(self, snap: Snapshot) -> None:
        """Take one closed window (called as it closes, before it is sent)."""

    def complete(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The summary to send, given the engine's (the observer may add keys)."""

log = logging.getLogger(__name__)

#: How much nicer than the GUI the engine process is (0-19). At +5 the kernel weighs
#: the GUI about 3 times the engine, so a GUI that wakes to draw gets a core at once,
#: while on a machine busy with other work the engine still gets a third of a fair
#: share (at +10 it got a tenth: a run on a loaded machine took 3 times as long).
ENGINE_NICENESS = 5

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
    control: ProcessControl,
    batch_interval_s: float,
    *,
    low_priority: bool = True,
    allow_outside_files: bool = False,
    observer: RunObserver | None = None,
) -> None:
    """Child-process entry: build the simulation and drive it to the end or a stop.

    ``allow_outside_files``: the user allowed a trace file outside the design's folder.
    ``observer``: sees every window and completes the summary before it is sent
    (the run's analysis: :mod:`app.analysis.engine_run`; the engine does not import it).
    """
    if low_priority:
        lower_priority()
    from app.engine.replication import run_replication
    from app.model.errors import DocumentError

    pending: list[WireSnapshot] = []
    last_send = time.monotonic()

    def flush() -> None:
        nonlocal last_send
        if pending:
            conn.send(("batch", list(pending)))
            pending.clear()
        last_send = time.monotonic()

    def on_snapshot(snap: Snapshot) -> None:
        if observer is not None:
            observer.add(snap)
        pending.append(snap.to_wire())
        if time.monotonic() - last_send >= batch_interval_s:
            flush()

    try:
        try:
            # The GUI's run is the same unit of work as a replication of a sweep (its
            # document in memory and its seed); streamed here, with live actions allowed.
            result = run_replication(
                document, document.simulation.seed, base_dir=base_dir,
                allow_outside_files=allow_outside_files, control=control,
                on_snapshot=on_snapshot, before_wait=flush, keep_windows=False, live=True,
            )
        except (DocumentError, ValueError, OSError) as exc:
            log.info("The run could not start or stopped: %s", exc, exc_info=True)
            flush()
            conn.send(("failed", str(exc)))
            return
        except Exception as exc:  # the user must hear of a crash, with details in the log
            flush()
            conn.send(("failed", f"The simulation stopped with an error: {exc}\n"
                                 f"{traceback.format_exc()}"))
            return
        flush()
        summary = result.summary
        if observer is not None and summary is not None:
            summary = observer.complete(summary)
        conn.send(("finished", summary, control.stop_requested()))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the GUI went away: nobody to tell
    finally:
        conn.close()
