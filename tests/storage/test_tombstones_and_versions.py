"""Deletes leave tombstones nobody sees; version ids are stable and chained; the
change sequence strictly increases."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path

import pytest

from app.storage import RunReplication, errors
from tests.support import storage_fixtures
from tests.support.storage_fixtures import SeededStore

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users
RUN = RunReplication(1, {"end_to_end": {"throughput_rps": 1.0}})


def doc(text: str) -> str:
    return f'{{"components": [], "links": [], "note": "{text}"}}'


def test_a_deleted_project_is_hidden_everywhere_but_its_tombstone_stays(
    seeded: SeededStore, tmp_path: Path
) -> None:
    store, alice = seeded.store, seeded.alice
    kept = store.projects.create(alice, "Kept", doc("k"))
    gone = store.projects.create(alice, "Gone project", doc("g1"))
    store.projects.save(alice, gone.id, doc("g2"))
    store.runs.save(alice, gone.id, "run", doc("g2"), [RUN], seed=1)
    store.recovery.write(alice, gone.id, doc("autosaved"))
    store.projects.delete(alice, gone.id)

    projects = store.projects
    assert [p.id for p in projects.list(alice)] == [kept.id]
    assert projects.list(alice, search="Gone") == []
    assert projects.count(alice) == 1
    calls = {
        "get": lambda: projects.get(alice, gone.id),
        "get version": lambda: projects.get(alice, gone.id, 1),
        "save": lambda: projects.save(alice, gone.id, doc("again")),
        "save_copy": lambda: projects.save_copy(alice, gone.id, doc("copy")),
        "versions": lambda: projects.versions(alice, gone.id),
        "restore": lambda: projects.restore(alice, gone.id, 1),
        "changes": lambda: projects.changes(alice, gone.id, 1, 2),
        "rename": lambda: projects.rename(alice, gone.id, "Back"),
        "duplicate": lambda: projects.duplicate(alice, gone.id),
        "delete": lambda: projects.delete(alice, gone.id),
        "export": lambda: projects.export_file(alice, gone.id, tmp_path / "x.sdsim"),
        "runs.list": lambda: store.runs.list(alice, gone.id),
        "runs.save": lambda: store.runs.save(alice, gone.id, "run", doc("g2"), [RUN], seed=1),
        "recovery.write": lambda: store.recovery.write(alice, gone.id, doc("late")),
    }
    for name, call in calls.items():
        try:
            call()
        except errors.NotFound:
            continue
        pytest.fail(f"{name} worked on a deleted project")
    assert all(entry.project_id != gone.id for entry in store.recovery.pending(alice))
    assert not (tmp_path / "x.sdsim").exists()
    store.close()
    with sqlite3.connect(seeded.path) as raw:
        row = raw.execute("SELECT name, deleted_at IS NOT NULL FROM projects WHERE id = ?",
                          (gone.id,)).fetchone()
        left = [raw.execute(f"SELECT count(*) FROM {table} WHERE project_id = ?",
                            (gone.id,)).fetchone()[0]
                for table in ("project_versions", "runs", "recovery_slots")]
    assert row == ("Gone project", 1)  # the tombstone: id, name, when
    assert left == [0, 0, 0]  # the content went, as a delete always did


def test_a_tombstone_is_in_the_change_feed_and_pending_only_once_the_server_had_it(
    seeded: SeededStore,
) -> None:
    store, alice, uid = seeded.store, seeded.alice, seeded.alice.user_id
    local_only = store.projects.create(alice, "Local only", doc("a"))
    pushed = store.projects.create(alice, "Pushed", doc("b"))
    store.sync.mark_pushed(uid, pushed.id, store.projects.get(alice, pushed.id).version_id)
    seq = store.sync.change_seq()
    store.projects.delete(alice, local_only.id)
    store.projects.delete(alice, pushed.id)
    changes = store.sync.changes_since(uid, seq)
    assert [(c.id, c.deleted, c.version_id) for c in changes] == [
        (local_only.id, True, None), (pushed.id, True, None)]
    # The server never had "Local only": nothing to tell it.
    assert [(h.id, h.deleted) for h in store.sync.pending_pushes(uid)] == [(pushed.id, True)]
    store.sync.mark_pushed(uid, pushed.id, None)  # the DELETE was accepted
    assert store.sync.pending_pushes(uid) == []
    assert store.sync.get_head(uid, pushed.id).deleted


def test_version_ids_are_uuids_stable_and_chained(seeded: SeededStore) -> None:
    store, alice = seeded.store, seeded.alice
    project = store.projects.create(alice, "Shop", doc("1"))
    first = store.projects.get(alice, project.id)
    assert str(uuid.UUID(first.version_id)) == first.version_id
    assert first.parent_version_id is None
    second = store.projects.save(alice, project.id, doc("2"))
    restored = store.projects.restore(alice, project.id, 1)
    assert second.parent_version_id == first.version_id
    assert restored.parent_version_id == second.version_id
    assert restored.version_id not in (first.version_id, second.version_id)
    history = store.projects.versions(alice, project.id)
    assert [v.version_id for v in history] == [restored.version_id, second.version_id,
                                                first.version_id]
    assert store.projects.get(alice, project.id, 1).version_id == first.version_id
    copy = store.projects.duplicate(alice, project.id)
    copied = store.projects.get(alice, copy.id)
    assert copied.parent_version_id is None  # a new project starts a new chain
    assert copied.version_id not in {v.version_id for v in history}
    store.close()
    with sqlite3.connect(seeded.path) as raw:
        rows = raw.execute("SELECT version_id, origin FROM project_versions").fetchall()
        uid = raw.execute("SELECT value FROM store_meta WHERE key='store_uid'").fetchone()[0]
    assert len({vid for vid, _ in rows}) == len(rows)
    assert {origin for _, origin in rows} == {uid}
    # Reopened, the same ids come back.
    from app.storage import Store

    with Store.open(seeded.path, clock=seeded.clock) as again:
        assert [v.version_id for v in again.projects.versions(alice, project.id)] == [
            v.version_id for v in history]


def test_every_change_takes_a_strictly_greater_number(seeded: SeededStore) -> None:
    store, alice, bob = seeded.store, seeded.alice, seeded.bob
    seen = [store.sync.change_seq()]

    def latest(user_id: str, project_id: str) -> int:
        [change] = [c for c in store.sync.changes_since(user_id, 0) if c.id == project_id]
        return change.change_seq

    a = store.projects.create(alice, "A", doc("a"))
    seen.append(latest(alice.user_id, a.id))
    b = store.projects.create(bob, "B", doc("b"))
    seen.append(latest(bob.user_id, b.id))
    for step in (lambda: store.projects.save(alice, a.id, doc("a2")),
                 lambda: store.projects.rename(alice, a.id, "A2"),
                 lambda: store.projects.restore(alice, a.id, 1)):
        step()
        seen.append(latest(alice.user_id, a.id))
    c = store.projects.duplicate(alice, a.id)
    seen.append(latest(alice.user_id, c.id))
    store.projects.delete(alice, c.id)
    seen.append(latest(alice.user_id, c.id))
    assert seen == sorted(set(seen)) and len(seen) == 8
    assert store.sync.change_seq() == seen[-1]
    # "Changes since n" is each account's own projects, in change order.
    assert [x.id for x in store.sync.changes_since(alice.user_id, seen[2])] == [a.id, c.id]
    assert [x.id for x in store.sync.changes_since(bob.user_id, 0)] == [b.id]


def test_concurrent_saves_from_threads_never_share_a_change_number(seeded: SeededStore) -> None:
    store, alice = seeded.store, seeded.alice
    projects = [store.projects.create(alice, f"P{i}", doc("0")) for i in range(4)]
    start = store.sync.change_seq()
    errors_seen: list[BaseException] = []

    def work(project_id: str) -> None:
        try:
            for n in range(10):
                store.projects.save(alice, project_id, doc(str(n)))
        except BaseException as exc:  # reported below
            errors_seen.append(exc)

    threads = [threading.Thread(target=work, args=(p.id,)) for p in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors_seen == []
    assert store.sync.change_seq() == start + 40  # one number per save, none reused
    seqs = [c.change_seq for c in store.sync.changes_since(alice.user_id, start)]
    assert len(seqs) == 4 and len(set(seqs)) == 4 and max(seqs) == start + 40
