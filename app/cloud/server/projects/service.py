"""What the project routes do, on a Session: lookups through the caller, writes, shares.

Every lookup goes *through* the caller: the project is returned only when
the caller owns it or holds an active share of it; anything else is the same
404, so nobody learns whether someone else's project exists. Writes check the
role (readers get 403 ``read_only``), then the precondition (412), then the
version id (409), and take the feed number last (:func:`feed.next_seq`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cloud.server.auth.service import normalise_email
from app.cloud.server.errors import ApiError
from app.cloud.server.models import User, utcnow
from app.cloud.server.projects.feed import next_seq
from app.cloud.server.projects.models import Project, ProjectShare, ProjectVersion
from app.cloud.server.projects.preconditions import Precondition

NOT_FOUND = ApiError(404, "not_found", "No such project.")
READ_ONLY = ApiError(403, "read_only", "This project is shared with you read-only.")


@dataclass(frozen=True)
class Visible:
    """A project as the caller may see it."""

    project: Project
    role: str


@dataclass(frozen=True)
class NewVersion:
    """A validated ``PUT`` body."""

    name: str
    document: str
    version_id: str
    note: str
    #: The document's UTF-8 length and SHA-256 (hex), computed once by :meth:`of`.
    size: int
    sha256: str

    @classmethod
    def of(cls, name: str, document: str, version_id: str, note: str = "") -> NewVersion:
        """A new version, its size and hash computed from one UTF-8 encoding."""
        encoded = document.encode("utf-8")
        return cls(name, document, version_id, note, len(encoded),
                   hashlib.sha256(encoded).hexdigest())


def lookup(db: Session, project_id: str, user_id: str, *,
           lock: bool = False) -> tuple[Project | None, str | None]:
    """The project row (or None) and the caller's role in it (None: not theirs to see).

    One read of the row: on PostgreSQL each statement has its own snapshot, so
    asking "does it exist?" in a second statement could see a project another
    request committed in between (and answer 404 for one the caller is creating).
    ``lock`` takes the row's lock (``FOR UPDATE``) so that writes to one project are
    serialised and their checks see the latest state. Deleted projects are returned.
    """
    query = select(Project).where(Project.id == project_id)
    if lock:
        query = query.with_for_update()
    project = db.scalar(query)
    if project is None:
        return None, None
    if project.owner_id == user_id:
        return project, "owner"
    share = db.get(ProjectShare, (project_id, user_id))
    if share is None or share.revoked_at is not None:
        return project, None
    return project, "reader"


def find_visible(db: Session, project_id: str, user_id: str, *, lock: bool = False,
                 include_deleted: bool = False) -> Visible | None:
    """The project when the caller owns it or has an active share; else None."""
    project, role = lookup(db, project_id, user_id, lock=lock)
    if project is None or role is None:
        return None
    if project.deleted_at is not None and not include_deleted:
        return None
    return Visible(project, role)


def require_visible(db: Session, project_id: str, user_id: str) -> Visible:
    """:func:`find_visible`, or 404."""
    found = find_visible(db, project_id, user_id)
    if found is None:
        raise NOT_FOUND
    return found


def _conflict(project: Project) -> ApiError:
    deleted = project.deleted_at is not None
    details = {"current_version_id": None if deleted else project.version_id}
    if deleted:
        details["deleted"] = True  # type: ignore[assignment]
    message = ("The project was deleted on the server." if deleted
               else "The project changed on the server; fetch it and merge.")
    return ApiError(412, "version_conflict", message, details)


def _version_reused() -> ApiError:
    return ApiError(409, "version_exists", "This version id was used before; choose a new one.",
                    {"version_id": "already used"})


def put_project(db: Session, project_id: str, user_id: str, condition: Precondition,
                new: NewVersion) -> tuple[Project, bool]:
    """Create or update; returns the project and whether it was created (201)."""
    try:
        return _put(db, project_id, user_id, condition, new)
    except IntegrityError:
        # Two creates of one id (or two uses of one version id) raced on PostgreSQL:
        # the loser answers as it would have, had it come second.
        db.rollback()
        project, role = lookup(db, project_id, user_id)
        db.rollback()
        if project is not None and role is None:
            raise NOT_FOUND from None
        if role == "reader":
            raise READ_ONLY from None
        if (project is not None and condition.create and project.deleted_at is None
                and project.version_id != new.version_id):
            raise _conflict(project) from None
        raise _version_reused() from None


def _put(db: Session, project_id: str, user_id: str, condition: Precondition,
         new: NewVersion) -> tuple[Project, bool]:
    project, role = lookup(db, project_id, user_id, lock=True)
    if project is not None and role is None:
        raise NOT_FOUND  # someone else's: not told apart from "no such project"
    if role == "reader":
        raise READ_ONLY
    sha = new.sha256
    if (project is not None and project.deleted_at is None
            and project.version_id == new.version_id and project.sha256 == sha):
        db.commit()
        return project, False  # a retried request whose answer was lost: already done
    live = project is not None and project.deleted_at is None
    if condition.create and live:
        assert project is not None
        raise _conflict(project)
    if not condition.create:
        if project is None:
            raise NOT_FOUND
        if not condition.matches(project):
            raise _conflict(project)
    if db.get(ProjectVersion, new.version_id) is not None:
        raise _version_reused()
    now = utcnow()
    seq = next_seq(db)
    created = not live
    if project is None:
        project = Project(id=project_id, owner_id=user_id, created_at=now, version_count=0)
        db.add(project)
    parent = None if created else project.version_id
    project.version_count = (project.version_count or 0) + 1
    db.add(ProjectVersion(
        id=new.version_id, project_id=project_id, ordinal=project.version_count,
        parent_version_id=parent, name=new.name, document=new.document,
        size=new.size, sha256=sha, note=new.note,
        author_id=user_id, created_at=now))
    project.name = new.name
    project.version_id = new.version_id
    project.parent_version_id = parent
    project.sha256 = sha
    project.seq = seq
    project.updated_at = now
    project.deleted_at = None
    if created:
        project.created_at = now
    db.commit()
    return project, created


def delete_project(db: Session, project_id: str, user_id: str, condition: Precondition) -> None:
    """Make the project a tombstone; its shares are withdrawn (their readers are told)."""
    found = find_visible(db, project_id, user_id, lock=True)
    if found is None:
        raise NOT_FOUND
    if found.role != "owner":
        raise READ_ONLY
    project = found.project
    if not condition.matches(project):
        raise _conflict(project)
    now = utcnow()
    shares = db.scalars(select(ProjectShare).where(
        ProjectShare.project_id == project_id, ProjectShare.revoked_at.is_(None))).all()
    for share in shares:
        share.seq = next_seq(db)  # each row its own number: the feed's order stays total
        share.revoked_at = now
    project.seq = next_seq(db)
    project.deleted_at = now
    project.updated_at = now
    db.commit()


def list_versions(db: Session, project_id: str, user_id: str) -> list[ProjectVersion]:
    """Every version of a visible project, oldest first (documents not loaded)."""
    require_visible(db, project_id, user_id)
    from sqlalchemy.orm import defer

    versions = list(db.scalars(
        select(ProjectVersion).options(defer(ProjectVersion.document))
        .where(ProjectVersion.project_id == project_id).order_by(ProjectVersion.ordinal)).all())
    db.commit()
    return versions


def get_version(db: Session, project_id: str, user_id: str, version_id: str) -> ProjectVersion:
    """One version of a visible project, with its document."""
    require_visible(db, project_id, user_id)
    version = db.get(ProjectVersion, version_id)
    db.commit()
    if version is None or version.project_id != project_id:
        raise ApiError(404, "not_found", "No such version.")
    return version


def _owned(db: Session, project_id: str, user_id: str, *, lock: bool = False) -> Project:
    found = find_visible(db, project_id, user_id, lock=lock)
    if found is None:
        raise NOT_FOUND
    if found.role != "owner":
        raise READ_ONLY if lock else NOT_FOUND  # readers may not write, nor list the others
    return found.project


def list_shares(db: Session, project_id: str, user_id: str) -> list[tuple[ProjectShare, str]]:
    """The active shares of an owned project, with each reader's email."""
    _owned(db, project_id, user_id)
    rows = db.execute(
        select(ProjectShare, User.email).join(User, User.id == ProjectShare.user_id)
        .where(ProjectShare.project_id == project_id, ProjectShare.revoked_at.is_(None))
        .order_by(ProjectShare.created_at)).all()
    db.commit()
    return [(share, email) for share, email in rows]


def add_share(db: Session, project_id: str, user_id: str, email: str) -> tuple[ProjectShare, str]:
    """Share an owned project read-only with the account of ``email``."""
    _owned(db, project_id, user_id, lock=True)
    reader = db.scalar(select(User).where(User.email == normalise_email(email)))
    if reader is None:
        raise ApiError(404, "user_not_found", "No account has this email.",
                       {"email": "no such account"})
    if reader.id == user_id:
        raise ApiError(400, "share_with_self", "You own this project already.",
                       {"email": "is your own"})
    share = db.get(ProjectShare, (project_id, reader.id))
    if share is not None and share.revoked_at is None:
        raise ApiError(409, "already_shared", "The project is already shared with this account.")
    now = utcnow()
    seq = next_seq(db)
    if share is None:
        share = ProjectShare(project_id=project_id, user_id=reader.id)
        db.add(share)
    share.seq = seq
    share.created_at = now
    share.revoked_at = None
    db.commit()
    return share, reader.email


def remove_share(db: Session, project_id: str, user_id: str, email: str) -> None:
    """Withdraw a share; the reader's feed gets a tombstone."""
    _owned(db, project_id, user_id, lock=True)
    reader_id = db.scalar(select(User.id).where(User.email == normalise_email(email)))
    share = db.get(ProjectShare, (project_id, reader_id)) if reader_id else None
    if share is None or share.revoked_at is not None:
        raise ApiError(404, "not_found", "The project is not shared with this account.")
    seq = next_seq(db)
    db.execute(update(ProjectShare).where(
        ProjectShare.project_id == project_id, ProjectShare.user_id == share.user_id)
        .values(seq=seq, revoked_at=utcnow()))
    db.commit()
