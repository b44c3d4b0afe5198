"""The autosave recovery slot, and recovery after a crash.

The GUI writes the open design here every 30 s (:meth:`RecoveryService.write`).
A clean shutdown (``Store.close``) deletes this instance's slots, so any slot
still present at the next start was left by a session that crashed or was
killed: :meth:`RecoveryService.pending` offers exactly those, ignoring slots
of other instances that are still running (see :mod:`app.storage.instance`).
Slots without a session (``session=None``) belong to offline, file-mode work.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select

from app import paths
from app.storage import errors, models
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock
from app.storage.db import Database
from app.storage.documents import DocumentInput, document_text
from app.storage.instance import InstanceLock
from app.storage.records import RecoveryEntry, UserSession
from app.storage.tokens import authenticate

log = logging.getLogger(__name__)


@guard_public_methods
class RecoveryService:
    """Autosave slots; reached as ``store.recovery``."""

    def __init__(self, db: Database, clock: Clock, instance: InstanceLock) -> None:
        self._db = db
        self._clock = clock
        self._instance = instance

    def write(
        self, session: UserSession | None, project_id: str | None, document: DocumentInput
    ) -> None:
        """Autosave ``document`` (of ``project_id``, or an untitled design when ``None``)."""
        text = document_text(document)
        now = self._clock()
        with self._db.write() as db:
            user_id = authenticate(db, session, now, refresh=True).id if session else None
            if project_id is not None:
                project = db.get(models.Project, project_id)
                if project is None or project.deleted_at is not None:
                    raise errors.NotFound("This project no longer exists.")
                if project.owner_id != user_id:
                    raise errors.NotAllowed("This project belongs to another account.")
            key = f"{self._instance.id}/{user_id or 'offline'}/{project_id or 'untitled'}"
            slot = db.scalar(select(models.RecoverySlot).where(models.RecoverySlot.slot_key == key))
            if slot is None:
                db.add(models.RecoverySlot(
                    slot_key=key, user_id=user_id, project_id=project_id,
                    instance_id=self._instance.id, document=text, saved_at=now,
                ))
            else:
                slot.document, slot.saved_at = text, now

    def pending(self, session: UserSession | None) -> list[RecoveryEntry]:
        """Autosaved work left by crashed sessions of this user (or offline), newest first."""
        with self._db.read() as db:
            user_id = authenticate(db, session, self._clock()).id if session else None
            rows = db.execute(
                select(models.RecoverySlot, models.Project.name)
                .outerjoin(models.Project, models.Project.id == models.RecoverySlot.project_id)
                .where(
                    models.RecoverySlot.user_id.is_(None) if user_id is None
                    else models.RecoverySlot.user_id == user_id,
                    # A deleted project's slots go with it; never offer one of a tombstone.
                    or_(models.RecoverySlot.project_id.is_(None),
                        models.Project.deleted_at.is_(None)),
                )
                .order_by(models.RecoverySlot.saved_at.desc())
            ).all()
            entries = [
                (slot.instance_id, RecoveryEntry(slot.id, slot.project_id, name, slot.saved_at,
                                                 slot.document))
                for slot, name in rows
            ]
        return [entry for instance_id, entry in entries if self._crashed(instance_id)]

    def _crashed(self, instance_id: str) -> bool:
        """True when the instance that wrote a slot is gone; a forged id counts as running.

        The id comes from the database file, which someone may have edited: it
        is only turned into a lock-file path once :class:`~paths.UnsafeName`
        checks pass, and a slot whose id fails them is never offered (nor is
        its id used to delete anything).
        """
        try:
            return not self._instance.is_running(instance_id)
        except paths.UnsafeName:
            log.warning("Ignoring a recovery slot with an invalid instance id")
            return False

    def discard(self, session: UserSession | None, entry_id: int) -> None:
        """Delete one recovery entry (after it was restored or declined)."""
        with self._db.write() as db:
            user_id = authenticate(db, session, self._clock()).id if session else None
            slot = db.get(models.RecoverySlot, entry_id)
            if slot is None:
                return
            if slot.user_id != user_id:
                raise errors.NotAllowed("This recovery entry belongs to another account.")
            db.delete(slot)

    def clear(self, session: UserSession | None, project_id: str | None) -> None:
        """Delete this instance's slot for ``project_id`` (e.g. right after a real save)."""
        with self._db.write() as db:
            user_id = authenticate(db, session, self._clock()).id if session else None
            key = f"{self._instance.id}/{user_id or 'offline'}/{project_id or 'untitled'}"
            db.execute(delete(models.RecoverySlot).where(models.RecoverySlot.slot_key == key))

    def clear_instance(self) -> None:
        """Delete every slot of this instance: the clean-shutdown step of ``Store.close``."""
        with self._db.write() as db:
            db.execute(
                delete(models.RecoverySlot)
                .where(models.RecoverySlot.instance_id == self._instance.id)
            )
