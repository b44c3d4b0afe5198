"""One bounded HTTP exchange, and turning an unsuccessful answer into a ``CloudError``.

Everything the server sends is treated as untrusted: a body is read as a stream
and refused past a size limit (after decompression, so a small gzip bomb is
refused too), an answer must arrive within a total deadline as well as httpx's
per-read timeout (a server trickling one byte at a time is cut off), and an
error body is believed only as far as it has the documented shape
``{error, message, details}``; anything else becomes one plain message from
the status code.
"""

from __future__ import annotations

import email.utils
import functools
import json
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from app.cloud.client.errors import (
    BadResponse,
    CloudError,
    Conflict,
    Offline,
    RateLimited,
    ResponseTooLarge,
)

#: The most an error body is read for its message; past it the body is ignored.
MAX_ERROR_BODY = 64 * 1024
#: Longest server message passed on, and longest detail.
MAX_MESSAGE = 300
MAX_DETAIL = 200
MAX_DETAILS = 20
#: A Retry-After longer than a day is taken as a day (a hostile server cannot
#: park the client for ever).
MAX_RETRY_AFTER = 24 * 3600

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")

_GENERIC = {
    400: "The server refused the request as invalid.",
    401: "The server did not accept your sign-in.",
    403: "You are not allowed to do that.",
    404: "That was not found on the server.",
    409: "That already exists on the server.",
    412: "Someone changed this on the server first.",
    413: "That is too large for the server.",
    428: "The server needs to know which version is being changed.",
    429: "Too many requests to the server: try again later.",
}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one certificate-verifying TLS context every client shares.

    httpx builds a fresh one per ``httpx.Client`` by default, reading the whole CA
    bundle: 15-35 ms of CPU each time. A context is safe to share between
    clients and threads, and nothing here changes it after it is built.
    """
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Answer:
    """A complete, bounded answer: status, headers and body bytes."""

    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool = False  # an error body past MAX_ERROR_BODY, left unread

    @property
    def ok(self) -> bool:
        """A 2xx (or 304) answer."""
        return 200 <= self.status < 300 or self.status == 304

    def json(self) -> Any:
        """The body as JSON, or ``BadResponse``."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting
            raise BadResponse("The server's answer was not understood (not JSON).",
                              status=self.status, error="bad_response") from exc


def exchange(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: object = None,
    max_bytes: int,
    deadline_s: float,
) -> Answer:
    """Send one request and read its answer within ``max_bytes`` and ``deadline_s``.

    Raises ``Offline`` when no answer came (refused, reset, timed out), and
    ``ResponseTooLarge`` for a successful answer over ``max_bytes``. An error
    answer over ``MAX_ERROR_BODY`` is returned with its body left unread.
    """
    started = time.monotonic()
    try:
        with http.stream(method, url, headers=dict(headers or {}), json=json_body) as response:
            ok = 200 <= response.status_code < 300
            limit = max_bytes if ok else MAX_ERROR_BODY
            declared = _content_length(response.headers)
            if declared is not None and declared > limit:
                if ok:
                    raise _too_large(response.status_code, max_bytes)
                return Answer(response.status_code, response.headers, b"", truncated=True)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    if ok:
                        raise _too_large(response.status_code, max_bytes)
                    return Answer(response.status_code, response.headers, b"", truncated=True)
                if time.monotonic() - started > deadline_s:
                    raise Offline("The server took too long to answer.", error="timeout")
                chunks.append(chunk)
            return Answer(response.status_code, response.headers, b"".join(chunks))
    except httpx.TimeoutException as exc:
        raise Offline("The server did not answer in time.", error="timeout") from exc
    except httpx.ConnectError as exc:
        if _is_tls(exc):
            raise CloudError("The server's identity could not be verified (TLS: "
                             f"{type(_tls_cause(exc)).__name__}).", error="tls_error") from exc
        raise Offline("The server could not be reached.", error="offline") from exc
    except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
        raise BadResponse("The server's answer was not valid HTTP.",
                          error="bad_response") from exc
    except (httpx.NetworkError, httpx.ProxyError) as exc:
        raise Offline("The connection to the server was lost.", error="offline") from exc
    except httpx.TransportError as exc:
        raise CloudError(f"The request could not be sent ({type(exc).__name__}).",
                         error="transport_error") from exc


def _content_length(headers: httpx.Headers) -> int | None:
    try:
        return int(headers.get("content-length", ""))
    except ValueError:
        return None


def _too_large(status: int, max_bytes: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"The server's answer was larger than {max_bytes // (1024 * 1024) or 1} MB "
        "and was refused.", status=status, error="response_too_large")


def _tls_cause(exc: BaseException) -> BaseException | None:
    seen: BaseException | None = exc
    for _ in range(8):  # a bounded walk: causes can form a cycle
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _is_tls(exc: BaseException) -> bool:
    return _tls_cause(exc) is not None


def clean_text(value: str, limit: int) -> str:
    """A server string made safe to show as plain text: no control or bidi
    characters, single spaces, at most ``limit`` characters."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> int | None:
    """``Retry-After`` in whole seconds (delta or HTTP date), capped; ``None`` when absent/bad."""
    raw = headers.get("retry-after")
    if raw is None or len(raw) > 64:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return min(int(raw), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0, min(int(delta + 0.999), MAX_RETRY_AFTER))


def error_from(answer: Answer) -> CloudError:
    """The ``CloudError`` (subclass by status) for an unsuccessful answer."""
    status = answer.status
    code, message, details = f"http_{status}", _generic(status), {}
    body = _error_body(answer)
    if body is not None:
        if isinstance(body.get("error"), str) and _CODE.fullmatch(body["error"]):
            code = body["error"]
        if isinstance(body.get("message"), str):
            message = clean_text(body["message"], MAX_MESSAGE) or message
        details = _details(body.get("details"))
    wait = retry_after(answer.headers)
    if status == 412:
        current = details.get("current_version_id")
        return Conflict(message, current_version_id=current or None, status=status,
                        error=code, details=details)
    if status == 429:
        return RateLimited(message, status=status, error=code, details=details,
                           retry_after=wait)
    return CloudError(message, status=status, error=code, details=details, retry_after=wait)


def _generic(status: int) -> str:
    if status in _GENERIC:
        return _GENERIC[status]
    if 500 <= status < 600:
        return f"The server had a problem (HTTP {status}). Try again later."
    if 300 <= status < 400:
        return f"The server redirected the request (HTTP {status}); check the server address."
    return f"The server answered with HTTP {status}."


def _error_body(answer: Answer) -> Mapping[str, Any] | None:
    if answer.truncated or not answer.body:
        return None
    try:
        body = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _details(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, item in value.items():
        if len(out) >= MAX_DETAILS:
            break
        if not isinstance(key, str) or not isinstance(item, str | int | float) \
                or isinstance(item, bool):
            continue
        name = clean_text(key, 64)
        if name:
            out[name] = clean_text(str(item), MAX_DETAIL)
    return out
