"""The canvas, driven like a user: palette drops, port drags, moves, keys and zoom."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QAction

from app.ui.palette import PALETTE_MIME_TYPE, component_type_from_mime, palette_mime_data
from app.ui.plain_text import tooltip_text
from tests.ui.helpers import (
    design_file,
    drag_with_mouse,
    send_palette_drop,
    viewport_point,
)


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def test_palette_mime_data_carries_the_type_key() -> None:
    mime = palette_mime_data("web_server")
    assert mime.hasFormat(PALETTE_MIME_TYPE)
    assert component_type_from_mime(mime) == "web_server"
    other = QMimeData()
    other.setText("web_server")
    assert component_type_from_mime(other) is None


def test_palette_tree_drags_its_own_mime_data(window) -> None:
    palette = window.palette_panel
    item = palette.type_item("cache")
    mime = palette.tree.mimeData([item])
    assert component_type_from_mime(mime) == "cache"


def test_drop_from_palette_creates_the_component_at_the_drop_point(window) -> None:
    view = window.view
    target = QPoint(view.viewport().width() // 2 + 37, view.viewport().height() // 2 + 11)
    assert send_palette_drop(view, palette_mime_data("web_server"), target)
    comp = window.document.model.component("web_server")
    expected = view.mapToScene(target)
    # Snapped to the 20 px grid, within half a cell of where it was dropped.
    assert abs(comp.position[0] - expected.x()) <= 10 and abs(comp.position[1] - expected.y()) <= 10
    assert comp.position[0] % 20 == 0 and comp.position[1] % 20 == 0
    assert window.scene.selected_component_ids() == ["web_server"]
    assert window.inspector.component_editor.component_id == "web_server"


def test_drops_of_foreign_data_are_refused(window) -> None:
    mime = QMimeData()
    mime.setText("hello")
    assert not send_palette_drop(window.view, mime, QPoint(50, 50))
    assert window.document.model.components == []


def test_double_click_in_palette_adds_at_the_centre(window, qtbot) -> None:
    palette = window.palette_panel
    item = palette.type_item("database")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    # A real double-click is press, release, double-click: QTest sends the last alone.
    qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [c.type for c in window.document.model.components] == ["database"]
    center = window.view.visible_center()
    pos = window.document.model.components[0].position
    assert abs(pos[0] - center.x()) <= 10 and abs(pos[1] - center.y()) <= 10


def test_palette_search_filters_types(window, qtbot) -> None:
    palette = window.palette_panel
    qtbot.keyClicks(palette.search, "data")
    assert set(palette.visible_types()) == {"database", "nosql_database", "cache",
                                            "object_storage"}
    palette.search.clear()
    assert len(palette.visible_types()) == 17


def test_connect_by_dragging_from_the_port(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    view, scene = window.view, window.scene
    start = viewport_point(view, scene.node_item("web").port_scene_pos())
    end = viewport_point(view, scene.node_item("db").pos())
    drag_with_mouse(qtbot, view, start, end)
    assert window.document.find_link(("web", "db")) is not None
    assert scene.link_item(("web", "db")) is not None
    assert window.document.undo_stack.count() == 1


def test_invalid_targets_are_refused(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    view, scene = window.view, window.scene
    start = viewport_point(view, scene.node_item("web").port_scene_pos())
    # Onto a client (clients serve no calls), then onto empty canvas.
    drag_with_mouse(qtbot, view, start, viewport_point(view, scene.node_item("users").pos()))
    drag_with_mouse(qtbot, view, start, viewport_point(view, QPointF(500, 300)))
    assert window.document.undo_stack.count() == 0
    assert len(window.document.model.links) == 4
    assert "Clients" in window.statusBar().currentMessage()
    assert scene.node_item("users").port.isVisible()  # no rubber line or outline left behind
    assert all(node.isVisible() for node in scene.node_items())


def test_dragging_a_node_is_one_move_command_and_snaps(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    view, scene = window.view, window.scene
    node = scene.node_item("cache")
    start = viewport_point(view, node.pos() + QPointF(0, -20))
    end = start + QPoint(round(47 * view.zoom), round(63 * view.zoom))
    drag_with_mouse(qtbot, view, start, end, steps=8)
    assert window.document.undo_stack.count() == 1
    x, y = window.document.model.component("cache").position
    assert (x % 20, y % 20) == (0, 0) and (x, y) != (600.0, 0.0)
    assert scene.link_item(("web", "cache")).path().boundingRect().intersects(
        node.sceneBoundingRect())
    window.document.undo_stack.undo()
    assert window.document.model.component("cache").position == (600.0, 0.0)
    assert node.pos() == QPointF(600, 0)


def test_delete_copy_paste_duplicate_select_all(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc, scene = window.document, window.scene
    scene.select_components(["web", "cache"])
    _action(window, "actionCopy").trigger()
    _action(window, "actionPaste").trigger()
    assert scene.selected_component_ids() == ["web_2", "cache_2"]
    assert doc.find_link(("web_2", "cache_2")) is not None
    _action(window, "actionDuplicate").trigger()
    assert scene.selected_component_ids() == ["web_3", "cache_3"]
    _action(window, "actionDelete").trigger()
    assert not doc.has_component("web_3")
    _action(window, "actionSelectAll").trigger()
    assert len(scene.selected_component_ids()) == 7
    assert len(scene.selected_link_keys()) == 5
    _action(window, "actionDelete").trigger()
    assert doc.model.components == [] and scene.items() == []
    for _ in range(4):
        _action(window, "actionUndo").trigger()
    assert doc.undo_stack.count() == 4 and doc.undo_stack.index() == 0
    assert len(doc.model.components) == 5 and len(scene.node_items()) == 5


def test_keyboard_shortcuts_are_the_documented_ones(window) -> None:
    expected = {
        "actionNew": "Ctrl+N", "actionOpen": "Ctrl+O", "actionSave": "Ctrl+S",
        "actionUndo": "Ctrl+Z", "actionRedo": "Ctrl+Shift+Z", "actionCopy": "Ctrl+C",
        "actionPaste": "Ctrl+V", "actionDuplicate": "Ctrl+D", "actionDelete": "Del",
        "actionSelectAll": "Ctrl+A", "actionRun": "F5", "actionStop": "Shift+F5",
        "actionFitView": "Ctrl+0",
    }
    for name, key in expected.items():
        shortcuts = [s.toString() for s in _action(window, name).shortcuts()]
        assert key in shortcuts, (name, shortcuts)
    for name in ("actionSaveAs", "actionPause", "actionExportPng", "actionExportCsv"):
        _action(window, name)


def test_delete_key_on_the_canvas(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["db"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert not window.document.has_component("db")
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.has_component("db")
    qtbot.keyClick(window.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.document.has_component("db")


def test_new_design_while_a_component_is_selected(window) -> None:
    window.add_component_at_center("cache")  # added and selected
    window.files.new_blank()  # used to raise from selectionChanged on the deleted item
    assert window.scene.node_items() == [] and window.scene.selected_component_ids() == []


def test_zoom_and_fit(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    view = window.view
    view.reset_zoom()
    _action(window, "actionZoomIn").trigger()
    assert view.zoom > 1.1
    _action(window, "actionZoomOut").trigger()
    _action(window, "actionZoomOut").trigger()
    assert view.zoom < 1.0
    _action(window, "actionFitView").trigger()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for node in window.scene.node_items():
        assert visible.contains(node.sceneBoundingRect())


def test_validation_problems_mark_nodes_with_a_tooltip(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.document.add_link("web", "lb")  # a synchronous call cycle: lb -> web -> lb
    qtbot.waitUntil(lambda: bool(window.scene.node_item("web").problems))
    node = window.scene.node_item("web")
    assert "cycle" in tooltip_text(node.toolTip())
    assert tooltip_text(node.toolTip()) == "\n".join(f"⚠ {m}" for m in node.problems)
    assert window.scene.node_item("db").problems == []
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: not window.scene.node_item("web").problems)



def test_rubber_band_selects_the_nodes_inside(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    view, scene = window.view, window.scene
    view.reset_zoom()
    view.centerOn(QPointF(300, 0))
    # From empty canvas above-left of "lb" to below-right of "web".
    start = viewport_point(view, QPointF(100, -80))
    end = viewport_point(view, QPointF(480, 80))
    drag_with_mouse(qtbot, view, start, end, steps=6)
    assert set(scene.selected_component_ids()) == {"lb", "web"}
    assert window.document.undo_stack.count() == 0  # selecting is not an edit


def test_wheel_zooms_and_middle_button_pans(window, qtbot, tmp_path) -> None:
    from PySide6.QtCore import QPoint as _QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window.load_file(design_file(tmp_path))
    view = window.view
    view.reset_zoom()
    center = view.viewport().rect().center()
    wheel = QWheelEvent(QPointF(center), QPointF(view.viewport().mapToGlobal(center)),
                        _QPoint(0, 0), _QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert abs(view.zoom - 1.15 ** 2) < 1e-6
    before = view.mapToScene(center)
    target = view.viewport()
    qtbot.mousePress(target, Qt.MouseButton.MiddleButton, pos=center)
    qtbot.mouseMove(target, center + _QPoint(60, 30))
    qtbot.mouseRelease(target, Qt.MouseButton.MiddleButton, pos=center + _QPoint(60, 30))
    after = view.mapToScene(center)
    assert after.x() < before.x() and after.y() < before.y()  # the design moved with the hand


def test_scenario_settings_are_undoable_document_edits(window, qtbot) -> None:
    bar = window.scenario_bar
    bar.duration.setValue(90)
    assert window.document.model.simulation.duration_s == 90
    bar.warmup.setValue(120)  # longer than the run: refused, marked
    assert window.document.model.simulation.warmup_s == 5
    assert "shorter" in tooltip_text(bar.warmup.toolTip())
    window.document.undo_stack.undo()
    assert window.document.model.simulation.duration_s == 60
    assert bar.duration.value() == 60
