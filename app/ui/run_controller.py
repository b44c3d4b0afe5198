"""Run, Pause, Stop: starts the worker, feeds charts, canvas and progress, shows results.

The controller is the GUI-thread side of a run. It locks the document while
the engine works on a copy of it (so edits cannot race the run), keeps every
snapshot of the run for the CSV export, and unlocks when the worker ends.

The GUI's work per batch is bounded: a batch is only appended (to the snapshot
list and the charts' preallocated buffers). Drawing follows the charts' frame
timer: each tick redraws the charts, and half a frame later, in a turn of its
own, the *latest* snapshot goes on the canvas, progress bar and status bar;
intermediate snapshots are never drawn there, however many windows the engine
produced meanwhile.

The end of a run is handed to the event loop in steps (the charts' last
frame, each listener's summary, the results table, the summary on the canvas,
the Results dock raised, then the idle state), one step a frame, each in a turn
of its own, so the longest pause of the GUI is the largest step rather than
their sum (issue #14). The next run's engine control is made in an idle turn
after a run, not when Run is pressed.
The idle state always comes last: whoever waits for it sees everything shown.
"""

from __future__ import annotations

import math
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from app.engine.commands import LiveAction
from app.engine.control import ProcessControl
from app.engine.events import RunEvent
from app.engine.snapshot import Snapshot
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Document
from app.ui.canvas.scene import DiagramScene
from app.ui.charts import REDRAW_INTERVAL_MS, REVEAL_INTERVAL_MS, ChartsPanel
from app.ui.document import EditorDocument
from app.ui.events.panel import EventsPanel
from app.ui.results import ResultsPanel
from app.ui.run_budget import RunRefusal, confirm_run
from app.ui.run_states import IDLE, PAUSED, RUNNING
from app.ui.run_worker import RunThread, RunWorker, new_control

__all__ = ["IDLE", "PAUSED", "RUNNING", "STATUS_INTERVAL_S", "RunController", "RunEventListener",
           "chart_components"]
#: How long after the controller is made, or a run has ended, the next run's control is
#: made (ms): off the window's start-up, well before anyone can press Run.
PREPARE_DELAY_MS = 250
#: The "Simulated x s of y s" status line changes at most this often (wall seconds):
#: QStatusBar repaints synchronously on every message, and 4 Hz is readable.
STATUS_INTERVAL_S = 0.25


class RunEventListener(Protocol):
    """What gets a run's events as the Events dock does (the Alerts dock, for one)."""

    def start_run(self, names: Mapping[str, str]) -> None:
        """A run starts; targets are shown by these component names."""

    def append(self, events: Iterable[RunEvent]) -> None:
        """The events received since the last frame (in order)."""

    def finish_run(self, summary: Mapping[str, Any] | None) -> None:
        """The run ended with this summary (``None``: it failed)."""

    def clear(self) -> None:
        """The design was replaced: forget the last run."""


def chart_components(model: Document) -> list[tuple[str, str]]:
    """``(id, name)`` of the components the engine reports on (all but clients)."""
    return [(c.id, c.display_name) for c in model.components
            if not (c.type in COMPONENT_TYPES and COMPONENT_TYPES[c.type].is_client)]


class RunController(QObject):
    """Owns at most one :class:`RunThread` at a time."""

    state_changed = Signal(str)
    #: A one-line message for the status bar.
    message = Signal(str)
    #: The run ended and its summary is in the results panel.
    run_finished = Signal()
    #: One turn after ``run_finished``: bring the results into view. Apart, because
    #: the canvas's summary figures and the results' first paint were one turn's
    #: work together, the longest stall at a run's end (issue #14).
    results_ready = Signal()
    #: A run starts (its first batch follows): views of the last run forget it.
    run_started = Signal()
    #: A batch of snapshots arrived (a tuple, oldest first): views append, never draw.
    batch_received = Signal(object)

    def __init__(
        self,
        document: EditorDocument,
        *,
        scene: DiagramScene,
        charts: ChartsPanel,
        results: ResultsPanel,
        progress: QProgressBar,
        events: EventsPanel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._scene = scene
        self._charts = charts
        self._results = results
        self._progress = progress
        #: Everything fed the run's events, in order (the Events dock first).
        self._listeners: list[RunEventListener] = [] if events is None else [events]
        self._run: RunThread | None = None
        self._state = IDLE
        self._duration = 0.0
        self._names: dict[str, str] = {}
        self.speed: float | None = None
        #: Whether the engine process runs at a lower priority than the GUI (benchmarks
        #: turn it off to measure what it buys).
        self.engine_low_priority = True
        #: The newest snapshot not yet shown on the canvas, progress and status bar.
        self._latest: Snapshot | None = None
        #: How often the canvas was updated with live figures in this run (tests).
        self.live_updates = 0
        self._last_status = 0.0
        # The canvas's frame comes half a frame after the charts' one, in a turn of its
        # own: one turn holding both was the longest GUI stall of a flat-out run on a
        # busy machine (issue #14). An owned timer: it never fires after we are gone.
        self._canvas_timer = QTimer(self)
        self._canvas_timer.setSingleShot(True)
        self._canvas_timer.setInterval(REDRAW_INTERVAL_MS // 2)
        self._canvas_timer.timeout.connect(self._show_latest)
        charts.timer.timeout.connect(self._schedule_canvas_frame)
        #: Every snapshot of the last run, oldest first (for the CSV export).
        self.snapshots: list[Snapshot] = []
        self.last_summary: dict[str, Any] | None = None
        #: Every event of the last run (faults, recoveries, live actions), oldest first.
        self.run_events: list[RunEvent] = []
        #: Events received but not yet listed in the Events dock (listed per frame).
        self._unlisted = 0
        #: The end of the run still to show, one step per event-loop turn (oldest first).
        self._finish_steps: deque[Callable[[], None]] = deque()
        #: Runs the next of those steps from the event loop (an owned timer: never
        #: fires after the controller is gone), a frame after the last: with no delay
        #: the next step ran in the same pass of the event loop as the work Qt queues
        #: after a step (the results table's delayed layout, the paint it asked for).
        self._finish_timer = QTimer(self)
        self._finish_timer.setSingleShot(True)
        self._finish_timer.setInterval(REVEAL_INTERVAL_MS)
        self._finish_timer.timeout.connect(self._run_finish_step)
        #: The next run's control (semaphores and queue shared with the engine process),
        #: made while the window is idle: at the Run press it cost ~3 ms of the GUI
        #: thread, more with the first run's import (issue #14).
        self._spare_control: ProcessControl | None = None
        self._prepare_timer = QTimer(self)  # owned: never fires after we are gone
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(PREPARE_DELAY_MS)
        self._prepare_timer.timeout.connect(self._prepare_control)
        self._prepare_timer.start()

    @property
    def control_ready(self) -> bool:
        """Whether the next run's control is made already (Run then makes none)."""
        return self._spare_control is not None

    def _prepare_control(self) -> None:
        if self._spare_control is None and self._run is None:
            self._spare_control = new_control()

    @property
    def state(self) -> str:
        """``idle``, ``running`` or ``paused``."""
        return self._state

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # -- actions -----------------------------------------------------------------------------

    def run(self) -> bool:
        """Start a run of the current design (or resume a paused one)."""
        if self._state == PAUSED and self._run is not None:
            self.pause(False)
            return True
        if self._run is not None:
            return False
        model = self._document.model
        problems = self._document.problems()  # validated once per change, not per press
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            text = f"Cannot run: {first.message}{more}. Problems are marked on the canvas."
            self._results.caption.setText(text)
            self.message.emit(text)
            return False
        base_dir = self._document.path.parent if self._document.path else None
        parent = self.parent()
        permission = confirm_run(parent if isinstance(parent, QWidget) else None, model,
                                 base_dir)
        if isinstance(permission, RunRefusal):
            self._results.caption.setText(permission.text)
            self.message.emit(permission.text)
            return False
        sim = model.simulation
        self._duration = sim.duration_s
        windows = math.ceil(sim.duration_s / sim.window_s)
        self._names = {c.id: c.display_name for c in model.components}
        stations = chart_components(model)
        self.snapshots = []
        self.last_summary = None
        self.run_events = []
        self._unlisted = 0
        for listener in self._listeners:
            listener.start_run(self._names)
        self._latest = None
        self.live_updates = 0
        self._charts.start_run(stations, windows)
        self.run_started.emit()
        self._results.clear()
        self._scene.clear_live()
        self._progress.setRange(0, 1000)
        self._progress.setValue(0)
        self._progress.setVisible(True)
        # The engine's own copy, by a pickle round trip: what the worker sends the
        # process anyway, and ~4x cheaper than copy.deepcopy on the GUI thread.
        engine_copy = pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        control, self._spare_control = self._spare_control, None  # one run each
        self._prepare_timer.stop()
        worker = RunWorker(engine_copy, base_dir=base_dir, speed=self.speed,
                           low_priority=self.engine_low_priority,
                           allow_outside_files=permission.allow_outside_files,
                           control=control)
        self._run = RunThread(worker, self)
        self._run.batch_ready.connect(self._on_batch)
        self._run.finished.connect(self._on_finished)
        self._run.failed.connect(self._on_failed)
        self._run.ended.connect(self._on_ended)
        self._document.set_locked(True)
        self._set_state(RUNNING)
        self.message.emit("Running…")
        self._run.start()
        return True

    def pause(self, paused: bool = True) -> None:
        """Hold (``True``) or continue (``False``) the current run."""
        if self._run is None:
            return
        if paused:
            self._run.worker.pause()
            self._set_state(PAUSED)
            self.message.emit("Paused")
        else:
            self._run.worker.resume()
            self._set_state(RUNNING)
            self.message.emit("Running…")

    def stop(self) -> None:
        """Stop the run; the summary of what ran so far is still shown."""
        if self._run is not None:
            self._run.worker.stop()
            self.message.emit("Stopping…")

    def set_speed(self, speed: float | None) -> None:
        """Change the speed, also for a run in progress."""
        self.speed = speed
        if self._run is not None:
            self._run.worker.set_speed(speed)

    def send_action(self, action: LiveAction) -> None:
        """Apply a live action to the run in progress at its next slice (no run: nothing)."""
        if self._run is not None:
            self._run.worker.send_action(action)

    def add_event_listener(self, listener: RunEventListener) -> None:
        """Feed ``listener`` every run's events as the Events dock is fed (per frame)."""
        self._listeners.append(listener)

    def forget_events(self) -> None:
        """Drop the last run's events (the design was replaced)."""
        self.run_events = []
        self._unlisted = 0
        for listener in self._listeners:
            listener.clear()

    @property
    def finish_steps_pending(self) -> int:
        """Steps of the last run's end not shown yet (0: nothing left, or no run ended)."""
        return len(self._finish_steps)

    def shutdown(self) -> None:
        """Stop and join the worker (window closing, tests tearing down)."""
        self._finish_timer.stop()
        while self._finish_steps:  # what the run's end had left to show, now
            self._finish_steps.popleft()()
        if self._run is not None:
            self._run.stop_and_wait()
            self._run = None
        self._charts.timer.stop()
        self._canvas_timer.stop()
        if self._document.locked:
            self._document.set_locked(False)
        self._set_state(IDLE)
        self._prepare_timer.stop()  # a closing window needs no next run
        self._spare_control = None

    # -- worker signals (GUI thread) ---------------------------------------------------------

    def _schedule_canvas_frame(self) -> None:
        # Never pushed back by the next chart frame: restarting it on every tick would
        # starve the canvas whenever a chart frame took longer than half a frame.
        if not self._canvas_timer.isActive():
            self._canvas_timer.start()

    def _on_batch(self, batch: tuple[Snapshot, ...]) -> None:
        """Keep a batch (cheap, no drawing): the frame timer shows it."""
        if not batch:
            return
        self.snapshots.extend(batch)
        self._charts.append(batch)
        for snapshot in batch:
            if snapshot.events:
                self.run_events.extend(snapshot.events)
                self._unlisted += len(snapshot.events)
        self._latest = batch[-1]
        self.batch_received.emit(batch)

    def _show_latest(self) -> None:
        """One frame: the newest snapshot on canvas, progress bar and status bar."""
        self._list_events()
        last, self._latest = self._latest, None
        if last is None:
            return
        self._scene.set_live(last)
        self.live_updates += 1
        self._set_progress(round(last.progress * 1000))
        now = time.monotonic()
        if now - self._last_status >= STATUS_INTERVAL_S:
            self._last_status = now
            self.message.emit(f"Simulated {last.time_s:g} s of {self._duration:g} s")

    def _take_late_events(self, summary: dict[str, Any] | None) -> None:
        """Events the snapshots did not carry, from the summary's complete log.

        A live action applied at a window's boundary just before Stop is in the
        run's log but in no window (no window ran after it). The snapshots'
        events are a prefix of the log, in order, so the rest is its tail.
        """
        logged = (summary or {}).get("events")
        if not isinstance(logged, list) or len(logged) <= len(self.run_events):
            return
        late = []
        for entry in logged[len(self.run_events):]:
            detail = {k: v for k, v in entry.items() if k not in ("time_s", "kind", "target")}
            late.append(RunEvent(float(entry["time_s"]), str(entry["kind"]),
                                 str(entry["target"]), MappingProxyType(detail)))
        self.run_events.extend(late)
        self._unlisted += len(late)
        for event in late:
            self._charts.markers.add(event.kind, event.time_s)

    def _list_events(self) -> None:
        """Hand the events received since the last frame to the Events dock."""
        if self._unlisted:
            batch = self.run_events[-self._unlisted:]
            for listener in self._listeners:
                listener.append(batch)
        self._unlisted = 0

    def _set_progress(self, value: int) -> None:
        """Move the progress bar without its synchronous repaint (a later paint shows it).

        ``QProgressBar.setValue`` calls ``repaint()``: measured at ~5 ms a call
        offscreen, the largest single cost of a frame during a run.
        """
        bar = self._progress
        bar.setUpdatesEnabled(False)
        bar.setValue(value)
        bar.setUpdatesEnabled(True)  # schedules an ordinary (coalesced) update

    def _on_finished(self, summary: dict[str, Any] | None, stopped: bool) -> None:
        """The run ended: its last frame now, the rest in later turns of the event loop."""
        self._take_late_events(summary)
        self._show_latest()
        self._charts.finish_run()
        self.last_summary = summary
        steps: list[Callable[[], None]] = [partial(listener.finish_run, summary)
                                           for listener in self._listeners]
        if summary is not None:
            steps.append(partial(self._results.show_summary, summary, self._names, stopped))
        steps.append(partial(self._announce_finished, stopped))
        steps.append(self.results_ready.emit)
        self._queue_finish_steps(steps)

    def _announce_finished(self, stopped: bool) -> None:
        done = "Run stopped" if stopped else "Run finished"
        self.message.emit(f"{done}: {len(self.snapshots)} windows simulated")
        self.run_finished.emit()

    def _on_failed(self, text: str) -> None:
        self._charts.finish_run()
        self._results.caption.setText(text)
        self.message.emit(text)

    def _on_ended(self) -> None:
        # After the steps the run's end still has to show: idle means all of it is shown.
        self._queue_finish_steps([self._end_run])

    def _end_run(self) -> None:
        if self._run is not None:
            self._run.stop_and_wait()  # the thread has finished: this only joins it
            self._run = None
        self._progress.setVisible(False)
        self._document.set_locked(False)
        self._set_state(IDLE)
        self._prepare_timer.start()  # the next run's control, in an idle turn

    def _queue_finish_steps(self, steps: Iterable[Callable[[], None]]) -> None:
        """Add steps after those pending; the first pending one runs now."""
        idle = not self._finish_steps
        self._finish_steps.extend(steps)
        if idle:
            self._run_finish_step()

    def _run_finish_step(self) -> None:
        """Run one step of the run's end; the next runs in the next turn of the event loop."""
        if not self._finish_steps:
            return
        step = self._finish_steps.popleft()
        try:
            step()
        finally:  # a failing step must not keep the window from becoming idle
            if self._finish_steps:
                # A later turn: the paint and layout this step asked for can come between.
                self._finish_timer.start()
