"""Issue #4's acceptance, acted out as a user: build, edit, undo/redo, save, reopen, run, stop."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit

from app.model import fileformat
from app.ui.palette import palette_mime_data
from app.ui.run_controller import IDLE
from tests.ui.helpers import drag_with_mouse, send_palette_drop, viewport_point


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _text(window) -> str:
    return fileformat.dumps(window.document.model)


def test_build_edit_undo_redo_save_reopen_run_and_stop(window, qtbot, tmp_path) -> None:
    view, scene, doc = window.view, window.scene, window.document
    states = [_text(window)]
    center = view.viewport().rect().center()

    # 1-2. Drop a client and a web server from the palette (the palette's own mime data).
    palette_tree = window.palette_panel.tree
    client_mime = palette_tree.mimeData([window.palette_panel.type_item("client")])
    assert send_palette_drop(view, client_mime, center + QPoint(-200, 0))
    states.append(_text(window))
    assert send_palette_drop(view, palette_mime_data("web_server"), center + QPoint(200, 0))
    states.append(_text(window))
    assert [c.type for c in doc.model.components] == ["client", "web_server"]

    # 3. Connect client -> server with the mouse: press on the port, move, release on it.
    start = viewport_point(view, scene.node_item("client").port_scene_pos())
    end = viewport_point(view, scene.node_item("web_server").pos())
    drag_with_mouse(qtbot, view, start, end)
    assert doc.find_link(("client", "web_server")) is not None
    states.append(_text(window))

    # 4. Edit a property in the inspector: type the replicas of the selected server.
    scene.select_components(["web_server"])
    replicas = window.inspector.findChild(QLineEdit, "field_replicas")
    replicas.setFocus()
    qtbot.keyClicks(replicas, "3")
    qtbot.keyClick(replicas, Qt.Key.Key_Return)
    assert doc.model.component("web_server").replicas == 3
    states.append(_text(window))
    assert doc.undo_stack.count() == 4

    # 5. Undo each step back to the empty design, then redo each one.
    undo, redo = _action(window, "actionUndo"), _action(window, "actionRedo")
    for expected in reversed(states[:-1]):
        undo.trigger()
        assert _text(window) == expected
        assert len(scene.node_items()) == len(doc.model.components)
    assert not window.isWindowModified()
    for expected in states[1:]:
        redo.trigger()
        assert _text(window) == expected
    assert scene.node_item("web_server") is not None
    assert scene.link_item(("client", "web_server")) is not None

    # 6. Save (Save As, atomically) and reopen: the identical document.
    target = tmp_path / "mine.sdsim"
    window.files.ask_save_path = lambda: target
    _action(window, "actionSaveAs").trigger()
    assert target.exists() and not window.isWindowModified()
    saved = doc.model
    window.files.new_blank()
    assert doc.model.components == []
    window.load_file(target)
    assert doc.model == saved
    assert _text(window) == states[-1]

    # 7. Run, see the charts receive data, stop.
    window.scenario_bar.set_speed(10.0)  # real time x10: still running when we stop it
    _action(window, "actionRun").trigger()
    # The plots are redrawn by their 20 Hz timer: wait until they show seven windows
    # (past the 5 s warm-up: Stop lands within a slice, and a run stopped during the
    # warm-up has no statistics to tabulate).
    qtbot.waitUntil(lambda: len(window.charts.curve_data("throughput")[1]) >= 7,
                    timeout=20_000)
    _x, throughput = window.charts.curve_data("throughput")
    assert len(throughput) >= 3 and throughput.max() > 0
    assert window.progress.value() > 0
    _action(window, "actionStop").trigger()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=10_000)
    assert window.results.table.rowCount() == 2  # end to end + the web server
    assert window.results.caption.text().startswith("Stopped early")
    assert not doc.locked
