"""Rendering a diagram to an image: the PNG export (previews: :mod:`.preview`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QImage, QPainter, QPen

from app.ui.canvas.scene import DiagramScene
from app.ui.theme import CanvasColors

MARGIN = 30.0
#: Caption text size, in scene pixels (scaled like the diagram).
CAPTION_PX = 12


def _design_rect(scene: DiagramScene) -> QRectF:
    rect = QRectF()
    for item in [*scene.node_items(), *scene.link_items()]:
        rect = rect.united(item.sceneBoundingRect())
        for child in item.childItems():
            if child.isVisible():
                rect = rect.united(child.sceneBoundingRect())
    return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def render_scene(scene: DiagramScene, scale: float = 2.0, max_size: QSize | None = None) -> QImage:
    """The whole design as an image (selection and ports not drawn).

    ``scale`` is device pixels per scene unit; ``max_size`` caps the image,
    shrinking the scale to fit (previews).
    """
    source = _design_rect(scene)
    if source.isEmpty():
        source = QRectF(-200, -100, 400, 200)
    if max_size is not None:
        scale = min(max_size.width() / source.width(), max_size.height() / source.height())
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(scene.colors.background)
    selected = scene.selectedItems()
    scene.clearSelection()
    ports = [node.port for node in scene.node_items() if node.port.isVisible()]
    for port in ports:
        port.setVisible(False)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source,
                 Qt.AspectRatioMode.KeepAspectRatio)
    painter.end()
    for port in ports:
        port.setVisible(True)
    for item in selected:
        item.setSelected(True)
    return image


def with_caption(image: QImage, caption: str, scale: float, colors: CanvasColors) -> QImage:
    """``image`` with a band of text under it (what the figures on the diagram are)."""
    font = QFont(QGuiApplication.font())
    font.setPixelSize(max(1, round(CAPTION_PX * scale)))
    metrics = QFontMetricsF(font)
    pad = round(8 * scale)
    width = image.width()
    text_rect = QRectF(pad, 0, width - 2 * pad, 10_000)
    bounds = metrics.boundingRect(text_rect, int(Qt.TextFlag.TextWordWrap), caption)
    band = round(bounds.height()) + 2 * pad
    out = QImage(QSize(width, image.height() + band), image.format())
    out.fill(colors.background)
    painter = QPainter(out)
    painter.drawImage(0, 0, image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(QPen(colors.grid_major, 1))
    painter.drawLine(0, image.height(), width, image.height())
    painter.setFont(font)
    painter.setPen(colors.node_text)
    painter.drawText(QRectF(pad, image.height() + pad, width - 2 * pad, band - 2 * pad),
                     int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), caption)
    painter.end()
    return out


def export_png(
    scene: DiagramScene, path: Path, scale: float = 2.0, caption: str | None = None
) -> QSize:
    """Write the diagram to ``path`` as PNG, with ``caption`` under it; returns the size."""
    image = render_scene(scene, scale)
    if caption:
        image = with_caption(image, caption, scale, scene.colors)
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]  # str works; stubs say bytes
        raise OSError(f"could not write {path}")
    return image.size()
