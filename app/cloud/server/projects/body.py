"""The PUT body, read with a bound: memory never holds more than the limit.

``document`` may be at most :data:`MAX_DOCUMENT_BYTES` of UTF-8. JSON escaping
makes the body longer than the document (quotes and newlines double), so the
body itself may be up to :data:`MAX_BODY_BYTES`; reading stops with 413 as
soon as more arrives (and at once when ``Content-Length`` says so).
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.cloud.server.errors import ApiError
from app.cloud.server.projects.schemas import ProjectPutBody
from app.cloud.server.projects.service import NewVersion

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_BODY_BYTES = 2 * MAX_DOCUMENT_BYTES + 64 * 1024


def _too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, "payload_too_large",
                    f"The {what} is larger than {limit // (1024 * 1024)} MiB.",
                    {"document": f"at most {MAX_DOCUMENT_BYTES} bytes of UTF-8"})


async def read_bounded_body(request: Request) -> bytes:
    """The request body, or 413 once it passes :data:`MAX_BODY_BYTES` (a dependency)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large("request body", MAX_BODY_BYTES)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY_BYTES:
            raise _too_large("request body", MAX_BODY_BYTES)
    return bytes(chunks)


def parse_put_body(raw: bytes) -> NewVersion:
    """The validated body (400 ``validation_error`` per field, 413 for a large document)."""
    try:
        body = ProjectPutBody.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    if len(body.document) > MAX_DOCUMENT_BYTES:  # more characters than bytes allowed
        raise _too_large("document", MAX_DOCUMENT_BYTES)
    new = NewVersion.of(body.name, body.document, str(body.version_id), body.note)
    if new.size > MAX_DOCUMENT_BYTES:
        raise _too_large("document", MAX_DOCUMENT_BYTES)
    return new


def canonical_uuid(value: str, field: str) -> str:
    """``value`` as a canonical lower-case UUID; 400 ``invalid_id`` otherwise."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(400, "invalid_id", f"The {field} must be a UUID.",
                       {field: "not a UUID"}) from None
