"""Plain, immutable records that the storage services hand to callers.

They are copies: safe to pass between threads and to keep after the database
session that produced them has closed (unlike ORM instances).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class UserProfile:
    """A user's public details."""

    user_id: str
    email: str
    first_name: str
    last_name: str
    company: str
    created_at: datetime

    @property
    def display_name(self) -> str:
        """First and last name, or the email when no name was given."""
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email


@dataclass(frozen=True, slots=True)
class UserSession:
    """A signed-in session, returned by ``accounts.login``.

    ``token`` is the secret that authenticates every later call; it is left
    out of ``repr`` so that it never reaches a log by accident. The database
    keeps only its SHA-256. ``expires_at`` is the expiry at sign-in; each use
    extends it (see ``SESSION_IDLE_TIMEOUT`` in :mod:`app.storage.accounts`).
    ``remembered`` says whether a "remember me" token was stored in the OS
    keyring; ``notice`` explains why not when one was asked for.
    """

    user_id: str
    token: str = field(repr=False)
    expires_at: datetime
    profile: UserProfile
    remembered: bool = False
    notice: str | None = None

    @property
    def email(self) -> str:
        """The signed-in user's email."""
        return self.profile.email


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """A project as listed: no document text."""

    id: str
    name: str
    owner_id: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class Project:
    """A project with the ``.sdsim`` JSON text of one version (the latest by default).

    ``version_id`` is that version's stable UUID, ``parent_version_id`` the one
    it was made from (``None`` for a first version).
    """

    id: str
    name: str
    owner_id: str
    created_at: datetime
    updated_at: datetime
    version: int
    document: str
    version_id: str = ""
    parent_version_id: str | None = None

    @property
    def info(self) -> ProjectInfo:
        """The same project without its document."""
        return ProjectInfo(
            self.id, self.name, self.owner_id, self.created_at, self.updated_at, self.version
        )


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One saved version: its number (1, 2, ...), who saved it, when, and a note.

    ``version_id`` names the version on every machine (a UUID);
    ``parent_version_id`` is the version it was made from.
    """

    project_id: str
    number: int
    created_at: datetime
    author_id: str | None
    author_email: str | None
    note: str
    size: int
    sha256: str
    version_id: str = ""
    parent_version_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What changed between two documents, by component ``id``."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    links_added: int = 0
    links_removed: int = 0
    other: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the two documents are the same as far as the summary can tell."""
        return not (
            self.added
            or self.removed
            or self.changed
            or self.links_added
            or self.links_removed
            or self.other
        )

    def describe(self) -> str:
        """One line for people: ``"added: cache; changed: web, db; 1 link added"``."""
        parts: list[str] = []
        if self.added:
            parts.append("added: " + ", ".join(self.added))
        if self.removed:
            parts.append("removed: " + ", ".join(self.removed))
        if self.changed:
            parts.append("changed: " + ", ".join(self.changed))
        for count, verb in ((self.links_added, "added"), (self.links_removed, "removed")):
            if count:
                parts.append(f"{count} link{'s' if count != 1 else ''} {verb}")
        if self.other:
            parts.append("also changed: " + ", ".join(self.other))
        return "; ".join(parts) if parts else "no changes"


@dataclass(frozen=True, slots=True)
class RecoveryEntry:
    """Autosaved work left by a session that did not shut down cleanly."""

    id: int
    project_id: str | None
    project_name: str | None
    saved_at: datetime
    document: str


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """A template shipped in ``resources/templates`` (available to every user)."""

    key: str
    name: str
    description: str
    path: Path


@dataclass(frozen=True, slots=True)
class RunReplication:
    """One replication of a kept run: its seed, its summary and its per-window series.

    ``summary`` is the run's ``summary.json`` structure; ``series`` holds
    ``"times"`` (each window's end, simulated seconds) and, per component id or
    ``"end_to_end"``, metric name -> one value per window (``None`` where the
    window measured nothing). Both are plain JSON values.
    """

    seed: int
    summary: dict[str, Any]
    series: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A kept run as listed: what ran and when, without its results."""

    id: str
    project_id: str
    label: str
    created_at: datetime
    seed: int
    app_version: str
    replications: int
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A kept run with the design text that ran and every replication's results."""

    info: RunInfo
    design: str
    replications: tuple[RunReplication, ...]


@dataclass(frozen=True, slots=True)
class SyncHead:
    """A project as cloud sync sees it: its newest version and where it stands.

    A tombstone has ``deleted`` true and no ``document``/``version_id``.
    ``base_version_id`` is the server version it was last in step with
    (``None``: the server does not have it); ``role`` is ``None`` until the
    project was first pushed or pulled.
    """

    id: str
    owner_id: str
    name: str
    document: str | None
    version_id: str | None
    parent_version_id: str | None
    deleted: bool
    base_version_id: str | None
    base_name: str | None
    role: str | None
    change_seq: int


@dataclass(frozen=True, slots=True)
class ProjectChange:
    """One project's latest change in the store-wide change sequence."""

    id: str
    name: str
    deleted: bool
    version_id: str | None
    change_seq: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteApplied:
    """What storing a change from the server did.

    ``outcome`` is ``"created"``, ``"updated"``, ``"unchanged"``, ``"revived"``
    (a local delete lost to an edit on the server), ``"deleted"``,
    ``"unknown"`` (a deletion of a project this store never had) or
    ``"forked"`` (local edits were kept as ``conflicted_copy_id``).
    """

    project_id: str
    outcome: str
    conflicted_copy_id: str | None = None


@dataclass(frozen=True, slots=True)
class SyncConflict:
    """A conflict to tell the user about: whose edit went where."""

    project_id: str
    project_name: str
    message: str
    copy_id: str | None


@dataclass(frozen=True, slots=True)
class CloudLinkInfo:
    """A local account's link to a cloud account (the token is in the OS keyring)."""

    user_id: str
    server_url: str
    cloud_user_id: str
    cloud_email: str
    cursor: str | None
    linked_at: datetime
