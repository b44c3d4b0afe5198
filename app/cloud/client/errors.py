"""One exception hierarchy for everything the cloud client can meet.

Every message here is a plain string for a person: text that came from the
server has had control characters removed and is capped in length, and must
still be shown as plain text (never as markup) by the UI.
"""

# Named as the states a caller reacts to ("except Offline"), like app/storage/errors.py.
# ruff: noqa: N818

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class CloudError(Exception):
    """A request to the cloud server did not succeed.

    Attributes
    ----------
    status:
        The HTTP status, or ``None`` when no answer came (``Offline``).
    error:
        The server's snake_case code (``"validation_error"``), or one of ours
        (``"offline"``, ``"bad_response"``, ``"response_too_large"``...).
    message:
        One plain sentence for a person.
    details:
        Field -> reason, plain strings (empty when there is nothing to add).
    retry_after:
        Seconds to wait before trying again, when the server said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str = "cloud_error",
        details: Mapping[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details: Mapping[str, str] = MappingProxyType(dict(details or {}))
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, error={self.error!r})"


class Offline(CloudError):
    """No answer: the server could not be reached, or did not answer in time."""


class SignedOut(CloudError):
    """The session is over (refresh refused, or no refresh token): sign in again."""


class SignInCancelled(CloudError):
    """The user cancelled a sign-in the server accepted: it was undone here."""


class Conflict(CloudError):
    """A write was stale (412): someone else wrote a newer version first."""

    def __init__(
        self,
        message: str,
        *,
        current_version_id: str | None = None,
        status: int | None = 412,
        error: str = "version_conflict",
        details: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, error=error, details=details)
        #: The server's version now (from ``details.current_version_id``), if it said.
        self.current_version_id = current_version_id


class RateLimited(CloudError):
    """Too many requests, or the account is locked for a while (429)."""


class ResponseTooLarge(CloudError):
    """The server sent more than the client accepts for one answer."""


class BadResponse(CloudError):
    """The server answered, but not in the shape docs/cloud.md promises."""


class InvalidServerUrl(CloudError, ValueError):
    """The server URL is not one the client will talk to (see ``validate_server_url``)."""
