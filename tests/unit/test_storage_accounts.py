"""Accounts on real SQLite files: registration, sign-in, lockout, sessions, remember me."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
import pytest

from app.storage import ManualClock, Store, errors, passwords
from app.storage.accounts import LOCKOUT, normalize_email
from app.storage.ratelimit import RateLimiter
from app.storage.tokens import SESSION_IDLE_TIMEOUT, token_hash
from tests.support import storage_fixtures
from tests.support.memory_keyring import MemoryKeyring
from tests.support.storage_fixtures import (
    ALICE_EMAIL,
    ALICE_PASSWORD,
    BOB_EMAIL,
    BcryptCalls,
    SeededStore,
)

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users
bcrypt_calls = storage_fixtures.bcrypt_calls


def _file_bytes(path: Path) -> bytes:
    """The database file plus its WAL: everything that is on disk."""
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_email_is_unique_case_insensitively(seeded: SeededStore) -> None:
    with pytest.raises(errors.EmailTaken):
        seeded.store.accounts.register(email="  ALICE.archer@EXAMPLE.com ",
                                       password="another fine passphrase")
    assert normalize_email(" Ünïcode@Example.COM ") == "ünïcode@example.com"


@pytest.mark.parametrize(
    ("fields", "error", "fragment"),
    [
        ({"email": "not-an-email"}, errors.ValidationError, "valid email"),
        ({"password": "short"}, errors.WeakPassword, "at least 12"),
        ({"password": "password123456"}, errors.WeakPassword, "common"),
        ({"password": "carol cartwright!"}, errors.WeakPassword, "your name"),
        ({"first_name": "x" * 101}, errors.ValidationError, "too long"),
    ],
)
def test_registration_is_validated_before_hashing(
    seeded: SeededStore, fields: dict[str, str], error: type[Exception], fragment: str,
    bcrypt_calls: BcryptCalls,
) -> None:
    values = {"email": "carol@example.net", "password": "violet harbour lanterns",
              "first_name": "Carol", "last_name": "Cartwright", "company": ""} | fields
    with pytest.raises(error, match=fragment) as caught:
        seeded.store.accounts.register(**values)
    assert bcrypt_calls.hashes == 0  # refused without spending a bcrypt hash
    if isinstance(caught.value, errors.WeakPassword):
        assert caught.value.reasons and isinstance(caught.value, errors.AuthError)


def test_login_logout_and_session_checks(seeded: SeededStore) -> None:
    accounts = seeded.store.accounts
    session = accounts.login("ALICE.ARCHER@example.com", ALICE_PASSWORD)
    assert session.user_id == seeded.alice.user_id
    assert session.expires_at == seeded.clock() + SESSION_IDLE_TIMEOUT
    assert session.token not in repr(session)
    assert accounts.profile(session).email == ALICE_EMAIL
    accounts.logout(session)
    with pytest.raises(errors.SessionExpired):
        accounts.profile(session)
    assert accounts.profile(seeded.alice).first_name == "Alice"  # other sessions unaffected


def test_wrong_password_and_unknown_email_look_the_same(
    seeded: SeededStore, bcrypt_calls: BcryptCalls
) -> None:
    accounts = seeded.store.accounts
    with pytest.raises(errors.InvalidCredentials) as wrong:
        accounts.login(ALICE_EMAIL, "not the right passphrase")
    assert bcrypt_calls.checks == 1
    with pytest.raises(errors.InvalidCredentials) as unknown:
        accounts.login("nobody@example.com", "not the right passphrase")
    assert bcrypt_calls.checks == 2  # a dummy bcrypt check ran, of the same cost
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)
    assert str(wrong.value) == str(unknown.value) == "The email or password is incorrect."


def test_lockout_after_five_failures_and_its_expiry(
    seeded: SeededStore, bcrypt_calls: BcryptCalls
) -> None:
    accounts, clock = seeded.store.accounts, seeded.clock
    for attempt in range(4):
        with pytest.raises(errors.InvalidCredentials) as failed:
            accounts.login(ALICE_EMAIL, f"wrong guess number {attempt}")
        clock.advance(10)
    assert "1 attempt left" in str(failed.value)
    with pytest.raises(errors.AccountLocked, match="Try again in 15 min"):
        accounts.login(ALICE_EMAIL, "wrong guess number 5")
    clock.advance(minutes=5)
    checks = bcrypt_calls.checks
    with pytest.raises(errors.AccountLocked, match="Try again in 10 min") as locked:
        accounts.login(ALICE_EMAIL, ALICE_PASSWORD)  # even the right password
    assert bcrypt_calls.checks == checks  # refused before bcrypt
    assert locked.value.remaining_s == pytest.approx(600)
    clock.advance(minutes=9, seconds=59)
    with pytest.raises(errors.AccountLocked, match="Try again in 1 s"):
        accounts.login(ALICE_EMAIL, ALICE_PASSWORD)
    clock.advance(1)
    assert accounts.login(ALICE_EMAIL, ALICE_PASSWORD).user_id == seeded.alice.user_id
    assert timedelta(minutes=15) == LOCKOUT


def test_lockout_is_stored_in_the_database(seeded: SeededStore) -> None:
    """A lockout survives a restart: it lives in the database, not in memory."""
    from app.storage import models
    from app.storage.accounts import attempt_key

    with seeded.store._db.write() as db:
        db.add(models.SignInAttempts(key=attempt_key("alice.archer@example.com"),
                                     failed_attempts=5, locked_until=seeded.clock() + LOCKOUT,
                                     last_attempt_at=seeded.clock()))
    seeded.store.close()
    from app.storage import Store

    with Store.open(seeded.path, clock=seeded.clock) as reopened, \
            pytest.raises(errors.AccountLocked):
        reopened.accounts.login(ALICE_EMAIL, ALICE_PASSWORD)


def test_attempts_are_rate_limited(seeded: SeededStore) -> None:
    accounts = seeded.store.accounts
    for _ in range(accounts.limiter.per_key):
        accounts.limiter.hit("mallory@example.com")
    with pytest.raises(errors.TooManyAttempts, match="Wait 1 min"):
        accounts.login("Mallory@example.com", "whatever it is")
    seeded.clock.advance(60)
    accounts.limiter.hit("mallory@example.com")  # the window slid


def test_rate_limiter_window_and_global_cap() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, per_key=2, total=3, window=timedelta(seconds=10))
    limiter.hit("a")
    limiter.hit("a")
    with pytest.raises(errors.TooManyAttempts) as caught:
        limiter.hit("a")
    assert caught.value.retry_after_s == 10
    limiter.hit("b")
    with pytest.raises(errors.TooManyAttempts):
        limiter.hit("c")  # the global cap
    clock.advance(10)
    limiter.hit("a")


def test_sessions_expire_when_idle_and_writes_keep_them_alive(seeded: SeededStore) -> None:
    accounts, clock = seeded.store.accounts, seeded.clock
    clock.advance(hours=6)
    accounts.update_profile(seeded.bob, company="Bakery")  # a write refreshes the session
    clock.advance(hours=11)
    assert accounts.profile(seeded.bob).company == "Bakery"
    assert accounts.profile(seeded.bob).company == "Bakery"
    with pytest.raises(errors.SessionExpired):
        accounts.profile(seeded.alice)  # idle for 17 h
    clock.advance(hours=1, seconds=1)
    with pytest.raises(errors.SessionExpired, match="expired"):
        seeded.store.projects.list(seeded.bob)


def test_profile_update_and_password_change(seeded: SeededStore) -> None:
    accounts = seeded.store.accounts
    profile = accounts.update_profile(seeded.alice, first_name="  Alicia ", company="Acme Labs")
    assert (profile.first_name, profile.last_name, profile.company) == ("Alicia", "Archer",
                                                                        "Acme Labs")
    with pytest.raises(errors.WeakPassword, match="common"):
        accounts.change_password(seeded.alice, ALICE_PASSWORD, "password123456")
    other = seeded.alice
    new_password = "seven quiet harbour bells"
    accounts.change_password(seeded.bob, "purple walrus on a unicycle", new_password)
    with pytest.raises(errors.InvalidCredentials, match="current password"):
        accounts.change_password(other, "a wrong current password", new_password)
    assert accounts.profile(seeded.bob).email == BOB_EMAIL  # the changing session stays
    with pytest.raises(errors.InvalidCredentials):
        accounts.login(BOB_EMAIL, "purple walrus on a unicycle")
    assert accounts.login(BOB_EMAIL, new_password).user_id == seeded.bob.user_id


def test_remember_me_keeps_only_a_hash_in_the_database(
    seeded: SeededStore, memory_keyring: MemoryKeyring
) -> None:
    accounts = seeded.store.accounts
    assert accounts.remember_me_status().available
    session = accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    assert session.remembered and session.notice is None
    [(service, _key)] = memory_keyring.secrets
    remembered = next(iter(memory_keyring.secrets.values()))
    assert service == "System Design Simulator" and len(remembered) >= 40
    resumed = accounts.resume()
    assert resumed is not None and resumed.user_id == seeded.alice.user_id
    assert resumed.token != remembered
    seeded.store.close()  # checkpoint the WAL so the file holds everything
    content = _file_bytes(seeded.path)
    for secret in (ALICE_PASSWORD, remembered, session.token, resumed.token,
                   seeded.alice.token, seeded.bob.token):
        assert secret.encode() not in content
    assert token_hash(remembered).encode() in content
    assert token_hash(session.token).encode() in content


def test_sign_out_revokes_the_remembered_token(
    seeded: SeededStore, memory_keyring: MemoryKeyring
) -> None:
    accounts = seeded.store.accounts
    session = accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    remembered = next(iter(memory_keyring.secrets.values()))
    accounts.logout(session)
    assert memory_keyring.secrets == {}
    assert accounts.resume() is None
    # Even if someone had copied the token, it is revoked in the database.
    memory_keyring.secrets[("System Design Simulator", accounts._remembered.key)] = remembered
    assert accounts.resume() is None
    assert memory_keyring.secrets == {}


def test_without_a_keyring_remember_me_is_disabled_with_a_message(seeded: SeededStore) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    accounts = seeded.store.accounts
    status = accounts.remember_me_status()
    assert not status.available and "keyring" in status.message
    session = accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    assert not session.remembered
    assert session.notice == status.message
    assert accounts.resume() is None
    accounts.logout(session)


class _BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("locked collection")


def test_a_keyring_that_fails_to_store_never_falls_back_to_plaintext(
    seeded: SeededStore, caplog: pytest.LogCaptureFixture
) -> None:
    keyring.set_keyring(_BrokenKeyring())
    caplog.set_level(logging.DEBUG)
    session = seeded.store.accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    assert not session.remembered and session.notice and "unavailable" in session.notice
    assert seeded.store.accounts.resume() is None
    seeded.store.close()
    assert session.token.encode() not in _file_bytes(seeded.path)
    assert ALICE_PASSWORD not in caplog.text and session.token not in caplog.text


def test_logs_never_contain_passwords_or_tokens(
    seeded: SeededStore, caplog: pytest.LogCaptureFixture, memory_keyring: MemoryKeyring
) -> None:
    caplog.set_level(logging.DEBUG)
    accounts = seeded.store.accounts
    with pytest.raises(errors.InvalidCredentials):
        accounts.login(ALICE_EMAIL, "a wrong passphrase here")
    session = accounts.login(ALICE_EMAIL, ALICE_PASSWORD, remember=True)
    accounts.logout(session)
    assert "Signed in account" in caplog.text
    for secret in (ALICE_PASSWORD, "a wrong passphrase here", session.token):
        assert secret not in caplog.text


@pytest.mark.parametrize(("variable", "expected"), [("4", "$2b$04$"), (None, "$2b$12$")])
def test_the_store_hashes_at_the_configured_cost_and_12_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str | None, expected: str
) -> None:
    # The suite runs at cost 4 (tests/conftest.py); production leaves the variable unset.
    if variable is None:
        monkeypatch.delenv(passwords.COST_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(passwords.COST_VARIABLE, variable)
    path = tmp_path / "cost.sqlite3"
    with Store.open(path) as store:
        store.accounts.register(email="cost@example.com", password=ALICE_PASSWORD)
    with closing(sqlite3.connect(path)) as connection:
        (stored,) = connection.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith(f"{passwords.SCHEME}${expected}")
