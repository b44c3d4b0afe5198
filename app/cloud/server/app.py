"""The application factory: ``create_app(settings)``.

Areas are routers (:data:`ROUTERS`); a new area (projects) adds its router
there and its models to :mod:`app.cloud.server.models`' ``Base``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from app.cloud.server import VERSION, health
from app.cloud.server.auth.router import router as auth_router
from app.cloud.server.context import ServerContext
from app.cloud.server.errors import install_error_handlers
from app.cloud.server.projects.router import router as projects_router
from app.cloud.server.settings import ServerSettings
from app.cloud.server.user.router import router as user_router

ROUTERS: list[APIRouter] = [health.router, auth_router, user_router, projects_router]

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}


def _openapi_with_400(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents 422 for validation errors; this server answers 400 (one shape)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    error_ref = {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses["400"] = {"description": "Invalid input", **error_ref}
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
    app.openapi_schema = schema
    return schema


def create_app(settings: ServerSettings) -> FastAPI:
    """The FastAPI application; the database must already be migrated (``db.migrate``)."""
    context = ServerContext.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        context.close()

    app = FastAPI(title="System Design Simulator cloud", version=VERSION, lifespan=lifespan)
    app.state.context = context
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = lambda: _openapi_with_400(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (``--workers`` > 1): settings from the environment."""
    return create_app(ServerSettings.from_env())
