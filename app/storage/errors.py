"""Errors raised by the storage layer.

Every error derives from :class:`StorageError`, so a caller can catch the whole
family at once. Messages are written for people: the UI shows ``str(error)``
as is.
"""

# The exception names are the public API the issue fixes (``InvalidCredentials``...).
# ruff: noqa: N818

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class of every error raised by :mod:`app.storage`."""


class DatabaseError(StorageError):
    """The database file cannot be used."""


class CorruptDatabase(DatabaseError):
    """The database file is damaged or is not an SQLite database.

    The file is never modified or replaced when this is raised.
    """

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"The project database {path} is damaged or is not a database ({detail}). "
            "It has been left untouched: move it aside or restore a backup, then start again."
        )


class IncompatibleDatabase(DatabaseError):
    """The database was written by a newer version of the application."""


class DatabaseBusy(DatabaseError):
    """Another process kept the database locked for longer than the busy timeout."""


class ReadOnlyDatabase(DatabaseError):
    """The database cannot be written: a read-only file system, file or folder.

    Raised instead of :class:`CorruptDatabase` when the file itself is healthy.
    """

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"The project database {path} is read-only ({detail}). It is not damaged: "
            "make it writable, or set SDSIM_DATA_DIR to a writable folder, then start again."
        )


class FileProblem(StorageError):
    """A file or folder the storage needs cannot be used (wrong kind, permissions, full...)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        self.path = path
        super().__init__(message)


class NotFound(StorageError):
    """The requested project, version or template does not exist."""


class NotAllowed(StorageError):
    """The signed-in user may not access this project."""


class VersionConflict(StorageError):
    """A save was based on a version that is no longer the newest.

    ``base_version`` is the version the editor started from, ``current_version``
    the newest one in the database (saved meanwhile by another window or a
    restore). Nothing was saved; the caller can keep both (``projects.save_copy``)
    or save on top anyway (``projects.save`` without ``base_version``).
    """

    def __init__(self, project_name: str, base_version: int, current_version: int) -> None:
        self.project_name = project_name
        self.base_version = base_version
        self.current_version = current_version
        super().__init__(
            f"“{project_name}” was saved elsewhere meanwhile: it is now at version "
            f"{current_version}, and your changes are based on version {base_version}."
        )


#: The same class under the name the issue uses.
VersionConflictError = VersionConflict


class ValidationError(StorageError):
    """An input value is invalid; ``field`` names it (``"email"``, ``"name"``...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class InvalidDocument(ValidationError):
    """A project document is not a JSON object (or not a valid ``.sdsim`` file)."""

    def __init__(self, message: str) -> None:
        super().__init__("document", message)


class AuthError(StorageError):
    """Base class of authentication and account errors."""


class InvalidCredentials(AuthError):
    """The email or the password is wrong (deliberately not saying which)."""

    def __init__(self, message: str = "The email or password is incorrect.") -> None:
        super().__init__(message)


class AccountLocked(AuthError):
    """Too many failed sign-ins: the account is locked for a while.

    ``remaining_s`` is how many seconds are left before the next attempt.
    """

    def __init__(self, remaining_s: float) -> None:
        self.remaining_s = max(0.0, remaining_s)
        super().__init__(
            "This account is locked after too many failed sign-ins. "
            f"Try again in {format_duration(self.remaining_s)}."
        )


class TooManyAttempts(AuthError):
    """Sign-in attempts are coming too fast; ``retry_after_s`` says when to retry."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = max(0.0, retry_after_s)
        super().__init__(
            f"Too many sign-in attempts. Wait {format_duration(self.retry_after_s)} and try again."
        )


class WeakPassword(AuthError):
    """The password does not meet the policy; ``reasons`` lists every problem."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons) if self.reasons else "The password is too weak.")


class EmailTaken(AuthError):
    """An account with this email (compared case-insensitively) already exists."""

    def __init__(self) -> None:
        super().__init__("An account with this email already exists. Sign in instead.")


class SessionExpired(AuthError):
    """The session expired or was signed out: sign in again."""

    def __init__(self, message: str = "Your session has expired. Please sign in again.") -> None:
        super().__init__(message)


def format_duration(seconds: float) -> str:
    """``"14 min 5 s"``, ``"42 s"``: a short, human-readable duration (rounded up)."""
    total = max(0, int(-(-seconds // 1)))
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
