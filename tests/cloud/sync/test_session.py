"""``CloudSession``: keyring, resume at start, offline and back, one sync at a time."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backends import fail

from app.cloud.client import (
    CloudError,
    CloudSession,
    Offline,
    SignedOut,
    SignInCancelled,
    SyncReport,
)
from app.storage import ManualClock, Store
from tests.cloud.client.transport import ForwardedFor
from tests.cloud.sync.conftest import Desktop, client_factory
from tests.support.cloud_server import Mailbox, register, start_server, stop_server
from tests.support.memory_keyring import MemoryKeyring
from tests.support.storage_fixtures import T0, SeededUsers

MakeDesktop = Callable[..., Desktop]


def reopen(desktop: Desktop) -> CloudSession:
    """The same store after a restart of the app: a new session, nothing in memory."""
    return CloudSession(desktop.store, desktop.user_id,
                        client_factory=client_factory(desktop.transport))


def test_without_a_keyring_cloud_sign_in_is_unavailable(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop(signed_in=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        ok, reason = desktop.cloud.available()
        assert not ok and "keyring" in reason
        with pytest.raises(CloudError) as raised:
            desktop.sign_in()
        assert raised.value.error == "no_keyring"
        assert not desktop.cloud.resume()
    finally:
        keyring.set_keyring(previous)
    assert desktop.store.sync.get_link(desktop.user_id) is None


def test_resume_at_start_from_the_keyring(make_desktop: MakeDesktop,
                                          memory_keyring: MemoryKeyring) -> None:
    desktop = make_desktop()
    assert len(memory_keyring.secrets) == 1  # the refresh token, and nothing else
    desktop.create("Shop")
    desktop.sync()
    desktop.cloud.close()

    again = reopen(desktop)
    assert again.status.state == "signed_out"
    assert again.status.email == desktop.account.email  # linked, not yet signed in
    assert again.resume()
    assert again.status.state == "idle"
    desktop.create("Cart")
    assert again.sync_now().pushed == 1

    again.sign_out()
    assert not memory_keyring.secrets
    assert not reopen(desktop).resume()
    with pytest.raises(SignedOut):
        again.sync_now()


def test_a_wrong_password_links_nothing(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop(signed_in=False)
    with pytest.raises(CloudError) as raised:
        desktop.cloud.sign_in(desktop.server.base_url, desktop.account.email, "Wrong pw 1234!!")
    assert raised.value.status == 401
    assert desktop.store.sync.get_link(desktop.user_id) is None
    assert desktop.cloud.status.state == "signed_out"


def test_a_sign_in_cancelled_after_the_server_said_yes_changes_nothing(
        make_desktop: MakeDesktop, memory_keyring: MemoryKeyring) -> None:
    desktop = make_desktop()  # linked to its account, with a synced project
    project_id = desktop.create("Shop")
    desktop.sync()
    before = desktop.store.sync.get_link(desktop.user_id)
    token_before = dict(memory_keyring.secrets)
    other = register(desktop.server)
    asked: list[bool] = []

    def cancelled() -> bool:
        asked.append(True)
        return False

    with pytest.raises(SignInCancelled):
        desktop.cloud.sign_in(desktop.server.base_url, other.email, other.password,
                              proceed=cancelled)
    assert asked == [True]
    # The link, its cursor and the project's base are the first account's still...
    assert desktop.store.sync.get_link(desktop.user_id) == before
    assert desktop.store.sync.get_head(desktop.user_id, project_id).base_version_id
    # ...no token of the other account was kept, and its new server session ended.
    assert memory_keyring.secrets == token_before
    with httpx.Client(base_url=desktop.server.base_url) as client:
        sessions = client.get("/api/v1/user/sessions", headers=other.auth).json()["sessions"]
    assert [s["id"] for s in sessions] == [other.session_id]  # only register's own
    assert not desktop.sync().errors  # still signed in to the first account


def test_a_second_sync_now_while_one_runs_waits_and_shares_its_report(
        make_desktop: MakeDesktop) -> None:
    desktop = make_desktop()
    desktop.create("Shop")
    second: list[SyncReport] = []
    waiter: list[threading.Thread] = []

    def on_status(status: object) -> None:
        if getattr(status, "state", None) == "syncing" and not waiter:
            thread = threading.Thread(target=lambda: second.append(desktop.cloud.sync_now()))
            waiter.append(thread)
            thread.start()
            thread.join(0.5)
            # Still waiting for this sync (it cannot end while we are in its callback).
            assert thread.is_alive()

    desktop.cloud._on_status = on_status
    first = desktop.cloud.sync_now()
    waiter[0].join(30)
    assert second == [first]
    assert first.pushed == 1  # pushed once, not twice


def test_offline_saves_queue_and_go_on_the_next_sync(
        seeded_users: SeededUsers, tmp_path: Path, mailbox: Mailbox) -> None:
    # A server of this test's own, so it can be stopped and started again (same port, data).
    server = start_server("sqlite", tmp_path, mailbox,
                          f"sqlite:///{tmp_path / 'data' / 'server.db'}")
    try:
        path = tmp_path / "desktop.sqlite3"
        shutil.copyfile(seeded_users.path, path)
        store = Store.open(path, clock=ManualClock(T0))
        local = seeded_users.alice
        transport = ForwardedFor("10.250.0.1")
        session = CloudSession(store, local.user_id, client_factory=client_factory(transport))
        account = register(server)
        session.sign_in(server.base_url, account.email, account.password)
        shop = store.projects.create(local, "Shop", '{"edit": 1}').id
        assert session.sync_now().pushed == 1

        stop_server(server)
        store.projects.save(local, shop, '{"edit": 2}')  # saves land at once, offline
        cart = store.projects.create(local, "Cart", '{"edit": 1}').id
        with pytest.raises(Offline):
            session.sync_now()
        assert session.status.state == "offline"
        assert {h.id for h in store.sync.pending_pushes(local.user_id)} == {shop, cart}
        session.close()
        restarted = CloudSession(store, local.user_id,
                                 client_factory=client_factory(transport))
        assert restarted.resume()  # the token is kept; the sync retries later
        assert restarted.status.state == "offline"

        port = int(server.base_url.rsplit(":", 1)[1])
        server = start_server("sqlite", tmp_path, mailbox, server.database_url, port=port)
        report = restarted.sync_now()
        assert (report.pushed, report.conflicts) == (2, ())
        assert restarted.status.state == "idle"
        assert store.sync.pending_pushes(local.user_id) == []
        restarted.close()
        store.close()
    finally:
        stop_server(server)


def test_signing_out_during_a_sync_stops_it_cleanly(make_desktop: MakeDesktop,
                                                   memory_keyring: MemoryKeyring) -> None:
    desktop = make_desktop()
    shop = desktop.create("Shop")

    def on_status(status: object) -> None:
        if getattr(status, "state", None) == "syncing":
            desktop.cloud.sign_out()  # "Sign out" clicked while the worker syncs

    desktop.cloud._on_status = on_status
    with pytest.raises(SignedOut):
        desktop.cloud.sync_now()
    assert desktop.cloud.status.state == "signed_out"
    assert not memory_keyring.secrets
    assert [h.id for h in desktop.store.sync.pending_pushes(desktop.user_id)] == [shop]
    desktop.cloud._on_status = None
    desktop.sign_in()
    assert desktop.sync().pushed == 1
