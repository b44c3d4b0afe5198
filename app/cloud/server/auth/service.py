"""Account rules shared by the auth and user routes: sessions, lockout, email tokens.

Every rule that races (lockout counters, refresh rotation, single-use email
tokens) is one conditional ``UPDATE`` whose row count decides, so that
concurrent requests on several workers cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from app.cloud.server.context import ServerContext
from app.cloud.server.models import (
    AuthSession,
    EmailToken,
    LoginFailures,
    RefreshToken,
    User,
    new_id,
    utcnow,
)
from app.cloud.server.schemas import AuthOut, TokensOut, UserOut
from app.cloud.server.tokens import (
    mint_access_token,
    new_email_token,
    new_refresh_token,
    sha256_hex,
)

VERIFY = "verify"
RESET = "reset"


def normalise_email(email: str) -> str:
    """The stored form of an email: trimmed and case-folded."""
    return email.strip().casefold()


def session_ttl(context: ServerContext, remember: bool) -> int:
    """Seconds a session (and each of its refresh tokens) lives."""
    settings = context.settings
    return settings.remember_ttl_s if remember else settings.refresh_ttl_s


def issue_refresh_token(db: Session, session: AuthSession, ttl_s: int, now: datetime) -> str:
    """Store (hashed) and return a new refresh token of ``session``'s family."""
    token = new_refresh_token(session.id)
    db.add(RefreshToken(session_id=session.id, token_hash=sha256_hex(token), created_at=now,
                        expires_at=now + timedelta(seconds=ttl_s)))
    return token


def tokens_for(context: ServerContext, user_id: str, session_id: str, refresh: str,
               now: datetime) -> TokensOut:
    """The token pair answer for a session."""
    settings = context.settings
    access = mint_access_token(settings.secret_key, user_id, session_id, now,
                               settings.access_ttl_s)
    return TokensOut(access_token=access, refresh_token=refresh,
                     expires_in=settings.access_ttl_s)


def start_session(context: ServerContext, db: Session, user: User, *, ip: str,
                  user_agent: str, remember: bool) -> AuthOut:
    """Open a session for ``user`` (commits) and answer with its first tokens."""
    now = utcnow()
    ttl = session_ttl(context, remember)
    session = AuthSession(id=new_id(), user_id=user.id, created_at=now, last_used_at=now,
                          expires_at=now + timedelta(seconds=ttl), ip_address=ip[:45],
                          user_agent=user_agent[:255], remember_me=remember)
    db.add(session)
    user.last_login_at = now
    db.flush()
    refresh = issue_refresh_token(db, session, ttl, now)
    db.commit()
    pair = tokens_for(context, user.id, session.id, refresh, now)
    return AuthOut(**pair.model_dump(), user=UserOut.of(user), session_id=session.id,
                   remember_me=remember)


def revoke_sessions(db: Session, user_id: str, reason: str, *, keep: str | None = None) -> int:
    """End every active session of ``user_id`` but ``keep``; returns how many ended."""
    conditions = [AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)]
    if keep is not None:
        conditions.append(AuthSession.id != keep)
    result = db.execute(
        update(AuthSession).where(*conditions).values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_sessions_by_id(db: Session, session_id: str, reason: str) -> None:
    """End one session (and so every refresh token of its family); not committed."""
    db.execute(update(AuthSession)
               .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
               .values(revoked_at=utcnow(), revoked_reason=reason))


def locked_for(db: Session, user_id: str, now: datetime) -> int | None:
    """Seconds the account stays locked, or None when it is not."""
    until = db.scalar(select(LoginFailures.locked_until).where(LoginFailures.user_id == user_id))
    if until is None or until <= now:
        return None
    return max(1, int((until - now).total_seconds()) + 1)


def record_failure(context: ServerContext, db: Session, user_id: str, now: datetime) -> bool:
    """Count one failed sign-in (commits); False when it was not counted (already locked).

    One UPDATE, only while the account is not locked: of N concurrent wrong
    passwords exactly ``threshold`` are counted, the one that reaches it sets
    the lock, and the rest find no row to update (already locked).
    """
    settings = context.settings
    window_start = now - timedelta(seconds=settings.lockout_window_s)
    fresh = (LoginFailures.last_failed_at.is_(None)) | (LoginFailures.last_failed_at < window_start)
    new_count = case((fresh, 1), else_=LoginFailures.count + 1)
    result = db.execute(
        update(LoginFailures)
        .where(LoginFailures.user_id == user_id,
               (LoginFailures.locked_until.is_(None)) | (LoginFailures.locked_until <= now))
        .values(
            count=new_count,
            last_failed_at=now,
            locked_until=case(
                (new_count >= settings.lockout_threshold,
                 now + timedelta(seconds=settings.lockout_duration_s)),
                else_=None,
            ),
        )
    )
    db.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def clear_failures(db: Session, user_id: str) -> None:
    """A successful sign-in (or a reset) starts the count again (not committed)."""
    db.execute(update(LoginFailures).where(LoginFailures.user_id == user_id)
               .values(count=0, last_failed_at=None, locked_until=None))


def issue_email_token(context: ServerContext, db: Session, user_id: str,
                      purpose: str) -> str | None:
    """A new token (commits), or None when 3 were already issued this hour.

    The user's row is locked first (``FOR UPDATE``; SQLite's write lock does
    the same), so concurrent requests count one after the other.
    """
    settings = context.settings
    now = utcnow()
    db.execute(select(User.id).where(User.id == user_id).with_for_update())
    recent = db.scalar(
        select(func.count()).select_from(EmailToken).where(
            EmailToken.user_id == user_id, EmailToken.purpose == purpose,
            EmailToken.created_at > now - timedelta(hours=1))
    )
    if (recent or 0) >= settings.email_tokens_per_hour:
        db.commit()
        return None
    ttl = settings.verify_ttl_s if purpose == VERIFY else settings.reset_ttl_s
    token = new_email_token()
    db.add(EmailToken(user_id=user_id, purpose=purpose, token_hash=sha256_hex(token),
                      created_at=now, expires_at=now + timedelta(seconds=ttl)))
    db.commit()
    return token


def consume_email_token(db: Session, token: str, purpose: str) -> str | None:
    """Mark the token used (not committed); its user id, or None when unusable."""
    now = utcnow()
    row = db.execute(
        select(EmailToken.id, EmailToken.user_id).where(
            EmailToken.token_hash == sha256_hex(token), EmailToken.purpose == purpose)
    ).first()
    if row is None:
        return None
    result = db.execute(
        update(EmailToken)
        .where(EmailToken.id == row.id, EmailToken.used_at.is_(None), EmailToken.expires_at > now)
        .values(used_at=now)
    )
    return str(row.user_id) if result.rowcount == 1 else None  # type: ignore[attr-defined]


def verification_message(context: ServerContext, token: str) -> tuple[str, str]:
    """Subject and body of the verification email."""
    link = f"{context.settings.public_url}/verify-email?token={token}"
    return ("Confirm your email address",
            "Confirm the email address of your System Design Simulator account:\n\n"
            f"{link}\n\nOr paste this code into the app: {token}\n\n"
            "The link works once, for 24 hours. If you did not sign up, ignore this email.\n")


def reset_message(context: ServerContext, token: str) -> tuple[str, str]:
    """Subject and body of the password-reset email."""
    link = f"{context.settings.public_url}/reset-password?token={token}"
    return ("Reset your password",
            "Someone (we hope you) asked to reset the password of your System Design "
            f"Simulator account:\n\n{link}\n\nOr paste this code into the app: {token}\n\n"
            "The link works once, for 1 hour. If you did not ask, ignore this email: "
            "your password stays as it is.\n")
