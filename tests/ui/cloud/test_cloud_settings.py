"""The cloud server address in Settings: checked with the client's rule, kept in QSettings."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ui.cloud.server_setting import DEFAULT_SERVER_URL, KEY_SERVER_URL, read_server_url
from app.ui.settings import app_settings
from app.ui.settings_dialog import SettingsDialog
from tests.ui.cloud.harness import shoot


def test_the_server_address_is_checked_then_stored(qtbot: QtBot) -> None:
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    edit = dialog.cloud.edit
    assert edit.objectName() == "settingsCloudServer"
    assert edit.text() == DEFAULT_SERVER_URL
    shoot(dialog, "settings_cloud_group")

    edit.clear()
    qtbot.keyClicks(edit, "http://sync.example.com")
    dialog.accept()
    assert dialog.isVisible()  # refused: plain http to another computer
    assert "https://" in dialog.problem.text()
    assert app_settings().value(KEY_SERVER_URL) is None
    shoot(dialog, "settings_cloud_refused")

    edit.clear()
    qtbot.keyClicks(edit, "https://sync.example.com/")
    dialog.accept()
    assert not dialog.isVisible()
    assert app_settings().value(KEY_SERVER_URL) == "https://sync.example.com"
    assert read_server_url(app_settings()) == "https://sync.example.com"


def test_a_hand_edited_bad_address_falls_back_to_the_default() -> None:
    settings = app_settings()
    settings.setValue(KEY_SERVER_URL, "ftp://nowhere")
    assert read_server_url(settings) == DEFAULT_SERVER_URL
