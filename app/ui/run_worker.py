"""Running the engine off the GUI thread, in its own process.

:class:`RunWorker` lives in a :class:`QThread`. It starts the engine process
(:mod:`app.engine.process`: why a process, is said there; its target is
:mod:`app.analysis.engine_run`, which adds the analytic model and the run's
analysis to the summary there, as the CLI does), reads its
messages and hands the GUI *batches* of immutable snapshots, at most every
``batch_interval_s`` of wall time, so a run going as fast as possible cannot
flood the GUI's event queue. Pause, resume, stop, speed changes and live
actions go to the engine through a :class:`~app.engine.control.ProcessControl`
(shared ``multiprocessing`` primitives), never through a busy event loop; the
engine reads it between two slices of simulated time.

:class:`RunThread` owns the QThread and the worker and always stops and joins
them (and the process), so nothing outlives its window or test.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.sharedctypes  # imported now, not on the first Run
from functools import lru_cache
from multiprocessing.context import BaseContext
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.analysis.engine_run import run_engine_with_analysis
from app.engine.commands import LiveAction
from app.engine.control import ProcessControl
from app.engine.snapshot import Snapshot
from app.model.document import Document

log = logging.getLogger(__name__)

#: Wall time between two batches handed to the GUI (20 Hz).
DEFAULT_BATCH_INTERVAL_S = 0.05
#: How long a stop may take before the engine process is terminated.
STOP_GRACE_S = 5.0


@lru_cache(maxsize=1)
def engine_context() -> BaseContext:
    """How engine processes start: a fork server where there is one, else spawn.

    Never a plain fork: the GUI process has threads, and a forked child can
    inherit a lock some other thread held. The fork server is a clean process
    that has the engine imported already, so a run starts in milliseconds.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # thread_limits first: it sizes numpy's BLAS pool before numpy is imported.
        ctx.set_forkserver_preload(["app.engine.thread_limits", "app.analysis.engine_run",
                                    "app.engine.process", "app.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def warm_up_engine() -> None:
    """Start the fork server now (application start), not when the user presses Run.

    Starting it forks this whole process once, which holds up the GUI for tens of
    milliseconds: better while the window opens than in the middle of a run.
    """
    ctx = engine_context()
    # The first semaphore (pause/stop events) starts the resource tracker: also a fork.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def new_control() -> ProcessControl:
    """A control for one engine process (its stop, pause and wake semaphores, its queue).

    Making one costs the calling thread a few milliseconds (semaphores registered
    with the resource tracker; the first also imports the queue module), so the
    GUI makes the next run's while it is idle (:class:`~app.ui.run_controller.RunController`).
    """
    return ProcessControl(engine_context())


class RunWorker(QObject):
    """Drives one simulation process from a worker thread; control it through its methods."""

    #: A tuple of :class:`Snapshot` (oldest first): immutable, safe to keep.
    batch_ready = Signal(object)
    #: The run ended (completed or stopped): (summary dict or None, stopped: bool).
    finished = Signal(object, bool)
    #: The run could not start or crashed: one readable line.
    failed = Signal(str)

    def __init__(
        self,
        document: Document,
        *,
        base_dir: Path | None = None,
        speed: float | None = None,
        batch_interval_s: float = DEFAULT_BATCH_INTERVAL_S,
        low_priority: bool = True,
        allow_outside_files: bool = False,
        control: ProcessControl | None = None,
    ) -> None:
        """``control``: one made ahead of the run (:func:`new_control`), unused so far;
        by default one is made here (a few milliseconds of the caller's thread)."""
        super().__init__()
        #: The user allowed a trace file outside the design's folder for this run.
        self._allow_outside_files = allow_outside_files
        # The engine's own copy (pickled to the process): later GUI edits cannot reach it.
        self._document = document
        self._base_dir = base_dir
        self._batch_interval_s = batch_interval_s
        self._low_priority = low_priority
        #: The engine process's id while it runs (tests check its priority), else None.
        self.process_id: int | None = None
        self._ctx = engine_context()
        if control is None:
            control = new_control()
        control.set_speed(speed)
        self._control = control

    # -- control (any thread) ----------------------------------------------------------------

    def stop(self) -> None:
        """Stop at the next slice (a paused run stops where it is held)."""
        self._control.request_stop()

    def pause(self) -> None:
        """Hold at the next slice."""
        self._control.pause()

    def resume(self) -> None:
        """Continue a paused run."""
        self._control.resume()

    def set_speed(self, speed: float | None) -> None:
        """Simulated seconds per wall second (``None``: as fast as possible)."""
        self._control.set_speed(speed)

    def send_action(self, action: LiveAction) -> None:
        """Apply a live action to the running design at its next slice."""
        self._control.send(action)

    @property
    def paused(self) -> bool:
        """Whether a pause was asked for."""
        return self._control.paused()

    # -- the reader loop (worker thread) -----------------------------------------------------

    @Slot()
    def run(self) -> None:
        """Start the engine process and relay its messages until it ends."""
        reader, writer = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(  # type: ignore[attr-defined]
            target=run_engine_with_analysis,
            args=(self._document, self._base_dir, writer, self._control,
                  self._batch_interval_s),
            kwargs={"low_priority": self._low_priority,
                    "allow_outside_files": self._allow_outside_files},
            name="sdsim-engine",
            daemon=True,
        )
        try:
            process.start()
        except OSError as exc:
            self.failed.emit(f"Could not start the simulation: {exc}")
            return
        writer.close()  # ours is the reading end; EOF then means the process is gone
        self.process_id = process.pid
        ended = False
        try:
            while not ended:
                if not reader.poll(0.2):
                    if not process.is_alive() and not reader.poll(0):
                        self.failed.emit("The simulation process ended unexpectedly.")
                        ended = True
                    continue
                ended = self._dispatch(reader.recv())
        except (EOFError, OSError):
            if not ended:
                self.failed.emit("The simulation process ended unexpectedly.")
        finally:
            reader.close()
            self.process_id = None
            process.join(STOP_GRACE_S)
            if process.is_alive():
                log.warning("Engine process did not stop in time; terminating it")
                process.terminate()
                process.join(STOP_GRACE_S)

    def _dispatch(self, message: tuple[object, ...]) -> bool:
        """Relay one message; returns True when it was the last."""
        kind = message[0]
        if kind == "batch":
            batch = message[1]
            assert isinstance(batch, list)
            self.batch_ready.emit(tuple(Snapshot.from_wire(w) for w in batch))
            return False
        if kind == "finished":
            self.finished.emit(message[1], bool(message[2]))
            return True
        self.failed.emit(str(message[1]).splitlines()[0] if message[1] else "failed")
        if len(str(message[1]).splitlines()) > 1:
            log.error("Engine failure: %s", message[1])
        return True


class RunThread(QObject):
    """One run: a :class:`RunWorker` in its own QThread, always joined on stop."""

    batch_ready = Signal(object)
    finished = Signal(object, bool)
    failed = Signal(str)
    #: The thread has ended (after finished/failed): the GUI may start another run.
    ended = Signal()

    def __init__(self, worker: RunWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._thread = QThread(self)
        self._thread.setObjectName("simulation")
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        # Queued connections: the worker emits in its thread, slots run on the GUI thread.
        worker.batch_ready.connect(self.batch_ready)
        worker.finished.connect(self.finished)
        worker.failed.connect(self.failed)
        worker.finished.connect(self._thread.quit)
        worker.failed.connect(self._thread.quit)
        self._thread.finished.connect(self.ended)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread.isRunning()

    def stop_and_wait(self, timeout_ms: int = 15_000) -> bool:
        """Stop the run and join the thread; returns whether it ended in time."""
        self.worker.stop()
        self._thread.quit()
        return self._thread.wait(timeout_ms)
