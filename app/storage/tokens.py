"""Session tokens: creation, hashing, and checking a caller's session.

Tokens are 256-bit random strings (``secrets.token_urlsafe(32)``). Only their
SHA-256 is stored: a token is high-entropy, so a fast hash is enough (unlike a
password), and a copy of the database file does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.records import UserProfile, UserSession

#: A session not used by any write for this long expires (the GUI autosaves
#: every 30 s, so an open window keeps its session alive).
SESSION_IDLE_TIMEOUT = timedelta(hours=12)
#: Writes extend a session's expiry at most this often (fewer writes to the file).
_REFRESH_GRANULARITY = timedelta(minutes=5)


def new_token() -> str:
    """A fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The hex SHA-256 of ``token``: what the database stores."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def profile_of(user: models.User) -> UserProfile:
    """A plain copy of a user's public details."""
    return UserProfile(
        user_id=user.id,
        email=user.email_display,
        first_name=user.first_name,
        last_name=user.last_name,
        company=user.company,
        created_at=user.created_at,
    )


def open_session(db: Session, user: models.User, now: datetime) -> tuple[str, datetime]:
    """Add a new session row for ``user``; returns its token and expiry."""
    token = new_token()
    expires_at = now + SESSION_IDLE_TIMEOUT
    db.add(
        models.AuthSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=expires_at,
            last_used_at=now,
            revoked_at=None,
        )
    )
    return token, expires_at


def authenticate(
    db: Session, session: UserSession, now: datetime, *, refresh: bool = False
) -> models.User:
    """The user behind ``session``; raises :class:`errors.SessionExpired` if it is not valid.

    With ``refresh`` (only inside a write unit of work) the idle timeout restarts.
    """
    if not isinstance(session, UserSession):
        raise errors.SessionExpired("Sign in first.")
    row = db.scalar(
        select(models.AuthSession).where(models.AuthSession.token_hash == token_hash(session.token))
    )
    if row is None or row.user_id != session.user_id or row.revoked_at is not None:
        raise errors.SessionExpired("You are signed out. Please sign in again.")
    if row.expires_at <= now:
        raise errors.SessionExpired()
    user = db.get(models.User, row.user_id)
    if user is None:
        raise errors.SessionExpired("This account no longer exists.")
    if refresh and now - row.last_used_at >= _REFRESH_GRANULARITY:
        row.last_used_at = now
        row.expires_at = now + SESSION_IDLE_TIMEOUT
    return user
