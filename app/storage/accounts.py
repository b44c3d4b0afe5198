"""Local accounts: registration, sign-in with lockout, sessions, remember me, profile.

bcrypt takes ~270 ms per hash at cost 12, so every hash and check runs
*outside* a database transaction: the write lock is never held while hashing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from app.storage import errors, models, passwords
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock
from app.storage.db import Database
from app.storage.ratelimit import RateLimiter
from app.storage.records import UserProfile, UserSession
from app.storage.remember import KeyringStatus, RememberedToken, keyring_status
from app.storage.text import clean_line, email_characters_problem
from app.storage.tokens import authenticate, new_token, open_session, profile_of, token_hash

log = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
REMEMBER_ME_LIFETIME = timedelta(days=30)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_FIELD_LIMITS = {"first_name": 100, "last_name": 100, "company": 200}


def normalize_email(email: str) -> str:
    """The form emails are compared in: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def attempt_key(normalized_email: str) -> str:
    """The key of an email's row in ``sign_in_attempts`` (not the email in clear)."""
    return hashlib.sha256(f"sign-in:{normalized_email}".encode("utf-8", "surrogatepass")
                          ).hexdigest()


def email_problem(email: str) -> str | None:
    """Why ``email`` is not acceptable (for inline validation), or ``None``."""
    if not isinstance(email, str):
        return "Enter a valid email address, like name@example.com."
    problem = email_characters_problem(email)
    if problem:
        return problem
    normalized = normalize_email(email)
    if len(normalized) > 320 or not _EMAIL.match(normalized):
        return "Enter a valid email address, like name@example.com."
    return email_characters_problem(normalized)


def _check_email(email: str) -> str:
    problem = email_problem(email)
    if problem:
        raise errors.ValidationError("email", problem)
    return normalize_email(email)


def _clean_field(field: str, value: str) -> str:
    return clean_line(field, value, _FIELD_LIMITS[field])


@guard_public_methods
class AccountService:
    """Everything about accounts; reached as ``store.accounts``."""

    def __init__(self, db: Database, clock: Clock, store_uid: str) -> None:
        self._db = db
        self._clock = clock
        self.limiter = RateLimiter(clock)
        self._remembered = RememberedToken(store_uid)
        # Read once per store: SDSIM_BCRYPT_COST (tests: 4), else the production 12.
        try:
            self._cost = passwords.configured_cost()
        except ValueError as exc:  # a developer's typo must not stop the app opening
            log.warning("%s; hashing at the default cost %d", exc, passwords.BCRYPT_COST)
            self._cost = passwords.BCRYPT_COST

    # -- registration -------------------------------------------------------

    def register(
        self,
        *,
        email: str,
        password: str,
        first_name: str = "",
        last_name: str = "",
        company: str = "",
    ) -> UserProfile:
        """Create an account; raises ``WeakPassword``, ``EmailTaken`` or ``ValidationError``."""
        normalized = _check_email(email)
        names = {
            "first_name": _clean_field("first_name", first_name),
            "last_name": _clean_field("last_name", last_name),
            "company": _clean_field("company", company),
        }
        reasons = passwords.check_password(
            password, normalized, (names["first_name"], names["last_name"])
        )
        if reasons:
            raise errors.WeakPassword(reasons)
        with self._db.read() as db:
            if db.scalar(select(models.User.id).where(models.User.email == normalized)):
                raise errors.EmailTaken()
        hashed = passwords.hash_password(password, self._cost)
        now = self._clock()
        user = models.User(
            id=str(uuid.uuid4()),
            email=normalized,
            email_display=email.strip(),
            password_hash=hashed,
            created_at=now,
            updated_at=now,
            password_changed_at=now,
            last_login_at=None,
            **names,
        )
        try:
            with self._db.write() as db:
                db.add(user)
                db.flush()
                profile = profile_of(user)
        except sa_exc.IntegrityError as exc:
            raise errors.EmailTaken() from exc
        log.info("Registered account %s", profile.user_id)
        return profile

    # -- signing in and out ---------------------------------------------------

    def login(self, email: str, password: str, *, remember: bool = False) -> UserSession:
        """Sign in; returns a session. Raises ``InvalidCredentials``, ``AccountLocked``,
        ``TooManyAttempts``.

        Every attempt is first *reserved* in one write transaction (``BEGIN
        IMMEDIATE``, so atomic across threads and processes): it counts as a
        failure up front, and the attempt that reaches ``MAX_FAILED_ATTEMPTS``
        locks the email for ``LOCKOUT`` before its password is even checked.
        So however many sign-ins race, at most ``MAX_FAILED_ATTEMPTS`` passwords
        are checked per lockout. A success clears the count. Unknown emails are
        counted, locked, worded and timed (a bcrypt check against a dummy hash)
        exactly like real accounts. With ``remember`` a token is kept in the OS
        keyring (see :meth:`resume`); if that is impossible the session still
        opens and its ``notice`` says why.
        """
        normalized = normalize_email(email) if isinstance(email, str) else ""
        password = password if isinstance(password, str) else ""
        self.limiter.hit(normalized[:400])  # no key longer than any valid email
        user_id, stored, attempt = self._reserve_attempt(normalized)
        matches = passwords.verify_password(password, stored)
        if user_id is None or not matches:
            left = MAX_FAILED_ATTEMPTS - attempt
            log.info("Failed sign-in%s", " (now locked)" if left <= 0 else "")
            if left <= 0:
                raise errors.AccountLocked(LOCKOUT.total_seconds())
            raise errors.InvalidCredentials(
                "The email or password is incorrect."
                + (f" {left} attempt{'s' if left != 1 else ''} left before a 15-minute lock."
                   if left <= 2 else "")
            )
        rehash = (passwords.hash_password(password, self._cost)
                  if passwords.needs_rehash(stored, self._cost) else None)
        now = self._clock()
        with self._db.write() as db:
            row = db.get(models.User, user_id)
            if row is None:
                raise errors.InvalidCredentials()
            db.execute(delete(models.SignInAttempts)
                       .where(models.SignInAttempts.key == attempt_key(normalized)))
            row.last_login_at = now
            if rehash:
                row.password_hash = rehash
            token, expires_at = open_session(db, row, now)
            profile = profile_of(row)
        session = UserSession(profile.user_id, token, expires_at, profile)
        log.info("Signed in account %s", profile.user_id)
        if remember:
            session = self._remember(session)
        return session

    def _reserve_attempt(self, normalized: str) -> tuple[str | None, str, int]:
        """Count one attempt for ``normalized`` before checking any password.

        Returns the user's id (``None`` for an unknown email), the hash to check
        against (the dummy hash when unknown) and this attempt's number in the
        current run of failures. Raises ``AccountLocked`` while a lock lasts.
        The same statements run whether or not the account exists.
        """
        now = self._clock()
        key = attempt_key(normalized)
        with self._db.write() as db:
            # Forget runs of failures that went quiet; keeps the table small too.
            db.execute(delete(models.SignInAttempts).where(
                models.SignInAttempts.last_attempt_at <= now - LOCKOUT,
                or_(models.SignInAttempts.locked_until.is_(None),
                    models.SignInAttempts.locked_until <= now)))
            user = db.scalar(select(models.User).where(models.User.email == normalized))
            row = db.get(models.SignInAttempts, key)
            if row is None:
                row = models.SignInAttempts(key=key, failed_attempts=0, locked_until=None,
                                            last_attempt_at=now)
                db.add(row)
            if row.locked_until is not None and row.locked_until > now:
                remaining = (row.locked_until - now).total_seconds()
            else:
                remaining = None
                if row.locked_until is not None:  # the last lockout is over
                    row.failed_attempts, row.locked_until = 0, None
                row.failed_attempts += 1
                row.last_attempt_at = now
                if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
                    row.locked_until = now + LOCKOUT
            attempt = row.failed_attempts
            user_id = user.id if user is not None else None
            stored = user.password_hash if user is not None else passwords.dummy_hash(self._cost)
        if remaining is not None:
            raise errors.AccountLocked(remaining)
        return user_id, stored, attempt

    def remember_me_status(self) -> KeyringStatus:
        """Whether "remember me" is available here, with a message for the UI."""
        return keyring_status()

    def _remember(self, session: UserSession) -> UserSession:
        status = keyring_status()
        if not status.available:
            return replace(session, remembered=False, notice=status.message)
        token = new_token()
        now = self._clock()
        with self._db.write() as db:
            db.add(models.RememberToken(
                user_id=session.user_id, token_hash=token_hash(token), created_at=now,
                expires_at=now + REMEMBER_ME_LIFETIME, last_used_at=None, revoked_at=None,
            ))
        problem = self._remembered.save(token)
        if problem:
            with self._db.write() as db:
                db.execute(update(models.RememberToken)
                           .where(models.RememberToken.token_hash == token_hash(token))
                           .values(revoked_at=now))
            return replace(session, remembered=False, notice=problem)
        return replace(session, remembered=True, notice=None)

    def resume(self) -> UserSession | None:
        """Sign in with the remembered token, if there is a valid one; else ``None``."""
        token = self._remembered.load()
        if not token:
            return None
        now = self._clock()
        with self._db.write() as db:
            row = db.scalar(select(models.RememberToken)
                            .where(models.RememberToken.token_hash == token_hash(token)))
            user = db.get(models.User, row.user_id) if row else None
            valid = row is not None and user is not None and row.revoked_at is None
            if not valid or row is None or user is None or row.expires_at <= now:
                profile = None
            else:
                row.last_used_at = now
                user.last_login_at = now
                session_token, expires_at = open_session(db, user, now)
                profile = profile_of(user)
        if profile is None:
            self._remembered.delete()
            return None
        log.info("Resumed remembered sign-in for account %s", profile.user_id)
        return UserSession(profile.user_id, session_token, expires_at, profile, remembered=True)

    @staticmethod
    def _owns(db: Session, token: str, user_id: str) -> bool:
        owner = db.scalar(select(models.RememberToken.user_id)
                          .where(models.RememberToken.token_hash == token_hash(token)))
        return owner == user_id

    def logout(self, session: UserSession) -> None:
        """Sign out: revoke the session and this machine's remember-me token."""
        now = self._clock()
        remembered = self._remembered.load()
        with self._db.write() as db:
            db.execute(update(models.AuthSession)
                       .where(models.AuthSession.token_hash == token_hash(session.token),
                              models.AuthSession.revoked_at.is_(None))
                       .values(revoked_at=now))
            mine = remembered is not None and self._owns(db, remembered, session.user_id)
            if mine and remembered is not None:
                db.execute(update(models.RememberToken)
                           .where(models.RememberToken.token_hash == token_hash(remembered))
                           .values(revoked_at=now))
        if mine:
            self._remembered.delete()
        log.info("Signed out account %s", session.user_id)

    # -- profile -------------------------------------------------------------

    def profile(self, session: UserSession) -> UserProfile:
        """The signed-in user's profile."""
        with self._db.read() as db:
            return profile_of(authenticate(db, session, self._clock()))

    def update_profile(
        self,
        session: UserSession,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
    ) -> UserProfile:
        """Change the name and/or company (``None`` leaves a field unchanged)."""
        changes = {
            field: _clean_field(field, value)
            for field, value in (("first_name", first_name), ("last_name", last_name),
                                 ("company", company))
            if value is not None
        }
        now = self._clock()
        with self._db.write() as db:
            user = authenticate(db, session, now, refresh=True)
            for field, value in changes.items():
                setattr(user, field, value)
            user.updated_at = now
            return profile_of(user)

    def change_password(self, session: UserSession, current: str, new: str) -> None:
        """Change the password; signs out every other session and forgets remember-me."""
        self.limiter.hit(f"change-password/{session.user_id}")
        with self._db.read() as db:
            user = authenticate(db, session, self._clock())
            stored, email = user.password_hash, user.email
            names = (user.first_name, user.last_name)
        reasons = passwords.check_password(new, email, names)
        if new == current:
            reasons.append("The new password must be different from the current one.")
        if reasons:  # checked first: refusing a weak password needs no bcrypt round
            raise errors.WeakPassword(reasons)
        if not passwords.verify_password(current, stored):
            raise errors.InvalidCredentials("The current password is incorrect.")
        hashed = passwords.hash_password(new, self._cost)
        now = self._clock()
        remembered = self._remembered.load()
        with self._db.write() as db:
            user = authenticate(db, session, now, refresh=True)
            mine = remembered is not None and self._owns(db, remembered, user.id)
            user.password_hash = hashed
            user.password_changed_at = user.updated_at = now
            db.execute(update(models.AuthSession)
                       .where(models.AuthSession.user_id == user.id,
                              models.AuthSession.token_hash != token_hash(session.token),
                              models.AuthSession.revoked_at.is_(None))
                       .values(revoked_at=now))
            db.execute(update(models.RememberToken)
                       .where(models.RememberToken.user_id == user.id,
                              models.RememberToken.revoked_at.is_(None))
                       .values(revoked_at=now))
        if mine:
            self._remembered.delete()
        log.info("Changed the password of account %s", session.user_id)

    def current(self, session: UserSession) -> UserProfile:
        """Check that ``session`` is still valid; raises ``SessionExpired`` if not."""
        return self.profile(session)

