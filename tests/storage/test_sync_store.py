"""``store.sync``: what the cloud client reads and writes, on real SQLite files."""

from __future__ import annotations

import threading
import uuid

import pytest

from app.storage import errors
from tests.support import storage_fixtures
from tests.support.storage_fixtures import SeededStore

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users


def doc(text: str) -> str:
    return f'{{"components": [], "links": [], "note": "{text}"}}'


def vid() -> str:
    return str(uuid.uuid4())


def pushed_project(seeded: SeededStore, name: str = "Shop", text: str = "v1") -> str:
    """A project of Alice's that the server has (its head is the base)."""
    store, alice = seeded.store, seeded.alice
    project = store.projects.create(alice, name, doc(text))
    head = store.sync.get_head(alice.user_id, project.id)
    assert head.version_id is not None
    store.sync.mark_pushed(alice.user_id, project.id, head.version_id)
    return project.id


def test_pending_pushes_follow_local_edits_and_mark_pushed(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project = store.projects.create(alice, "Shop", doc("v1"))
    [head] = store.sync.pending_pushes(uid)  # never pushed
    assert (head.id, head.name, head.document, head.deleted) == (project.id, "Shop", doc("v1"),
                                                                 False)
    assert head.base_version_id is None and head.role is None and head.parent_version_id is None
    assert head.version_id is not None
    store.sync.mark_pushed(uid, project.id, head.version_id)
    assert store.sync.pending_pushes(uid) == []
    assert store.sync.prepare_push(uid, project.id) is None
    saved = store.projects.save(alice, project.id, doc("v2"))
    [again] = store.sync.pending_pushes(uid)
    assert (again.version_id, again.parent_version_id, again.base_version_id) == (
        saved.version_id, head.version_id, head.version_id)
    # The push started; the user saved once more before it was acknowledged.
    newer = store.projects.save(alice, project.id, doc("v3"))
    store.sync.mark_pushed(uid, project.id, saved.version_id)
    [still] = store.sync.pending_pushes(uid)
    assert still.version_id == newer.version_id and still.base_version_id == saved.version_id
    with pytest.raises(errors.NotFound):
        store.sync.mark_pushed(uid, project.id, vid())  # not a version of this project
    assert store.sync.pending_pushes(seeded.bob.user_id) == []


def test_a_rename_alone_is_pushed_with_a_fresh_version_id(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id = pushed_project(seeded)
    base = store.sync.get_head(uid, project_id).version_id
    store.projects.rename(alice, project_id, "Shop 2")
    assert [h.name for h in store.sync.pending_pushes(uid)] == ["Shop 2"]
    head = store.sync.prepare_push(uid, project_id)
    assert head is not None and head.version_id not in (None, base)
    assert head.parent_version_id == base and head.document == doc("v1")
    assert store.projects.versions(alice, project_id)[0].note == "Renamed to “Shop 2”"
    store.sync.mark_pushed(uid, project_id, head.version_id, name="Shop 2")
    assert store.sync.pending_pushes(uid) == []


def test_apply_remote_creates_an_unknown_project_with_the_servers_ids(
    seeded: SeededStore,
) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id, version_id, parent = vid(), vid(), vid()
    result = store.sync.apply_remote_version(uid, project_id, name="From afar",
                                             document=doc("remote"), version_id=version_id,
                                             parent_version_id=parent)
    assert (result.project_id, result.outcome, result.conflicted_copy_id) == (
        project_id, "created", None)
    project = store.projects.get(alice, project_id)
    assert (project.name, project.document, project.version_id, project.parent_version_id) == (
        "From afar", doc("remote"), version_id, parent)
    head = store.sync.get_head(uid, project_id)
    assert (head.base_version_id, head.role, head.base_name) == (version_id, "owner", "From afar")
    assert store.sync.pending_pushes(uid) == []
    # The same change again (a feed page read twice) changes nothing.
    again = store.sync.apply_remote_version(uid, project_id, name="From afar",
                                            document=doc("remote"), version_id=version_id,
                                            parent_version_id=parent)
    assert again.outcome == "unchanged"
    assert len(store.projects.versions(alice, project_id)) == 1


def test_apply_remote_on_a_clean_project_adds_the_version_on_top(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id = pushed_project(seeded)
    base = store.sync.get_head(uid, project_id).version_id
    server_version = vid()
    result = store.sync.apply_remote_version(uid, project_id, name="Shop (renamed there)",
                                             document=doc("v2 remote"),
                                             version_id=server_version, parent_version_id=base)
    assert result.outcome == "updated"
    history = store.projects.versions(alice, project_id)
    assert [(v.number, v.version_id, v.parent_version_id) for v in history] == [
        (2, server_version, base), (1, base, None)]
    assert store.projects.get(alice, project_id).name == "Shop (renamed there)"
    assert store.sync.pending_pushes(uid) == []


def test_a_conflict_keeps_both_documents(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id = pushed_project(seeded)
    base = store.sync.get_head(uid, project_id).version_id
    local = store.projects.save(alice, project_id, doc("local edit"))
    server_version = vid()
    result = store.sync.apply_remote_version(uid, project_id, name="Shop",
                                             document=doc("server edit"),
                                             version_id=server_version, parent_version_id=base)
    assert result.outcome == "forked" and result.conflicted_copy_id is not None
    original = store.projects.get(alice, project_id)
    copy = store.projects.get(alice, result.conflicted_copy_id)
    assert (original.document, original.version_id) == (doc("server edit"), server_version)
    assert (copy.name, copy.document) == ("Shop (conflicted copy)", doc("local edit"))
    assert copy.version_id not in (local.version_id, server_version, base)
    # The local edit is also still in the original's history: nothing is lost.
    assert local.version_id in {v.version_id for v in store.projects.versions(alice, project_id)}
    # The copy is new to the server; the original is in step.
    assert [h.id for h in store.sync.pending_pushes(uid)] == [copy.id]
    [conflict] = store.sync.conflicts(uid)
    assert (conflict.project_id, conflict.copy_id) == (project_id, copy.id)
    assert "Shop (conflicted copy)" in conflict.message
    store.sync.clear_conflict(uid, project_id)
    assert store.sync.conflicts(uid) == []


def test_fork_on_its_own_then_the_servers_version_forks_only_once(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id = pushed_project(seeded)
    base = store.sync.get_head(uid, project_id).version_id
    store.projects.save(alice, project_id, doc("local edit"))
    copy_id = store.sync.fork_conflicted_copy(uid, project_id)
    assert store.projects.get(alice, copy_id).document == doc("local edit")
    assert store.projects.get(alice, project_id).document == doc("local edit")  # unchanged
    assert [h.id for h in store.sync.pending_pushes(uid)] == [copy_id]  # waits for the server
    result = store.sync.apply_remote_version(uid, project_id, name="Shop", document=doc("srv"),
                                             version_id=vid(), parent_version_id=base)
    assert result.outcome == "updated"
    names = sorted(p.name for p in store.projects.list(alice))
    assert names == ["Shop", "Shop (conflicted copy)"]


def test_a_server_edit_brings_back_a_locally_deleted_project(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id = pushed_project(seeded)
    base = store.sync.get_head(uid, project_id).version_id
    store.projects.delete(alice, project_id)
    assert [h.deleted for h in store.sync.pending_pushes(uid)] == [True]
    # The DELETE got 412: the server's edit wins and the project comes back.
    result = store.sync.apply_remote_version(uid, project_id, name="Shop", document=doc("srv"),
                                             version_id=vid(), parent_version_id=base)
    assert result.outcome == "revived"
    assert store.projects.get(alice, project_id).document == doc("srv")
    assert store.sync.pending_pushes(uid) == []


def test_deleted_on_the_server(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    clean = pushed_project(seeded, "Clean")
    dirty = pushed_project(seeded, "Dirty")
    store.projects.save(alice, dirty, doc("unpushed"))
    assert store.sync.mark_deleted_remote(uid, clean).outcome == "deleted"
    result = store.sync.mark_deleted_remote(uid, dirty)
    assert result.outcome == "forked" and result.conflicted_copy_id is not None
    assert [p.name for p in store.projects.list(alice)] == ["Dirty (conflicted copy)"]
    assert store.projects.get(alice, result.conflicted_copy_id).document == doc("unpushed")
    for gone in (clean, dirty):
        head = store.sync.get_head(uid, gone)
        assert head.deleted and head.base_version_id is None
    assert [h.id for h in store.sync.pending_pushes(uid)] == [result.conflicted_copy_id]
    assert [c.project_id for c in store.sync.conflicts(uid)] == [dirty]
    assert store.sync.mark_deleted_remote(uid, vid()).outcome == "unknown"
    assert store.sync.mark_deleted_remote(uid, clean).outcome == "deleted"  # idempotent


def test_projects_shared_read_only_are_never_pushed(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    project_id, first = vid(), vid()
    store.sync.apply_remote_version(uid, project_id, name="Theirs", document=doc("t1"),
                                    version_id=first, parent_version_id=None, role="reader")
    store.projects.save(alice, project_id, doc("my local tweak"))
    assert store.sync.pending_pushes(uid) == []
    # The owner edits; the reader's tweak is kept as a project of the reader's own.
    result = store.sync.apply_remote_version(uid, project_id, name="Theirs", document=doc("t2"),
                                             version_id=vid(), parent_version_id=first,
                                             role="reader")
    assert result.outcome == "forked"
    copy = store.sync.get_head(uid, result.conflicted_copy_id or "")
    assert copy.document == doc("my local tweak") and copy.role is None
    assert [h.id for h in store.sync.pending_pushes(uid)] == [copy.id]


def test_sync_calls_check_the_account_and_the_ids(seeded: SeededStore) -> None:
    store, uid, bob = seeded.store, seeded.alice.user_id, seeded.bob.user_id
    project_id = pushed_project(seeded)
    with pytest.raises(errors.NotAllowed):
        store.sync.get_head(bob, project_id)
    with pytest.raises(errors.NotAllowed):
        store.sync.apply_remote_version(bob, project_id, name="X", document=doc("x"),
                                        version_id=vid(), parent_version_id=None)
    with pytest.raises(errors.NotAllowed):
        store.sync.mark_deleted_remote(bob, project_id)
    with pytest.raises(errors.NotFound):
        store.sync.pending_pushes("no-such-user")
    with pytest.raises(errors.NotFound):
        store.sync.get_head(uid, vid())
    with pytest.raises(errors.ValidationError):
        store.sync.get_head(uid, "../../etc")
    with pytest.raises(errors.ValidationError):
        store.sync.apply_remote_version(uid, vid(), name="X", document=doc("x"),
                                        version_id="not-a-uuid", parent_version_id=None)
    with pytest.raises(errors.ValidationError):
        store.sync.apply_remote_version(uid, vid(), name="X", document=doc("x"),
                                        version_id=vid(), parent_version_id=None, role="admin")
    taken = store.sync.get_head(uid, project_id).version_id or ""
    with pytest.raises(errors.ValidationError):  # a version id is one version, everywhere
        store.sync.apply_remote_version(uid, vid(), name="X", document=doc("x"),
                                        version_id=taken, parent_version_id=None)


def test_cloud_links_and_cursors(seeded: SeededStore) -> None:
    store, uid = seeded.store, seeded.alice.user_id
    assert store.sync.get_link(uid) is None
    with pytest.raises(errors.NotFound):
        store.sync.set_cursor(uid, "5")
    link = store.sync.link(uid, "http://127.0.0.1:8001/", "c-42", "alice@cloud.example")
    assert (link.server_url, link.cloud_user_id, link.cursor) == (
        "http://127.0.0.1:8001", "c-42", None)
    store.sync.set_cursor(uid, "17")
    project_id = pushed_project(seeded)
    # Signing in again to the same account keeps the cursor and what was pushed.
    store.sync.link(uid, "http://127.0.0.1:8001", "c-42", "alice@cloud.example")
    info = store.sync.get_link(uid)
    assert info is not None and info.cursor == "17"
    assert store.sync.pending_pushes(uid) == []
    # Another server: its versions are not the old server's, so everything is new there.
    store.sync.link(uid, "https://cloud.example", "c-7", "alice@cloud.example")
    info = store.sync.get_link(uid)
    assert info is not None and info.cursor is None
    assert [h.id for h in store.sync.pending_pushes(uid)] == [project_id]
    store.sync.mark_pushed(uid, project_id, store.sync.get_head(uid, project_id).version_id or "")
    assert store.sync.pending_pushes(uid) == []
    # Unlinked, the account is tied to no cloud: linking again, even to the same
    # account, starts afresh (no cursor, every project pushed as new).
    store.sync.unlink(uid)
    assert store.sync.get_link(uid) is None
    assert store.sync.get_head(uid, project_id).base_version_id is None
    store.sync.link(uid, "https://cloud.example", "c-7", "alice@cloud.example")
    info = store.sync.get_link(uid)
    assert info is not None and info.cursor is None
    assert [h.id for h in store.sync.pending_pushes(uid)] == [project_id]
    for bad in ("ftp://cloud.example", "cloud.example", "http://", "http://x\x00y"):
        with pytest.raises(errors.ValidationError):
            store.sync.link(uid, bad, "c", "e")
    assert store.sync.get_link(seeded.bob.user_id) is None


def test_a_worker_thread_applies_while_the_gui_thread_saves(seeded: SeededStore) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    mine = store.projects.create(alice, "Mine", doc("0"))
    pulled = [(vid(), vid()) for _ in range(15)]
    problems: list[BaseException] = []

    def worker() -> None:
        try:
            for project_id, version_id in pulled:
                store.sync.apply_remote_version(uid, project_id, name="Pulled",
                                                document=doc(version_id),
                                                version_id=version_id, parent_version_id=None)
        except BaseException as exc:  # reported below
            problems.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    for n in range(15):
        store.projects.save(alice, mine.id, doc(str(n)))
    thread.join()
    assert problems == []
    assert store.projects.get(alice, mine.id).version == 16
    assert store.projects.count(alice) == 16
    for project_id, version_id in pulled:
        assert store.sync.get_head(uid, project_id).version_id == version_id
