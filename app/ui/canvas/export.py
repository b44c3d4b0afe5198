"""Rendering a diagram to an image: the PNG export (previews: :mod:`.preview`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from app.ui.canvas.scene import DiagramScene

MARGIN = 30.0


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


def export_png(scene: DiagramScene, path: Path, scale: float = 2.0) -> QSize:
    """Write the diagram to ``path`` as PNG; returns the image size."""
    image = render_scene(scene, scale)
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]  # str works; stubs say bytes
        raise OSError(f"could not write {path}")
    return image.size()
