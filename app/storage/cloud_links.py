"""Which cloud account each local account is linked to, and its change-feed cursor.

The refresh token is never stored here (it lives in the OS keyring). Linking
a local account to a different server or cloud account forgets the sync state
of its projects: their bases name versions on the old server, so every project
is pushed to the new one as new.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock
from app.storage.db import Database
from app.storage.records import CloudLinkInfo
from app.storage.text import clean_line

MAX_URL_LENGTH = 2048
MAX_CURSOR_LENGTH = 1024


def _info(link: models.CloudLink) -> CloudLinkInfo:
    return CloudLinkInfo(link.user_id, link.server_url, link.cloud_user_id, link.cloud_email,
                         link.cursor, link.linked_at)


#: Whether a local account exists: a Core statement (built once, compiled once by the
#: engine's cache) on the unit of work's own connection and transaction.
_USER_EXISTS = select(models.User.__table__.c.id).where(
    models.User.__table__.c.id == bindparam("user_id"))


def local_user(db: Session, user_id: str) -> None:
    """Raise ``NotFound`` unless the local account ``user_id`` exists.

    Every sync-store call checks this first, in its own transaction. It only
    asks whether the row is there, so it runs as a Core query on the session's
    connection: no ORM object is loaded, which made the check a large share of
    each small call's CPU (it ran through ``Session.get``).
    """
    if not isinstance(user_id, str) or db.connection().execute(
            _USER_EXISTS, {"user_id": user_id}).first() is None:
        raise errors.NotFound("There is no such local account.")


def _forget_sync_state(db: Session, user_id: str) -> None:
    owned = select(models.Project.id).where(models.Project.owner_id == user_id)
    db.execute(delete(models.SyncState).where(models.SyncState.project_id.in_(owned)))


@guard_public_methods
class CloudLinks:
    """Cloud links and cursors per local account (part of ``store.sync``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def link(self, user_id: str, server_url: str, cloud_user_id: str,
             cloud_email: str) -> CloudLinkInfo:
        """Link the local account to a cloud account (the same one again keeps the cursor)."""
        server_url = clean_line("server_url", server_url, MAX_URL_LENGTH).rstrip("/")
        cloud_user_id = clean_line("cloud_user_id", cloud_user_id, 64)
        cloud_email = clean_line("cloud_email", cloud_email, 320)
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in server_url:
            raise errors.ValidationError("server_url", "The server address is an http(s) URL.")
        if not cloud_user_id:
            raise errors.ValidationError("cloud_user_id", "A cloud link needs a cloud user.")
        with self._db.write() as db:
            local_user(db, user_id)
            link = db.get(models.CloudLink, user_id)
            if link is not None and (link.server_url, link.cloud_user_id) == (
                    server_url, cloud_user_id):
                link.cloud_email = cloud_email
                return _info(link)
            if link is not None:  # another server or account: start afresh there
                db.delete(link)
                db.flush()
            _forget_sync_state(db, user_id)
            link = models.CloudLink(user_id=user_id, server_url=server_url,
                                    cloud_user_id=cloud_user_id, cloud_email=cloud_email,
                                    cursor=None, linked_at=self._clock())
            db.add(link)
            return _info(link)

    def get_link(self, user_id: str) -> CloudLinkInfo | None:
        """The local account's cloud link, or ``None``."""
        with self._db.read() as db:
            local_user(db, user_id)
            link = db.get(models.CloudLink, user_id)
            return _info(link) if link is not None else None

    def set_cursor(self, user_id: str, cursor: str | None) -> None:
        """Remember the change-feed cursor after a pull (``NotFound`` when not linked)."""
        if cursor is not None:
            cursor = clean_line("cursor", cursor, MAX_CURSOR_LENGTH)
        with self._db.write() as db:
            local_user(db, user_id)
            link = db.get(models.CloudLink, user_id)
            if link is None:
                raise errors.NotFound("This account is not linked to a cloud account.")
            link.cursor = cursor

    def unlink(self, user_id: str) -> None:
        """Drop the link, its cursor and every project's sync state (projects stay).

        After this the account is tied to no cloud: a later ``link``, to any
        server, pushes every project there as new. Signing out of the cloud is
        not this: the client's sign-out keeps the link, so signing in again to
        the same account finds its bases and duplicates nothing.
        """
        with self._db.write() as db:
            local_user(db, user_id)
            db.execute(delete(models.CloudLink).where(models.CloudLink.user_id == user_id))
            _forget_sync_state(db, user_id)
