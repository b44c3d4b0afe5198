"""The "remember me" token in the OS keyring.

One token per database per OS account is kept in the keyring (Windows caps a
secret at 2,560 bytes, so it is one short string, not a bundle); the database
keeps only its SHA-256. Without a secure keyring backend the feature is
disabled: there is never a plaintext fallback (and the plaintext backends of
``keyrings.alt`` are refused as if absent).
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)


def _keyring() -> ModuleType:
    """The keyring package, imported when a secret is first touched.

    Not at import time: ``app.storage`` is also imported by the cloud server
    (for its shared database plumbing), whose image has no keyring installed.
    """
    import keyring
    import keyring.backends.fail
    import keyring.errors

    return keyring

KEYRING_SERVICE = "System Design Simulator"
_UNAVAILABLE = (
    "“Remember me” is unavailable: no secure system keyring was found{detail}. "
    "You will need to sign in each time."
)


class KeyringStatus(NamedTuple):
    """Whether "remember me" can be offered, and if not, why (for the UI)."""

    available: bool
    message: str


def _insecure(backend: KeyringBackend) -> str | None:
    keyring = _keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, keyring.backends.fail.Keyring) or name.startswith(
        "keyring.backends.null"
    ):
        return " (no keyring backend is installed)"
    if name.startswith("keyrings.alt") and ("Plaintext" in name or "file" in name.lower()):
        return f" ({type(backend).__name__} stores secrets in a plain file)"
    chained = getattr(backend, "backends", None)
    if name.startswith("keyring.backends.chainer") and not chained:
        return " (no keyring backend is installed)"
    return None


def keyring_problem() -> str | None:
    """Why the current keyring backend cannot keep a secret safely, or ``None`` when it can.

    The one check behind every feature that keeps a secret in the keyring
    (remember-me here, the cloud refresh token in ``app.cloud.client``); the
    answer is a short parenthesis such as ``" (no keyring backend is installed)"``
    for a message. Reads and writes no secret.
    """
    keyring = _keyring()
    try:
        backend = keyring.get_keyring()
    except (keyring.errors.KeyringError, RuntimeError) as exc:
        return f" ({exc})"
    return _insecure(backend)


def keyring_status() -> KeyringStatus:
    """Check the current keyring backend without reading or writing any secret."""
    problem = keyring_problem()
    if problem:
        return KeyringStatus(False, _UNAVAILABLE.format(detail=problem))
    return KeyringStatus(True, "Your sign-in will be kept in the system keyring.")


class KeyringSecret:
    """One secret in the OS keyring, only when :func:`keyring_problem` finds none.

    The one implementation behind remember-me and the cloud refresh token: every
    keyring failure is logged (its type only, never the secret) and reported,
    never raised.
    """

    def __init__(self, service: str, username: str, what: str) -> None:
        self.service, self.username, self._what = service, username, what

    def put(self, value: str) -> str | None:
        """Store ``value``; ``None`` on success, else why not (a short parenthesis)."""
        problem = keyring_problem()
        if problem:
            return problem
        keyring = _keyring()
        try:
            keyring.set_password(self.service, self.username, value)
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not store the %s: %s", self._what, type(exc).__name__)
            return f" ({type(exc).__name__})"
        return None

    def get(self) -> str | None:
        """The stored value, or ``None`` (none stored, or no usable keyring)."""
        if keyring_problem():
            return None
        keyring = _keyring()
        try:
            value: str | None = keyring.get_password(self.service, self.username)
            return value
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not read the %s: %s", self._what, type(exc).__name__)
            return None

    def delete(self) -> None:
        """Forget the stored value (no error when there is none)."""
        if keyring_problem():
            return
        keyring = _keyring()
        try:
            keyring.delete_password(self.service, self.username)
        except keyring.errors.PasswordDeleteError:
            pass
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not delete the %s: %s", self._what, type(exc).__name__)


class RememberedToken:
    """Reads, writes and deletes this database's token in the keyring."""

    def __init__(self, store_uid: str) -> None:
        self.key = f"remember-me/{store_uid}"
        self._secret = KeyringSecret(KEYRING_SERVICE, self.key, "remember-me token")

    def save(self, token: str) -> str | None:
        """Store ``token``; returns ``None`` on success or the reason it was not stored."""
        problem = self._secret.put(token)
        return None if problem is None else _UNAVAILABLE.format(detail=problem)

    def load(self) -> str | None:
        """The stored token, or ``None`` (none stored, or no usable keyring)."""
        return self._secret.get()

    def delete(self) -> None:
        """Forget the stored token (no error when there is none)."""
        self._secret.delete()
