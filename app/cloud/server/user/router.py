"""``/api/v1/user``: profile, password, account and sessions of the caller."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy import delete, select, update

from app.cloud.server.auth import service
from app.cloud.server.deps import Context, CurrentAuth, DbSession, rate_limit_api
from app.cloud.server.errors import ApiError
from app.cloud.server.models import AuthSession, User, utcnow
from app.cloud.server.schemas import (
    ChangePasswordBody,
    DeleteAccountBody,
    MessageOut,
    ProfileBody,
    RevokedOut,
    SessionOut,
    SessionsOut,
    UserOut,
)
from app.cloud.server.text import Text
from app.storage.passwords import check_password, hash_password, verify_password

router = APIRouter(prefix="/api/v1/user", tags=["user"], dependencies=[Depends(rate_limit_api)])

_WRONG_PASSWORD = ApiError(403, "wrong_password", "The current password is wrong.",
                           {"password": "does not match"})


def _user(db: DbSession, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None:  # deleted between the session check and now
        raise ApiError(401, "session_revoked", "This account no longer exists.")
    return user


@router.get("/profile", response_model=UserOut)
def get_profile(auth: CurrentAuth, db: DbSession) -> UserOut:
    """The caller's account."""
    user = _user(db, auth.user_id)
    db.commit()
    return UserOut.of(user)


@router.put("/profile", response_model=UserOut)
def put_profile(body: ProfileBody, auth: CurrentAuth, db: DbSession) -> UserOut:
    """Change any of first name, last name and company (the fields given)."""
    user = _user(db, auth.user_id)
    changes = body.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        user.updated_at = utcnow()
    db.commit()
    return UserOut.of(user)


@router.post("/change-password", response_model=MessageOut)
def change_password(body: ChangePasswordBody, auth: CurrentAuth, context: Context,
                    db: DbSession) -> MessageOut:
    """Change the password; every other session of the account ends."""
    user = _user(db, auth.user_id)
    db.commit()
    if not verify_password(body.current_password, user.password_hash):
        raise _WRONG_PASSWORD
    reasons = check_password(body.new_password, user.email, (user.first_name, user.last_name))
    if reasons:
        raise ApiError(400, "weak_password", "Choose a stronger password.",
                       {"new_password": " ".join(reasons)})
    password_hash = hash_password(body.new_password, cost=context.settings.bcrypt_cost)
    db.execute(update(User).where(User.id == user.id)
               .values(password_hash=password_hash, updated_at=utcnow()))
    ended = service.revoke_sessions(db, user.id, "password_changed", keep=auth.session_id)
    db.commit()
    return MessageOut(message=f"Password changed; {ended} other session(s) ended.")


@router.delete("/account", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_account(body: DeleteAccountBody, auth: CurrentAuth, db: DbSession) -> Response:
    """Delete the account and everything it owns (sessions, tokens, and later projects)."""
    user = _user(db, auth.user_id)
    db.commit()
    if not verify_password(body.password, user.password_hash):
        raise _WRONG_PASSWORD
    # ON DELETE CASCADE removes sessions, tokens and counters (and projects' rows).
    db.execute(delete(User).where(User.id == user.id))
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions", response_model=SessionsOut)
def list_sessions(auth: CurrentAuth, db: DbSession) -> SessionsOut:
    """The caller's active sessions, newest first."""
    now = utcnow()
    rows = db.scalars(
        select(AuthSession).where(AuthSession.user_id == auth.user_id,
                                  AuthSession.revoked_at.is_(None), AuthSession.expires_at > now)
        .order_by(AuthSession.created_at.desc())
    ).all()
    db.commit()
    return SessionsOut(sessions=[
        SessionOut(id=s.id, created_at=s.created_at, last_used_at=s.last_used_at,
                   expires_at=s.expires_at, ip_address=s.ip_address, user_agent=s.user_agent,
                   remember_me=s.remember_me, current=s.id == auth.session_id)
        for s in rows
    ])


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def revoke_session(session_id: Text, auth: CurrentAuth, db: DbSession) -> Response:
    """End one of the caller's sessions (404 when it is not theirs or already ended)."""
    ended = db.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.user_id == auth.user_id,
               AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason="revoked")
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    if ended != 1:
        raise ApiError(404, "not_found", "No such session.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/sessions", response_model=RevokedOut)
def revoke_other_sessions(auth: CurrentAuth, db: DbSession) -> RevokedOut:
    """End every session of the caller but the current one."""
    ended = service.revoke_sessions(db, auth.user_id, "revoked", keep=auth.session_id)
    db.commit()
    return RevokedOut(revoked=ended)
