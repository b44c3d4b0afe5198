"""The writes every project change shares: versions with ids, the change sequence, tombstones.

Used by :mod:`app.storage.projects` (the user's edits) and
:mod:`app.storage.sync_store` (what sync brings in), always inside a write
unit of work (``BEGIN IMMEDIATE``), so the change counter is bumped under the
write lock and two changes never get the same number.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.boundary import MAX_SQLITE_INT
from app.storage.documents import sha256_of
from app.storage.text import clean_note

#: ``store_meta`` key of the store-wide change counter (created by migration 0004).
CHANGE_SEQ_KEY = "change_seq"
#: ``origin`` of a version that was pulled from the cloud server.
CLOUD_ORIGIN = "cloud"


def new_version_id() -> str:
    """A fresh version id (a random UUID, the same on every machine it reaches)."""
    return str(uuid.uuid4())


_NEXT_CHANGE_SEQ = text(
    "UPDATE store_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = :key "
    "RETURNING CAST(value AS INTEGER)")


def next_change_seq(db: Session) -> int:
    """Take the next number of the store-wide change sequence (inside a write)."""
    # On the session's connection (same transaction): the counter row is all this
    # touches, so pending ORM changes need no flush first (they flush with the version).
    value = db.connection().execute(_NEXT_CHANGE_SEQ, {"key": CHANGE_SEQ_KEY}).scalar()
    if value is None:  # only if someone removed the row: start again above every project
        top = db.scalar(select(models.Project.change_seq).order_by(
            models.Project.change_seq.desc()).limit(1)) or 0
        value = int(top) + 1
        db.add(models.StoreMeta(key=CHANGE_SEQ_KEY, value=str(value)))
        db.flush()  # so that the next number in this unit of work updates this row
    return int(value)


def current_change_seq(db: Session) -> int:
    """The highest change number given so far (0 for a new store)."""
    row = db.get(models.StoreMeta, CHANGE_SEQ_KEY)
    return int(row.value) if row is not None else 0


def touch(db: Session, project: models.Project, now: datetime) -> None:
    """Record a change to ``project``: a new change number and ``updated_at``."""
    project.change_seq = next_change_seq(db)
    project.updated_at = now


def head_version(db: Session, project: models.Project) -> models.ProjectVersion | None:
    """The project's newest version (``None`` for a tombstone)."""
    return db.scalar(select(models.ProjectVersion).where(
        models.ProjectVersion.project_id == project.id,
        models.ProjectVersion.number == project.current_version))


def add_version(db: Session, project: models.Project, document: str, *, author_id: str | None,
                note: str, now: datetime, origin: str, version_id: str | None = None,
                parent_version_id: str | None = None, parent_is_head: bool = True
                ) -> models.ProjectVersion:
    """Append ``document`` as the project's next version and record the change.

    The parent is the current head unless ``parent_is_head`` is false (a
    version pulled from the server names its own parent).
    """
    if project.current_version >= MAX_SQLITE_INT:
        raise errors.ValidationError(
            "version", f"“{project.name}” has no version numbers left: duplicate it.")
    if parent_is_head:
        head = head_version(db, project)
        parent_version_id = head.version_id if head is not None else None
    project.current_version += 1
    touch(db, project, now)
    version = models.ProjectVersion(
        project_id=project.id, number=project.current_version, document=document,
        sha256=sha256_of(document), author_id=author_id, created_at=now, note=clean_note(note),
        version_id=version_id or new_version_id(), parent_version_id=parent_version_id,
        origin=origin,
    )
    db.add(version)
    db.flush()
    return version


def make_tombstone(db: Session, project: models.Project, now: datetime) -> None:
    """Delete the project's content and keep its row as a tombstone for sync.

    Versions, kept runs and recovery slots go, as they did when a delete
    removed the row; the id, name and change number stay so that the next
    sync can tell the server (``DELETE`` with ``If-Match``).
    """
    for table in (models.ProjectVersion, models.Run, models.RecoverySlot):
        db.execute(delete(table).where(table.project_id == project.id))
    db.execute(update(models.SyncState).where(models.SyncState.project_id == project.id)
               .values(conflict=None, conflict_copy_id=None, forked_version_id=None))
    project.deleted_at = now
    touch(db, project, now)
