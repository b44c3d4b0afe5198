"""The cloud controller's triggers: resume at start, the timer, coalescing, Cancel, sign-out."""

from __future__ import annotations

import functools
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.cloud.client import CloudClient
from app.cloud.client.credentials import KEYRING_SERVICE
from app.cloud.client.session import CloudSession
from app.storage import Store
from app.ui.cloud.status import CloudState
from tests.support.cloud_server import CloudServer, register, unique_email
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.cloud.harness import CloudWindow, shoot

pytestmark = pytest.mark.xdist_group("ui_cloud")


def _signed_in(qtbot: QtBot, make_window: Any, path: Path, server: CloudServer, email: str,
               **options: Any) -> CloudWindow:
    a = make_window(path, **options)
    a.sign_in_locally(email)
    dialog = a.open_cloud_sign_in()
    a.type_and_submit(dialog, server.base_url)
    a.wait_state(CloudState.SYNCED)
    return a


def test_a_new_start_resumes_from_the_keyring_then_syncs(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer,
    memory_keyring: MemoryKeyring
) -> None:
    email = unique_email("resume")
    register(ui_cloud_server, email)
    first = _signed_in(qtbot, make_window, tmp_path / "a.sqlite3", ui_cloud_server, email)
    assert any(service == KEYRING_SERVICE for service, _user in memory_keyring.secrets)
    first.window.add_component_at_center("cache")
    first.save()
    qtbot.waitUntil(lambda: first.accounts.project is not None)
    first.wait_state(CloudState.SYNCED)
    first.close()

    # The next start: the same store, the local account signs in (remember-me at start).
    again = make_window(tmp_path / "a.sqlite3")
    assert again.session is None
    again.session = again.store.accounts.login(email, "Tapir orbit quill 58!")
    again.accounts.set_session(again.session, offer_recovery=False)
    assert again.cloud.status.state is CloudState.SYNCING  # resuming, off the GUI thread
    again.wait_state(CloudState.SYNCED)
    assert again.cloud.signed_in and again.cloud.status.account == email


def test_signing_out_locally_signs_out_of_the_cloud_and_keeps_the_link(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer,
    memory_keyring: MemoryKeyring
) -> None:
    email = unique_email("localout")
    register(ui_cloud_server, email)
    a = _signed_in(qtbot, make_window, tmp_path / "a.sqlite3", ui_cloud_server, email)
    user_id = a.session.user_id
    assert any(service == KEYRING_SERVICE for service, _u in memory_keyring.secrets)
    a.action("actionSignOut").trigger()
    qtbot.waitUntil(lambda: not a.cloud.busy)
    assert a.accounts.session is None
    # Like remember-me, the cloud token does not outlive the local sign-out...
    assert not any(service == KEYRING_SERVICE for service, _u in memory_keyring.secrets)
    # ...but the link does: signing in to the cloud again finds its projects' bases.
    link = a.store.sync.get_link(user_id)
    assert link is not None and link.cloud_email == email


def test_the_timer_syncs_and_triggers_during_a_sync_are_coalesced(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer
) -> None:
    email = unique_email("timer")
    register(ui_cloud_server, email)
    a = _signed_in(qtbot, make_window, tmp_path / "a.sqlite3", ui_cloud_server, email)
    finished: list[object] = []
    a.cloud.sync_finished.connect(finished.append)
    assert a.cloud.request_sync("test")
    assert a.cloud.status.text == "Cloud: Syncing…"
    shoot(a.window.statusBar(), "cloud_status_syncing")
    assert a.cloud.request_sync("test") and a.cloud.request_sync("test")  # coalesced
    qtbot.waitUntil(lambda: len(finished) == 2 and not a.cloud.busy)
    qtbot.wait(300)
    assert len(finished) == 2  # three requests, one running: one more sync, not two

    qtbot.mouseClick(a.cloud.button, Qt.MouseButton.LeftButton)  # the indicator syncs now
    qtbot.waitUntil(lambda: len(finished) == 3 and not a.cloud.busy)

    a.cloud._timer.setInterval(50)  # the 5-minute timer, made short
    qtbot.waitUntil(lambda: len(finished) >= 5)
    a.cloud._timer.stop()
    a.wait_state(CloudState.SYNCED)


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_cancel_closes_the_dialog_at_once_while_the_server_is_silent(
    qtbot: QtBot, tmp_path: Path, make_window: Any, silent_url: str
) -> None:
    quick = functools.partial(CloudClient, timeout=2.0, total_timeout=3.0)

    def factory(store: Store, user_id: str) -> CloudSession:
        return CloudSession(store, user_id, client_factory=quick)

    a = make_window(tmp_path / "a.sqlite3", session_factory=factory)
    a.sign_in_locally(unique_email("cancel"))
    dialog = a.open_cloud_sign_in()
    a.type_and_submit(dialog, silent_url)
    assert dialog.is_busy and dialog.progress_text.isVisible()
    assert dialog.cancel_button.isEnabled() and not dialog.ok_button.isEnabled()
    shoot(dialog, "cloud_sign_in_busy")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert a.accounts.dialogs.current is None or not a.accounts.dialogs.current.isVisible()
    assert a.cloud.busy  # the call is still waiting in the worker; the GUI is not
    qtbot.waitUntil(lambda: not a.cloud.busy, timeout=30_000)
    assert not a.cloud.signed_in
    assert a.cloud.status.state is CloudState.NOT_LINKED


def test_sign_out_of_the_cloud_forgets_the_sign_in(
    qtbot: QtBot, tmp_path: Path, make_window: Any, ui_cloud_server: CloudServer,
    memory_keyring: MemoryKeyring
) -> None:
    email = unique_email("signout")
    register(ui_cloud_server, email)
    a = _signed_in(qtbot, make_window, tmp_path / "a.sqlite3", ui_cloud_server, email)
    a.action("actionCloudSignOut").trigger()
    qtbot.waitUntil(lambda: not a.cloud.busy and not a.cloud.signed_in)
    assert a.cloud.status.state is CloudState.NOT_LINKED
    assert not any(service == KEYRING_SERVICE for service, _u in memory_keyring.secrets)
    assert a.action("actionCloudSignIn").isEnabled()
    assert not a.action("actionCloudSync").isEnabled()
    assert not a.cloud.request_sync("after sign-out")
