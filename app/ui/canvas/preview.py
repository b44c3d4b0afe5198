"""Template previews: a design drawn as a readable schematic at thumbnail size.

Shrinking the canvas to a 300 px thumbnail made its 12 px names 3 px tall
and left a five-card chain as a thin strip in a tall box. A preview instead
keeps the design's arrangement (columns and rows) but draws every card at a
size that fits its cell, with the icon and the name in a fixed 10 px font, in
the canvas colours (so the contrast is the canvas's), filling the thumbnail.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QImage, QPainter, QPen, QPolygonF

from app.model.document import Document
from app.ui.icons import component_pixmap
from app.ui.layout import COLUMN_STEP, NODE_HEIGHT, NODE_WIDTH, ROW_STEP, arrange_piled
from app.ui.theme import CanvasColors

#: Pixel size of the names in a preview: small, but read without squinting.
PREVIEW_FONT_PX = 10
#: Largest card in a preview (a design of one or two components).
MAX_CARD = QSize(110, 64)
#: Share of its cell a card takes (the rest is room for the arrows).
CARD_SHARE = 0.92
PADDING = 8.0


@dataclass(frozen=True)
class PreviewLayout:
    """Where each card goes in a preview of ``size``, and how its text is drawn."""

    size: QSize
    cards: dict[str, QRectF]
    names: dict[str, list[str]]  # up to two lines per card, elided if they must be
    font: QFont
    icon_px: int


def _font() -> QFont:
    font = QFont(QGuiApplication.font())
    font.setPixelSize(PREVIEW_FONT_PX)
    return font


def _wrap(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """``text`` on at most two lines of ``width``: words kept whole, the rest elided."""
    words = text.split()
    first = ""
    while words and metrics.horizontalAdvance(f"{first} {words[0]}".strip()) <= width:
        first = f"{first} {words.pop(0)}".strip()
    if not first:  # one long word: elide it on the first line
        return [metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)]
    if not words:
        return [first]
    return [first, metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)]


def _pitch(centres: list[tuple[float, float]], along: int, default: float) -> float:
    """Smallest distance between neighbouring cards along an axis (0: x, 1: y)."""
    across, card_across = (1, NODE_HEIGHT) if along == 0 else (0, NODE_WIDTH)
    gaps = [abs(a[along] - b[along]) for a, b in combinations(centres, 2)
            if abs(a[across] - b[across]) < card_across and abs(a[along] - b[along]) > 1]
    return min(gaps, default=default)


def preview_layout(model: Document, size: QSize) -> PreviewLayout:
    """Card rectangles and name lines for a preview of ``model`` at ``size``."""
    moves = arrange_piled(model)  # a file without positions previews laid out, too
    centres = {c.id: moves[c.id][1] if c.id in moves else (float(c.position[0]),
                                                           float(c.position[1]))
               for c in model.components}
    points = list(centres.values())
    font = _font()
    if not points:
        return PreviewLayout(size, {}, {}, font, 0)
    dx = _pitch(points, 0, COLUMN_STEP)
    dy = _pitch(points, 1, ROW_STEP)
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    # One scale per axis: a preview shows the arrangement, and a wide chain then
    # fills the box instead of sitting in a strip across its middle.
    sx = (size.width() - 2 * PADDING) / (max_x - min_x + dx)
    sy = (size.height() - 2 * PADDING) / (max_y - min_y + dy)
    card_w = min(MAX_CARD.width(), CARD_SHARE * dx * sx)
    card_h = min(MAX_CARD.height(), CARD_SHARE * dy * sy)
    used_w = (max_x - min_x) * sx + card_w
    used_h = (max_y - min_y) * sy + card_h
    left = (size.width() - used_w) / 2 + card_w / 2
    top = (size.height() - used_h) / 2 + card_h / 2
    metrics = QFontMetricsF(font)
    line_h = metrics.height()
    # The icon takes what the name lines leave, between 12 and 22 px.
    icon_px = int(max(12, min(22, card_h - 2 * line_h - 8)))
    cards, names = {}, {}
    for comp in model.components:
        x, y = centres[comp.id]
        cx, cy = left + (x - min_x) * sx, top + (y - min_y) * sy
        cards[comp.id] = QRectF(cx - card_w / 2, cy - card_h / 2, card_w, card_h)
        lines = _wrap(comp.display_name, metrics, card_w - 4)
        if card_h < icon_px + 2 * line_h + 8:
            lines = lines[:1]
        names[comp.id] = lines
    return PreviewLayout(size, cards, names, font, icon_px)


def preview_image(model: Document, size: QSize, colors: CanvasColors | None = None) -> QImage:
    """A schematic thumbnail of a design (the template gallery's previews)."""
    colors = colors or CanvasColors.from_palette()
    layout = preview_layout(model, size)
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colors.background)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    painter.setPen(QPen(colors.link, 1.2))
    painter.setBrush(colors.link)
    for link in model.links:
        source, target = layout.cards.get(link.source), layout.cards.get(link.target)
        if source is not None and target is not None and link.source != link.target:
            _arrow(painter, source, target)
    painter.setFont(layout.font)
    line_h = QFontMetricsF(layout.font).height()
    for comp in model.components:
        rect = layout.cards[comp.id]
        painter.setPen(QPen(colors.node_border, 1))
        painter.setBrush(colors.node_fill)
        painter.drawRoundedRect(rect, 5, 5)
        lines = layout.names[comp.id]
        block = layout.icon_px + 3 + line_h * len(lines)
        y = rect.center().y() - block / 2
        icon = QRectF(rect.center().x() - layout.icon_px / 2, y, layout.icon_px, layout.icon_px)
        device = max(12, round(layout.icon_px * 2))
        painter.drawPixmap(icon, component_pixmap(comp.type, device), QRectF(0, 0, device, device))
        painter.setPen(colors.node_text)
        y += layout.icon_px + 3
        for line in lines:
            painter.drawText(QRectF(rect.left() + 2, y, rect.width() - 4, line_h),
                             Qt.AlignmentFlag.AlignCenter, line)
            y += line_h
    painter.end()
    return image


def _edge_point(rect: QRectF, towards: QPointF) -> QPointF:
    """Where the line from ``rect``'s centre to ``towards`` leaves the rectangle."""
    centre = rect.center()
    dx, dy = towards.x() - centre.x(), towards.y() - centre.y()
    scales = [rect.width() / 2 / abs(dx) if dx else float("inf"),
              rect.height() / 2 / abs(dy) if dy else float("inf")]
    t = min(1.0, *scales)
    return QPointF(centre.x() + dx * t, centre.y() + dy * t)


def _arrow(painter: QPainter, source: QRectF, target: QRectF) -> None:
    """A straight arrow from ``source``'s edge to ``target``'s, pointing at ``target``."""
    start = _edge_point(source, target.center())
    end = _edge_point(target, source.center())
    direction = end - start
    length = (direction.x() ** 2 + direction.y() ** 2) ** 0.5
    if length < 1:
        return
    painter.drawLine(start, end)
    ux, uy = direction.x() / length, direction.y() / length
    head = min(5.0, length / 2)
    painter.drawPolygon(QPolygonF([
        end,
        QPointF(end.x() - head * ux - head * 0.5 * uy, end.y() - head * uy + head * 0.5 * ux),
        QPointF(end.x() - head * ux + head * 0.5 * uy, end.y() - head * uy - head * 0.5 * ux),
    ]))
