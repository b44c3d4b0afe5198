"""The canvas widget: zoom, pan, fit, rubber-band selection and palette drops."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QMenu, QWidget

from app.ui.canvas.link_item import LinkItem
from app.ui.canvas.node_item import DETAIL_LOD, NodeItem
from app.ui.canvas.scene import DiagramScene
from app.ui.palette import component_type_from_mime

ZOOM_STEP = 1.15
MIN_ZOOM = 0.05
MAX_ZOOM = 4.0
#: Fit to view never magnifies beyond this: one small design should not fill the screen.
MAX_FIT_ZOOM = 1.25


class DiagramView(QGraphicsView):
    """Shows a :class:`DiagramScene`; objectName ``canvas``."""

    #: A component was added by a drop from the palette (its id).
    component_dropped = Signal(str)
    zoom_changed = Signal(float)

    def __init__(self, scene: DiagramScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("canvas")
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # The background (grid and every link: DiagramScene.drawBackground) is kept in a
        # device pixmap and redrawn only where it changes: a link that changes
        # invalidates its area (LinkItem.repaint_area); zoom and resize redraw it all.
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self._pan_origin: QPoint | None = None
        #: Builds the context menu of a node or link (the window sets it); ``None``: none.
        self.context_menu_provider: Callable[[QGraphicsItem], QMenu | None] | None = None
        #: The context menu shown last (kept alive while it is open; tests read it).
        self.context_menu: QMenu | None = None
        self.zoom_changed.connect(lambda zoom: scene.set_detail(zoom >= DETAIL_LOD))

    def diagram_scene(self) -> DiagramScene:
        """The scene, typed."""
        scene = self.scene()
        assert isinstance(scene, DiagramScene)
        return scene

    # -- zoom and pan ------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        """Current scale factor (1 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor_under_mouse: bool = False) -> None:
        """Scale to ``zoom`` (clamped), around the mouse or the view centre."""
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        anchor = (QGraphicsView.ViewportAnchor.AnchorUnderMouse if anchor_under_mouse
                  else QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setTransformationAnchor(anchor)
        factor = zoom / self.zoom
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.zoom_changed.emit(self.zoom)

    def zoom_in(self) -> None:
        """One step closer (Ctrl++)."""
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        """One step further (Ctrl+-)."""
        self.set_zoom(self.zoom / ZOOM_STEP)

    def reset_zoom(self) -> None:
        """Back to 100 %."""
        self.set_zoom(1.0)

    def fit_to_view(self) -> None:
        """Show the whole design (Ctrl+0)."""
        scene = self.diagram_scene()
        nodes = scene.node_items()
        if not nodes:
            self.resetTransform()
            self.centerOn(0, 0)
            self.zoom_changed.emit(self.zoom)
            return
        bounds = QRectF()
        for node in nodes:
            bounds = bounds.united(node.sceneBoundingRect())
        bounds.adjust(-40, -40, 40, 40)
        self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > MAX_FIT_ZOOM:
            self.set_zoom(MAX_FIT_ZOOM)
            self.centerOn(bounds.center())
        self.zoom_changed.emit(self.zoom)

    def visible_center(self) -> QPointF:
        """The scene point at the middle of the viewport (where double-click adds)."""
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        """The wheel zooms around the cursor (Shift+wheel and trackpads scroll)."""
        delta = event.angleDelta().y()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier or delta == 0:
            super().wheelEvent(event)
            return
        self.set_zoom(self.zoom * ZOOM_STEP ** (delta / 120), anchor_under_mouse=True)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """The middle button pans."""
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_origin = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Pan while the middle button is held."""
        if self._pan_origin is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_origin
            self._pan_origin = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End a pan."""
        if self._pan_origin is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_origin = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- context menu ------------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right-click on a node or link: its menu (live faults during a run)."""
        item = self.itemAt(event.pos())
        while item is not None and not isinstance(item, NodeItem | LinkItem):
            item = item.parentItem()  # a port, a link's label
        provider = self.context_menu_provider
        menu = provider(item) if item is not None and provider is not None else None
        if menu is None:
            super().contextMenuEvent(event)
            return
        if self.context_menu is not None:
            self.context_menu.deleteLater()
        self.context_menu = menu
        menu.popup(event.globalPos())  # not exec(): the run's frames keep coming
        event.accept()

    # -- drops from the palette --------------------------------------------------------------

    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        mime = event.mimeData()
        return (
            mime is not None
            and component_type_from_mime(mime) is not None
            and not self.diagram_scene().document.locked
        )

    def _answer_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        if self._accepts(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept palette items (and nothing else)."""
        self._answer_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting while over the canvas."""
        self._answer_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Create the component at the drop point (snapped to the grid)."""
        if not self._accepts(event):
            event.ignore()
            return
        type_key = component_type_from_mime(event.mimeData())
        assert type_key is not None
        pos = self.mapToScene(event.position().toPoint())
        scene = self.diagram_scene()
        if scene.snap_to_grid:
            g = scene.grid_size
            pos = QPointF(round(pos.x() / g) * g, round(pos.y() / g) * g)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        new_id = scene.document.add_component(type_key, (pos.x(), pos.y()))
        if new_id is not None:
            scene.select_components([new_id])
            self.component_dropped.emit(new_id)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """On an empty canvas, say how to start."""
        if self.diagram_scene().node_items():
            return
        painter.save()
        painter.resetTransform()  # viewport coordinates: the hint does not zoom
        colors = self.diagram_scene().colors
        painter.setPen(colors.node_subtext)
        font = painter.font()
        font.setPixelSize(15)
        painter.setFont(font)
        painter.drawText(
            self.viewport().rect().adjusted(40, 40, -40, -40),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            "Drag components here from the palette, or double-click one.\n"
            "Connect them by dragging from a component's port (the circle on its right).\n"
            "File ▸ New… starts from a ready-made architecture.",
        )
        painter.restore()

    # -- palette changes ---------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        """Follow a light/dark switch."""
        if event.type() == QEvent.Type.PaletteChange:
            self.diagram_scene().refresh_colors()
        super().changeEvent(event)
