"""The analytic model while editing: predictions in the inspector and marks on the canvas.

:class:`DesignPredictions` recomputes the model shortly after each edit (the
same debounce as validation) when the design is valid. The work (validation
and :func:`~app.analysis.model.analyze`, ~45 ms of CPU for a 500-component
design here) runs on a worker thread: the GUI thread only pickles the design
(~2 ms at 500 components) so the worker has its own copy, and applies the
answer. A stale answer (the design changed since) is dropped.

Marks: a component whose offered utilization ρ is at least 1 is **saturated**
(red plate); at least :data:`BUSY_UTILIZATION` it is **busy** (amber), where
queues grow quickly with any more load.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from app.analysis.model import analyze
from app.model.document import Document
from app.model.validation import validate
from app.ui.canvas.scene import DiagramScene
from app.ui.document import EditorDocument
from app.ui.inspector import InspectorPanel

log = logging.getLogger(__name__)

#: Wait after the last edit before recomputing (the main window's validation delay).
PREDICTION_DELAY_MS: Final = 150
#: How often the GUI looks for the worker's answer while one is pending.
POLL_MS: Final = 15
#: Offered utilization from which a component is marked busy (the seed's alert level).
BUSY_UTILIZATION: Final = 0.85


def predict(design: bytes, base_dir: Path | None = None) -> dict[str, Any] | None:
    """The ``analytic`` summary of a pickled design, or ``None`` when it is not valid.

    ``base_dir``: the design's folder (trace workloads). Runs on the worker
    thread: it touches no Qt object.
    """
    doc: Document = pickle.loads(design)  # our own bytes, pickled just now
    if validate(doc):
        return None
    try:
        return analyze(doc, base_dir=base_dir).to_summary()
    except (ArithmeticError, ValueError):  # a numerical corner: no figures, no failure
        log.debug("The analytic model could not evaluate the design", exc_info=True)
        return None


def mark_for(pred: Mapping[str, Any] | None) -> tuple[str, str, str] | None:
    """The canvas mark of one prediction: (level, plate text, tooltip line), or ``None``."""
    if not pred:
        return None
    rho = pred.get("offered_utilization")
    if pred.get("saturated") or (rho is not None and rho >= 1.0):
        rho_text = "ρ ≥ 100%" if rho is None else f"ρ {rho:.0%}"
        return ("saturated", rho_text,
                f"Predicted saturated: {rho_text} (queueing model). The offered load is at "
                "or above capacity: add replicas or workers, or lower the load.")
    if rho is not None and rho >= BUSY_UTILIZATION:
        return ("busy", f"ρ {rho:.0%}",
                f"Predicted busy: ρ {rho:.0%} (queueing model). Queues grow quickly with "
                "any more load.")
    return None


class DesignPredictions(QObject):
    """Keeps the analytic model of the design being edited, off the GUI thread."""

    #: New predictions were applied: the ``analytic`` summary, or ``None`` (invalid design).
    changed = Signal(object)

    def __init__(self, document: EditorDocument, scene: DiagramScene,
                 inspector: InspectorPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._scene = scene
        self._inspector = inspector
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analytic")
        self._pending: Future[dict[str, Any] | None] | None = None
        self._generation = 0
        self._pending_generation = 0
        #: The latest predictions (``analytic`` summary), ``None`` when the design is invalid.
        self.current: dict[str, Any] | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PREDICTION_DELAY_MS)
        self._debounce.timeout.connect(self.recompute)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._collect)
        # The worker thread ends with the window (an answer still to come is dropped).
        executor = self._executor
        self.destroyed.connect(lambda *_: executor.shutdown(wait=False, cancel_futures=True))
        document.changed.connect(self._on_edit)
        document.document_reset.connect(self._on_edit)
        self._on_edit()

    @property
    def busy(self) -> bool:
        """Whether an answer is still to come (an edit waits or the worker computes)."""
        return self._debounce.isActive() or self._pending is not None

    def shutdown(self) -> None:
        """Stop the timers and let the worker end (its answer is dropped)."""
        self._debounce.stop()
        self._poll.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _on_edit(self, *_args: object) -> None:
        self._generation += 1
        self._debounce.start()

    def recompute(self) -> None:
        """Hand the current design to the worker now (the debounce calls this)."""
        if self._pending is not None:  # one at a time: the next starts when it lands
            self._debounce.start()
            return
        design = pickle.dumps(self._document.model)
        self._pending_generation = self._generation
        try:
            path = self._document.path
            self._pending = self._executor.submit(
                predict, design, path.parent if path is not None else None)
        except RuntimeError:  # shut down: the window is closing
            return
        self._poll.start()

    def _collect(self) -> None:
        future = self._pending
        if future is None or not future.done():
            return
        self._poll.stop()
        self._pending = None
        if future.cancelled():
            return
        try:
            result = future.result()
        except Exception:  # a bug in the model must not take the editor down
            log.exception("The analytic model failed on the design")
            result = None
        if self._pending_generation != self._generation:
            return  # the design changed meanwhile: the debounce brings a fresh answer
        self._apply(result)

    def _apply(self, result: dict[str, Any] | None) -> None:
        self.current = result
        comps: Mapping[str, Any] = (result or {}).get("components") or {}
        for component in self._document.model.components:
            item = self._scene.node_item(component.id)
            if item is not None:
                mark = mark_for(comps.get(component.id))
                item.set_prediction(*(mark or (None,)))
        self._inspector.set_predictions(comps if result is not None else None)
        self.changed.emit(result)
