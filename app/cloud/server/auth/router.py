"""``/api/v1/auth``: register, sign in, refresh, sign out, email verification, reset."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.cloud.server.auth import service
from app.cloud.server.deps import ClientIP, Context, CurrentAuth, DbSession, rate_limit_api
from app.cloud.server.errors import ApiError, too_many, unauthorized
from app.cloud.server.models import (
    AuthSession,
    EmailToken,
    LoginFailures,
    RefreshToken,
    User,
    new_id,
    utcnow,
)
from app.cloud.server.schemas import (
    AuthOut,
    EmailBody,
    LoginBody,
    MessageOut,
    RefreshBody,
    RegisterBody,
    ResetBody,
    TokenBody,
    TokensOut,
)
from app.cloud.server.tokens import sha256_hex
from app.storage.passwords import check_password, hash_password, verify_password

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(rate_limit_api)])

_SENT = ("If an account with that email exists, we have sent it an email. It can take a "
         "few minutes to arrive.")


def _weak(reasons: list[str], field: str) -> ApiError:
    return ApiError(400, "weak_password", "Choose a stronger password.",
                    {field: " ".join(reasons)})


def _locked(seconds: int) -> ApiError:
    return too_many("account_locked",
                    "Too many failed sign-ins: the account is locked for a while.", seconds)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=AuthOut)
def register(body: RegisterBody, *, request: Request, background: BackgroundTasks,
             context: Context, db: DbSession, ip: ClientIP) -> AuthOut:
    """Create an account and sign it in (a verified email is not needed to sign in)."""
    context.limit("register_ip", ip)
    email = service.normalise_email(str(body.email))
    reasons = check_password(body.password, email, (body.first_name, body.last_name))
    if reasons:
        raise _weak(reasons, "password")
    password_hash = hash_password(body.password, cost=context.settings.bcrypt_cost)
    now = utcnow()
    user = User(id=new_id(), email=email, password_hash=password_hash,
                first_name=body.first_name, last_name=body.last_name, company=body.company,
                email_verified=False, created_at=now, updated_at=now)
    db.add(user)
    try:
        db.flush()  # the user first: the unit of work does not order rows without relationships
    except IntegrityError:
        db.rollback()
        raise ApiError(409, "email_exists", "An account with this email already exists.",
                       {"email": "already registered"}) from None
    db.add(LoginFailures(user_id=user.id, count=0))
    answer = service.start_session(context, db, user, ip=ip, remember=False,
                                   user_agent=request.headers.get("user-agent", ""))
    token = service.issue_email_token(context, db, user.id, service.VERIFY)
    if token is not None:
        background.add_task(context.mailer.send, email,
                            *service.verification_message(context, token))
    return answer


@router.post("/login", response_model=AuthOut)
def login(body: LoginBody, request: Request, context: Context, db: DbSession,
          ip: ClientIP) -> AuthOut:
    """Sign in; 5 failures in 15 minutes lock the account for 15 minutes."""
    email = service.normalise_email(body.email)
    context.limit("login_ip", ip)
    context.limit("login_account", email)
    user = db.scalar(select(User).where(User.email == email))
    now = utcnow()
    if user is not None:
        seconds = service.locked_for(db, user.id, now)
        if seconds is not None:
            raise _locked(seconds)
    db.commit()  # no transaction (on SQLite: no write lock) held during bcrypt
    valid = verify_password(body.password, user.password_hash if user else context.dummy_hash)
    if user is None or not valid:
        if user is not None and not service.record_failure(context, db, user.id, utcnow()):
            raise _locked(service.locked_for(db, user.id, utcnow()) or 1)
        raise unauthorized("The email or the password is wrong.", "invalid_credentials")
    service.clear_failures(db, user.id)
    return service.start_session(context, db, user, ip=ip, remember=body.remember,
                                 user_agent=request.headers.get("user-agent", ""))


@router.post("/refresh", response_model=TokensOut)
def refresh(body: RefreshBody, context: Context, db: DbSession, ip: ClientIP) -> TokensOut:
    """Swap a refresh token for a new pair; a token used twice ends its whole family."""
    context.limit("refresh_ip", ip)
    now = utcnow()
    row = db.execute(
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == sha256_hex(body.refresh_token))
    ).first()
    if row is None:
        raise unauthorized("The refresh token is not valid.", "invalid_token")
    token, session = row.tuple()
    claimed = db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        # Reuse: someone holds a copy. End the family (the session and every token of it).
        service.revoke_sessions_by_id(db, session.id, "refresh_token_reuse")
        db.commit()
        raise unauthorized("This refresh token was already used; the session has been ended "
                           "for safety. Sign in again.", "token_reused")
    if session.revoked_at is not None or session.expires_at <= now or token.expires_at <= now:
        db.commit()
        raise unauthorized("This session has ended; sign in again.", "session_revoked")
    ttl = service.session_ttl(context, session.remember_me)
    session.last_used_at = now
    session.expires_at = now + timedelta(seconds=ttl)
    new_token = service.issue_refresh_token(db, session, ttl, now)
    db.commit()
    return service.tokens_for(context, session.user_id, session.id, new_token, now)


@router.post("/logout", response_model=MessageOut)
def logout(auth: CurrentAuth, db: DbSession) -> MessageOut:
    """End the caller's session: its access and refresh tokens stop working at once."""
    service.revoke_sessions_by_id(db, auth.session_id, "logout")
    db.commit()
    return MessageOut(message="Signed out.")


@router.post("/forgot-password", response_model=MessageOut)
def forgot_password(body: EmailBody, background: BackgroundTasks, context: Context,
                    db: DbSession, ip: ClientIP) -> MessageOut:
    """Email a reset link (at most 3 an hour); the same answer for unknown emails."""
    email = service.normalise_email(body.email)
    context.limit("email_ip", ip)
    context.limit("email_account", email)
    user_id = db.scalar(select(User.id).where(User.email == email))
    db.commit()
    if user_id is not None:
        token = service.issue_email_token(context, db, user_id, service.RESET)
        if token is not None:
            background.add_task(context.mailer.send, email, *service.reset_message(context, token))
    return MessageOut(message=_SENT)


@router.post("/reset-password", response_model=MessageOut)
def reset_password(body: ResetBody, context: Context, db: DbSession,
                   ip: ClientIP) -> MessageOut:
    """Set a new password with an emailed token (single use); every session ends."""
    context.limit("email_ip", ip)
    invalid = ApiError(400, "invalid_token", "This reset link is invalid, used or expired; "
                       "ask for a new one.")
    user = db.scalar(
        select(User).join(EmailToken, EmailToken.user_id == User.id)
        .where(EmailToken.token_hash == sha256_hex(body.token),
               EmailToken.purpose == service.RESET)
    )
    db.commit()
    if user is None:
        raise invalid
    reasons = check_password(body.new_password, user.email, (user.first_name, user.last_name))
    if reasons:
        raise _weak(reasons, "new_password")
    password_hash = hash_password(body.new_password, cost=context.settings.bcrypt_cost)
    if service.consume_email_token(db, body.token, service.RESET) != user.id:
        db.rollback()
        raise invalid
    db.execute(update(User).where(User.id == user.id).values(
        password_hash=password_hash, email_verified=True, updated_at=utcnow()))
    service.clear_failures(db, user.id)
    service.revoke_sessions(db, user.id, "password_reset")
    db.commit()
    return MessageOut(message="Your password has been changed; sign in with it.")


@router.post("/verify-email", response_model=MessageOut)
def verify_email(body: TokenBody, context: Context, db: DbSession, ip: ClientIP) -> MessageOut:
    """Confirm the account's email with an emailed token (single use, 24 h)."""
    context.limit("email_ip", ip)
    user_id = service.consume_email_token(db, body.token, service.VERIFY)
    if user_id is None:
        db.rollback()
        raise ApiError(400, "invalid_token", "This verification link is invalid, used or "
                       "expired; ask for a new one.")
    db.execute(update(User).where(User.id == user_id).values(email_verified=True,
                                                             updated_at=utcnow()))
    db.commit()
    return MessageOut(message="Your email address is confirmed.")


@router.post("/resend-verification", response_model=MessageOut)
def resend_verification(body: EmailBody, background: BackgroundTasks, context: Context,
                        db: DbSession, ip: ClientIP) -> MessageOut:
    """Email a new verification link (at most 3 an hour); the same answer for anyone."""
    email = service.normalise_email(body.email)
    context.limit("email_ip", ip)
    context.limit("email_account", email)
    user = db.execute(select(User.id, User.email_verified).where(User.email == email)).first()
    db.commit()
    if user is not None and not user.email_verified:
        token = service.issue_email_token(context, db, user.id, service.VERIFY)
        if token is not None:
            background.add_task(context.mailer.send, email,
                                *service.verification_message(context, token))
    return MessageOut(message=_SENT)
