"""The design's diagram for a report, drawn by the canvas's own scene in light colours."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyleFactory

from app.model.errors import DocumentError
from app.model.fileformat import loads
from app.reports.render.canvas import PAPER
from app.ui.canvas.export import render_scene
from app.ui.canvas.scene import DiagramScene
from app.ui.document import EditorDocument
from app.ui.theme import CanvasColors


def diagram_image(design_text: str, summary: dict[str, Any] | None,
                  max_px: int = 1600) -> QImage | None:
    """The diagram of ``design_text`` with the run's figures on it, or None if it cannot be read.

    Colours come from Fusion's light palette, so a report printed from a dark-themed
    app is still dark ink on white paper.
    """
    try:
        model = loads(design_text)
    except (DocumentError, ValueError):
        return None
    document = EditorDocument(model)
    scene = DiagramScene(document)
    style = QStyleFactory.create("Fusion")
    light = CanvasColors.from_palette(style.standardPalette())
    # No grid on paper: it is for placing boxes, and it costs ink (and JPEG bytes).
    scene.colors = dataclasses.replace(light, background=PAPER, grid_minor=PAPER,
                                       grid_major=PAPER, link_label_bg=PAPER)
    for node in scene.node_items():
        node.refresh_colors()
    for link in scene.link_items():
        link.refresh_colors()
    if summary is not None and not summary.get("stopped_during_warmup"):
        scene.set_summary(summary)
    image = render_scene(scene, scale=2.0)
    if max(image.width(), image.height()) > max_px:
        image = image.scaled(min(image.width(), max_px), min(image.height(), max_px),
                             Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    scene.deleteLater()
    document.deleteLater()
    return image

