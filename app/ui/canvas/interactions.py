"""Mouse interactions on the canvas that are more than Qt's select-and-move.

:class:`ConnectInteraction` is the rubber line drawn from a node's port while
the user looks for a target. It only *asks*: the scene hands the finished
pair to the document, which refuses invalid links and pushes the command.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene

from app.ui.canvas.node_item import NodeItem
from app.ui.theme import CanvasColors


class ConnectInteraction:
    """A link being dragged out of ``source``'s port.

    ``refusal`` says why a target is invalid (``None``: valid); the target
    under the cursor is outlined green or red accordingly.
    """

    def __init__(
        self,
        scene: QGraphicsScene,
        source: NodeItem,
        colors: CanvasColors,
        refusal: Callable[[str, str], str | None],
    ) -> None:
        self._scene = scene
        self.source = source
        self._refusal = refusal
        self._colors = colors
        self._hovered: NodeItem | None = None
        start = source.port_scene_pos()
        self._line = QGraphicsLineItem(QLineF(start, start))
        pen = QPen(colors.selection, 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._line.setPen(pen)
        self._line.setZValue(10)  # above everything while dragging
        scene.addItem(self._line)

    def _node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self._scene.items(pos):
            node = item if isinstance(item, NodeItem) else item.parentItem()
            if isinstance(node, NodeItem) and node is not self.source:
                return node
        return None

    def move(self, pos: QPointF) -> None:
        """Follow the cursor; outline the node under it as a valid or invalid target."""
        self._line.setLine(QLineF(self._line.line().p1(), pos))
        node = self._node_at(pos)
        if node is not self._hovered and self._hovered is not None:
            self._hovered.set_connect_state(None)
        self._hovered = node
        if node is not None:
            ok = self._refusal(self.source.component_id, node.component_id) is None
            node.set_connect_state("valid" if ok else "invalid")
        pen = self._line.pen()
        refused = node is not None and self._refusal(
            self.source.component_id, node.component_id) is not None
        pen.setColor(self._colors.invalid_target if refused else self._colors.selection)
        self._line.setPen(pen)

    def finish(self, pos: QPointF) -> tuple[str, str] | None:
        """End the drag at ``pos``: the (source, target) pair, or ``None`` if nothing is there."""
        self.move(pos)
        node = self._hovered
        self.cancel()
        if node is None:
            return None
        return (self.source.component_id, node.component_id)

    def cancel(self) -> None:
        """Remove the rubber line and the target outline."""
        if self._hovered is not None:
            self._hovered.set_connect_state(None)
            self._hovered = None
        if self._line.scene() is not None:
            self._scene.removeItem(self._line)
