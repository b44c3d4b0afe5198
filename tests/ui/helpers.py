"""Helpers for the GUI tests: designs, and acting on the canvas like a user."""

from __future__ import annotations

import warnings
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.model.document import Component, Document, Link, SimulationSettings, Workload


def small_design(rate_rps: float = 200.0, duration_s: float = 20.0) -> Document:
    """Five components in a chain: users -> lb -> web -> cache -> db."""
    return Document(
        name="Small design",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=rate_rps)),
            Component("lb", "load_balancer", "LB", (200.0, 0.0)),
            Component("web", "web_server", "Web", (400.0, 0.0), replicas=2),
            Component("cache", "cache", "Cache", (600.0, 0.0)),
            Component("db", "database", "DB", (800.0, 0.0)),
        ],
        links=[
            Link("users", "lb", latency_ms=10.0),
            Link("lb", "web"),
            Link("web", "cache"),
            Link("cache", "db", latency_ms=1.0),
        ],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=2.0, seed=7),
    )


def send_palette_drop(view, mime: QMimeData, viewport_pos: QPoint) -> bool:
    """Deliver drag-enter, drag-move and drop to the canvas as a real drag would."""
    target = view.viewport()
    actions = Qt.DropAction.CopyAction
    buttons = Qt.MouseButton.LeftButton
    mods = Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():
        # Qt 6.12 marks the QPoint constructors deprecated but offers no QPointF ones.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(viewport_pos, actions, mime, buttons, mods)
        move = QDragMoveEvent(viewport_pos, actions, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(target, move)
    drop = QDropEvent(QPointF(viewport_pos), actions, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def viewport_point(view, scene_pos: QPointF) -> QPoint:
    """Where a scene point is on the canvas viewport."""
    return view.mapFromScene(scene_pos)


def drag_with_mouse(qtbot, view, start: QPoint, end: QPoint, steps: int = 5) -> None:
    """Press at ``start``, move in steps, release at ``end`` (left button)."""
    target = view.viewport()
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, steps + 1):
        point = start + (end - start) * i / steps
        qtbot.mouseMove(target, point)
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=end)


def design_file(tmp_path: Path, doc: Document | None = None, name: str = "small.sdsim") -> Path:
    """Write ``doc`` (default: the small design) to a file and return its path."""
    from app.model import fileformat

    path = tmp_path / name
    fileformat.save(doc or small_design(), path)
    return path
