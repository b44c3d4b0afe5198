"""FastAPI dependencies: the context, a Session per request, the client IP, the caller.

Routes are plain ``def`` functions: FastAPI runs them in its thread pool, so
blocking database calls and bcrypt never stall the event loop. Dependencies
that never block (the context, the client IP) are ``async def`` instead: each
plain one costs a hop to the thread pool and back on every request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cloud.server.context import ServerContext
from app.cloud.server.errors import unauthorized
from app.cloud.server.models import AuthSession, utcnow
from app.cloud.server.settings import IPNetwork
from app.cloud.server.tokens import InvalidTokenError, verify_access_token


async def get_context(request: Request) -> ServerContext:
    """The process-wide :class:`ServerContext`."""
    context: ServerContext = request.app.state.context
    return context


Context = Annotated[ServerContext, Depends(get_context)]


async def get_db(context: Context) -> AsyncIterator[Session]:
    """One Session per request (rolled back at the end unless committed).

    Opening a Session does no I/O (it connects on first use) and closing one
    whose handler committed does none either, so both stay on the event loop;
    only a Session left inside a transaction (the handler raised) is rolled
    back and closed in the thread pool.
    """
    session = context.db.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)  # ROLLBACK, then the connection back
        else:
            session.close()


DbSession = Annotated[Session, Depends(get_db)]


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def resolve_client_ip(peer: str, forwarded_for: str | None,
                      trusted: tuple[IPNetwork, ...]) -> str:
    """The socket peer, or the right-most untrusted ``X-Forwarded-For`` hop behind a proxy.

    Hops are read from the right (the nearest first) because only the ones our own
    proxies appended can be believed; anything to the left of the first untrusted hop
    was written by the client.
    """

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in trusted)

    if not forwarded_for or not is_trusted(_parse_ip(peer)):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            return peer  # a garbled header from a proxy: fall back to what we know
        if not is_trusted(address):
            return str(address)
    return peer


async def client_ip(request: Request, context: Context) -> str:
    """The client's IP address, as :func:`resolve_client_ip` decides."""
    peer = request.client.host if request.client else "unknown"
    return resolve_client_ip(peer, request.headers.get("x-forwarded-for"),
                             context.settings.trusted_proxies)


ClientIP = Annotated[str, Depends(client_ip)]


async def rate_limit_api(context: Context, ip: ClientIP) -> None:
    """The per-IP limit on every /api route (add to a router's dependencies)."""
    if context.limiter.blocking:
        await run_in_threadpool(context.limit, "api_ip", ip)
    else:
        context.limit("api_ip", ip)


@dataclass(frozen=True)
class AuthContext:
    """The caller of an authenticated route."""

    user_id: str
    session_id: str


_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login.")


def current_auth(
    context: Context,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthContext:
    """The verified caller: a valid access token AND its session still active.

    Checking the session on every request is what makes logout and session
    revocation refuse the token at once, on every worker.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Send an access token: Authorization: Bearer <token>.")
    try:
        claims = verify_access_token(context.settings.secret_key, credentials.credentials)
    except InvalidTokenError:
        raise unauthorized("The access token is invalid or expired.", "invalid_token") from None
    now = utcnow()
    active = db.scalar(
        select(AuthSession.id).where(
            AuthSession.id == claims.session_id,
            AuthSession.user_id == claims.user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
    )
    # End the read transaction now: on SQLite it holds the write lock (BEGIN IMMEDIATE).
    db.commit()
    if active is None:
        raise unauthorized("This session has ended; sign in again.", "session_revoked")
    return AuthContext(claims.user_id, claims.session_id)


CurrentAuth = Annotated[AuthContext, Depends(current_auth)]
