"""The database file: migrations at open, pragmas, corruption, newer schemas."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.storage import Store, default_path, errors
from app.storage.migrate import head_revision
from tests.support import storage_fixtures
from tests.support.storage_fixtures import (
    SeededStore,
)

TABLES = {"alembic_version", "store_meta", "users", "auth_sessions", "remember_tokens",
          "projects", "project_versions", "recovery_slots"}

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fresh_file_is_migrated_and_reopened(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "fresh.sqlite3"
    with Store.open(path) as store:
        uid = store.store_uid
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type='table'")
        tables = {row[0] for row in rows}
        revision = raw.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables >= TABLES
    assert revision == head_revision()
    assert journal == "wal"  # WAL mode is stored in the file
    with Store.open(path) as again:
        assert again.store_uid == uid  # the same database, not re-created
    assert not list(tmp_path.glob("nested/*.bak"))  # nothing to back up at head


def test_every_connection_has_foreign_keys_and_a_busy_timeout(seeded: SeededStore) -> None:
    db = seeded.store._db
    for unit in (db.read, db.write):
        with unit() as session:
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_the_default_location_is_the_data_dir(isolated_data_dir: Path) -> None:
    assert default_path() == isolated_data_dir / "sdsim.sqlite3"
    with Store.open() as store:
        assert store.path == default_path()
    assert default_path().exists()


def test_a_file_that_is_not_a_database_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "db" / "sdsim.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"This is my shopping list, not a database.\n" * 100)
    before = _digest(path)
    with pytest.raises(errors.CorruptDatabase) as caught:
        Store.open(path)
    assert isinstance(caught.value, errors.StorageError)
    assert str(path) in str(caught.value) and "left untouched" in str(caught.value)
    assert _digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["sdsim.sqlite3"]


def test_a_damaged_database_is_refused_and_kept(seeded: SeededStore) -> None:
    store, path = seeded.store, seeded.path
    for n in range(40):  # enough rows to spread over several pages
        store.projects.create(seeded.alice, f"Project {n}", {"components": [], "pad": "x" * 2000})
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    for offset in range(2 * page, 5 * page, 7):  # scribble over pages 3-5
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(errors.CorruptDatabase, match="damaged") as caught:
        Store.open(path)
    assert "\n" not in str(caught.value)
    assert _digest(path) == before
    assert not path.with_name(path.name + "-wal").exists()


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = _digest(path)
    with pytest.raises(errors.IncompatibleDatabase, match="newer version"):
        Store.open(path)
    assert _digest(path) == before


def test_store_is_a_context_manager_and_close_is_idempotent(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.sqlite3") as store:
        pass
    store.close()
    assert not list((tmp_path / "a.sqlite3-instances").iterdir())
