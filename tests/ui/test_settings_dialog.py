"""Edit ▸ Settings (Ctrl+,): values persist, new designs use them, the theme applies at once,
the data folder is shown and a new one is used from the next start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app import paths
from app.model.document import SimulationSettings
from app.ui.settings import (
    KEY_RUN_DEFAULTS,
    KEY_THEME,
    app_settings,
    read_run_defaults,
    read_theme,
)
from app.ui.settings_dialog import SettingsDialog, apply_theme
from app.ui.template_gallery import BLANK, TemplateGallery
from app.ui.theme import is_dark
from tests.ui.test_first_run import shoot


def open_settings(window, qtbot) -> SettingsDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible(), "Ctrl+, did not open Settings"
    return dialog


def press_ok(dialog: SettingsDialog, qtbot) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def type_into(qtbot, box, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)


@pytest.fixture
def light_again():
    """The theme is application-wide: put light back for the next test."""
    yield
    apply_theme(QApplication.instance(), "light")


def test_settings_persist_and_new_blank_designs_use_them(window, qtbot, light_again) -> None:
    dialog = open_settings(window, qtbot)
    assert dialog.duration.value() == 60.0 and dialog.seed.value() == 42  # the model's
    assert dialog.folder.text() == str(paths.data_dir())
    shoot(dialog, "settings-dialog")
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    type_into(qtbot, dialog.duration, "120")
    type_into(qtbot, dialog.warmup, "10")
    type_into(qtbot, dialog.window_s, "2")
    type_into(qtbot, dialog.seed, "7")
    press_ok(dialog, qtbot)
    assert not dialog.isVisible()
    assert is_dark(QApplication.instance().palette())  # applied at once
    fresh = app_settings()  # a new reader: what the next start sees
    assert read_theme(fresh) == "dark"
    want = SimulationSettings(duration_s=120.0, warmup_s=10.0, seed=7, window_s=2.0)
    assert read_run_defaults(fresh) == want

    # File ▸ New ▸ Blank design starts with them; a template keeps its own.
    def answer(key: str) -> None:
        gallery = QApplication.activeModalWidget()
        assert isinstance(gallery, TemplateGallery)
        gallery.select(key)
        qtbot.keyClick(gallery.list, Qt.Key.Key_Return)

    def new_design(key: str) -> None:
        window.activateWindow()  # back from the last modal dialog
        qtbot.waitUntil(window.isActiveWindow)
        QTimer.singleShot(0, lambda: answer(key))
        qtbot.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)

    new_design("three_tier_web_app")
    assert window.document.model.name == "Three-tier web app"
    assert window.document.model.simulation == SimulationSettings()
    new_design(BLANK)
    assert window.document.model.simulation == want
    assert window.scenario_bar.findChildren(type(dialog.duration))[0].value() == 120.0

    # Reopened, the dialog shows what was saved; back to the system theme.
    dialog = open_settings(window, qtbot)
    assert (dialog.duration.value(), dialog.warmup.value(), dialog.window_s.value(),
            dialog.seed.value()) == (120.0, 10.0, 2.0, 7)
    assert dialog.theme.currentData() == "dark"
    shoot(dialog, "settings-dialog-dark")
    dialog.theme.setCurrentIndex(dialog.theme.findData("system"))
    press_ok(dialog, qtbot)
    assert read_theme(app_settings()) == "system"
    assert not is_dark(QApplication.instance().palette())  # offscreen reports no scheme


def test_impossible_run_settings_are_refused_in_the_dialog(window, qtbot) -> None:
    dialog = open_settings(window, qtbot)
    type_into(qtbot, dialog.duration, "10")
    type_into(qtbot, dialog.warmup, "30")
    press_ok(dialog, qtbot)
    assert dialog.isVisible()
    assert dialog.problem.text() == "The warm-up must be shorter than the duration."
    assert read_run_defaults(app_settings()) == SimulationSettings()  # nothing stored
    type_into(qtbot, dialog.warmup, "2")
    press_ok(dialog, qtbot)
    assert not dialog.isVisible()
    assert read_run_defaults(app_settings()).warmup_s == 2.0


def test_hand_edited_settings_fall_back_to_the_model_defaults(window) -> None:
    settings = app_settings()
    settings.setValue(KEY_RUN_DEFAULTS + "duration_s", "forever")
    settings.setValue(KEY_RUN_DEFAULTS + "warmup_s", -5)
    settings.setValue(KEY_RUN_DEFAULTS + "seed", "x")
    settings.setValue(KEY_THEME, "<b>purple</b>")
    assert read_run_defaults(settings) == SimulationSettings()
    assert read_theme(settings) == "system"
    settings.setValue(KEY_RUN_DEFAULTS + "duration_s", 5)
    settings.setValue(KEY_RUN_DEFAULTS + "warmup_s", 5)  # not shorter than the run
    assert read_run_defaults(settings) == SimulationSettings()


def test_data_folder_set_by_the_environment_cannot_be_changed_here(window, qtbot,
                                                                   isolated_data_dir) -> None:
    dialog = open_settings(window, qtbot)
    assert dialog.folder.text() == str(isolated_data_dir)
    assert not dialog.change_folder.isEnabled()
    assert paths.DATA_DIR_ENV in dialog.folder_note.text()
    assert dialog.open_folder.isEnabled()


def test_a_new_data_folder_is_used_from_the_next_start(
        window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No SDSIM_DATA_DIR: the platform's folders, here under a temporary XDG home.
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    paths.data_dir_at_start.cache_clear()
    default = paths.data_dir()
    assert default.is_relative_to(tmp_path / "data")
    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.change_folder.isEnabled() and not dialog.default_folder.isEnabled()
    chosen = tmp_path / "elsewhere"
    chosen.mkdir()
    dialog.ask_folder = lambda: str(chosen)
    qtbot.mouseClick(dialog.change_folder, Qt.MouseButton.LeftButton)
    assert str(chosen) in dialog.folder_note.text()
    press_ok(dialog, qtbot)
    assert paths.data_dir_pointer().read_text(encoding="utf-8").strip() == str(chosen.resolve())
    assert paths.data_dir() == default  # this run keeps its folder...
    paths.data_dir_at_start.cache_clear()  # ...the next start reads the choice
    assert paths.data_dir() == chosen.resolve()
    assert paths.config_dir() == chosen.resolve() / "config"
    # And back to the platform's default.
    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.default_folder, Qt.MouseButton.LeftButton)
    press_ok(dialog, qtbot)
    assert not paths.data_dir_pointer().exists()
    paths.data_dir_at_start.cache_clear()
    assert paths.data_dir() == default
