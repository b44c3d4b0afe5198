"""``/health``, ``/health/live`` and ``/health/ready`` (for load balancers and probes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.cloud.server import VERSION
from app.cloud.server.deps import Context

router = APIRouter(tags=["health"])


def _status(context: Context) -> tuple[bool, dict[str, Any]]:
    database = context.db.ping()
    redis: str = "not_configured"
    ok = database
    if context.settings.redis_url:
        redis_ok = context.limiter.ping()
        redis = "ok" if redis_ok else "unavailable"
        ok = ok and redis_ok
    return ok, {"status": "ok" if ok else "degraded", "version": VERSION,
                "database": "ok" if database else "unavailable", "redis": redis}


@router.get("/health")
def health(context: Context) -> dict[str, Any]:
    """The server's version and whether its database (and Redis) answer."""
    return _status(context)[1]


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "Not ready"}})
def ready(context: Context) -> JSONResponse:
    """200 when the database (and Redis, when configured) answer, else 503."""
    ok, body = _status(context)
    return JSONResponse(body, status_code=200 if ok else 503)
