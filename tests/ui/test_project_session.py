"""Accounts and projects in the main window, driven as a user would (pytest-qt, offscreen).

Sign in, open a project from the browser, edit, Ctrl+S makes a version, the
autosave tick fills the recovery slot, a crashed window's work is offered back
and restored, sign out; offline keeps plain file saves; a damaged database
gives one dialog and file mode. bcrypt costs ~0.3 s per sign-in, so most tests
start from the seeded sessions; two sign in for real.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.model import fileformat
from app.storage import Store, UserSession
from app.ui.accounts import ProjectBrowserDialog, SignInDialog, VersionHistoryDialog
from app.ui.accounts.recovery import RecoveryDialog
from app.ui.accounts.save_version import SaveVersionDialog
from app.ui.main_window import MainWindow
from app.ui.project_session import ProjectSession
from tests.support import storage_fixtures
from tests.support.storage_fixtures import ALICE_EMAIL, ALICE_PASSWORD, SeededStore
from tests.ui.helpers import design_file, small_design

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users
CTRL = Qt.KeyboardModifier.ControlModifier


class Harness:
    """A main window with its ProjectSession; dialogs that would block are answered."""

    def __init__(self, qtbot: QtBot, store: Store | None, store_path: Path | None = None,
                 autosave_interval_ms: int = 30_000) -> None:
        self.window = MainWindow()
        self.errors: list[str] = []
        self.window.files.ask_save_changes = (  # type: ignore[method-assign]
            lambda: QMessageBox.StandardButton.Discard)
        self.window.files.show_error = (  # type: ignore[method-assign]
            lambda title, text: self.errors.append(text))
        self.accounts = ProjectSession(self.window, store, store_path=store_path,
                                       autosave_interval_ms=autosave_interval_ms)
        self.accounts.show_error = lambda title, text: self.errors.append(text)  # type: ignore[method-assign]
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)

    @property
    def doc(self) -> Any:
        return self.window.document

    def close(self) -> None:
        if self.window.isVisible():
            self.window.close()
        self.window.runner.shutdown()


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[Any]:
    made: list[Harness] = []

    def make(store: Store | None, **kwargs: Any) -> Harness:
        harness = Harness(qtbot, store, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in reversed(made):
        harness.close()


def _click(qtbot: QtBot, widget: QWidget, name: str) -> None:
    button = widget.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isEnabled() and button.isVisible(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _keys(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifiers: Qt.KeyboardModifier = CTRL) -> None:
    """Press a shortcut in the window, once it is active again (as a user would)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    qtbot.keyClick(window.view, key, modifiers)


def _dialog(qtbot: QtBot, harness: Harness, kind: type) -> Any:
    qtbot.waitUntil(lambda: isinstance(harness.accounts.dialogs.current, kind)
                    and harness.accounts.dialogs.current.isVisible(), timeout=5_000)
    return harness.accounts.dialogs.current


def _slots(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT count(*) FROM recovery_slots").fetchone()[0])


def _component_ids(harness: Harness) -> list[str]:
    return [c.id for c in harness.doc.model.components]


def _shop(seeded: SeededStore, session: UserSession | None = None) -> str:
    """Alice's project "Shop" (the small design), version 1."""
    text = fileformat.dumps(small_design())
    return seeded.store.projects.create(session or seeded.alice, "Shop", text).id


def _crash(harness: Harness) -> None:
    """What the OS does when the process dies: its instance lock goes, nothing is tidied.

    (In-process the lock must be dropped by hand: it is private to the store.)
    """
    harness.accounts.autosave.stop()
    harness.accounts.store._instance.release()  # type: ignore[union-attr]


def test_sign_in_open_from_browser_edit_and_save_versions(
    qtbot: QtBot, seeded: SeededStore, make_window: Any
) -> None:
    project_id = _shop(seeded)
    harness = make_window(seeded.store)
    win, accounts = harness.window, harness.accounts
    assert not accounts.menu.projects.isVisible()

    accounts.start()  # no remembered sign-in: the sign-in dialog
    dialog = _dialog(qtbot, harness, SignInDialog)
    qtbot.keyClicks(dialog.email, ALICE_EMAIL)
    qtbot.keyClicks(dialog.password, ALICE_PASSWORD)
    with qtbot.waitSignal(accounts.session_changed, timeout=10_000):
        _click(qtbot, dialog, "signInButton")
    assert accounts.session is not None and accounts.session.email == ALICE_EMAIL
    assert accounts.menu.button.text() == "Alice Archer ▾"
    assert win.window_actions.save_as.text() == "&Export to File…"
    assert accounts.dialogs.current is None  # nothing to recover

    win.findChild(type(accounts.menu.projects), "actionProjects").trigger()
    browser = _dialog(qtbot, harness, ProjectBrowserDialog)
    assert browser.project_names() == ["Shop"]
    browser.select_project(project_id)
    _click(qtbot, browser, "openButton")
    qtbot.waitUntil(lambda: accounts.project is not None)
    assert _component_ids(harness) == ["users", "lb", "web", "cache", "db"]
    assert win.windowTitle() == "System Design Simulator — Shop (version 1)[*]"
    assert accounts.menu.history.isEnabled()

    win.add_component_at_center("cache")
    assert win.isWindowModified()
    _keys(qtbot, win, Qt.Key.Key_S)
    versions = seeded.store.projects.versions(seeded.alice, project_id)
    assert [v.number for v in versions] == [2, 1]
    assert not win.isWindowModified()
    assert win.windowTitle().endswith("Shop (version 2)[*]")
    saved = fileformat.loads(seeded.store.projects.get(seeded.alice, project_id).document)
    assert saved == harness.doc.model

    _keys(qtbot, win, Qt.Key.Key_S)  # nothing changed: no empty version
    assert len(seeded.store.projects.versions(seeded.alice, project_id)) == 2

    def write_note() -> None:  # the real "Save version" dialog, typed into like a user
        box = QApplication.activeModalWidget()
        assert isinstance(box, SaveVersionDialog) and not box.name.isVisible()
        qtbot.keyClicks(box.note, "Before the load test")
        _click(qtbot, box, "saveVersionButton")

    QTimer.singleShot(0, write_note)
    _keys(qtbot, win, Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.AltModifier)
    newest = seeded.store.projects.versions(seeded.alice, project_id)[0]
    assert (newest.number, newest.note) == (3, "Before the load test")


def test_autosave_then_a_crashed_window_is_offered_its_work_back(
    qtbot: QtBot, seeded: SeededStore, make_window: Any
) -> None:
    project_id = _shop(seeded)
    first = make_window(seeded.store)
    first.accounts.set_session(seeded.alice)
    assert first.accounts.open_project(project_id)
    timer = first.accounts.autosave.timer
    assert not timer.isActive() and timer.interval() == 30_000
    first.window.add_component_at_center("message_queue")
    assert timer.isActive()  # ticking every 30 s while there are unsaved changes
    with qtbot.waitSignal(first.accounts.autosave.written):
        timer.timeout.emit()  # one tick, without waiting 30 s
    assert _slots(seeded.path) == 1
    assert not first.accounts.autosave.write_now()  # nothing new since: no write
    edited = first.doc.model

    _crash(first)
    second = make_window(Store.open(seeded.path, clock=seeded.clock))
    second.accounts.set_session(seeded.alice)
    offer = _dialog(qtbot, second, RecoveryDialog)
    assert offer.list.count() == 1
    assert offer.list.item(0).text().startswith("Project “Shop”, autosaved")
    _click(qtbot, offer, "recoverRestoreButton")
    qtbot.waitUntil(lambda: second.accounts.project is not None)
    assert second.doc.model == edited
    assert second.window.isWindowModified()  # restored, not yet saved
    assert second.window.windowTitle().endswith("Shop (version 1)[*]")
    # The work sits in the new window's slot; the crashed one's entry is gone.
    assert second.accounts.store.recovery.pending(seeded.alice) == []
    assert _slots(seeded.path) == 1

    _keys(qtbot, second.window, Qt.Key.Key_S)
    assert seeded.store.projects.get(seeded.alice, project_id).version == 2
    assert _slots(seeded.path) == 0  # saved: nothing left to recover


def test_a_clean_quit_leaves_nothing_to_recover_and_discard_drops_an_entry(
    qtbot: QtBot, seeded: SeededStore, make_window: Any
) -> None:
    first = make_window(seeded.store)
    first.accounts.set_session(seeded.alice)
    first.window.add_component_at_center("cache")  # an untitled design
    assert first.accounts.autosave.write_now()
    first.close()  # Discard at the prompt; the store closes
    assert _slots(seeded.path) == 0

    second = make_window(Store.open(seeded.path, clock=seeded.clock))
    second.accounts.set_session(seeded.alice)
    second.window.add_component_at_center("cache")
    assert second.accounts.autosave.write_now()
    _crash(second)
    third = make_window(Store.open(seeded.path, clock=seeded.clock))
    third.accounts.set_session(seeded.bob)
    assert third.accounts.dialogs.current is None  # Bob is not offered Alice's work
    third.accounts.sign_out()
    third.accounts.dialogs.current.reject()
    third.accounts.set_session(seeded.alice)
    offer = _dialog(qtbot, third, RecoveryDialog)
    assert "not saved to a project or file" in offer.list.item(0).text()
    _click(qtbot, offer, "recoverLaterButton")  # kept for later
    qtbot.waitUntil(lambda: third.accounts.dialogs.current is None)
    assert len(third.accounts.store.recovery.pending(seeded.alice)) == 1
    offer = third.accounts.offer_recovery()
    _click(qtbot, offer, "recoverDiscardButton")
    qtbot.waitUntil(lambda: not offer.isVisible())
    assert third.doc.model.components == []
    assert third.accounts.store.recovery.pending(seeded.alice) == []


def test_remember_me_resumes_at_start_and_sign_out_revokes_it(
    qtbot: QtBot, seeded: SeededStore, make_window: Any, memory_keyring: Any
) -> None:
    seeded.store.accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    assert len(memory_keyring.secrets) == 1
    harness = make_window(seeded.store)
    accounts = harness.accounts
    accounts.start()  # resumed: no sign-in dialog
    assert accounts.session is not None and accounts.session.remembered
    assert not isinstance(accounts.dialogs.current, SignInDialog)
    assert accounts.open_project(_shop(seeded, accounts.session))
    harness.window.add_component_at_center("cache")

    accounts.menu.sign_out.trigger()  # unsaved changes: Discard (the harness's answer)
    assert accounts.session is None and accounts.project is None
    assert harness.doc.model.components == []  # the account's design is off the screen
    assert memory_keyring.secrets == {}
    assert seeded.store.accounts.resume() is None
    dialog = _dialog(qtbot, harness, SignInDialog)
    _click(qtbot, dialog, "workOfflineButton")
    assert harness.window.files.route is None
    assert accounts.menu.sign_in.isVisible() and not accounts.menu.sign_out.isVisible()
    assert accounts.menu.button.text() == "Offline ▾"


def test_offline_keeps_file_saves_and_autosaves_without_an_account(
    qtbot: QtBot, seeded: SeededStore, make_window: Any, tmp_path: Path
) -> None:
    crashed = make_window(Store.open(seeded.path, clock=seeded.clock))
    crashed.accounts.start(offline=True, interactive=False)
    crashed.window.add_component_at_center("database")
    assert crashed.accounts.autosave.write_now()
    _crash(crashed)

    harness = make_window(seeded.store)
    harness.accounts.start(offline=True)  # no sign-in; offline work is offered back
    offer = _dialog(qtbot, harness, RecoveryDialog)
    _click(qtbot, offer, "recoverRestoreButton")
    qtbot.waitUntil(lambda: _component_ids(harness) == ["database"])
    assert harness.accounts.session is None and harness.window.files.route is None
    assert harness.window.window_actions.save_as.text() == "Save &As…"
    harness.window.add_component_at_center("cache")
    assert harness.accounts.autosave.write_now()
    assert _slots(seeded.path) == 1  # the restored work, now in this window's slot
    target = tmp_path / "offline.sdsim"
    harness.window.files.ask_save_path = lambda *_: target  # type: ignore[method-assign]
    _keys(qtbot, harness.window, Qt.Key.Key_S)
    assert fileformat.load(target) == harness.doc.model
    assert harness.window.windowTitle().endswith("(offline.sdsim)[*]")
    assert _slots(seeded.path) == 0
    assert seeded.store.projects.list(seeded.alice) == []


def test_a_damaged_database_gives_one_dialog_and_file_mode(
    qtbot: QtBot, make_window: Any, tmp_path: Path
) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not an SQLite database" * 100)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    harness = make_window(None, store_path=path)
    shown: list[str] = []
    harness.accounts.show_store_problem = shown.append  # type: ignore[method-assign]
    harness.accounts.start()
    assert len(shown) == 1 and "damaged" in shown[0] and str(path) in shown[0]
    assert harness.accounts.store is None and harness.accounts.dialogs.current is None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not harness.accounts.menu.sign_in.isEnabled()
    assert harness.accounts.menu.button.text() == "Accounts unavailable ▾"
    target = tmp_path / "still-works.sdsim"
    harness.window.add_component_at_center("cache")
    harness.window.files.ask_save_path = lambda *_: target  # type: ignore[method-assign]
    assert harness.window.files.save() and target.exists()


def test_files_are_imported_and_exported_while_signed_in(
    qtbot: QtBot, seeded: SeededStore, make_window: Any, tmp_path: Path
) -> None:
    harness = make_window(seeded.store)
    win, accounts = harness.window, harness.accounts
    accounts.set_session(seeded.alice)
    source = design_file(tmp_path)
    win.files.ask_open_path = lambda: source  # type: ignore[method-assign]
    win.window_actions.open.trigger()
    assert accounts.project is None and win.windowTitle().endswith("(small.sdsim)[*]")
    win.add_component_at_center("cache")

    exported = tmp_path / "copy.sdsim"
    win.files.ask_save_path = lambda *_: exported  # type: ignore[method-assign]
    win.window_actions.save_as.trigger()  # Export to File…: a copy, the design stays unsaved
    assert fileformat.load(exported) == harness.doc.model
    assert win.isWindowModified() and fileformat.load(source) != harness.doc.model

    asked: list[tuple[str | None, str]] = []

    def name_it(project: str | None, default: str) -> tuple[str, str]:
        asked.append((project, default))
        return "Imported shop", ""

    accounts.ask_save_version = name_it  # type: ignore[method-assign]
    _keys(qtbot, win, Qt.Key.Key_S)  # first save: it becomes a project
    assert asked == [(None, "Small design")]
    assert [p.name for p in seeded.store.projects.list(seeded.alice)] == ["Imported shop"]
    assert not win.isWindowModified()
    assert win.windowTitle().endswith("Imported shop (version 1)[*]")


def test_history_restore_and_browser_delete_update_the_open_project(
    qtbot: QtBot, seeded: SeededStore, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = _shop(seeded)
    harness = make_window(seeded.store)
    win, accounts = harness.window, harness.accounts
    accounts.set_session(seeded.alice)
    accounts.open_project(project_id)
    win.add_component_at_center("message_queue")
    assert accounts.save()
    accounts.menu.history.trigger()
    history = _dialog(qtbot, harness, VersionHistoryDialog)
    history.select_version(1)
    for asking in ("version_history", "project_browser"):
        monkeypatch.setattr(f"app.ui.accounts.{asking}.ask",
                            lambda *a, **k: QMessageBox.StandardButton.Yes)
    _click(qtbot, history, "restoreButton")
    history.reject()
    qtbot.waitUntil(lambda: accounts.project is not None and accounts.project.version == 3)
    assert _component_ids(harness) == ["users", "lb", "web", "cache", "db"]  # reloaded
    assert not win.isWindowModified()

    accounts.show_projects()
    browser = _dialog(qtbot, harness, ProjectBrowserDialog)
    assert browser.selected_project_id() == project_id
    _click(qtbot, browser, "deleteButton")
    browser.reject()
    qtbot.waitUntil(lambda: accounts.project is None)
    assert win.isWindowModified()  # still on screen, saved nowhere: closing will ask
    assert not accounts.menu.history.isEnabled()


def test_an_expired_session_signs_in_again_before_saving(
    qtbot: QtBot, seeded: SeededStore, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = _shop(seeded)
    harness = make_window(seeded.store)
    accounts = harness.accounts
    accounts.set_session(seeded.alice)
    accounts.open_project(project_id)
    harness.window.add_component_at_center("cache")
    seeded.clock.advance(hours=13)  # idle for longer than a session lasts

    def sign_in_again(parent: Any, store: Store, expired: UserSession, reason: str) -> Any:
        assert expired.user_id == seeded.alice.user_id and "expired" in reason.lower()
        return store.accounts.login(ALICE_EMAIL, ALICE_PASSWORD)

    monkeypatch.setattr("app.ui.accounts.prompts.reauthenticate", sign_in_again)
    assert accounts.save()
    assert seeded.store.projects.get(accounts.session, project_id).version == 2



@pytest.mark.parametrize("choice", ["copy", "overwrite", "cancel"])
def test_a_save_that_conflicts_with_another_window_offers_keep_both(
    seeded: SeededStore, make_window: Any, choice: str
) -> None:
    project_id = _shop(seeded)
    first, second = make_window(seeded.store), make_window(seeded.store)
    for harness in (first, second):
        harness.accounts.set_session(seeded.alice, offer_recovery=False)
        harness.accounts.open_project(project_id)
    first.window.add_component_at_center("cache")
    assert first.accounts.save()  # version 2, from the first window
    second.window.add_component_at_center("message_queue")
    asked: list[Any] = []
    second.accounts.ask_version_conflict = (  # type: ignore[method-assign]
        lambda conflict: asked.append(conflict) or choice)
    saved = second.accounts.save()  # still based on version 1
    [conflict] = asked
    assert (conflict.base_version, conflict.current_version) == (1, 2)
    projects = seeded.store.projects.list(seeded.alice)
    if choice == "copy":
        assert saved and sorted(p.name for p in projects) == ["Shop", "Shop (copy)"]
        assert second.accounts.project is not None
        assert second.accounts.project.name == "Shop (copy)"
        assert seeded.store.projects.get(seeded.alice, project_id).version == 2
    elif choice == "overwrite":
        assert saved and [p.name for p in projects] == ["Shop"]
        assert seeded.store.projects.get(seeded.alice, project_id).version == 3
    else:
        assert not saved and second.window.isWindowModified()
        assert seeded.store.projects.get(seeded.alice, project_id).version == 2
    assert second.errors == []


def test_the_conflict_question_shows_the_project_name_as_plain_text(
    qtbot: QtBot, seeded: SeededStore, make_window: Any
) -> None:
    from app.storage import errors

    harness = make_window(seeded.store)
    conflict = errors.VersionConflict('<img src="/nonexistent">', 1, 2)
    answers: list[str] = []

    def answer() -> None:
        box = harness.window.findChild(QMessageBox, "versionConflictDialog")
        assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
        assert '<img src="/nonexistent">' in box.text()
        answers.append("seen")
        box.reject()

    QTimer.singleShot(0, answer)
    assert harness.accounts.ask_version_conflict(conflict) == "cancel"
    assert answers == ["seen"]
