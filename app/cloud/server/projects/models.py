"""The projects area's tables, on the server's one ``Base``.

A project is a chain of versions (``project_versions``); ``projects`` keeps
its current state (denormalised from its head version, so the feed and the
ETag need no join). Deleted projects stay as tombstones (``deleted_at``) and
withdrawn shares stay with ``revoked_at``, so the feed can tell the clients.

``seq`` is the project's (or share's) place in the change feed: a number from
the one :class:`FeedCounter` row, taken in the same transaction as the change
(see :mod:`app.cloud.server.projects.feed`).

Every reference to ``users`` cascades, so deleting an account removes its
projects, their versions and every share to or from it without any code in
the account routes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.cloud.server.models import Base, utcnow
from app.storage.sqltypes import UTCDateTime

#: The one row of ``feed_counter``.
COUNTER_ID = 1


class Project(Base):
    """A project's current state; ``version_id`` is its ETag."""

    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_owner_seq", "owner_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    version_id: Mapped[str] = mapped_column(String(36))
    parent_version_id: Mapped[str | None] = mapped_column(String(36), default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    #: How many versions the chain has (the next version's ordinal is this + 1).
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ProjectVersion(Base):
    """One saved version. Its id is chosen by the client and never reused, server-wide."""

    __tablename__ = "project_versions"
    __table_args__ = (Index("ix_project_versions_project_ordinal", "project_id", "ordinal"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    parent_version_id: Mapped[str | None] = mapped_column(String(36), default=None)
    name: Mapped[str] = mapped_column(String(255))
    document: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectShare(Base):
    """A read-only share of a project with one user; one row per pair, kept when withdrawn."""

    __tablename__ = "project_shares"
    __table_args__ = (Index("ix_project_shares_user_seq", "user_id", "seq"),)

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class FeedCounter(Base):
    """The one row whose ``value`` numbers every change of the feed, server-wide."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
