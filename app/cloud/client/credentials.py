"""The cloud refresh token, kept in the OS keyring and nowhere else.

Service ``sdsim-cloud``, user name ``"<server url>|<email>"``: one token per
account per server (Windows caps a secret at 2,560 bytes, so it is the one
opaque refresh token, never a bundle). There is no file fallback: without a
secure keyring backend cloud sign-in is disabled, with the reason from
``keyring_available()``. The check is the one ``app.storage.remember`` makes
for remember-me (plaintext ``keyrings.alt`` backends count as no keyring).
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from app.storage.remember import keyring_problem

log = logging.getLogger(__name__)

KEYRING_SERVICE = "sdsim-cloud"
_UNAVAILABLE = ("Cloud sign-in is unavailable: no secure system keyring was found{detail}, "
                "and the cloud sign-in is never kept in a plain file.")


def keyring_available() -> tuple[bool, str]:
    """``(True, "")`` when a secure keyring can keep the token, else ``(False, reason)``.

    Reads and writes no secret; ``reason`` is a plain sentence for the UI.
    """
    problem = keyring_problem()
    if problem:
        return False, _UNAVAILABLE.format(detail=problem)
    return True, ""


class RefreshTokenStore:
    """Reads, writes and deletes one account's refresh token in the keyring."""

    def __init__(self, server_url: str, email: str) -> None:
        self.username = f"{server_url}|{email.strip().lower()}"

    def save(self, token: str) -> bool:
        """Store ``token`` (replacing the previous one); ``False`` when it could not be kept."""
        if keyring_problem():
            return False
        try:
            keyring.set_password(KEYRING_SERVICE, self.username, token)
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not store the cloud sign-in: %s", type(exc).__name__)
            return False
        return True

    def load(self) -> str | None:
        """The stored token, or ``None`` (none stored, or no usable keyring)."""
        if keyring_problem():
            return None
        try:
            return keyring.get_password(KEYRING_SERVICE, self.username)
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not read the cloud sign-in: %s", type(exc).__name__)
            return None

    def delete(self) -> None:
        """Forget the stored token (no error when there is none)."""
        if keyring_problem():
            return
        try:
            keyring.delete_password(KEYRING_SERVICE, self.username)
        except keyring.errors.PasswordDeleteError:
            pass
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            log.warning("Could not delete the cloud sign-in: %s", type(exc).__name__)
