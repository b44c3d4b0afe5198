"""Password hashing (bcrypt) and the password policy (after NIST SP 800-63B).

Hashing. bcrypt only reads the first 72 bytes of its input, and bcrypt 5
raises ``ValueError`` beyond that. Rather than refuse long passphrases (which
NIST asks us to allow) or silently truncate them, every password is
*pre-hashed*: NFKC-normalized, UTF-8 encoded, HMAC-SHA256'd with a fixed,
application-specific key, and base64-encoded (44 ASCII bytes, no NUL byte)
before bcrypt sees it. The HMAC key is not a secret: it only stops the stored
hashes being "shucked" with lists of plain, unsalted SHA-256 hashes leaked
elsewhere. Stored hashes carry the scheme name: ``bcrypt-sha256$<bcrypt hash>``.

Policy. At least 12 characters, no composition rules, and refused when the
password is common (a shipped blocklist, also after undoing "leet" spelling
and after stripping digits and symbols added at the end), made of repeated or
sequential characters, or contains the email or the user's name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import bcrypt

from app.resources import resource_path

BCRYPT_COST = 12
#: The environment variable that lowers (or raises) the cost: tests set it to 4 so
#: that hundreds of hashes take milliseconds; the desktop and the server read it
#: through :func:`configured_cost`, and production leaves it unset (12).
COST_VARIABLE = "SDSIM_BCRYPT_COST"
MIN_LENGTH = 12
MAX_LENGTH = 1024
SCHEME = "bcrypt-sha256"
_PREHASH_KEY = b"sdsim/password-prehash/v1"
BLOCKLIST_PATH = resource_path("passwords", "common-passwords.txt")

#: A real cost-12 hash of a random string: verified against when the email is
#: unknown, so that a failed sign-in takes as long whether or not the account exists.
DUMMY_HASH = f"{SCHEME}$$2b$12$GY3lpI3ux0oqUrELRAiQB.kiuGURSfu8gGRWSV3LT3.Lr/eoIoCJG"

_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "!": "i", "3": "e", "$": "s",
                       "5": "s", "7": "t", "+": "t", "9": "g", "8": "b", "|": "l"})
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qwertzuiop")
_KEYBOARD_COLUMNS = tuple(
    "".join(row[i] for row in ("1234567890", "qwertyuiop", "asdfghjkl;", "zxcvbnm,./"))
    for i in range(10)
)
_CONTEXT_WORDS = ("sdsim", "systemdesign", "simulator")
_TRAILING_JUNK = re.compile(r"[\d\W_]+$")
_LEADING_JUNK = re.compile(r"^[\d\W_]+")


def normalize(password: str) -> str:
    """NFKC form, as NIST recommends, so that equivalent Unicode input matches."""
    return unicodedata.normalize("NFKC", password)


def _prehash(password: str) -> bytes:
    # "surrogatepass": a lone surrogate (which no stored password can hold) is still
    # checked like any other wrong password instead of failing to encode.
    data = normalize(password).encode("utf-8", "surrogatepass")
    digest = hmac.new(_PREHASH_KEY, data, hashlib.sha256).digest()
    return base64.b64encode(digest)


def configured_cost(environ: Mapping[str, str] | None = None) -> int:
    """The bcrypt cost to hash with: :data:`COST_VARIABLE` if set (4–31), else 12.

    Raises ``ValueError`` naming the variable when it is not a whole number in
    bcrypt's range, rather than silently falling back.
    """
    text = (os.environ if environ is None else environ).get(COST_VARIABLE, "").strip()
    if not text:
        return BCRYPT_COST
    if not text.isdigit() or not 4 <= int(text) <= 31:
        raise ValueError(f"{COST_VARIABLE} must be a whole number from 4 to 31, not {text[:20]!r}")
    return int(text)


@functools.cache
def dummy_hash(cost: int) -> str:
    """A hash of the given cost to verify against when the email is unknown.

    :data:`DUMMY_HASH` for the production cost; other costs (tests) make one once.
    """
    if cost == BCRYPT_COST:
        return DUMMY_HASH
    return hash_password(base64.b64encode(os.urandom(18)).decode("ascii"), cost)


def hash_password(password: str, cost: int = BCRYPT_COST) -> str:
    """The storable hash of ``password`` (any length; see the module docstring)."""
    hashed = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=cost)).decode("ascii")
    return f"{SCHEME}${hashed}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash (constant time in bcrypt)."""
    scheme, _, hashed = stored.partition("$")
    if scheme != SCHEME or not hashed:
        return False
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False


def needs_rehash(stored: str, cost: int = BCRYPT_COST) -> bool:
    """True when ``stored`` uses another scheme or a lower cost than ``cost``."""
    scheme, _, hashed = stored.partition("$")
    parts = hashed.split("$")
    return scheme != SCHEME or len(parts) < 3 or not parts[2].isdigit() or int(parts[2]) < cost


@functools.cache
def blocklist() -> frozenset[str]:
    """The shipped common passwords, lowercase."""
    text = BLOCKLIST_PATH.read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _is_common(lowered: str) -> str | None:
    common = blocklist()
    squashed = re.sub(r"[\W_]+", "", lowered)
    candidates = {lowered, lowered.translate(_LEET), squashed, squashed.translate(_LEET)}
    if candidates & common:
        return "This is one of the most commonly used passwords."
    for candidate in candidates:
        core = _LEADING_JUNK.sub("", _TRAILING_JUNK.sub("", candidate))
        if len(core) >= 4 and core != candidate and core in common:
            return "This is a common password with digits or symbols added."
    return None


def _adjacent_keys(a: str, b: str) -> bool:
    pair, reverse = a + b, b + a
    return any(pair in line or reverse in line for line in _KEYBOARD_ROWS + _KEYBOARD_COLUMNS)


def _is_repetitive(text: str) -> bool:
    """A shorter string repeated, or mostly runs of equal/consecutive characters."""
    n = len(text)
    for unit in range(1, n // 2 + 1):
        if n % unit == 0 and text[:unit] * (n // unit) == text and unit < MIN_LENGTH:
            return True
    if n < 2:
        return False
    simple = 0
    for a, b in itertools.pairwise(text):
        if abs(ord(a) - ord(b)) <= 1 or _adjacent_keys(a, b):
            simple += 1
    return simple / (n - 1) >= 0.75


def _personal_words(email: str, names: Iterable[str]) -> list[str]:
    words: list[str] = []
    email = email.strip().casefold()
    if email:
        words.append(email)
        local, _, domain = email.partition("@")
        words.extend(re.split(r"[._+\-]", local))
        words.append(local)
        words.append(domain.split(".")[0])
    for name in names:
        words.extend(re.split(r"[\s\-']+", name.strip().casefold()))
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def check_password(password: str, email: str = "", names: Iterable[str] = ()) -> list[str]:
    """Every reason ``password`` is refused; an empty list means it is acceptable."""
    password = normalize(password)
    reasons: list[str] = []
    if len(password) < MIN_LENGTH:
        reasons.append(f"Use at least {MIN_LENGTH} characters (this one has {len(password)}).")
    if len(password) > MAX_LENGTH:
        reasons.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.casefold()
    common = _is_common(lowered)
    if common:
        reasons.append(common)
    elif _is_repetitive(lowered):
        reasons.append("Avoid repeated or sequential characters such as 'aaaa', 'abcd' or '1234'.")
    personal = [word for word in _personal_words(email, names) if word in lowered]
    if personal:
        reasons.append("Don't use your email address or your name in the password.")
    if any(word in lowered.replace(" ", "") for word in _CONTEXT_WORDS):
        reasons.append("Don't use the application's name in the password.")
    return reasons


class PasswordStrength(NamedTuple):
    """A strength estimate for the UI meter: ``score`` 0 (very weak) to 4 (strong)."""

    score: int
    feedback: str

    @property
    def label(self) -> str:
        """``"Very weak"``, ``"Weak"``, ``"Fair"``, ``"Good"`` or ``"Strong"``."""
        return ("Very weak", "Weak", "Fair", "Good", "Strong")[self.score]


def _estimated_bits(password: str) -> float:
    pool = 0
    if any(c.islower() for c in password):
        pool += 26
    if any(c.isupper() for c in password):
        pool += 26
    if any(c.isdigit() for c in password):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in password):
        pool += 33
    if any(not c.isascii() for c in password):
        pool += 100
    variety = len(set(password)) / len(password)
    return len(password) * math.log2(max(pool, 2)) * math.sqrt(variety)


def password_strength(
    password: str, email: str = "", names: Iterable[str] = ()
) -> PasswordStrength:
    """Score ``password`` from 0 to 4, with one line of advice for the meter."""
    if not password:
        return PasswordStrength(0, f"Use at least {MIN_LENGTH} characters.")
    reasons = check_password(password, email, names)
    if reasons:
        short_or_common = len(password) < 8 or "common" in reasons[0]
        return PasswordStrength(0 if short_or_common else 1, reasons[0])
    bits = _estimated_bits(normalize(password))
    if bits < 60:
        return PasswordStrength(2, "Acceptable. A few more characters or words would help.")
    if bits < 80:
        return PasswordStrength(3, "Good. Longer is stronger: a phrase of random words works well.")
    return PasswordStrength(4, "Strong password.")
