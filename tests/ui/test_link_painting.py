"""Links are drawn by the scene in one pass (under the nodes) and redrawn where they change.

The link items paint nothing themselves (``ItemHasNoContents``); the scene draws
every link with the background, which the view caches. These tests read pixels
of the canvas, so a link that changes but whose area is not invalidated shows
up as a stale (or missing) line.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QGraphicsItem

from app.model.document import Component, Document, Link, Workload


def _design() -> Document:
    return Document(name="Two", components=[
        Component("users", "client", "Users", (0.0, 10.0),
                  workload=Workload("poisson", rate_rps=10.0)),
        Component("web", "web_server", "Web", (610.0, 10.0)),
    ], links=[Link("users", "web")])


def _canvas(window) -> QImage:  # type: ignore[no-untyped-def]
    for _ in range(3):
        QApplication.processEvents()
    return window.view.viewport().grab().toImage()


def _color_at(window, scene_point: QPointF) -> QColor:  # type: ignore[no-untyped-def]
    image = _canvas(window)
    return image.pixelColor(window.view.mapFromScene(scene_point))


def _near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3],
                                                        strict=True))


def test_links_are_painted_by_the_scene_and_follow_changes(window) -> None:  # type: ignore[no-untyped-def]
    window.document.reset(_design())
    window.view.reset_zoom()
    window.view.centerOn(305, 100)
    scene = window.scene
    link = scene.link_item(("users", "web"))
    assert link is not None
    assert link.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    middle = QPointF(305, 10)  # on the line, between the two cards, off the grid
    background = scene.colors.background
    assert not _near(_color_at(window, middle), background, 20)  # the line is drawn

    link.setSelected(True)  # recoloured: the cached background is redrawn there
    assert _near(_color_at(window, middle), scene.colors.selection)
    link.setSelected(False)
    assert not _near(_color_at(window, middle), scene.colors.selection, 20)

    # The target moves down: the old middle is background again, the new one is drawn.
    web = scene.node_item("web")
    web.setPos(QPointF(610, 410))
    assert _near(_color_at(window, middle), background, 8)
    assert not _near(_color_at(window, QPointF(305, 210)), background, 20)

    window.document.delete_items([], [("users", "web")])  # removed: erased
    assert _near(_color_at(window, QPointF(305, 210)), background, 8)
