"""Projects and their version history, each owned by one user.

Every call takes the caller's :class:`~app.storage.records.UserSession` and
checks, in the same transaction, that the session is valid and that the
project belongs to its user (:class:`errors.NotAllowed` otherwise). Every save
is a new version; nothing is ever overwritten, and restoring an old version
saves it again as the newest one. Every version gets a stable ``version_id``
(a UUID) and its parent's; a delete leaves a tombstone (see
:func:`app.storage.versioning.make_tombstone`) that every reader treats as
"no such project"; every change takes the next store-wide change number.
"""

from __future__ import annotations

import builtins
import logging
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.boundary import MAX_SQLITE_INT, guard_public_methods
from app.storage.clock import Clock
from app.storage.db import Database
from app.storage.documents import (
    DocumentInput,
    blank_document,
    document_text,
    summarize_changes,
    validate_with_model,
)
from app.storage.files import read_text, write_atomic
from app.storage.records import ChangeSummary, Project, ProjectInfo, UserSession, VersionInfo
from app.storage.templates import TemplateService
from app.storage.text import clean_line, clean_note
from app.storage.tokens import authenticate
from app.storage.versioning import add_version, make_tombstone, touch

log = logging.getLogger(__name__)
MAX_NAME_LENGTH = 200


def _clean_name(name: str) -> str:
    name = clean_line("name", name, MAX_NAME_LENGTH)
    if not name:
        raise errors.ValidationError("name", "Give the project a name.")
    return name


def _version_number(number: object) -> int:
    """``number`` if it can be a version (a whole number from 1 to 2**63 - 1)."""
    if isinstance(number, bool) or not isinstance(number, int) or not \
            1 <= number <= MAX_SQLITE_INT:
        shown = repr(number) if not isinstance(number, int) or abs(number) < 10**30 \
            else "a number that large"
        raise errors.NotFound(f"There is no version {shown[:60]}: versions are numbered "
                              "from 1.")
    return number


def owned_project(db: Session, session: UserSession, project_id: str, now: datetime, *,
                  write: bool = False) -> tuple[models.User, models.Project]:
    """The session's user and their project ``project_id`` (checked in ``db``'s transaction).

    Raises :class:`errors.SessionExpired`, :class:`errors.NotFound` or
    :class:`errors.NotAllowed` (another account's project). ``write`` restarts
    the session's idle timeout (only inside a write unit of work).
    """
    user = authenticate(db, session, now, refresh=write)
    project = db.get(models.Project, project_id) if isinstance(project_id, str) else None
    if project is None or project.deleted_at is not None:
        raise errors.NotFound("This project does not exist (it may have been deleted).")
    if project.owner_id != user.id:
        raise errors.NotAllowed("This project belongs to another account.")
    return user, project


def _info(project: models.Project) -> ProjectInfo:
    return ProjectInfo(project.id, project.name, project.owner_id, project.created_at,
                       project.updated_at, project.current_version)


def _version_info(version: models.ProjectVersion, author_email: str | None) -> VersionInfo:
    return VersionInfo(version.project_id, version.number, version.created_at, version.author_id,
                       author_email, version.note, len(version.document.encode("utf-8")),
                       version.sha256, version.version_id, version.parent_version_id)


def live_projects_of(user_id: str) -> Select[models.Project]:
    """A query for ``user_id``'s projects that are not tombstones."""
    return select(models.Project).where(models.Project.owner_id == user_id,
                                        models.Project.deleted_at.is_(None))


@guard_public_methods
class ProjectService:
    """Project storage; reached as ``store.projects``."""

    def __init__(self, db: Database, clock: Clock, templates: TemplateService,
                 origin: str) -> None:
        self._db = db
        self._clock = clock
        self._templates = templates
        self._origin = origin

    # -- helpers -------------------------------------------------------------

    def _owned(
        self, db: Session, session: UserSession, project_id: str, *, write: bool = False
    ) -> tuple[models.User, models.Project]:
        return owned_project(db, session, project_id, self._clock(), write=write)

    def _add_version(self, db: Session, user: models.User, project: models.Project, text: str,
                     *, note: str, now: datetime) -> models.ProjectVersion:
        return add_version(db, project, text, author_id=user.id, note=note, now=now,
                           origin=self._origin)

    def _version(self, db: Session, project: models.Project, number: int | None
                 ) -> models.ProjectVersion:
        wanted = project.current_version if number is None else _version_number(number)
        version = db.scalar(select(models.ProjectVersion).where(
            models.ProjectVersion.project_id == project.id, models.ProjectVersion.number == wanted))
        if version is None:
            raise errors.NotFound(f"Version {wanted} of “{project.name}” does not exist.")
        return version

    # -- creating and listing ---------------------------------------------------

    def create(self, session: UserSession, name: str, document: DocumentInput | None = None,
               *, note: str = "Created") -> ProjectInfo:
        """A new project owned by the session's user, with ``document`` as version 1."""
        name = _clean_name(name)
        note = clean_note(note)
        text = blank_document(name) if document is None else document_text(document)
        now = self._clock()
        with self._db.write() as db:
            user = authenticate(db, session, now, refresh=True)
            project = models.Project(id=str(uuid.uuid4()), owner_id=user.id, name=name,
                                     created_at=now, updated_at=now, current_version=0)
            db.add(project)
            self._add_version(db, user, project, text, note=note, now=now)
            info = _info(project)
        log.info("Created project %s", info.id)
        return info

    def create_from_template(self, session: UserSession, template_key: str,
                             name: str | None = None) -> ProjectInfo:
        """A new project started from a shipped template (see ``store.templates``)."""
        text = self._templates.load(template_key)
        return self.create(session, name or template_key.replace("_", " ").capitalize(), text,
                           note=f"Created from template “{template_key}”")

    def list(self, session: UserSession, search: str | None = None) -> builtins.list[ProjectInfo]:
        """The user's projects, most recently modified first; ``search`` filters by name."""
        with self._db.read() as db:
            user = authenticate(db, session, self._clock())
            query = live_projects_of(user.id)
            if search and search.strip():
                pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%") \
                    .replace("_", "\\_") + "%"
                query = query.where(models.Project.name.ilike(pattern, escape="\\"))
            query = query.order_by(models.Project.updated_at.desc(), models.Project.name)
            return [_info(project) for project in db.scalars(query)]

    def get(self, session: UserSession, project_id: str, version: int | None = None) -> Project:
        """The project with the document of ``version`` (the latest by default)."""
        with self._db.read() as db:
            _, project = self._owned(db, session, project_id)
            row = self._version(db, project, version)
            return Project(project.id, project.name, project.owner_id, project.created_at,
                           project.updated_at, row.number, row.document, row.version_id,
                           row.parent_version_id)

    # -- versions ----------------------------------------------------------------

    def save(self, session: UserSession, project_id: str, document: DocumentInput,
             note: str = "", *, base_version: int | None = None) -> VersionInfo:
        """Save ``document`` as the project's next version (who, when, ``note``).

        ``base_version`` is the version the document was edited from. If the
        project has moved on since (another window saved, or a restore), nothing
        is saved and :class:`errors.VersionConflict` carries both numbers: the
        caller keeps both with :meth:`save_copy`, or saves on top by calling
        again without ``base_version``.
        """
        note = clean_note(note)
        if base_version is not None:
            base_version = _version_number(base_version)
        text = document_text(document)
        now = self._clock()
        with self._db.write() as db:
            user, project = self._owned(db, session, project_id, write=True)
            if base_version is not None and base_version != project.current_version:
                raise errors.VersionConflict(project.name, base_version, project.current_version)
            version = self._add_version(db, user, project, text, note=note, now=now)
            return _version_info(version, user.email_display)

    def save_copy(self, session: UserSession, project_id: str, document: DocumentInput,
                  name: str | None = None, note: str = "") -> ProjectInfo:
        """Keep both after a conflict: ``document`` becomes a new project beside the original.

        The copy is named ``"<original> (copy)"`` unless ``name`` is given.
        """
        with self._db.read() as db:
            _, project = self._owned(db, session, project_id)
            original = project.name
        suffix = " (copy)"
        new_name = name or original[:MAX_NAME_LENGTH - len(suffix)] + suffix
        return self.create(session, new_name, document,
                           note=note or f"Kept both: a copy of “{original}”")

    def versions(self, session: UserSession, project_id: str) -> builtins.list[VersionInfo]:
        """Every version of the project, newest first (without the documents)."""
        with self._db.read() as db:
            self._owned(db, session, project_id)
            rows = db.execute(
                select(models.ProjectVersion, models.User.email_display)
                .outerjoin(models.User, models.User.id == models.ProjectVersion.author_id)
                .where(models.ProjectVersion.project_id == project_id)
                .order_by(models.ProjectVersion.number.desc())
            ).all()
            return [_version_info(version, email) for version, email in rows]

    def restore(self, session: UserSession, project_id: str, version: int) -> VersionInfo:
        """Save an old version again as the newest one (history is kept)."""
        now = self._clock()
        with self._db.write() as db:
            user, project = self._owned(db, session, project_id, write=True)
            old = self._version(db, project, version)
            row = self._add_version(db, user, project, old.document,
                                    note=f"Restored version {old.number}", now=now)
            return _version_info(row, user.email_display)

    def changes(self, session: UserSession, project_id: str, old_version: int,
                new_version: int | None = None) -> ChangeSummary:
        """Components added, removed and changed from ``old_version`` to ``new_version``."""
        with self._db.read() as db:
            _, project = self._owned(db, session, project_id)
            old = self._version(db, project, old_version).document
            new = self._version(db, project, new_version).document
        return summarize_changes(old, new)

    # -- rename, duplicate, delete ---------------------------------------------

    def rename(self, session: UserSession, project_id: str, name: str) -> ProjectInfo:
        """Give the project a new name."""
        name = _clean_name(name)
        with self._db.write() as db:
            _, project = self._owned(db, session, project_id, write=True)
            project.name = name
            touch(db, project, self._clock())
            return _info(project)

    def duplicate(self, session: UserSession, project_id: str,
                  name: str | None = None) -> ProjectInfo:
        """A new project holding a copy of the current version (history not copied)."""
        now = self._clock()
        with self._db.write() as db:
            user, source = self._owned(db, session, project_id, write=True)
            text = self._version(db, source, None).document
            new_name = _clean_name(name or f"{source.name} (copy)"[:MAX_NAME_LENGTH])
            copy = models.Project(id=str(uuid.uuid4()), owner_id=user.id, name=new_name,
                                  created_at=now, updated_at=now, current_version=0)
            db.add(copy)
            self._add_version(
                db, user, copy, text, now=now,
                note=f"Duplicated from “{source.name}” version {source.current_version}",
            )
            return _info(copy)

    def delete(self, session: UserSession, project_id: str) -> None:
        """Delete the project: its versions, kept runs and autosaves go; a tombstone stays.

        The tombstone (id, name, change number) is invisible to every call
        here; the next cloud sync deletes the project on the server.
        """
        with self._db.write() as db:
            _, project = self._owned(db, session, project_id, write=True)
            make_tombstone(db, project, self._clock())
        log.info("Deleted project %s", project_id)

    def count(self, session: UserSession) -> int:
        """How many projects the user has."""
        with self._db.read() as db:
            user = authenticate(db, session, self._clock())
            return int(db.scalar(select(func.count()).select_from(models.Project)
                                 .where(models.Project.owner_id == user.id,
                                        models.Project.deleted_at.is_(None))) or 0)

    # -- files -----------------------------------------------------------------

    def import_file(self, session: UserSession, path: Path, name: str | None = None
                    ) -> ProjectInfo:
        """A new project from a ``.sdsim`` file (named after the file by default)."""
        path = Path(path)
        text = read_text(path)
        validate_with_model(text)
        # A file name may hold characters a project name or note may not: show it tidied.
        shown = "".join(char if char.isprintable() else "?" for char in path.name)[:200]
        default = " ".join(shown.removesuffix(path.suffix).split()) or "Imported project"
        return self.create(session, name or default, text, note=f"Imported from {shown}")

    def export_file(self, session: UserSession, project_id: str, path: Path,
                    version: int | None = None) -> Path:
        """Write the project's document (latest or ``version``) to ``path``, atomically."""
        document = self.get(session, project_id, version).document
        return write_atomic(Path(path), document)
