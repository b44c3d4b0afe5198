"""Cloud sync from the main window against the real server (pytest-qt, offscreen).

A user signed in locally signs in to the cloud through the dialog, saves with
Ctrl+S and sees "Synced"; a second computer (a Qt-free store and
CloudSession) edits the same project and syncs; the first edits too and
syncs: the conflict is told, both versions exist on both computers, and the
copy is in the project browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.cloud.client.session import CloudSession
from app.model import fileformat
from app.storage import Store
from app.ui.accounts import ProjectBrowserDialog
from app.ui.cloud.status import CloudState
from app.ui.plain_text import tooltip_text
from tests.support.cloud_server import PASSWORD, CloudServer, register, unique_email
from tests.ui.cloud.harness import local_account, shoot, shoot_menu

pytestmark = pytest.mark.xdist_group("ui_cloud")


def test_sign_in_save_sync_then_a_conflict_keeps_both(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer
) -> None:
    email = unique_email("ada")
    register(ui_cloud_server, email)
    a = make_window(tmp_path / "a.sqlite3")
    assert not a.action("actionCloudSignIn").isEnabled()  # no local account yet
    a.sign_in_locally(email)
    assert a.cloud.status.state is CloudState.NOT_LINKED
    assert not a.action("actionCloudSync").isEnabled()

    # Sign in to the cloud through the dialog: the email is the local account's.
    dialog = a.open_cloud_sign_in()
    assert dialog.email.text() == email
    assert dialog.server.text() == "http://localhost:8001"
    a.type_and_submit(dialog, ui_cloud_server.base_url)
    qtbot.waitUntil(lambda: a.accounts.dialogs.current is None)  # closed (and deleted)
    assert a.cloud.signed_in
    a.wait_state(CloudState.SYNCED)
    assert a.action("actionCloudSync").isEnabled()
    assert a.action("actionCloudSignOut").isEnabled()
    assert not a.action("actionCloudSignIn").isEnabled()
    shoot_menu(a, "cloud_account_menu_signed_in")

    # Edit and Ctrl+S: a project, then synced.
    a.window.add_component_at_center("cache")
    synced_before = a.cloud.status.last_sync
    a.save()
    qtbot.waitUntil(lambda: a.accounts.project is not None)
    qtbot.waitUntil(lambda: a.cloud.status.last_sync != synced_before
                    and a.cloud.status.state is CloudState.SYNCED and not a.cloud.busy)
    assert a.cloud.status.text == "Cloud: Synced"
    tip = tooltip_text(a.cloud.button.toolTip())
    assert "Last sync: " in tip and email in tip and "1 sent" in tip
    shoot(a.window.statusBar(), "cloud_status_synced")
    project_id = a.accounts.project.id

    # A second computer: the same cloud account, its own local store.
    with Store.open(tmp_path / "b.sqlite3") as store_b:
        b_session = local_account(store_b, email)
        b = CloudSession(store_b, b_session.user_id)
        b.sign_in(ui_cloud_server.base_url, email, PASSWORD, remember=False)
        assert b.sync_now().pulled == 1
        shop_b = store_b.projects.get(b_session, project_id)
        model = fileformat.loads(shop_b.document)
        model.name = "Edited on B"
        store_b.projects.save(b_session, project_id, fileformat.dumps(model),
                              base_version=shop_b.version)
        assert b.sync_now().pushed == 1

        # The first computer edited meanwhile; its save syncs and meets B's version.
        a.window.add_component_at_center("database")
        a.save()
        a.wait_state(CloudState.CONFLICT)
        notice = a.cloud.notice
        assert notice is not None and notice.isVisible() and not notice.isModal()
        assert notice.objectName() == "cloudConflictNotice"
        assert "“Shop”" in notice.text()
        assert "“Shop (conflicted copy)”" in notice.informativeText()
        shoot(notice, "cloud_conflict_notice")
        shoot(a.window.statusBar(), "cloud_status_conflict")
        # The editor had no unsaved edits: it now shows the server's (B's) version.
        qtbot.waitUntil(lambda: a.window.document.model.name == "Edited on B")

        names = sorted(p.name for p in a.store.projects.list(a.session))
        assert names == ["Shop", "Shop (conflicted copy)"]
        copy = next(p for p in a.store.projects.list(a.session) if p.name != "Shop")
        types = {c.type for c in fileformat.loads(
            a.store.projects.get(a.session, copy.id).document).components}
        assert "database" in types  # A's edit is the copy: nothing lost
        notice.close()

        # The project browser shows both.
        browser = a.accounts.show_projects()
        assert isinstance(browser, ProjectBrowserDialog)
        qtbot.waitUntil(browser.isVisible)
        assert sorted(browser.project_names()) == names
        shoot(browser, "cloud_browser_with_copy")
        browser.reject()

        # The second computer gets the copy at its next sync: both versions on both.
        b.sync_now()
        assert sorted(p.name for p in store_b.projects.list(b_session)) == names
        b.sign_out()


def test_an_offline_server_shows_offline_and_saves_still_land(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer
) -> None:
    from tests.support.cloud_server import running_server

    email = unique_email("offline")
    (tmp_path / "own-server").mkdir()
    with running_server("sqlite", tmp_path / "own-server", ui_cloud_server.mailbox) as server:
        register(server, email)
        a = make_window(tmp_path / "a.sqlite3")
        a.sign_in_locally(email)
        dialog = a.open_cloud_sign_in()
        a.type_and_submit(dialog, server.base_url)
        a.wait_state(CloudState.SYNCED)
        a.window.add_component_at_center("cache")
        a.save()
        qtbot.waitUntil(lambda: a.accounts.project is not None)
        a.wait_state(CloudState.SYNCED)
    # The server is gone now.
    a.window.add_component_at_center("database")
    a.save()
    a.wait_state(CloudState.OFFLINE)
    assert a.accounts.project.version == 2  # the save landed locally at once
    assert not a.window.document.is_modified
    tip = tooltip_text(a.cloud.button.toolTip())
    assert "could not be reached" in tip and "Last sync: " in tip
    shoot(a.window.statusBar(), "cloud_status_offline")
    assert not [w for w in a.window.findChildren(QMessageBox) if w.isVisible()]
