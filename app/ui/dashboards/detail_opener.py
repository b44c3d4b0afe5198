"""Double-click a node once a run has data: its :class:`ComponentDetail` opens.

Before any run a double-click on the canvas does what it always did (it
passes through untouched). One detail view per component: double-clicking a
node whose view is open brings that view to the front. Open views follow the
runs of the window, and close when the design is replaced (New, Open).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsItem, QWidget

from app.engine.snapshot import Snapshot
from app.ui.canvas import DiagramView
from app.ui.canvas.node_item import NodeItem
from app.ui.crosshair import Crosshair
from app.ui.dashboards.detail import ComponentDetail
from app.ui.document import EditorDocument
from app.ui.run_controller import IDLE, RunController


def node_at(item: QGraphicsItem | None) -> NodeItem | None:
    """The node an item belongs to (a node's label or port is part of it)."""
    while item is not None and not isinstance(item, NodeItem):
        item = item.parentItem()
    return item


class ComponentDetails(QObject):
    """Opens and feeds the detail views of one window."""

    def __init__(self, view: DiagramView, runner: RunController, document: EditorDocument,
                 crosshair: Crosshair | None, parent: QWidget) -> None:
        super().__init__(parent)
        self._view = view
        self._runner = runner
        self._document = document
        self._crosshair = crosshair
        self._window = parent
        #: Open views by component id.
        self.views: dict[str, ComponentDetail] = {}
        view.viewport().installEventFilter(self)
        runner.run_started.connect(self._on_run_started)
        runner.batch_received.connect(self._on_batch)
        runner.run_finished.connect(self._on_run_finished)
        document.document_reset.connect(self.close_all)

    def has_run_data(self) -> bool:
        """Whether there is a run to show (one going, or the last one's windows)."""
        return self._runner.state != IDLE or bool(self._runner.snapshots)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Take a double-click on a node when a run has data; let anything else through."""
        if (event.type() == QEvent.Type.MouseButtonDblClick
                and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton and self.has_run_data()):
            node = node_at(self._view.itemAt(event.position().toPoint()))
            if node is not None and self.open(node.component_id) is not None:
                return True
        return super().eventFilter(watched, event)

    def open(self, component_id: str) -> ComponentDetail | None:
        """Show the detail view of a component (``None``: no such component)."""
        if not self._document.has_component(component_id):
            return None
        detail = self.views.get(component_id)
        if detail is None:
            detail = ComponentDetail(component_id, self._document.model, self._crosshair,
                                     self._window)
            detail.restart(self._runner.snapshots, self._runner.run_events)
            detail.finished.connect(lambda _r, cid=component_id: self._forget(cid))
            self.views[component_id] = detail
        detail.redraw()
        detail.show()
        detail.raise_()
        return detail

    def _forget(self, component_id: str) -> None:
        detail = self.views.pop(component_id, None)
        if detail is not None:
            detail.detach()
            detail.deleteLater()

    def close_all(self) -> None:
        """Close every view (the design was replaced)."""
        for detail in list(self.views.values()):
            detail.close()
            self._forget(detail.component_id)

    def redraw(self) -> None:
        """The redraw timer's tick."""
        for detail in self.views.values():
            detail.redraw()

    def _on_run_started(self) -> None:
        for detail in self.views.values():
            detail.restart()

    def _on_batch(self, batch: Sequence[Snapshot]) -> None:
        for detail in self.views.values():
            detail.append(batch)

    def _on_run_finished(self) -> None:
        # The run's complete log: events after the last window are only in the summary.
        for detail in self.views.values():
            detail.set_events(self._runner.run_events)
            detail.redraw()
