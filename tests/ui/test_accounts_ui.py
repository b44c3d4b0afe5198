"""Walk through the account dialogs with pytest-qt: register, sign in, projects, history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.storage import Project, Store, VersionInfo
from app.ui.accounts import (
    NewProjectDialog,
    ProfileDialog,
    ProjectBrowserDialog,
    SignInDialog,
    VersionHistoryDialog,
)
from tests.support import storage_fixtures
from tests.support.storage_fixtures import ALICE_EMAIL, ALICE_PASSWORD, SeededStore

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users


def _click(qtbot: QtBot, dialog: QDialog, name: str) -> None:
    button = dialog.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _text(dialog: QDialog, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert label is not None, name
    return label.text() if label.isVisible() else ""


def _users(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT count(*) FROM users").fetchone()[0])


@pytest.fixture
def fresh_store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "ui.sqlite3") as store:
        yield store


def test_register_refuses_a_weak_password_inline_then_signs_in(
    qtbot: QtBot, fresh_store: Store
) -> None:
    dialog = SignInDialog(fresh_store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    qtbot.keyClicks(dialog.reg_email, "grace@example.com")
    dialog.reg_first.setText("Grace")
    dialog.reg_last.setText("Hopper")
    qtbot.keyClicks(dialog.reg_password, "hopper1906!!")
    assert "your name" in _text(dialog, "registerPasswordFeedback")
    assert dialog.meter.label.text() in ("Very weak", "Weak")
    dialog.reg_password.setText("password123456")
    dialog.reg_confirm.setText("password123456")
    assert "commonly used" in _text(dialog, "registerPasswordFeedback")
    _click(qtbot, dialog, "registerButton")
    assert not dialog.is_busy  # refused inline, before any bcrypt work
    assert "correct the fields" in _text(dialog, "registerError")
    assert _users(fresh_store.path) == 0

    dialog.reg_password.setText("Cobol compilers dream in decimal")
    assert _text(dialog, "registerPasswordFeedback") == ""
    assert "don't match" in _text(dialog, "registerConfirmError")
    dialog.reg_confirm.setText("Cobol compilers dream in decimal")
    assert dialog.meter.label.text() == "Strong"
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signal:
        _click(qtbot, dialog, "registerButton")
        assert dialog.is_busy and dialog.busy.isVisible()  # bcrypt runs in the background
        assert not dialog.tabs.isEnabled()
    session = signal.args[0]
    assert dialog.session == session and session.email == "grace@example.com"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert _users(fresh_store.path) == 1


def test_sign_in_shows_errors_inline_and_remembers_when_asked(
    qtbot: QtBot, seeded: SeededStore, memory_keyring: Any
) -> None:
    dialog = SignInDialog(seeded.store)
    qtbot.addWidget(dialog)
    dialog.show()
    _click(qtbot, dialog, "signInButton")
    assert _text(dialog, "signInError") == "Enter your email and password."
    dialog.email.setText(ALICE_EMAIL.upper())
    dialog.password.setText("not my passphrase")
    _click(qtbot, dialog, "signInButton")
    qtbot.waitUntil(lambda: _text(dialog, "signInError") != "", timeout=10_000)
    assert "incorrect" in _text(dialog, "signInError")
    assert dialog.session is None and dialog.isVisible()
    assert dialog.remember.isEnabled()
    dialog.remember.setChecked(True)
    dialog.password.setText(ALICE_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.session is not None and dialog.session.remembered
    assert len(memory_keyring.secrets) == 1
    assert dialog.password.text() == ""  # the password does not linger in the widget


def test_without_a_keyring_remember_me_is_disabled_and_offline_works(
    qtbot: QtBot, fresh_store: Store
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    dialog = SignInDialog(fresh_store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.remember.isEnabled()
    assert "unavailable" in _text(dialog, "rememberNote")
    _click(qtbot, dialog, "workOfflineButton")
    assert dialog.offline and dialog.session is None
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_project_browser_create_rename_duplicate_delete_open(
    qtbot: QtBot, seeded: SeededStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, alice = seeded.store, seeded.alice
    store.projects.create(seeded.bob, "Bob's secret plan")
    browser = ProjectBrowserDialog(store, alice)
    qtbot.addWidget(browser)
    browser.show()
    assert browser.project_names() == []  # Bob's project is not listed
    assert browser.empty.isVisible()
    assert not browser.buttons["delete"].isEnabled()

    def fill_new_dialog(dialog: NewProjectDialog) -> int:
        dialog.templates.setCurrentRow(1)  # the first template
        dialog.name.setText("Storefront")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NewProjectDialog, "exec", fill_new_dialog)
    _click(qtbot, browser, "newButton")
    assert browser.project_names() == ["Storefront"]
    seeded.clock.advance(60)
    assert browser.create_project("Blank one") is not None
    assert browser.project_names() == ["Blank one", "Storefront"]  # newest first

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Storefront v2", True))
    browser.select_project(browser.list.topLevelItem(1).data(0, Qt.ItemDataRole.UserRole))
    seeded.clock.advance(60)
    _click(qtbot, browser, "renameButton")
    assert browser.project_names() == ["Storefront v2", "Blank one"]
    seeded.clock.advance(60)
    _click(qtbot, browser, "duplicateButton")
    assert browser.project_names()[0] == "Storefront v2 (copy)"

    browser.search.setText("V2")
    assert browser.project_names() == ["Storefront v2 (copy)", "Storefront v2"]
    browser.search.setText("nothing like this")
    assert browser.project_names() == [] and "No project matches" in browser.empty.text()
    browser.search.clear()

    asked: list[str] = []

    def answer(answer: QMessageBox.StandardButton) -> Any:
        def question(parent: Any, title: str, text: str, *args: Any) -> Any:
            asked.append(text)
            return answer
        return question

    monkeypatch.setattr("app.ui.accounts.project_browser.ask",
                        answer(QMessageBox.StandardButton.No))
    _click(qtbot, browser, "deleteButton")
    assert len(browser.project_names()) == 3  # declined: nothing deleted
    monkeypatch.setattr("app.ui.accounts.project_browser.ask",
                        answer(QMessageBox.StandardButton.Yes))
    _click(qtbot, browser, "deleteButton")
    assert browser.project_names() == ["Storefront v2", "Blank one"]
    assert "cannot be undone" in asked[-1] and "Storefront v2 (copy)" in asked[-1]

    target = tmp_path / "exported.sdsim"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    _click(qtbot, browser, "exportButton")
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "sdsim"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName",
                        lambda *a, **k: (str(target), ""))
    _click(qtbot, browser, "importButton")
    assert "exported" in browser.project_names()

    browser.select_project(browser.list.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole))
    with qtbot.waitSignal(browser.project_opened) as opened:
        _click(qtbot, browser, "openButton")
    project = opened.args[0]
    assert isinstance(project, Project) and project.name == browser.opened_project.name
    assert browser.result() == QDialog.DialogCode.Accepted


def test_version_history_preview_and_restore(
    qtbot: QtBot, seeded: SeededStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, alice, clock = seeded.store, seeded.alice, seeded.clock
    doc: dict[str, Any] = {"format": "sdsim", "version": 1, "components": [], "links": []}
    project = store.projects.create(alice, "Evolving", doc)
    for cid in ("web", "cache"):
        clock.advance(60)
        doc["components"].append({"id": cid, "type": "cache"})
        store.projects.save(alice, project.id, doc, note=f"Add {cid}")
    dialog = VersionHistoryDialog(store, alice, project.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert [dialog.list.topLevelItem(i).text(0) for i in range(3)] == ["3", "2", "1"]
    assert dialog.selected_version() == 3 and not dialog.restore_button.isEnabled()
    assert "current version" in dialog.summary.text()
    dialog.select_version(2)
    assert "added: web" in dialog.summary.text()
    assert '"id": "web"' in dialog.preview.toPlainText()
    dialog.select_version(1)
    monkeypatch.setattr("app.ui.accounts.version_history.ask",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.version_restored) as restored:
        _click(qtbot, dialog, "restoreButton")
    info = restored.args[0]
    assert isinstance(info, VersionInfo) and info.number == 4
    assert dialog.selected_version() == 4
    assert "Version 1 restored as version 4" in _text(dialog, "versionMessage")
    assert json.loads(store.projects.get(alice, project.id).document)["components"] == []


def test_profile_dialog_updates_details_and_changes_password(
    qtbot: QtBot, seeded: SeededStore
) -> None:
    dialog = ProfileDialog(seeded.store, seeded.alice)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.email_label.text() == ALICE_EMAIL
    dialog.company.setText("Acme Research")
    with qtbot.waitSignal(dialog.profile_changed):
        _click(qtbot, dialog, "saveProfileButton")
    assert seeded.store.accounts.profile(seeded.alice).company == "Acme Research"
    dialog.current_password.setText(ALICE_PASSWORD)
    dialog.new_password.setText("alice in chains")
    dialog.confirm_password.setText("alice in chains")
    _click(qtbot, dialog, "changePasswordButton")
    assert not dialog.is_busy
    assert "your name" in _text(dialog, "newPasswordFeedback")
    dialog.new_password.setText("marble orchards hum softly")
    dialog.confirm_password.setText("marble orchards hum softly")
    _click(qtbot, dialog, "changePasswordButton")
    assert dialog.is_busy
    qtbot.waitUntil(lambda: _text(dialog, "passwordMessage") != "", timeout=10_000)
    assert _text(dialog, "passwordMessage") == "Password changed."
    assert dialog.current_password.text() == ""
