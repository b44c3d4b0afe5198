"""Every error the server answers has one shape: ``{error, message, details?}``.

Routes raise :class:`ApiError`; FastAPI's validation errors become 400
``validation_error`` (never 422) with one entry per field, and Starlette's
own 404/405 take the same shape, so a client has one parser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error answer: HTTP ``status``, a snake_case ``error`` code and a sentence."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = dict(details) if details else None
        self.headers = dict(headers) if headers else None


def error_body(
    error: str, message: str, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON of an error answer."""
    body: dict[str, Any] = {"error": error, "message": message}
    if details:
        body["details"] = dict(details)
    return body


def unauthorized(message: str = "Sign in again.", error: str = "unauthorized") -> ApiError:
    """A 401 with the ``WWW-Authenticate`` header RFC 6750 asks for."""
    return ApiError(401, error, message, headers={"WWW-Authenticate": "Bearer"})


def too_many(error: str, message: str, retry_after: int) -> ApiError:
    """A 429 with ``Retry-After`` in whole seconds (at least 1)."""
    return ApiError(429, error, message, headers={"Retry-After": str(max(1, retry_after))})


def _field_path(location: Sequence[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _validation_details(exc: RequestValidationError) -> dict[str, str]:
    details: dict[str, str] = {}
    for item in exc.errors():
        path = _field_path(item.get("loc", ()))
        message = str(item.get("msg", "invalid"))
        details[path] = f"{details[path]} {message}" if path in details else message
    return details


_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden",
          413: "payload_too_large", 400: "bad_request", 429: "rate_limited"}


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the one shape above."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(error_body(exc.error, exc.message, exc.details),
                            status_code=exc.status, headers=exc.headers)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(
            error_body("validation_error", "The request is not valid; see details.",
                       _validation_details(exc)),
            status_code=400,
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODES.get(exc.status_code, HTTPStatus(exc.status_code).phrase.lower()
                          .replace(" ", "_").replace("-", "_"))
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = "No such route."
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
