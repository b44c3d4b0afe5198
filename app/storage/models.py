"""The database schema as SQLAlchemy 2 typed models.

These ORM classes never leave :mod:`app.storage`: services copy what callers
need into the plain records of :mod:`app.storage.records`. Changing a table
here needs a new Alembic migration under ``migrations/versions``.

All times are stored as naive UTC (SQLite has no time zone type) and come
back as aware UTC datetimes through :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.storage.sqltypes import NAMING_CONVENTION, UTCDateTime


class Base(DeclarativeBase):
    """Declarative base with the naming convention and UTC datetimes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class StoreMeta(Base):
    """Key/value facts about this database file (e.g. its random ``store_uid``)."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """A local account. ``email`` is normalized (case-folded) and unique."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    email_display: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class SignInAttempts(Base):
    """Failed sign-ins in a row for one email, whether or not an account has it.

    ``key`` is :func:`app.storage.accounts.attempt_key` of the normalized
    email. Counting unknown emails too makes their lockout behave exactly like
    a real account's, so sign-in never tells which emails have accounts.
    """

    __tablename__ = "sign_in_attempts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)


class AuthSession(Base):
    """A signed-in session. Only the SHA-256 of its token is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RememberToken(Base):
    """A "remember me" token: the token is in the OS keyring, its SHA-256 here."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Project(Base):
    """A project: its name and owner. The documents live in :class:`ProjectVersion`.

    ``deleted_at`` set makes the row a tombstone: the project is gone for every
    reader (its versions, runs and recovery slots are deleted), but its id stays
    so that sync can tell the server. ``change_seq`` is the store-wide change
    number (``store_meta['change_seq']``) of the project's last create, save,
    rename or delete: "changes since *n*" is ``change_seq > n``.
    """

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None]
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)


class ProjectVersion(Base):
    """One saved version of a project: the ``.sdsim`` JSON text, who, when, a note.

    ``version_id`` is a UUID that names the version on every machine (the
    server's ETag); ``parent_version_id`` the version it was made from (not a
    foreign key: the parent may exist only on the server); ``origin`` the
    ``store_uid`` of the store that made it, or ``"cloud"`` for one pulled from
    the server.
    """

    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[str] = mapped_column(String(36), unique=True)
    parent_version_id: Mapped[str | None] = mapped_column(String(36))
    origin: Mapped[str] = mapped_column(String(36))


class RecoverySlot(Base):
    """Autosaved work not yet saved as a version, for recovery after a crash.

    ``slot_key`` identifies the slot (user or offline, project or untitled);
    ``instance_id`` is the running application instance that wrote it.
    """

    __tablename__ = "recovery_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_key: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    document: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime]


class Run(Base):
    """A what-if or replication run kept with a project, to reopen and compare later.

    ``design`` is the ``.sdsim`` text that ran (a reopened run compares even after
    the project was edited); ``settings`` the JSON of what ran (variant,
    overrides, replications, duration and warm-up); ``seed`` the base seed as
    decimal text (seeds go up to 2**64 - 1, beyond SQLite's integers);
    ``results`` the zlib-compressed JSON of each replication's summary and
    per-window headline series (see :mod:`app.storage.runs`).
    """

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    label: Mapped[str] = mapped_column(String(200))
    settings: Mapped[str] = mapped_column(Text)
    seed: Mapped[str] = mapped_column(String(20))
    app_version: Mapped[str] = mapped_column(String(40))
    design: Mapped[str] = mapped_column(Text)
    replications: Mapped[int] = mapped_column(Integer)
    results: Mapped[bytes] = mapped_column(LargeBinary)


class SyncState(Base):
    """Where a project stands with the cloud server (a row once it was pushed or pulled).

    ``base_version_id`` is the server version the project was last in step
    with (``NULL``: the server does not have it, e.g. after a delete reached
    it); ``base_name`` the name the server has. ``role`` is ``"owner"`` or
    ``"reader"`` (shared read-only: never pushed). ``conflict`` is a sentence
    for the user about the last conflict, ``conflict_copy_id`` the project
    that kept the local edit and ``forked_version_id`` the local version it
    copied (so the same edit is never forked twice).
    """

    __tablename__ = "sync_state"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    base_version_id: Mapped[str | None] = mapped_column(String(36))
    base_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="owner")
    conflict: Mapped[str | None] = mapped_column(Text)
    conflict_copy_id: Mapped[str | None] = mapped_column(String(36))
    forked_version_id: Mapped[str | None] = mapped_column(String(36))
    last_synced_at: Mapped[datetime | None]


class CloudLink(Base):
    """A local account linked to a cloud account: the server, who, and the feed cursor.

    The refresh token is never here: it lives in the OS keyring.
    """

    __tablename__ = "cloud_links"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    server_url: Mapped[str] = mapped_column(String(2048))
    cloud_user_id: Mapped[str] = mapped_column(String(64))
    cloud_email: Mapped[str] = mapped_column(String(320))
    cursor: Mapped[str | None] = mapped_column(Text)
    linked_at: Mapped[datetime]
