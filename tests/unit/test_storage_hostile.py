"""Hostile input to the storage layer: forged rows, odd files, races, invisible characters.

Every case uses real SQLite files (and real threads, processes and mounts).
Each failure must be a :class:`errors.StorageError` with a plain message,
never a traceback, a hang, or a change outside the data folder.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from sqlalchemy import update

from app import paths
from app.storage import ManualClock, Store, errors, models, passwords
from app.storage.accounts import MAX_FAILED_ATTEMPTS
from tests.support import storage_fixtures
from tests.support.mounts import remount_read_only, tmpfs
from tests.support.storage_fixtures import (
    ALICE_EMAIL,
    T0,
    BcryptCalls,
    SeededStore,
    downgrade_to,
)

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users
bcrypt_calls = storage_fixtures.bcrypt_calls

WRONG = "definitely not the password"
CHEAP_PASSWORD = "a cheap test passphrase"


def _doc(*ids: str) -> dict[str, Any]:
    return {"format": "sdsim", "version": 1, "name": "d",
            "components": [{"id": i, "type": "service"} for i in ids], "links": []}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- ids from the database never become paths outside the data folder ----------------------


def _forge_slot(path: Path, instance_id: str) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO recovery_slots (slot_key, user_id, project_id, instance_id, document,"
            " saved_at) VALUES (?, NULL, NULL, ?, ?, '2025-03-01 09:00:00')",
            (f"forged/{instance_id}", instance_id, json.dumps(_doc("x"))),
        )


@pytest.mark.parametrize("forged", [
    "../../../victim",
    "../victim",
    "/absolute/victim",
    "victim\x00",
    "..",
    "",
])
def test_a_forged_instance_id_never_deletes_a_file_outside_the_data_folder(
    tmp_path: Path, forged: str
) -> None:
    data = tmp_path / "data"
    db_path = data / "store.sqlite3"
    victim = tmp_path / "victim.lock"
    victim.write_text("keep me")
    Store.open(db_path).close()
    target = forged.replace("/absolute/victim", str(tmp_path / "victim"))
    _forge_slot(db_path, target)
    with Store.open(db_path) as store:
        entries = store.recovery.pending(None)
    assert entries == []  # a slot with a forged id is not offered
    assert victim.read_text() == "keep me"


def test_a_uuid_lock_file_that_is_a_link_or_a_fifo_is_neither_followed_nor_waited_on(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "data" / "store.sqlite3"
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    Store.open(db_path).close()
    instances = db_path.with_name(db_path.name + "-instances")
    linked, fifo = str(uuid.uuid4()), str(uuid.uuid4())
    (instances / f"{linked}.lock").symlink_to(outside)
    os.mkfifo(instances / f"{fifo}.lock")
    _forge_slot(db_path, linked)
    _forge_slot(db_path, fifo)
    result: list[object] = []
    with Store.open(db_path) as store:
        worker = threading.Thread(target=lambda: result.append(store.recovery.pending(None)),
                                  daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "recovery waited on a FIFO"
    assert outside.read_text() == "keep me" and outside.exists()
    assert result and len(result[0]) == 1  # type: ignore[arg-type] - the FIFO's slot: crashed


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "x\x00y", "..", "", "a" * 200,
                                  "ok\n"])
def test_child_path_refuses_names_that_are_not_plain(tmp_path: Path, name: str) -> None:
    with pytest.raises(paths.UnsafeName):
        paths.child_path(tmp_path, name)
    assert paths.child_path(tmp_path, "plain-name_1.v2", suffix=".lock") == \
        tmp_path / "plain-name_1.v2.lock"


def test_child_path_refuses_a_link_that_resolves_outside(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "escape").symlink_to(tmp_path)
    with pytest.raises(paths.UnsafeName, match="outside"):
        paths.child_path(tmp_path / "inside", "escape")


@pytest.mark.parametrize("key", ["../../../etc/passwd", "/etc/passwd", "..", "x\x00", 42])
def test_template_keys_cannot_leave_the_templates_folder(key: Any) -> None:
    with Store.open() as store, pytest.raises(errors.NotFound, match="no template"):
        store.templates.load(key)


# -- permissions ---------------------------------------------------------------------------


def test_the_data_folder_is_private_and_the_database_owner_only(
    isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh-data"
    monkeypatch.setenv("SDSIM_DATA_DIR", str(fresh))
    with Store.open() as store:
        store.recovery.write(None, None, _doc("a"))  # the WAL and SHM exist now
        db = store.path
        for suffix in ("", "-wal", "-shm"):
            assert _mode(db.with_name(db.name + suffix)) == 0o600, suffix
        instances = db.with_name(db.name + "-instances")
        assert _mode(instances) == 0o700
        assert all(_mode(lock) == 0o600 for lock in instances.iterdir())
    assert _mode(fresh) == 0o700
    assert _mode(paths.log_dir()) == 0o700 and _mode(paths.config_dir()) == 0o700


def test_an_existing_loose_folder_and_database_are_tightened(
    isolated_data_dir: Path,
) -> None:
    Store.open().close()
    db = isolated_data_dir / "sdsim.sqlite3"
    isolated_data_dir.chmod(0o755)
    db.chmod(0o644)
    with Store.open() as store:
        store.recovery.write(None, None, _doc("a"))
        assert _mode(isolated_data_dir) == 0o700
        assert _mode(db) == 0o600
        assert _mode(db.with_name(db.name + "-wal")) == 0o600


def test_upgrading_from_0001_keeps_a_lockout_and_backs_up_owner_only(
    seeded: SeededStore,
) -> None:
    seeded.store.close()
    locked_until = (T0.replace(tzinfo=None) + timedelta(minutes=10)).isoformat(" ")
    downgrade_to(seeded.path, "0003")  # 0004's rebuilt tables are not undone by hand below
    with sqlite3.connect(seeded.path) as raw:  # the file as the first schema had it
        raw.execute("UPDATE alembic_version SET version_num = '0001'")
        raw.execute("DROP TABLE sign_in_attempts")
        raw.execute("DROP TABLE runs")  # 0003
        raw.execute("ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0")
        raw.execute("ALTER TABLE users ADD COLUMN locked_until DATETIME")
        raw.execute("UPDATE users SET failed_attempts = 5, locked_until = ? WHERE email = ?",
                    (locked_until, ALICE_EMAIL.casefold()))
    with Store.open(seeded.path, clock=seeded.clock) as store:
        with pytest.raises(errors.AccountLocked, match="10 min"):
            store.accounts.login(ALICE_EMAIL, WRONG)
        assert store.projects.count(seeded.bob) == 0  # the other tables came through
    [backup] = seeded.path.parent.glob("*.bak")
    assert _mode(backup) == 0o600
    with sqlite3.connect(seeded.path) as raw:
        columns = {row[1] for row in raw.execute("PRAGMA table_info(users)")}
    assert "locked_until" not in columns and "failed_attempts" not in columns


# -- read-only file systems ------------------------------------------------------------------


def _tmpfs(where: Path, size: str = "16m") -> contextlib.AbstractContextManager[Path]:
    return tmpfs(where, size)


_remount_read_only = remount_read_only


def test_a_healthy_database_on_a_read_only_file_system_is_reported_read_only(
    tmp_path: Path,
) -> None:
    with _tmpfs(tmp_path / "mnt") as mount:
        db = mount / "store.sqlite3"
        with Store.open(db) as store:
            store.recovery.write(None, None, _doc("a"))
        before = db.read_bytes()
        _remount_read_only(mount)
        with pytest.raises(errors.ReadOnlyDatabase, match="read-only") as caught:
            Store.open(db)
        assert not isinstance(caught.value, errors.CorruptDatabase)
        assert "not damaged" in str(caught.value)
        assert db.read_bytes() == before


def test_a_damaged_database_on_a_read_only_file_system_is_still_damaged(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt") as mount:
        db = mount / "store.sqlite3"
        Store.open(db).close()
        with db.open("r+b") as handle:  # keep the header, ruin the pages after it
            handle.seek(4096)
            handle.write(b"\xff" * 8192)
        _remount_read_only(mount)
        with pytest.raises(errors.CorruptDatabase):
            Store.open(db)


def test_a_new_database_on_a_read_only_file_system_says_why(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt") as mount:
        _remount_read_only(mount)
        with pytest.raises(errors.StorageError, match="read-only"):
            Store.open(mount / "new.sqlite3")


def test_a_full_disk_is_a_message_and_the_store_stays_usable(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", size="1m") as mount, \
            Store.open(mount / "store.sqlite3") as store:
        with pytest.raises(errors.DatabaseError, match="full"):
            store.recovery.write(None, None, {"blob": "x" * 3_000_000})
        store.recovery.write(None, None, _doc("small"))  # nothing half-written


# -- every failure is a StorageError -----------------------------------------------------------


@pytest.mark.parametrize("version", [2**63, 2**64, -1, 0, 10**5000, True, "1", 1.5],
                         ids=["2**63", "2**64", "-1", "0", "10**5000", "True", "str", "float"])
def test_impossible_version_numbers_are_refused_as_not_found(
    seeded: SeededStore, version: Any
) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    project = projects.create(alice, "Versions", _doc("a"))
    for call in (lambda: projects.get(alice, project.id, version),
                 lambda: projects.restore(alice, project.id, version),
                 lambda: projects.changes(alice, project.id, version),
                 lambda: projects.changes(alice, project.id, 1, version)):
        with pytest.raises(errors.NotFound, match="no version"):
            call()


def test_a_project_at_the_last_version_number_refuses_one_more(seeded: SeededStore) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    project = projects.create(alice, "Full", _doc("a"))
    with seeded.store._db.write() as db:
        db.execute(update(models.Project).where(models.Project.id == project.id)
                   .values(current_version=2**63 - 1))
    with pytest.raises(errors.ValidationError, match="no version numbers left"):
        projects.save(alice, project.id, _doc("b"))


def test_a_discard_with_a_huge_entry_id_is_a_storage_error_or_nothing(
    seeded: SeededStore,
) -> None:
    with contextlib.suppress(errors.StorageError):
        seeded.store.recovery.discard(seeded.alice, 2**70)


def _deep(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_a_hundred_thousand_deep_document_is_refused(seeded: SeededStore) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    with pytest.raises(errors.InvalidDocument, match="nested too deeply"):
        projects.create(alice, "Deep", _deep(100_000))
    nested: dict[str, Any] = {}
    inner = nested
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(errors.InvalidDocument, match="nested too deeply"):
        projects.create(alice, "Deep", nested)
    with pytest.raises(errors.InvalidDocument, match="nested too deeply"):
        seeded.store.recovery.write(alice, None, _deep(100_000))


def test_the_database_path_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "db.sqlite3").mkdir()
    with pytest.raises(errors.FileProblem, match="is a folder"):
        Store.open(tmp_path / "db.sqlite3")


def test_the_database_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(errors.FileProblem, match="is a file"):
        Store.open(tmp_path / "data" / "db.sqlite3")


def test_the_data_dir_is_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "datafile").write_text("x")
    monkeypatch.setenv("SDSIM_DATA_DIR", str(tmp_path / "datafile"))
    with pytest.raises(errors.StorageError, match="datafile"):
        Store.open()


def test_the_instances_folder_is_a_file(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    (tmp_path / "db.sqlite3-instances").write_text("x")
    with pytest.raises(errors.StorageError, match="instances"):
        Store.open(db)


def test_the_database_is_a_fifo_or_a_device(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.sqlite3")
    with pytest.raises(errors.FileProblem, match="not a regular file"):
        Store.open(tmp_path / "fifo.sqlite3")
    (tmp_path / "zero.sqlite3").symlink_to("/dev/zero")
    with pytest.raises(errors.FileProblem, match="not a regular file"):
        Store.open(tmp_path / "zero.sqlite3")


def test_the_wal_file_is_a_folder(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    (tmp_path / "db.sqlite3-wal").mkdir()
    with pytest.raises(errors.DatabaseError, match="Cannot open the project database"):
        Store.open(db)


def test_import_of_a_fifo_a_folder_or_a_device_is_refused_without_waiting(
    seeded: SeededStore, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe.sdsim")
    (tmp_path / "dir.sdsim").mkdir()
    for path, fragment in ((tmp_path / "pipe.sdsim", "not a regular file"),
                           (tmp_path / "dir.sdsim", "dir.sdsim is a folder"),
                           (Path("/dev/zero"), "not a regular file")):
        with pytest.raises(errors.StorageError, match=fragment):
            seeded.store.projects.import_file(seeded.alice, path)


def test_export_onto_a_folder_is_a_storage_error(seeded: SeededStore, tmp_path: Path) -> None:
    project = seeded.store.projects.create(seeded.alice, "Export", _doc("a"))
    (tmp_path / "taken.sdsim").mkdir()
    with pytest.raises(errors.FileProblem):
        seeded.store.projects.export_file(seeded.alice, project.id, tmp_path / "taken.sdsim")


def test_a_version_row_that_is_not_utf8_is_a_storage_error(seeded: SeededStore) -> None:
    project = seeded.store.projects.create(seeded.alice, "Bytes", _doc("a"))
    seeded.store.close()
    with sqlite3.connect(seeded.path) as raw:
        raw.execute("UPDATE project_versions SET document = CAST(X'7B22FF22' AS TEXT)")
    with Store.open(seeded.path, clock=seeded.clock) as store, \
            pytest.raises(errors.StorageError):
        store.projects.get(seeded.alice, project.id)


@pytest.mark.parametrize("sql", [
    "UPDATE projects SET current_version = 'abc'",
    "UPDATE projects SET current_version = 1e30",
    "UPDATE projects SET updated_at = X'00FF'",
    "UPDATE projects SET created_at = 'garbage'",
    "UPDATE project_versions SET number = 'x'",
    "UPDATE project_versions SET document = X'00FF7B'",
    "UPDATE project_versions SET document = '" + _deep(100_000) + "'",
    "UPDATE auth_sessions SET expires_at = 'soon'",
], ids=["version-text", "version-real", "date-blob", "date-text", "number-text",
        "document-blob", "document-deep", "expiry-text"])
def test_an_edited_database_with_wrong_types_gives_storage_errors_only(
    seeded: SeededStore, sql: str
) -> None:
    project = seeded.store.projects.create(seeded.alice, "Edited", _doc("a"))
    seeded.store.close()
    with sqlite3.connect(seeded.path) as raw:
        raw.execute(sql)
    with Store.open(seeded.path, clock=seeded.clock) as store:
        projects = store.projects
        calls: list[Callable[[], object]] = [
            lambda: projects.list(seeded.alice),
            lambda: projects.get(seeded.alice, project.id),
            lambda: projects.save(seeded.alice, project.id, _doc("b")),
            lambda: projects.versions(seeded.alice, project.id),
            lambda: projects.changes(seeded.alice, project.id, 1),
            lambda: projects.duplicate(seeded.alice, project.id),
            lambda: store.recovery.write(seeded.alice, project.id, _doc("c")),
            lambda: store.recovery.pending(seeded.alice),
        ]
        failures = 0
        for call in calls:
            try:
                call()
            except errors.StorageError as exc:
                failures += 1
                assert str(exc) and "Traceback" not in str(exc)
        assert failures >= 1  # the edit was noticed somewhere, as a message


def test_a_database_claiming_an_odd_schema_is_incompatible(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '../../etc/x'")
    with pytest.raises(errors.IncompatibleDatabase):
        Store.open(db)
    assert not list(tmp_path.glob("*.bak")) and not list(Path("/etc").glob("x.bak"))


# -- text fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["first_name", "last_name", "company"])
@pytest.mark.parametrize("bad", ["Ann\x00", "Ann\x07", "\u202eAnn", "Ann\ud800"])
def test_names_with_nul_control_bidi_or_surrogates_are_refused(
    seeded: SeededStore, field: str, bad: str
) -> None:
    with pytest.raises(errors.ValidationError, match="character") as caught:
        seeded.store.accounts.update_profile(seeded.alice, **{field: bad})
    assert caught.value.field == field


@pytest.mark.parametrize("email", [
    "ann\u200b@example.com",      # zero-width space
    "ann@exa\u200dmple.com",      # zero-width joiner
    "\u202eann@example.com",      # right-to-left override
    "ann\u00ad@example.com",      # soft hyphen (format)
    "\ufeffann@example.com",      # byte order mark
    "ann\x00@example.com",        # NUL
    "ann\x1b@example.com",        # escape
    "ann@example.com\u2066",      # isolate
    "ann\ud800@example.com",      # unpaired surrogate
])
def test_emails_with_invisible_or_format_characters_are_refused(
    seeded: SeededStore, email: str
) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        seeded.store.accounts.register(email=email, password="violet harbour lanterns")
    assert caught.value.field == "email"


@pytest.mark.parametrize("name", ["Shop\x00", "\u202eShop", "Shop\ud800"])
def test_project_names_with_control_characters_are_refused(
    seeded: SeededStore, name: str
) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        seeded.store.projects.create(seeded.alice, name, _doc("a"))
    assert caught.value.field == "name"


def test_version_notes_have_a_size_limit_and_no_control_characters(seeded: SeededStore) -> None:
    from app.storage.text import MAX_NOTE_LENGTH

    projects, alice = seeded.store.projects, seeded.alice
    project = projects.create(alice, "Notes", _doc("a"))
    with pytest.raises(errors.ValidationError, match="too long") as caught:
        projects.save(alice, project.id, _doc("b"), note="x" * (MAX_NOTE_LENGTH + 1))
    assert caught.value.field == "note"
    with pytest.raises(errors.ValidationError, match="character"):
        projects.save(alice, project.id, _doc("b"), note="null\x00byte")
    with pytest.raises(errors.ValidationError, match="too long"):
        projects.create(alice, "Other", _doc("b"), note="y" * 10_000_000)
    saved = projects.save(alice, project.id, _doc("b"), note="two\r\nlines\tand a tab")
    assert saved.note == "two\nlines\tand a tab"
    assert [v.number for v in projects.versions(alice, project.id)] == [2, 1]


def test_a_document_with_an_unpaired_surrogate_is_refused(seeded: SeededStore) -> None:
    with pytest.raises(errors.InvalidDocument, match="surrogates"):
        seeded.store.projects.create(seeded.alice, "S", '{"name": "\ud800"}')


def test_odd_sign_in_input_is_just_a_wrong_sign_in(seeded: SeededStore) -> None:
    accounts = seeded.store.accounts
    for email, password in ((ALICE_EMAIL, "pass\ud800word"), ("x" * 5_000_000, WRONG),
                            ("nul\x00@example.com", WRONG), (ALICE_EMAIL, "\x00" * 2000)):
        with pytest.raises(errors.InvalidCredentials):
            accounts.login(email, password)
        seeded.clock.advance(minutes=16)  # keep clear of the lockout


# -- version conflicts ------------------------------------------------------------------------


def test_a_save_based_on_an_old_version_conflicts_and_can_keep_both(seeded: SeededStore) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    project = projects.create(alice, "Shared", _doc("a"))
    projects.save(alice, project.id, _doc("a", "b"), base_version=1)  # window one
    with pytest.raises(errors.VersionConflict) as caught:  # window two, still at version 1
        projects.save(alice, project.id, _doc("a", "c"), base_version=1)
    conflict = caught.value
    assert (conflict.base_version, conflict.current_version) == (1, 2)
    assert isinstance(conflict, errors.StorageError) and "version 2" in str(conflict)
    assert errors.VersionConflictError is errors.VersionConflict
    assert projects.get(alice, project.id).version == 2  # nothing was saved
    copy = projects.save_copy(alice, project.id, _doc("a", "c"))
    assert copy.name == "Shared (copy)" and copy.id != project.id
    assert json.loads(projects.get(alice, copy.id).document)["components"][1]["id"] == "c"
    on_top = projects.save(alice, project.id, _doc("a", "c"))  # or overwrite: a new version
    assert on_top.number == 3
    assert projects.changes(alice, project.id, 2, 3).describe() == "added: c; removed: b"


# -- the lockout is atomic and the same for unknown emails -----------------------------------


@pytest.fixture
def cheap_hashes(seeded: SeededStore, monkeypatch: pytest.MonkeyPatch) -> SeededStore:
    """Cost-4 hashes for Alice and for unknown emails: the races stay fast on 2 cores."""
    monkeypatch.setattr(passwords, "DUMMY_HASH", passwords.hash_password("dummy", cost=4))
    with seeded.store._db.write() as db:
        db.execute(update(models.User).where(models.User.email == ALICE_EMAIL.casefold())
                   .values(password_hash=passwords.hash_password(CHEAP_PASSWORD, cost=4)))
    return seeded


def _race(count: int, attempt: Callable[[], object]) -> list[BaseException | object]:
    barrier = threading.Barrier(count)
    results: list[BaseException | object] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome: BaseException | object = attempt()
        except BaseException as exc:  # collected and checked below
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("email", [ALICE_EMAIL, "nobody@example.com"])
def test_twelve_simultaneous_sign_ins_check_at_most_five_passwords(
    cheap_hashes: SeededStore, bcrypt_calls: BcryptCalls, email: str
) -> None:
    accounts = cheap_hashes.store.accounts
    accounts.limiter.per_key = accounts.limiter.total = 100  # the lockout alone is tested
    results = _race(12, lambda: accounts.login(email, WRONG))
    assert len(results) == 12
    assert all(isinstance(r, (errors.InvalidCredentials, errors.AccountLocked)) for r in results)
    assert bcrypt_calls.checks <= MAX_FAILED_ATTEMPTS
    assert sum(isinstance(r, errors.AccountLocked) for r in results) >= 12 - MAX_FAILED_ATTEMPTS
    with pytest.raises(errors.AccountLocked):
        accounts.login(email, CHEAP_PASSWORD)  # locked even for the right password


def _sign_in_in_a_process(path: str, email: str, barrier: Any, queue: Any) -> None:
    checks = 0
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        nonlocal checks
        checks += 1
        return real(password, hashed)

    bcrypt.checkpw = counting  # this child process only
    store = Store.open(path, clock=ManualClock(T0))
    barrier.wait()
    try:
        store.accounts.login(email, WRONG)
        outcome = "signed in"
    except errors.StorageError as exc:
        outcome = type(exc).__name__
    store.close()
    queue.put((checks, outcome))


@pytest.mark.parametrize("email", [ALICE_EMAIL, "nobody@example.com"])
def test_twelve_processes_signing_in_at_once_check_at_most_five_passwords(
    cheap_hashes: SeededStore, email: str
) -> None:
    cheap_hashes.store.close()
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(12), context.Queue()
    children = [context.Process(target=_sign_in_in_a_process,
                                args=(str(cheap_hashes.path), email, barrier, queue))
                for _ in range(12)]
    for child in children:
        child.start()
    outcomes = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert sum(checks for checks, _ in outcomes) <= MAX_FAILED_ATTEMPTS
    assert {outcome for _, outcome in outcomes} <= {"InvalidCredentials", "AccountLocked"}
    assert [outcome for _, outcome in outcomes].count("AccountLocked") >= 7


def test_unknown_and_real_emails_get_the_same_messages_lockout_and_work(
    cheap_hashes: SeededStore, bcrypt_calls: BcryptCalls
) -> None:
    accounts, clock = cheap_hashes.store.accounts, cheap_hashes.clock

    def sequence(email: str) -> tuple[list[str], list[int]]:
        messages, checks = [], []
        for _ in range(MAX_FAILED_ATTEMPTS + 2):
            before = bcrypt_calls.checks
            with pytest.raises(errors.AuthError) as caught:
                accounts.login(email, WRONG)
            messages.append(f"{type(caught.value).__name__}: {caught.value}")
            checks.append(bcrypt_calls.checks - before)
            clock.advance(10)
        return messages, checks

    real = sequence(ALICE_EMAIL)
    clock.advance(minutes=30)
    unknown = sequence("nobody@example.com")
    assert real == unknown  # same words, same lock, same number of bcrypt checks each time
    assert real[1] == [1, 1, 1, 1, 1, 0, 0]
    assert real[0][-1].startswith("AccountLocked")


def test_a_success_clears_the_count_and_quiet_runs_are_forgotten(
    cheap_hashes: SeededStore,
) -> None:
    accounts, clock = cheap_hashes.store.accounts, cheap_hashes.clock
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(errors.InvalidCredentials):
            accounts.login(ALICE_EMAIL, WRONG)
    accounts.login(ALICE_EMAIL, CHEAP_PASSWORD)
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(errors.InvalidCredentials):
            accounts.login(ALICE_EMAIL, WRONG)
    clock.advance(minutes=16)
    with pytest.raises(errors.InvalidCredentials) as caught:  # a fresh run, not a lock
        accounts.login(ALICE_EMAIL, WRONG)
    assert "left" not in str(caught.value)
    with sqlite3.connect(cheap_hashes.path) as raw:  # no email is stored in clear
        keys = [row[0] for row in raw.execute("SELECT key FROM sign_in_attempts")]
    assert keys and all(len(key) == 64 and "@" not in key for key in keys)
