"""What the cloud sync client reads and writes in the local store (no Qt, any thread).

Reached as ``store.sync``. Every call names the local account (``user_id``)
whose projects it touches; a project of another local account raises
:class:`errors.NotAllowed`. Each call is one unit of work on its own
session, writes in one ``BEGIN IMMEDIATE`` transaction, and returns plain
records, so the sync worker thread can call it while the GUI saves.

A project *needs a push* when it is not shared read-only with this user and
either the server never had it, its head is not its base (the server version
it was last in step with), its name is not the server's, or it is a
tombstone the server still has. A change from the server on a project with
unpushed edits keeps both: the local head becomes a new project
"<name> (conflicted copy)" (never pushed, so the next sync creates it) and
the project takes the server's version (docs/cloud.md, "Sync protocol").
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock
from app.storage.cloud_links import CloudLinks, local_user
from app.storage.db import Database
from app.storage.documents import DocumentInput, document_text
from app.storage.projects import MAX_NAME_LENGTH, _clean_name
from app.storage.records import ProjectChange, RemoteApplied, SyncConflict, SyncHead
from app.storage.versioning import (
    CLOUD_ORIGIN,
    add_version,
    current_change_seq,
    head_version,
    make_tombstone,
    touch,
)

ROLES = ("owner", "reader")
CONFLICT_SUFFIX = " (conflicted copy)"


def check_uuid(field: str, value: object) -> str:
    """``value`` if it is a UUID in canonical form (ids come from the server)."""
    try:
        if isinstance(value, str) and str(uuid.UUID(value)) == value:
            return value
    except ValueError:
        pass
    raise errors.ValidationError(field, f"The {field.replace('_', ' ')} is not a UUID.")


def _project(db: Session, user_id: str, project_id: str) -> models.Project | None:
    project = db.get(models.Project, check_uuid("project_id", project_id))
    if project is not None and project.owner_id != user_id:
        raise errors.NotAllowed("This project belongs to another account.")
    return project


def state_name_differs(project: models.Project, state: models.SyncState | None) -> bool:
    """Whether the project was renamed here since it was last in step with the server."""
    return state is not None and state.base_name is not None and project.name != state.base_name


def needs_push(project: models.Project, head_id: str | None,
               state: models.SyncState | None) -> bool:
    """Whether the server is behind ``project`` (see the module docstring)."""
    if state is None:
        return _behind(project.deleted_at is not None, project.name, head_id, role=None,
                       base_version_id=None, forked_version_id=None, base_name=None)
    return _behind(project.deleted_at is not None, project.name, head_id, role=state.role,
                   base_version_id=state.base_version_id,
                   forked_version_id=state.forked_version_id, base_name=state.base_name)


def _behind(deleted: bool, name: str, head_id: str | None, *, role: str | None,
            base_version_id: str | None, forked_version_id: str | None,
            base_name: str | None) -> bool:
    """:func:`needs_push` on plain values (all state values ``None``: no sync state)."""
    if role == "reader":
        return False
    if deleted:
        return base_version_id is not None
    if base_version_id is None:
        return True
    if head_id != base_version_id:
        # An edit already kept as a conflicted copy waits for the server's version.
        return head_id != forked_version_id
    return name != base_name


def _head(project: models.Project, version: models.ProjectVersion | None,
          state: models.SyncState | None) -> SyncHead:
    return SyncHead(
        project.id, project.owner_id, project.name,
        version.document if version is not None else None,
        version.version_id if version is not None else None,
        version.parent_version_id if version is not None else None,
        project.deleted_at is not None,
        state.base_version_id if state is not None else None,
        state.base_name if state is not None else None,
        state.role if state is not None else None,
        project.change_seq,
    )


_P = models.Project.__table__.c
_V = models.ProjectVersion.__table__.c
_S = models.SyncState.__table__.c
#: A head as plain columns (Core: no ORM objects for what is only read and copied out).
#: ``SyncHead``'s fields in order (``deleted_at`` for ``deleted``), then
#: ``forked_version_id`` for :func:`_behind`.
_HEAD_QUERY = (
    select(_P.id, _P.owner_id, _P.name, _V.document, _V.version_id, _V.parent_version_id,
           _P.deleted_at, _S.base_version_id, _S.base_name, _S.role,
           _P.change_seq, _S.forked_version_id)
    .select_from(models.Project.__table__)
    .outerjoin(models.ProjectVersion.__table__, and_(
        _V.project_id == _P.id, _V.number == _P.current_version))
    .outerjoin(models.SyncState.__table__, _S.project_id == _P.id)
    .where(_P.owner_id == bindparam("user_id"))
)


def _head_rows(db: Session, user_id: str, project_id: str | None = None
               ) -> builtins.list[tuple[SyncHead, str | None]]:
    """The user's heads (only ``project_id``'s, if given), oldest change first,
    each with its state's ``forked_version_id``."""
    query = _HEAD_QUERY if project_id is None else _HEAD_QUERY.where(_P.id == project_id)
    rows = db.connection().execute(query.order_by(_P.change_seq), {"user_id": user_id})
    return [(SyncHead(*row[:6], row[6] is not None, *row[7:11]), row[11]) for row in rows]


def _pending(head: SyncHead, forked_version_id: str | None) -> bool:
    return _behind(head.deleted, head.name, head.version_id, role=head.role,
                   base_version_id=head.base_version_id, forked_version_id=forked_version_id,
                   base_name=head.base_name)


@guard_public_methods
class SyncStore(CloudLinks):
    """The local side of cloud sync; cloud links and cursors come from :class:`CloudLinks`."""

    def __init__(self, db: Database, clock: Clock, origin: str) -> None:
        super().__init__(db, clock)
        self._origin = origin

    # -- reading -------------------------------------------------------------

    def _rows(self, db: Session, user_id: str, *extra: ColumnElement[bool]
              ) -> builtins.list[tuple[models.Project, models.ProjectVersion | None,
                                       models.SyncState | None]]:
        query = (
            select(models.Project, models.ProjectVersion, models.SyncState)
            .outerjoin(models.ProjectVersion, and_(
                models.ProjectVersion.project_id == models.Project.id,
                models.ProjectVersion.number == models.Project.current_version))
            .outerjoin(models.SyncState, models.SyncState.project_id == models.Project.id)
            .where(models.Project.owner_id == user_id, *extra)
            .order_by(models.Project.change_seq)
        )
        return [(p, v, s) for p, v, s in db.execute(query).all()]

    def pending_pushes(self, user_id: str) -> builtins.list[SyncHead]:
        """The user's projects the server is behind on, oldest change first."""
        with self._db.read() as db:
            local_user(db, user_id)
            return [head for head, forked in _head_rows(db, user_id) if _pending(head, forked)]

    def get_head(self, user_id: str, project_id: str) -> SyncHead:
        """The project's head and sync state (a tombstone too); ``NotFound`` if unknown."""
        with self._db.read() as db:
            local_user(db, user_id)
            rows = _head_rows(db, user_id, check_uuid("project_id", project_id))
            if not rows:
                if db.get(models.Project, project_id) is not None:
                    raise errors.NotAllowed("This project belongs to another account.")
                raise errors.NotFound("This project does not exist.")
            return rows[0][0]

    def changes_since(self, user_id: str, seq: int) -> builtins.list[ProjectChange]:
        """The user's projects changed after change number ``seq``, in change order."""
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise errors.ValidationError("seq", "A change number is a whole number.")
        with self._db.read() as db:
            local_user(db, user_id)
            return [ProjectChange(p.id, p.name, p.deleted_at is not None,
                                  v.version_id if v else None, p.change_seq, p.updated_at)
                    for p, v, _ in self._rows(db, user_id, models.Project.change_seq > seq)]

    def change_seq(self) -> int:
        """The store's latest change number (every account's projects)."""
        with self._db.read() as db:
            return current_change_seq(db)

    def conflicts(self, user_id: str) -> builtins.list[SyncConflict]:
        """Conflicts not yet cleared, to tell the user about."""
        with self._db.read() as db:
            local_user(db, user_id)
            return [SyncConflict(p.id, p.name, s.conflict, s.conflict_copy_id)
                    for p, _, s in self._rows(db, user_id, models.SyncState.conflict.is_not(None))
                    if s is not None and s.conflict is not None]

    # -- writing ---------------------------------------------------------------

    def _state(self, db: Session, project: models.Project) -> models.SyncState:
        state = db.get(models.SyncState, project.id)
        if state is None:
            state = models.SyncState(project_id=project.id, role="owner")
            db.add(state)
        return state

    def _fork(self, db: Session, project: models.Project, head: models.ProjectVersion,
              state: models.SyncState, now: datetime) -> str:
        """Copy ``head`` into a new, never-pushed project and note the conflict on ``state``."""
        name = project.name[:MAX_NAME_LENGTH - len(CONFLICT_SUFFIX)] + CONFLICT_SUFFIX
        copy = models.Project(id=str(uuid.uuid4()), owner_id=project.owner_id, name=name,
                              created_at=now, updated_at=now, current_version=0)
        db.add(copy)
        add_version(db, copy, head.document, author_id=head.author_id, now=now,
                    origin=self._origin, note=f"Kept both: your version of “{project.name}”")
        state.conflict = (f"“{project.name}” was changed on another machine too: "
                          f"your version is kept as “{name}”.")
        state.conflict_copy_id = copy.id
        state.forked_version_id = head.version_id
        return copy.id

    def fork_conflicted_copy(self, user_id: str, project_id: str) -> str:
        """Keep the project's head as a new project "<name> (conflicted copy)"; its id.

        The copy's version has the same document and a fresh version id. The
        project itself is unchanged; :meth:`apply_remote_version` then gives
        it the server's version without forking the same edit again.
        """
        now = self._clock()
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            head = head_version(db, project) if project is not None else None
            if project is None or project.deleted_at is not None or head is None:
                raise errors.NotFound("This project does not exist (it may have been deleted).")
            return self._fork(db, project, head, self._state(db, project), now)

    def apply_remote_version(self, user_id: str, project_id: str, *, name: str,
                             document: DocumentInput, version_id: str,
                             parent_version_id: str | None, role: str = "owner"
                             ) -> RemoteApplied:
        """Store the server's version of a project and make it the base.

        An unknown project is created with ``project_id``; a known one gets the
        version on top (keeping its version id and parent). Unpushed local
        edits are first forked into a conflicted copy (the outcome says so); a
        local delete not yet pushed loses to the server's edit ("revived").
        """
        name = _clean_name(name)
        text = document_text(document)
        check_uuid("version_id", version_id)
        if parent_version_id is not None:
            check_uuid("parent_version_id", parent_version_id)
        if role not in ROLES:
            raise errors.ValidationError("role", "The role is “owner” or “reader”.")
        now = self._clock()
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            # Only whose version it is matters here: no need to load its document.
            known_owner = db.scalar(select(models.ProjectVersion.project_id).where(
                models.ProjectVersion.version_id == version_id))
            known = known_owner is not None
            if known and known_owner != project_id:
                raise errors.ValidationError("version_id",
                                             "This version id belongs to another project.")
            copy_id, outcome = None, "updated"
            if project is None:
                renamed_here = False
                project = models.Project(id=project_id, owner_id=user_id, name=name,
                                         created_at=now, updated_at=now, current_version=0)
                db.add(project)
                # A new project has no sync state yet (the foreign key cascades).
                state = models.SyncState(project_id=project.id, role="owner")
                db.add(state)
                outcome = "created"
            else:
                found = db.get(models.SyncState, project.id)  # read once, used twice
                renamed_here = state_name_differs(project, found)
                if found is None:
                    found = models.SyncState(project_id=project.id, role="owner")
                    db.add(found)
                state = found
                if project.deleted_at is not None:
                    project.deleted_at, outcome = None, "revived"
                elif not known:
                    head = head_version(db, project)
                    if head is not None and head.version_id not in (
                            state.base_version_id, state.forked_version_id):
                        copy_id, outcome = self._fork(db, project, head, state, now), "forked"
                else:
                    outcome = "unchanged"
            if project.name != name and (outcome in ("revived", "forked") or not renamed_here):
                # The server's name wins unless the user renamed it here since (pushed later).
                project.name = name
                if known:  # otherwise adding the version records the change
                    touch(db, project, now)
            if not known:
                add_version(db, project, text, author_id=None, now=now, origin=CLOUD_ORIGIN,
                            note="From the cloud", version_id=version_id,
                            parent_version_id=parent_version_id, parent_is_head=False)
            state.base_version_id, state.base_name, state.role = version_id, name, role
            state.last_synced_at = now
            return RemoteApplied(project.id, outcome, copy_id)

    def mark_pushed(self, user_id: str, project_id: str, version_id: str | None, *,
                    name: str | None = None) -> None:
        """The server accepted a push: ``version_id`` (named ``name``) becomes the base.

        For a tombstone (the server accepted the ``DELETE``) the base is
        cleared: nothing is left to push. ``name`` defaults to the project's.
        """
        now = self._clock()
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            if project is None:
                raise errors.NotFound("This project does not exist.")
            state = self._state(db, project)
            state.last_synced_at = now
            if project.deleted_at is not None:
                state.base_version_id = None
                return
            known = db.scalar(select(models.ProjectVersion.number).where(  # not its document
                models.ProjectVersion.project_id == project.id,
                models.ProjectVersion.version_id == check_uuid("version_id", version_id)))
            if known is None:
                raise errors.NotFound("This project has no such version.")
            state.base_version_id = version_id
            state.base_name = project.name if name is None else name

    def prepare_push(self, user_id: str, project_id: str) -> SyncHead | None:
        """The head to push, or ``None`` if the server is not behind.

        A rename alone needs a version id the server has never seen, so one
        is added here (the same document, noted "Renamed").
        """
        now = self._clock()
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            if project is None:
                raise errors.NotFound("This project does not exist.")
            state = db.get(models.SyncState, project.id)
            head = head_version(db, project)
            if not needs_push(project, head.version_id if head else None, state):
                return None
            if head is not None and state is not None and \
                    head.version_id == state.base_version_id:
                head = add_version(db, project, head.document, author_id=project.owner_id,
                                   now=now, origin=self._origin,
                                   note=f"Renamed to “{project.name}”")
            return _head(project, head, state)

    def mark_deleted_remote(self, user_id: str, project_id: str) -> RemoteApplied:
        """The server deleted the project (or withdrew its share): delete it here too.

        A project with unpushed edits is kept as a conflicted copy first.
        """
        now = self._clock()
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            if project is None:
                return RemoteApplied(project_id, "unknown")
            state = self._state(db, project)
            copy_id, outcome = None, "deleted"
            if project.deleted_at is None:
                head = head_version(db, project)
                dirty = head is not None and head.version_id not in (
                    state.base_version_id, state.forked_version_id)
                if dirty and head is not None:
                    copy_id, outcome = self._fork(db, project, head, state, now), "forked"
                message = (state.conflict, state.conflict_copy_id)
                make_tombstone(db, project, now)
                state.conflict, state.conflict_copy_id = message
                if dirty:
                    state.conflict = (f"“{project.name}” was deleted on another machine: "
                                      "your version is kept as a conflicted copy.")
            state.base_version_id, state.last_synced_at = None, now
            return RemoteApplied(project.id, outcome, copy_id)

    def clear_conflict(self, user_id: str, project_id: str) -> None:
        """The user was told: forget the conflict note."""
        with self._db.write() as db:
            local_user(db, user_id)
            project = _project(db, user_id, project_id)
            state = db.get(models.SyncState, project.id) if project is not None else None
            if state is not None:
                state.conflict = state.conflict_copy_id = None

