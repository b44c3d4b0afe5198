"""The change feed: one server-wide counter, and what a user sees after a cursor.

Why one counter row: a feed ordered by a sequence or a timestamp skips
changes committed out of order (number 7 commits, a reader sees it and
moves its cursor to 7, then number 6 commits and is never sent). Here every
write that touches the feed runs ``UPDATE feed_counter SET value = value + 1
RETURNING value`` in its own transaction. On PostgreSQL the row lock is held
until commit, so the next writer gets its number only after the previous one
committed: commit order is number order, and a reader that has seen *n* has
seen everything below it. SQLite serialises writers anyway (every
transaction begins ``IMMEDIATE``, :mod:`app.cloud.server.db`).

Writers take the counter as their *last* lock (after the project row's
``FOR UPDATE``) and write their rows after it, so the lock is held for one
flush and the commit, and lock order is the same everywhere (no deadlock).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, case, literal_column, select, union_all, update
from sqlalchemy.orm import Session

from app.cloud.server.errors import ApiError
from app.cloud.server.projects.models import COUNTER_ID, FeedCounter, Project, ProjectShare

_CURSOR_PREFIX = "f1:"


def next_seq(db: Session) -> int:
    """The next feed number, locked until this transaction ends."""
    value = db.execute(
        update(FeedCounter).where(FeedCounter.id == COUNTER_ID)
        .values(value=FeedCounter.value + 1).returning(FeedCounter.value)
    ).scalar_one()
    return int(value)


def encode_cursor(seq: int) -> str:
    """An opaque cursor for feed number ``seq``."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The feed number in ``cursor`` (0 for none); 400 ``invalid_cursor`` when it is not ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        seq = int(text[len(_CURSOR_PREFIX):])
        if seq < 0 or len(cursor) > 40:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this server gave.",
                       {"since": "not a cursor from GET /projects"}) from None
    return seq


@dataclass(frozen=True)
class Change:
    """One entry of the feed (see ``ChangeOut``)."""

    seq: int
    id: str
    deleted: bool
    name: str | None
    version_id: str | None
    parent_version_id: str | None
    role: str
    updated_at: datetime


def read_feed(db: Session, user_id: str, after: int, limit: int) -> tuple[list[Change], bool]:
    """The caller's changes numbered above ``after``, oldest first, and whether more follow.

    One statement, so one snapshot: two queries (owned, then shared) could each
    see a different set of commits and the cursor could jump over one.
    A project appears once: the caller owns it, or has (had) one share row of it.
    """
    shared_seq = case(
        # A withdrawn share is a tombstone at the withdrawal; later edits are not the
        # former reader's business (and must not be hinted at).
        (ProjectShare.revoked_at.is_not(None), ProjectShare.seq),
        (Project.seq > ProjectShare.seq, Project.seq),
        else_=ProjectShare.seq,
    )
    owned = select(Project.id.label("pid"), Project.seq.label("seq"),
                   literal_column("0", Integer).label("shared")).where(
        Project.owner_id == user_id, Project.seq > after)
    shared = select(ProjectShare.project_id.label("pid"), shared_seq.label("seq"),
                    literal_column("1", Integer).label("shared")).join(
        Project, Project.id == ProjectShare.project_id).where(
        ProjectShare.user_id == user_id, shared_seq > after)
    feed = union_all(owned, shared).subquery("feed")
    rows = db.execute(
        select(feed.c.seq, feed.c.shared, Project, ProjectShare.revoked_at)
        .join(Project, Project.id == feed.c.pid)
        .outerjoin(ProjectShare, and_(ProjectShare.project_id == feed.c.pid,
                                      ProjectShare.user_id == user_id))
        .order_by(feed.c.seq).limit(limit + 1)
    ).all()
    changes: list[Change] = []
    for seq, shared_flag, project, revoked_at in rows[:limit]:
        if shared_flag and revoked_at is not None:
            changes.append(Change(int(seq), project.id, True, None, None, None, "reader",
                                  revoked_at))
            continue
        changes.append(Change(
            int(seq), project.id, project.deleted_at is not None, project.name,
            project.version_id, project.parent_version_id,
            "reader" if shared_flag else "owner", project.updated_at))
    return changes, len(rows) > limit
