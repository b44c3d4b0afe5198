"""Shared storage fixtures: a database with two signed-in users, made once per run.

bcrypt at cost 12 takes ~270 ms per hash, so registering and signing in the
two users is done once per test session into a template file; every test gets
its own copy of that file (a fast file copy) and the users' sessions. All
stores use a :class:`ManualClock` starting at the moment the template was made.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import pytest

from app.storage import ManualClock, Store, UserSession

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ALICE_EMAIL = "Alice.Archer@example.com"
ALICE_PASSWORD = "lighthouse keeper at dawn"
BOB_EMAIL = "bob@example.org"
BOB_PASSWORD = "purple walrus on a unicycle"


@dataclass(frozen=True)
class SeededUsers:
    """The template database and the sessions opened in it at ``T0``."""

    path: Path
    alice: UserSession
    bob: UserSession


@dataclass
class SeededStore:
    """One test's copy of the template: the open store, its clock and the sessions."""

    store: Store
    clock: ManualClock
    alice: UserSession
    bob: UserSession
    path: Path


@pytest.fixture(scope="session")
def seeded_users(tmp_path_factory: pytest.TempPathFactory) -> SeededUsers:
    """Register Alice and Bob and sign both in, once per test session."""
    path = tmp_path_factory.mktemp("seed") / "seed.sqlite3"
    with Store.open(path, clock=ManualClock(T0)) as store:
        store.accounts.register(email=ALICE_EMAIL, password=ALICE_PASSWORD,
                                first_name="Alice", last_name="Archer", company="Acme")
        store.accounts.register(email=BOB_EMAIL, password=BOB_PASSWORD,
                                first_name="Bob", last_name="Baker", company="")
        alice = store.accounts.login(ALICE_EMAIL, ALICE_PASSWORD)
        bob = store.accounts.login(BOB_EMAIL, BOB_PASSWORD)
    return SeededUsers(path, alice, bob)


@pytest.fixture
def seeded(seeded_users: SeededUsers, tmp_path: Path) -> Iterator[SeededStore]:
    """A private copy of the two-user database, open with a manual clock at ``T0``."""
    path = tmp_path / "store.sqlite3"
    shutil.copyfile(seeded_users.path, path)
    clock = ManualClock(T0)
    store = Store.open(path, clock=clock)
    yield SeededStore(store, clock, seeded_users.alice, seeded_users.bob, path)
    store.close()


def _alembic(path: Path, action: str, revision: str) -> None:
    from alembic import command

    from app.storage.db import create_sqlite_engine
    from app.storage.migrate import alembic_config

    engine = create_sqlite_engine(path, foreign_keys=False)  # as app.storage.migrate runs them
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def downgrade_to(path: Path, revision: str) -> None:
    """Take the closed database at ``path`` back to schema ``revision`` (real migrations)."""
    _alembic(path, "downgrade", revision)


def upgrade_to(path: Path, revision: str) -> None:
    """Create or bring the database at ``path`` to schema ``revision`` (not the newest)."""
    _alembic(path, "upgrade", revision)


@dataclass
class BcryptCalls:
    """How many real bcrypt hashes and checks ran (counted at the library call)."""

    hashes: int = 0
    checks: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@pytest.fixture
def bcrypt_calls(monkeypatch: pytest.MonkeyPatch) -> BcryptCalls:
    """Count bcrypt work instead of timing it (the machine is shared and noisy)."""
    calls = BcryptCalls()
    real_hash, real_check = bcrypt.hashpw, bcrypt.checkpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        with calls._lock:
            calls.hashes += 1
        return real_hash(password, salt)

    def checkpw(password: bytes, hashed: bytes) -> bool:
        with calls._lock:
            calls.checks += 1
        return real_check(password, hashed)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    return calls
