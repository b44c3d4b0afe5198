"""New, Open, Save, Save As, Recent, the unsaved-changes prompt, title, and settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from app.model import fileformat
from app.model.templates import list_architecture_templates
from app.ui.settings import KEY_RECENT, app_settings, recent_files
from app.ui.template_gallery import BLANK, TemplateGallery
from tests.ui.helpers import design_file, small_design

Button = QMessageBox.StandardButton


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def test_title_shows_name_file_and_modified_state(window, tmp_path) -> None:
    assert window.windowTitle().startswith("System Design Simulator — Untitled")
    path = design_file(tmp_path)
    window.load_file(path)
    assert "Small design" in window.windowTitle() and "small.sdsim" in window.windowTitle()
    assert not window.isWindowModified()
    window.document.add_component("cache", (0, 300))
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_save_then_reopen_gives_the_identical_document(window, tmp_path) -> None:
    window.document.reset(small_design())
    window.document.add_component("worker", (300, 200))
    target = tmp_path / "saved.sdsim"
    window.files.ask_save_path = lambda: target  # the Save As dialog's answer
    _action(window, "actionSave").trigger()  # never saved: Save asks where (Save As)
    assert target.exists() and not window.isWindowModified()
    assert window.document.path == target.resolve()
    saved_text = fileformat.dumps(window.document.model)
    window.files.new_blank()
    window.load_file(target)
    assert fileformat.dumps(window.document.model) == saved_text
    assert target.read_text(encoding="utf-8") == saved_text
    assert recent_files(app_settings())[0] == str(target.resolve())


def test_save_is_atomic_and_reports_failures(window, tmp_path) -> None:
    window.document.reset(small_design())
    folder = tmp_path / "out"
    folder.mkdir()
    missing_dir = folder / "no" / "such" / "dir" / "x.sdsim"
    assert not window.files.save_to(missing_dir, report=True)
    assert window.errors and "x.sdsim" in window.errors[-1]
    assert window.isWindowModified() is False  # reset is clean; a failed save changes nothing
    assert list(folder.iterdir()) == []


def test_save_handler_can_be_swapped(window, tmp_path) -> None:
    stored: list[tuple[str, Path]] = []
    window.set_save_handler(lambda doc, path: stored.append((doc.name, path)))
    window.document.reset(small_design())
    window.document.add_component("cache", (0, 300))
    assert window.files.save_to(tmp_path / "x.sdsim")
    assert stored == [("Small design", tmp_path / "x.sdsim")]
    assert not window.isWindowModified()


def test_unsaved_changes_prompt_on_new_open_and_close(window, tmp_path) -> None:
    window.document.add_component("cache", (0, 0))
    asked: list[str] = []

    def answer(button: Button):
        def ask() -> Button:
            asked.append(button.name)
            return button
        return ask

    window.files.ask_save_changes = answer(Button.Cancel)
    window.files.ask_template = lambda: BLANK
    assert not window.files.new()
    assert window.document.has_component("cache")
    assert not window.close()  # Cancel keeps the window open
    assert window.isVisible()
    window.files.ask_save_changes = answer(Button.Discard)
    path = design_file(tmp_path)
    window.files.ask_open_path = lambda: path
    assert window.files.open()
    assert window.document.model.name == "Small design"
    assert asked == ["Cancel", "Cancel", "Discard"]
    window.document.add_component("cache", (0, 300))
    target = tmp_path / "again.sdsim"
    window.files.ask_save_changes = answer(Button.Save)
    window.files.ask_save_path = lambda: target
    window.document.set_path(None)
    assert window.files.maybe_save() and target.exists()


def test_open_reports_a_bad_file_in_one_line(window, tmp_path) -> None:
    bad = tmp_path / "bad.sdsim"
    bad.write_text('{"format": "sdsim", "version": 1, "components": [{"id": 3}]}',
                   encoding="utf-8")
    assert not window.files.open_path(bad)
    assert len(window.errors) == 1 and "\n" not in window.errors[0]
    assert window.document.model.name == "Untitled"


def test_new_from_template(window) -> None:
    key = list_architecture_templates()[0].key
    window.files.ask_template = lambda: key
    assert window.files.new()
    assert window.document.model.components and window.document.path is None
    assert len(window.scene.node_items()) == len(window.document.model.components)


def test_template_gallery_lists_blank_and_templates_with_previews(qtbot) -> None:
    gallery = TemplateGallery()
    qtbot.addWidget(gallery)
    keys = gallery.keys()
    assert keys[0] == BLANK
    assert keys[1:] == [t.key for t in list_architecture_templates()]
    icon = gallery.list.item(1).icon()
    assert not icon.isNull() and not icon.pixmap(260, 150).isNull()
    gallery.select(keys[2])
    assert gallery.selected_key() == keys[2]


def test_recent_files_menu_opens_a_file(window, tmp_path) -> None:
    path = design_file(tmp_path)
    settings = app_settings()
    settings.setValue(KEY_RECENT, [str(path), str(tmp_path / "gone.sdsim")])
    window._fill_recent_menu()
    actions = window.recent_menu.actions()
    assert [a.text() for a in actions] == ["small.sdsim", "gone.sdsim"]
    actions[0].trigger()
    assert window.document.path == path.resolve()
    actions[1].trigger()  # no longer there: an error, and it leaves the list
    assert window.errors and str(tmp_path / "gone.sdsim") not in recent_files(app_settings())


def test_geometry_and_dock_layout_survive_a_restart(qtbot, window) -> None:
    from app.ui.main_window import MainWindow

    window.resize(760, 560)  # within the offscreen screen (800x600): restore keeps it
    window.inspector_dock.hide()
    window.save_settings()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.size() == window.size()
    assert again.inspector_dock.isHidden()
    assert again.findChild(type(window.palette_dock), "palette") is again.palette_dock
    again.inspector_dock.show()
    again.save_settings()


def test_docks_and_canvas_have_their_object_names(window) -> None:
    from PySide6.QtWidgets import QDockWidget, QGraphicsView

    for name in ("palette", "inspector", "charts"):
        assert window.findChild(QDockWidget, name) is not None
    assert window.findChild(QGraphicsView, "canvas") is window.view
