"""Access tokens (JWT, HS256) and the opaque refresh and email tokens.

An access token's claims: ``sub`` (user id), ``sid`` (session id), ``jti``,
``iat``, ``exp`` and ``typ: "access"``. It is only half the check: the
session it names must still be active (:mod:`app.cloud.server.deps`).

A refresh token is ``<session id>.<256 random bits>``; an email token is 256
random bits. Only their SHA-256 is stored, so a copy of the database lets
nobody sign in or reset a password.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
#: A little clock skew between hosts behind one load balancer is tolerated.
LEEWAY_S = 10


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: str
    session_id: str
    expires_at: datetime


class InvalidTokenError(Exception):
    """The token is malformed, forged, of the wrong type or expired."""


def mint_access_token(
    key: bytes, user_id: str, session_id: str, now: datetime, ttl_s: int
) -> str:
    """A signed access token for ``session_id``, valid ``ttl_s`` seconds from ``now``."""
    claims = {
        "sub": user_id,
        "sid": session_id,
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_access_token(key: bytes, token: str) -> AccessClaims:
    """The claims of a valid access token; raises :class:`InvalidTokenError` otherwise."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], leeway=LEEWAY_S,
            options={"require": ["sub", "sid", "exp", "iat", "typ"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str) \
            or not isinstance(claims.get("sid"), str):
        raise InvalidTokenError("not an access token")
    return AccessClaims(claims["sub"], claims["sid"],
                        datetime.fromtimestamp(int(claims["exp"]), UTC))


def sha256_hex(token: str) -> str:
    """The stored form of an opaque token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_refresh_token(session_id: str) -> str:
    """A fresh refresh token of the session's family."""
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def new_email_token() -> str:
    """A fresh verification or reset token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)
