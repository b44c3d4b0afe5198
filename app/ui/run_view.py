"""What the window shows of a run around the run itself: which dock is in front,
the summary left on the canvas, and forgetting a run when the design is replaced.

The :class:`~app.ui.run_controller.RunController` drives a run; this keeps the
rest of the window in step with it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget

from app.ui.canvas.scene import DiagramScene
from app.ui.charts import REVEAL_INTERVAL_MS, ChartsPanel
from app.ui.document import EditorDocument
from app.ui.palette import PaletteWidget
from app.ui.results import ResultsPanel, figures_caption, stopped_during_warmup
from app.ui.run_controller import IDLE, RUNNING, RunController, chart_components


def is_out_of_view(dock: QDockWidget) -> bool:
    """Whether none of ``dock`` can be seen: hidden, or a tab behind another dock.

    A dock tabbed behind another still says ``isVisible()``.
    """
    return dock.isHidden() or dock.visibleRegion().isEmpty()


def bring_to_front(dock: QDockWidget) -> None:
    """Show ``dock`` and, when it is a tab behind another dock, make it the current tab.

    Raising one already in front is skipped: it re-lays out the plots, a stall
    right when Run is pressed.
    """
    if dock.isHidden():
        dock.show()
    if dock.visibleRegion().isEmpty():
        dock.raise_()


class RunView(QObject):
    """Keeps docks, canvas figures and results in step with the runs of one window."""

    def __init__(
        self,
        document: EditorDocument,
        runner: RunController,
        *,
        scene: DiagramScene,
        charts: ChartsPanel,
        results: ResultsPanel,
        charts_dock: QDockWidget,
        results_dock: QDockWidget,
        palette: PaletteWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._runner = runner
        self._scene = scene
        self._charts = charts
        self._results = results
        self._charts_dock = charts_dock
        self._results_dock = results_dock
        self._palette = palette
        self._charts_idle_hint = charts.hint.text()  # shown again after File ▸ New
        #: What the figures on the canvas are (a finished run's summary), for the PNG.
        self.figures_caption: str | None = None
        # What a run changes on screen besides Run's own work comes in later turns, a
        # frame apart, so that each one's layout and paint is a turn of its own: the
        # palette greyed out (every glyph redrawn disabled), then the Charts dock
        # brought to the front (laid out and painted; its plots follow one a frame).
        # In Run's turn they doubled its stall, and together they were the longest
        # pause after it (issue #14). An owned timer: it never fires after we are gone.
        self._press_steps: deque[Callable[[], None]] = deque()
        self._press_timer = QTimer(self)
        self._press_timer.setSingleShot(True)
        self._press_timer.timeout.connect(self._next_press_step)
        runner.state_changed.connect(self._on_run_state)
        runner.run_finished.connect(self._on_run_finished)
        runner.results_ready.connect(self._raise_results)
        document.document_reset.connect(self._on_reset)

    def _on_run_state(self, state: str) -> None:
        if state != IDLE:
            self.figures_caption = None  # live figures of one window now, not a summary
        if state == RUNNING:
            steps: list[Callable[[], None]] = [self._bring_charts_to_front]
            if self._palette is not None:
                steps.insert(0, self._grey_out_palette)
            self._press_steps = deque(steps)
            self._press_timer.start(0)
        elif state == IDLE:
            self._press_timer.stop()
            self._press_steps.clear()

    @property
    def press_steps_pending(self) -> int:
        """What the Run press still has to show, in later turns (tests)."""
        return len(self._press_steps)

    def _next_press_step(self) -> None:
        if self._press_steps:
            self._press_steps.popleft()()
        if self._press_steps:
            self._press_timer.start(REVEAL_INTERVAL_MS)  # a frame: this step's paint first

    def _grey_out_palette(self) -> None:
        # No drags or adds during a run (the document refuses them anyway).
        if self._palette is not None and self._document.locked:
            self._palette.set_enabled_for_editing(False)

    def _bring_charts_to_front(self) -> None:
        # Not once the run has ended: its results are in front then.
        if self._runner.state != IDLE and self._runner.last_summary is None:
            if is_out_of_view(self._charts_dock):
                self._charts.reveal_in_turns()  # its first paint: no plot; one a frame after
            bring_to_front(self._charts_dock)

    def _on_run_finished(self) -> None:
        summary = self._runner.last_summary
        if summary is not None and not stopped_during_warmup(summary):
            # What stays on the canvas (and goes into an exported PNG) is the run's
            # summary, not the figures of its last window.
            self._scene.set_summary(summary)
            self.figures_caption = figures_caption(summary)
        else:
            self._scene.clear_live()
            self.figures_caption = None

    def _raise_results(self) -> None:
        bring_to_front(self._results_dock)

    def _on_reset(self) -> None:
        if self._runner.state == IDLE:
            self.forget_run()

    def forget_run(self) -> None:
        """New or Open: the previous design's run results no longer belong on screen."""
        runner = self._runner
        runner.forget_events()
        if not runner.snapshots and runner.last_summary is None:
            return
        runner.snapshots = []
        runner.last_summary = None
        self.figures_caption = None
        self._results.clear_results()
        self._scene.clear_live()  # the items are rebuilt anyway; this keeps it explicit
        # An empty run through the charts' public API empties every curve.
        self._charts.start_run(chart_components(self._document.model), 0)
        self._charts.finish_run()
        self._charts.hint.setText(self._charts_idle_hint)
