"""Shared storage fixtures: a database with two signed-in users, made once per run.

bcrypt at cost 12 takes ~270 ms per hash, so registering and signing in the
two users is done once per test session into a template file; every test gets
its own copy of that file (a fast file copy) and the users' sessions. All
stores use a :class:`ManualClock` starting at the moment the template was made.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
