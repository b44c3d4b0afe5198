"""Two (or more) desktops syncing through the real server: push, pull, conflicts, deletes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.cloud.client import CloudClient
from app.storage import errors
from tests.cloud.sync.conftest import Desktop
from tests.support.cloud_server import Account, CloudServer
from tests.support.memory_keyring import MemoryKeyring

MakeDesktop = Callable[..., Desktop]


def server_projects(server: CloudServer, account: Account) -> dict[str, str]:
    """The account's live projects on the server: id -> name (the feed from the start)."""
    with CloudClient(server.base_url) as client:
        client.login(account.email, account.password)
        live: dict[str, str] = {}
        cursor = None
        while True:
            page = client.changes(since=cursor)
            for change in page.changes:
                if change.deleted:
                    live.pop(change.id, None)
                else:
                    live[change.id] = change.name or ""
            cursor = page.cursor
            if not page.has_more:
                return live


def test_first_sync_pushes_everything_and_a_second_desktop_pulls_it(
        make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    ids = {a.create(f"Design {i}") for i in range(3)}
    report = a.sync()
    assert (report.pushed, report.pulled, report.conflicts, report.errors) == (3, 0, (), ())
    assert set(server_projects(a.server, a.account)) == ids
    assert a.cloud.status.state == "idle"

    b = make_desktop(a.account)
    report = b.sync()
    assert (report.pushed, report.pulled) == (0, 3)
    assert b.projects() == a.projects()
    for project_id in ids:  # the same versions, with the same ids, on both machines
        assert b.store.sync.get_head(b.user_id, project_id).version_id == \
            a.store.sync.get_head(a.user_id, project_id).version_id


def test_a_sync_with_nothing_new_sends_one_request_and_writes_nothing(
        make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    a.create("Shop")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    for desktop in (a, b):
        seq, sent = desktop.store.sync.change_seq(), desktop.transport.count()
        cursor = desktop.store.sync.get_link(desktop.user_id).cursor  # type: ignore[union-attr]
        report = desktop.sync()
        assert not report.changed_anything
        assert desktop.transport.count() - sent == 1  # the feed page, nothing else
        assert desktop.store.sync.change_seq() == seq
        assert desktop.store.sync.get_link(desktop.user_id).cursor == cursor  # type: ignore


def test_edits_flow_both_ways(make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    shop = a.create("Shop", "a1")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    b.save(shop, "b1")
    assert b.sync().pushed == 1
    assert a.sync().pulled == 1
    assert a.doc(shop)["edit"] == "b1"
    a.save(shop, "a2")
    a.sync()
    b.sync()
    assert b.doc(shop)["edit"] == "a2"


def test_two_desktops_editing_the_same_project_offline_keep_both(
        make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    shop = a.create("Shop", "base")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    a.save(shop, "from a")  # both edit while "offline" (before either syncs)
    b.save(shop, "from b")
    assert a.sync().pushed == 1
    report = b.sync()
    assert len(report.conflicts) == 1
    note = report.conflicts[0]
    assert (note.project_id, note.name, note.copy_name) == (shop, "Shop",
                                                            "Shop (conflicted copy)")
    assert b.cloud.status.state == "conflict"
    assert b.projects() == {"Shop": "from a", "Shop (conflicted copy)": "from b"}
    a.sync()
    assert a.projects() == b.projects()  # nothing lost, on either machine
    assert sorted(server_projects(a.server, a.account).values()) == [
        "Shop", "Shop (conflicted copy)"]
    assert [c.project_id for c in b.store.sync.conflicts(b.user_id)] == [shop]
    # Everything is in step now: another round moves nothing.
    assert not a.sync().changed_anything
    assert not b.sync().changed_anything


@pytest.mark.parametrize("delete_first", [True, False])
def test_delete_against_edit_the_edit_wins(make_desktop: MakeDesktop, delete_first: bool
                                           ) -> None:
    a = make_desktop()
    shop = a.create("Shop", "base")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    a.store.projects.delete(a.local, shop)
    b.save(shop, "edited")
    first, second = (a, b) if delete_first else (b, a)
    first.sync()
    second.sync()
    first.sync()
    for desktop in (a, b):
        assert desktop.projects() == {"Shop": "edited"}
    assert list(server_projects(a.server, a.account)) == [shop]


def test_a_clean_delete_reaches_the_other_desktop(make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    shop, keep = a.create("Shop"), a.create("Keep")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    a.store.projects.delete(a.local, shop)
    assert a.sync().pushed == 1
    assert b.sync().deleted == 1
    assert list(b.ids().values()) == [keep]
    with pytest.raises(errors.NotFound):
        b.store.projects.get(b.local, shop)


def test_a_rename_syncs(make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    shop = a.create("Shop", "v1")
    a.sync()
    b = make_desktop(a.account)
    b.sync()
    a.store.projects.rename(a.local, shop, "Web shop")
    assert a.sync().pushed == 1
    b.sync()
    assert b.projects() == {"Web shop": "v1"}
    assert server_projects(a.server, a.account) == {shop: "Web shop"}


def test_a_sharee_gets_a_read_only_copy_and_a_withdrawn_share_removes_it(
        make_desktop: MakeDesktop) -> None:
    owner = make_desktop()
    shop = owner.create("Shop", "o1")
    owner.sync()
    reader = make_desktop()
    owner.cloud._client.share(shop, reader.account.email)  # type: ignore[union-attr]
    assert reader.sync().pulled == 1
    assert reader.projects() == {"Shop": "o1"}
    head = reader.store.sync.get_head(reader.user_id, shop)
    assert head.role == "reader"
    owner.save(shop, "o2")
    owner.sync()
    reader.sync()
    assert reader.projects() == {"Shop": "o2"}
    # An edit on the reader's side is never pushed (a 403 would come back)...
    reader.save(shop, "reader edit")
    sent = reader.transport.count()
    assert reader.sync().pushed == 0
    assert reader.transport.count() - sent == 1
    # ...and when the share ends, it is kept as the reader's own conflicted copy.
    owner.cloud._client.unshare(shop, reader.account.email)  # type: ignore[union-attr]
    report = reader.sync()
    assert report.deleted == 1
    assert reader.projects() == {"Shop (conflicted copy)": "reader edit"}
    assert list(server_projects(reader.server, reader.account).values()) == [
        "Shop (conflicted copy)"]
    assert server_projects(owner.server, owner.account) == {shop: "Shop"}


def test_sign_out_and_in_again_duplicates_nothing(make_desktop: MakeDesktop,
                                                  memory_keyring: MemoryKeyring) -> None:
    a = make_desktop()
    a.create("Shop")
    a.create("Cart")
    a.sync()
    a.cloud.sign_out()
    assert a.cloud.status.state == "signed_out"
    assert not memory_keyring.secrets
    a.create("Offline work")
    a.sign_in()
    report = a.sync()
    assert (report.pushed, report.pulled, report.conflicts) == (1, 0, ())
    assert sorted(server_projects(a.server, a.account).values()) == [
        "Cart", "Offline work", "Shop"]
    assert sorted(a.ids()) == ["Cart", "Offline work", "Shop"]


def test_an_interrupted_pull_resumes_from_the_stored_cursor(make_desktop: MakeDesktop
                                                            ) -> None:
    a = make_desktop()
    ids = {a.create(f"Design {i}") for i in range(5)}
    a.sync()
    b = make_desktop(a.account)

    class Interrupted(Exception):
        pass

    def stop(cursor: str) -> None:
        raise Interrupted(cursor)

    with pytest.raises(Interrupted):
        b.engine(page_size=2, on_page=stop).sync()
    assert len(b.ids()) == 2
    stored = b.store.sync.get_link(b.user_id).cursor  # type: ignore[union-attr]
    assert stored is not None
    before = list(b.transport.requests)
    report = b.engine(page_size=2).sync()
    assert report.pulled == 3
    assert set(b.ids().values()) == ids
    fetched = [path for method, path in b.transport.requests[len(before):]
               if method == "GET" and path.count("/") == 4]  # /api/v1/projects/<id>
    assert len(fetched) == 3  # the first two were not fetched again


def test_a_project_too_large_for_the_server_is_reported_and_the_rest_syncs(
        make_desktop: MakeDesktop) -> None:
    a = make_desktop()
    big = a.store.projects.create(a.local, "Huge", '{"blob": "' + "x" * (5 * 1024 * 1024) + '"}')
    small = a.create("Small")
    report = a.sync()
    assert report.pushed == 1
    assert len(report.errors) == 1 and report.errors[0].startswith("“Huge”: ")
    assert "5 MB" in report.errors[0]
    assert a.cloud.status.state == "error" and a.cloud.status.message == report.errors[0]
    assert list(server_projects(a.server, a.account)) == [small]
    assert [h.id for h in a.store.sync.pending_pushes(a.user_id)] == [big.id]  # kept, queued
