"""Password policy (NIST SP 800-63B style), strength meter, blocklist and hashing."""

from __future__ import annotations

import bcrypt
import pytest

from app.storage import check_password, password_strength
from app.storage import passwords as pw

EMAIL = "alice.archer@example.com"
NAMES = ("Alice", "Archer")


def test_blocklist_has_at_least_10000_unique_lowercase_entries() -> None:
    lines = pw.BLOCKLIST_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 10_000
    assert len(set(lines)) == len(lines)
    assert all(line == line.lower() and line.strip() == line for line in lines)
    assert {"password", "123456", "qwerty", "iloveyou", "password1234"} <= pw.blocklist()


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "commonly used"),
        ("PASSWORD1234", "commonly used"),
        ("P@ssw0rd1234", "commonly used"),
        ("Password2024!!", "common"),
        ("michael1986!!", "common"),
        ("Thunder 77%!!!!!", "digits or symbols added"),
        ("Correct-Horse-Battery-Staple", "commonly used"),
        ("aaaaaaaaaaaaaaaa", "repeated or sequential"),
        ("zzzzzzzzzzzzzzzzzz", "repeated or sequential"),
        ("abcdefghijklmnop", "repeated or sequential"),
        ("mnopqrstuvwxyz", "repeated or sequential"),
        ("xyzxyzxyzxyzxyz", "repeated or sequential"),
        ("1qaz2wsx3edc4rfv", "commonly used"),
        ("zaq1xsw2cde3vfr4", "repeated or sequential"),
        ("alice.archer@example.com!", "email address or your name"),
        ("my name is archer, ok?", "email address or your name"),
        ("sdsim is my favourite", "application's name"),
    ],
)
def test_policy_refuses_with_a_reason(password: str, fragment: str) -> None:
    reasons = check_password(password, EMAIL, NAMES)
    assert any(fragment in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    "password",
    ["river-moon-stone", "tr0ub4dor&3 staple", "Zr8#kq2!Lm9w", "ça ne fait rien, été 42",
     "a" * 5 + "long passphrase with words"],
)
def test_policy_accepts_without_composition_rules(password: str) -> None:
    assert check_password(password, EMAIL, NAMES) == []


def test_unicode_is_normalized_nfkc() -> None:
    # "ﬁ" (U+FB01) is "fi" after NFKC; both hash the same.
    assert pw.normalize("ﬁnal") == "final"
    assert pw._prehash("ﬁnal answer 42!") == pw._prehash("final answer 42!")


def test_strength_meter_scores_and_feedback() -> None:
    assert password_strength("") == (0, "Use at least 12 characters.")
    assert password_strength("password1234").score == 0
    weak = password_strength("zzzzzzzzzzzzzzzzzz")
    assert weak.score == 1 and "repeated" in weak.feedback
    assert password_strength("rivermoonsun", EMAIL, NAMES).score == 2
    assert password_strength("river-moon-stone", EMAIL, NAMES).score == 3
    strong = password_strength("Granite owls whistle at 4am", EMAIL, NAMES)
    assert strong.score == 4 and strong.label == "Strong"
    assert password_strength("archer in the woods", EMAIL, NAMES).score == 1


def test_hashing_passwords_longer_than_72_bytes_is_not_truncated() -> None:
    long_password = "é" * 50 + " and then some"  # 114 bytes in UTF-8
    assert len(long_password.encode()) > 72
    with pytest.raises(ValueError):  # what bcrypt itself does: the reason we pre-hash
        bcrypt.hashpw(long_password.encode(), bcrypt.gensalt(4))
    stored = pw.hash_password(long_password)
    assert stored.startswith("bcrypt-sha256$$2b$12$")
    assert pw.verify_password(long_password, stored)
    first_72_bytes = long_password.encode()[:72].decode(errors="ignore")
    assert not pw.verify_password(first_72_bytes, stored)
    assert not pw.needs_rehash(stored)


def test_verify_rejects_foreign_hashes_and_needs_rehash_spots_low_cost() -> None:
    plain_bcrypt = bcrypt.hashpw(b"secret", bcrypt.gensalt(4)).decode()
    assert not pw.verify_password("secret", plain_bcrypt)
    assert not pw.verify_password("secret", "bcrypt-sha256$garbage")
    low = pw.hash_password("a fine passphrase", cost=4)
    assert pw.verify_password("a fine passphrase", low)
    assert pw.needs_rehash(low)
    assert pw.needs_rehash(plain_bcrypt)


def test_dummy_hash_is_a_valid_cost_12_hash() -> None:
    assert not pw.needs_rehash(pw.DUMMY_HASH)


def test_configured_cost_reads_the_variable_and_refuses_nonsense() -> None:
    assert pw.configured_cost({}) == pw.BCRYPT_COST == 12  # production: unset
    assert pw.configured_cost({pw.COST_VARIABLE: " 5 "}) == 5
    for bad in ("3", "32", "twelve", "-4", "4.5"):
        with pytest.raises(ValueError, match=pw.COST_VARIABLE):
            pw.configured_cost({pw.COST_VARIABLE: bad})


def test_the_dummy_hash_has_the_cost_it_stands_in_for() -> None:
    assert pw.dummy_hash(pw.BCRYPT_COST) is pw.DUMMY_HASH
    low = pw.dummy_hash(4)
    assert low.startswith("bcrypt-sha256$$2b$04$")
    assert pw.dummy_hash(4) is low  # made once
