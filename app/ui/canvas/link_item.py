"""A link on the canvas: an arrow from caller to callee, with its settings and live flow."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.model.document import Link
from app.ui.canvas.node_item import colors_of
from app.ui.layout import NODE_HEIGHT, NODE_WIDTH

if TYPE_CHECKING:
    from app.ui.canvas.node_item import NodeItem

ARROW_LENGTH = 11.0
ARROW_HALF_WIDTH = 5.5
#: Below this zoom arrowheads are not drawn (a design that large is read by its layout).
ARROW_LOD = 0.3
#: Two links between the same pair (A→B and B→A) are drawn side by side, not on top.
PARALLEL_OFFSET = 8.0
#: A link cut by a partition or refused by an open breaker; a half-open breaker.
BROKEN_COLOR = QColor("#dc2626")
PROBING_COLOR = QColor("#f59e0b")
#: The badge on a link in trouble, by run state.
STATE_BADGES = {"cut": "cut", "open": "open", "half_open": "half-open"}
#: Device pixels around a link's bounding rect repainted when it changes (antialiasing).
REPAINT_MARGIN = 2.0



def link_label(link: Link) -> str:
    """The settings worth showing on the arrow: latency, probability, async, weight."""
    parts = []
    if link.latency_ms:
        parts.append(f"{link.latency_ms:g} ms")
    if link.probability is not None and link.probability != 1:
        parts.append(f"p {link.probability:g}")
    if link.weight is not None and link.weight != 1:
        parts.append(f"w {link.weight:g}")
    if link.mode == "async":
        parts.append("async")
    return " · ".join(parts)


class _LinkLabel(QGraphicsSimpleTextItem):
    """Text on a small plate of the canvas colour, so grid and line don't cross it."""

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Plate first, then the text."""
        colors = colors_of(self)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.link_label_bg)
        painter.drawRoundedRect(self.boundingRect().adjusted(-3, -1, 3, 1), 4, 4)
        super().paint(painter, option, widget)  # type: ignore[arg-type]


def _border_point(center: QPointF, towards: QPointF, margin: float = 0.0) -> QPointF:
    """Where the segment from a card's centre towards ``towards`` leaves the card."""
    dx, dy = towards.x() - center.x(), towards.y() - center.y()
    if dx == 0 and dy == 0:
        return QPointF(center)
    half_w, half_h = NODE_WIDTH / 2 + margin, NODE_HEIGHT / 2 + margin
    k = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    k = min(k, 1.0)
    return QPointF(center.x() + dx * k, center.y() + dy * k)


class LinkItem(QGraphicsPathItem):
    """The canvas view of one link; follows its two nodes when they move.

    The item holds the link's geometry, colours, label and click shape, but paints
    nothing itself (``ItemHasNoContents``): the scene draws every link in one pass
    with :func:`paint_links`, under the nodes. One Python ``paint`` call per link
    cost more than the drawing (about 20 µs each: 20 ms for a 1,000-link view).
    """

    def __init__(self, link: Link, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.key = link.key
        self.source = source
        self.target = target
        self.parallel = False  # set by the scene when the reverse link exists
        self._static_text = ""
        self._live_text: str | None = None
        self._asynchronous = False
        #: "cut" (partitioned), "open"/"half_open" (breaker) or None, during a run.
        self._run_state: str | None = None
        self._mid = QPointF()
        self._normal = QPointF()
        self._line = QLineF()
        self._arrow = QPolygonF()
        #: The painted area (x0, y0, x1, y1) in scene coordinates, for culling.
        self._extent = (0.0, 0.0, 0.0, 0.0)
        self._pen_key: tuple[int, float, int] = (0, 0.0, 0)
        self._label_allowed = True  # False when zoomed out too far to read it
        self._label = _LinkLabel(self)
        font = QFont(QGuiApplication.font())
        font.setPixelSize(10)
        self._label.setFont(font)
        self._label.setVisible(False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)  # see paint_links
        self.setZValue(-1)  # under the nodes
        source.links.append(self)
        target.links.append(self)
        self.set_link(link)

    def set_link(self, link: Link) -> None:
        """Show ``link``'s current settings."""
        self._static_text = link_label(link)
        self._asynchronous = link.mode == "async"
        self.refresh_colors()
        self._refresh_label()

    def set_live(self, text: str | None) -> None:
        """Show the live flow over this link (``None``: no run data)."""
        if text != self._live_text:
            self._live_text = text
            self._refresh_label()

    def set_run_state(self, breaker: str | None, partitioned: bool) -> None:
        """Show a partition or a breaker that is not closed (``None``, False: clear)."""
        state = "cut" if partitioned else (breaker if breaker in ("open", "half_open")
                                           else None)
        if state != self._run_state:
            self.repaint_area()
            self.prepareGeometryChange()  # the badge widens the painted area
            self._run_state = state
            self._store_extent()
            self.refresh_colors()

    @property
    def run_state(self) -> str | None:
        """``"cut"``, ``"open"``, ``"half_open"`` or ``None`` (nothing wrong, or no run)."""
        return self._run_state

    @property
    def label_text(self) -> str:
        """What the label shows now (settings and live flow)."""
        return self._label.text()

    def set_label_allowed(self, allowed: bool) -> None:
        """Hide the label when zoomed out too far to read it (and to paint faster)."""
        if allowed != self._label_allowed:
            self._label_allowed = allowed
            self._label.setVisible(allowed and bool(self._label.text()))
            self._place_label()

    def detach(self) -> None:
        """Forget the nodes (before the scene removes this item)."""
        for node in (self.source, self.target):
            if self in node.links:
                node.links.remove(self)

    def refresh_colors(self) -> None:
        """Pen, arrow and label colours from the scene's palette."""
        colors = colors_of(self)
        color = colors.selection if self.isSelected() else colors.link
        pen = QPen(color, 2.5 if self.isSelected() else 1.6)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)  # round caps are slow to rasterise
        if self._asynchronous:
            pen.setStyle(Qt.PenStyle.DashLine)
        if self._run_state is not None and not self.isSelected():
            color = PROBING_COLOR if self._run_state == "half_open" else BROKEN_COLOR
            pen = QPen(color, 2.4, Qt.PenStyle.DashLine, Qt.PenCapStyle.FlatCap)
        self.setPen(pen)
        self.setBrush(color)
        self._pen_key = (pen.color().rgba(), pen.widthF(), int(pen.style().value))
        self.repaint_area()
        self._label.setBrush(colors.node_subtext if not self.isSelected() else colors.selection)
        self._label.update()

    def _refresh_label(self) -> None:
        parts = [p for p in (self._static_text, self._live_text) if p]
        text = "\n".join(parts)
        self._label.setText(text)
        self._label.setVisible(bool(text) and self._label_allowed)
        self._place_label()

    def _place_label(self) -> None:
        if not self._label.isVisible():
            return
        rect = self._label.boundingRect()
        # Beside the line (on its right-hand side), so the arrow stays visible.
        n = self._normal
        off = 4 + abs(n.x()) * rect.width() / 2 + abs(n.y()) * rect.height() / 2
        center = self._mid + self._normal * off
        self._label.setPos(center.x() - rect.width() / 2, center.y() - rect.height() / 2)

    def update_geometry(self) -> None:
        """Recompute the arrow from the nodes' current positions."""
        self.repaint_area()  # where it was
        s_center, t_center = self.source.pos(), self.target.pos()
        line = QLineF(s_center, t_center)
        length = line.length()
        if length < 1e-6:
            self.setPath(QPainterPath())
            self._line, self._arrow = QLineF(), QPolygonF()
            self._store_extent()
            return
        ux, uy = line.dx() / length, line.dy() / length
        normal = QPointF(-uy, ux)
        if self.parallel:
            s_center = s_center + normal * PARALLEL_OFFSET
            t_center = t_center + normal * PARALLEL_OFFSET
        start = _border_point(s_center, t_center, 2.0)
        tip = _border_point(t_center, s_center, 3.0)
        base = QPointF(tip.x() - ux * ARROW_LENGTH, tip.y() - uy * ARROW_LENGTH)
        path = QPainterPath(start)
        path.lineTo(base)
        path.moveTo(tip)
        path.lineTo(base + normal * ARROW_HALF_WIDTH)
        path.lineTo(base - normal * ARROW_HALF_WIDTH)
        path.closeSubpath()
        self._mid = (start + tip) / 2
        self._normal = normal
        self._line = QLineF(start, base)
        self._arrow = QPolygonF([tip, base + normal * ARROW_HALF_WIDTH,
                                 base - normal * ARROW_HALF_WIDTH])
        self.setPath(path)  # for the bounding rect and the click shape
        self._store_extent()
        self.repaint_area()  # where it is now
        self._place_label()

    def _store_extent(self) -> None:
        rect = self.sceneBoundingRect()
        self._extent = (rect.left(), rect.top(), rect.right(), rect.bottom())

    def repaint_area(self) -> None:
        """Ask the scene to redraw this link's area: links are drawn with the background
        (:func:`paint_links`), which the view caches, so that layer is invalidated."""
        scene = self.scene()
        if scene is not None and not getattr(scene, "links_paint_deferred", False):
            scene.invalidate(self.sceneBoundingRect().adjusted(
                -REPAINT_MARGIN, -REPAINT_MARGIN, REPAINT_MARGIN, REPAINT_MARGIN),
                QGraphicsScene.SceneLayer.BackgroundLayer)

    def boundingRect(self) -> QRectF:
        """The arrow, plus room for the state badge while one is shown."""
        rect = super().boundingRect()
        return rect.adjusted(-40, -22, 40, 22) if self._run_state is not None else rect

    def shape(self) -> QPainterPath:
        """A wide band around the arrow, so it is easy to click."""
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        """Recolour on selection."""
        result = super().itemChange(change, value)
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.refresh_colors()
        return result

    def _paint_state_badge(self, painter: QPainter) -> None:
        """A small plate on the line's middle: "cut", "open" or "half-open"."""
        text = STATE_BADGES[self._run_state or ""]
        font = self._label.font()
        painter.setFont(font)
        width = QFontMetricsF(font).horizontalAdvance(text) + 10
        # On the other side of the line from the figures label.
        center = self._mid - self._normal * 10
        plate = QRectF(center.x() - width / 2, center.y() - 8, width, 16)
        painter.setBrush(PROBING_COLOR if self._run_state == "half_open" else BROKEN_COLOR)
        painter.drawRoundedRect(plate, 8, 8)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)


def paint_links(painter: QPainter, links: Iterable[LinkItem], exposed: QRectF) -> None:
    """Draw the links that reach into ``exposed`` (scene coordinates): lines, then
    arrowheads, then state badges (no selection box: the colour shows it).

    Lines are flat-capped and drawn one ``drawLines`` call per pen: filling a path
    that holds the line, or round caps, cost 10-15 times more per link (measured).
    Below :data:`ARROW_LOD` only the lines are drawn; an arrowhead would be a pixel
    or two, and a design that large is read by its layout.
    """
    left, top, right, bottom = exposed.left(), exposed.top(), exposed.right(), exposed.bottom()
    shown = [link for link in links
             if link._extent[2] >= left and link._extent[0] <= right
             and link._extent[3] >= top and link._extent[1] <= bottom and link.isVisible()]
    if not shown:
        return
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    solid: dict[tuple[int, float, int], tuple[QPen, list[QLineF]]] = {}
    for link in shown:
        pen = link.pen()
        if pen.style() != Qt.PenStyle.SolidLine:
            # A dashed line on its own, so its dashes start where the line starts.
            painter.setPen(pen)
            painter.drawLine(link._line)
            continue
        group = solid.get(link._pen_key)
        if group is None:
            solid[link._pen_key] = (pen, [link._line])
        else:
            group[1].append(link._line)
    for pen, lines in solid.values():
        painter.setPen(pen)
        painter.drawLines(lines)
    if QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) < ARROW_LOD:
        return
    painter.setPen(Qt.PenStyle.NoPen)
    for link in shown:
        painter.setBrush(link.brush())
        painter.drawPolygon(link._arrow)
    for link in shown:
        if link._run_state is not None:
            link._paint_state_badge(painter)
