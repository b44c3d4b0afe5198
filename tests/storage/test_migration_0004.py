"""Migration 0004 on databases that already hold accounts, projects and versions."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

from app.storage import ManualClock, Store
from app.storage.migrate import head_revision
from tests.support import storage_fixtures
from tests.support.storage_fixtures import T0, SeededUsers, downgrade_to, upgrade_to

seeded_users = storage_fixtures.seeded_users

#: Three projects as schema 0003 stored them: (id, owner, name, updated_at, versions).
PROJECTS = [
    ("11111111-1111-4111-8111-111111111111", "alice", "Shop", "2025-03-01 10:00:00", 3),
    ("22222222-2222-4222-8222-222222222222", "alice", "Chat", "2025-03-01 09:30:00", 1),
    ("33333333-3333-4333-8333-333333333333", "bob", "Blog", "2025-03-01 11:00:00", 2),
]


def _doc(name: str, number: int) -> str:
    return f'{{"name": "{name}", "components": [], "links": [], "v": {number}}}'


def _fill_0003(path: Path, owners: dict[str, str]) -> None:
    """Write PROJECTS, their versions, a kept run and an autosave with 0003's columns."""
    with sqlite3.connect(path) as raw:
        for project_id, owner, name, updated, count in PROJECTS:
            raw.execute(
                "INSERT INTO projects (id, owner_id, name, created_at, updated_at, "
                "current_version) VALUES (?, ?, ?, ?, ?, ?)",
                (project_id, owners[owner], name, "2025-03-01 09:00:00", updated, count))
            for number in range(1, count + 1):
                raw.execute(
                    "INSERT INTO project_versions (project_id, number, document, sha256, "
                    "author_id, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (project_id, number, _doc(name, number), "0" * 64, owners[owner],
                     f"2025-03-01 09:0{number}:00", f"v{number}"))
        raw.execute(
            "INSERT INTO runs (id, project_id, created_at, label, settings, seed, app_version, "
            "design, replications, results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), PROJECTS[0][0], "2025-03-01 09:00:00", "run", "{}", "1", "",
             "{}", 1, b""))


def _old_database(seeded_users: SeededUsers, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The seeded accounts taken back to 0003 by the real migrations, then filled."""
    path = tmp_path / "old.sqlite3"
    path.write_bytes(seeded_users.path.read_bytes())
    downgrade_to(path, "0003")
    owners = {"alice": seeded_users.alice.user_id, "bob": seeded_users.bob.user_id}
    _fill_0003(path, owners)
    return path, owners


def test_0003_with_data_gets_version_ids_parents_origin_and_change_numbers(
    seeded_users: SeededUsers, tmp_path: Path
) -> None:
    path, _ = _old_database(seeded_users, tmp_path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)
        store_uid = raw.execute(
            "SELECT value FROM store_meta WHERE key = 'store_uid'").fetchone()[0]
    with Store.open(path, clock=ManualClock(T0)) as store:
        assert store.store_uid == store_uid
    assert (tmp_path / "old.sqlite3.before-0003.bak").exists()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),)
        versions = raw.execute(
            "SELECT project_id, number, version_id, parent_version_id, origin, document "
            "FROM project_versions ORDER BY project_id, number").fetchall()
        projects = dict(raw.execute("SELECT id, change_seq FROM projects").fetchall())
        deleted = raw.execute("SELECT count(*) FROM projects WHERE deleted_at IS NOT NULL")
        assert deleted.fetchone() == (0,)
        counter = raw.execute("SELECT value FROM store_meta WHERE key = 'change_seq'").fetchone()
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert raw.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    assert {"sync_state", "cloud_links"} <= tables
    assert len(versions) == 6  # nothing lost
    ids = [row[2] for row in versions]
    assert len(set(ids)) == 6 and all(str(uuid.UUID(vid)) == vid for vid in ids)
    assert {row[4] for row in versions} == {store_uid}
    for project_id, _, name, _, count in PROJECTS:
        chain = [row for row in versions if row[0] == project_id]
        assert [row[1] for row in chain] == list(range(1, count + 1))
        assert chain[0][3] is None  # the first version has no parent
        assert [row[3] for row in chain[1:]] == [row[2] for row in chain[:-1]]
        assert [row[5] for row in chain] == [_doc(name, n) for n in range(1, count + 1)]
    # Change numbers in the order the projects were last modified: Chat, Shop, Blog.
    assert [projects[p[0]] for p in (PROJECTS[1], PROJECTS[0], PROJECTS[2])] == [1, 2, 3]
    assert counter == ("3",)


def test_after_the_migration_new_saves_continue_the_chain_and_the_sequence(
    seeded_users: SeededUsers, tmp_path: Path
) -> None:
    path, _ = _old_database(seeded_users, tmp_path)
    alice = seeded_users.alice
    with Store.open(path, clock=ManualClock(T0 + timedelta(hours=4))) as store:
        shop = PROJECTS[0][0]
        before = store.projects.versions(alice, shop)
        assert [v.number for v in before] == [3, 2, 1]
        assert before[0].parent_version_id == before[1].version_id
        saved = store.projects.save(alice, shop, _doc("Shop", 4), note="after")
        assert saved.number == 4 and saved.parent_version_id == before[0].version_id
        assert store.projects.get(alice, shop).version_id == saved.version_id
        changes = store.sync.changes_since(alice.user_id, 0)
        assert [(c.name, c.change_seq) for c in changes] == [("Chat", 1), ("Shop", 4)]
        assert store.sync.change_seq() == 4
        assert [p.name for p in store.projects.list(alice)] == ["Shop", "Chat"]
        # Never pushed anywhere: both of Alice's projects wait for a first push.
        assert {h.name for h in store.sync.pending_pushes(alice.user_id)} == {"Shop", "Chat"}


def test_a_0003_file_without_a_store_uid_gets_one_used_as_the_origin(
    seeded_users: SeededUsers, tmp_path: Path
) -> None:
    path = tmp_path / "bare.sqlite3"
    upgrade_to(path, "0003")  # made by migrations only: no Store ever wrote store_uid
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO users (id, email, email_display, password_hash, first_name, last_name, "
            "company, created_at, updated_at, password_changed_at) VALUES "
            "('u1', 'a@example.com', 'a@example.com', 'x', '', '', '', '2025-01-01', "
            "'2025-01-01', '2025-01-01')")
        assert raw.execute("SELECT count(*) FROM store_meta").fetchone() == (0,)
    _fill_0003(path, {"alice": "u1", "bob": "u1"})
    with Store.open(path) as store:
        uid = store.store_uid
    with sqlite3.connect(path) as raw:
        origins = {row[0] for row in raw.execute("SELECT origin FROM project_versions")}
    assert origins == {uid}


def test_downgrade_to_0003_and_up_again_keeps_live_projects(
    seeded_users: SeededUsers, tmp_path: Path
) -> None:
    path = tmp_path / "round.sqlite3"
    path.write_bytes(seeded_users.path.read_bytes())
    alice = seeded_users.alice
    with Store.open(path, clock=ManualClock(T0)) as store:
        kept = store.projects.create(alice, "Kept", _doc("Kept", 1))
        gone = store.projects.create(alice, "Gone", _doc("Gone", 1))
        store.projects.delete(alice, gone.id)
    downgrade_to(path, "0003")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT id FROM projects WHERE owner_id = ?",
                           (alice.user_id,)).fetchall() == [(kept.id,)]
    with Store.open(path, clock=ManualClock(T0)) as store:
        assert [p.name for p in store.projects.list(alice)] == ["Kept"]
        assert store.projects.get(alice, kept.id).version_id
