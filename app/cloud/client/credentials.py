"""The cloud refresh token, kept in the OS keyring and nowhere else.

Service ``sdsim-cloud``, user name ``"<server url>|<email>"``: one token per
account per server (Windows caps a secret at 2,560 bytes, so it is the one
opaque refresh token, never a bundle). There is no file fallback: without a
secure keyring backend cloud sign-in is disabled, with the reason from
``keyring_available()``. The check is the one ``app.storage.remember`` makes
for remember-me (plaintext ``keyrings.alt`` backends count as no keyring).
"""

from __future__ import annotations

from app.storage.remember import KeyringSecret, keyring_problem

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
        self._secret = KeyringSecret(KEYRING_SERVICE, self.username, "cloud sign-in")

    def save(self, token: str) -> bool:
        """Store ``token`` (replacing the previous one); ``False`` when it could not be kept."""
        return self._secret.put(token) is None

    def load(self) -> str | None:
        """The stored token, or ``None`` (none stored, or no usable keyring)."""
        return self._secret.get()

    def delete(self) -> None:
        """Forget the stored token (no error when there is none)."""
        self._secret.delete()
