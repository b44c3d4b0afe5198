"""The real httpx transport, sending from a client address of the test's own, counting.

The test servers trust ``X-Forwarded-For`` from loopback, so a client with its
own address has per-IP limits of its own; the request log lets tests count
what the client sent (a refresh, a feed page) instead of timing anything.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from app.cloud.client.wire import tls_context


class ForwardedFor(httpx.HTTPTransport):
    """The real transport, sending from a given client address and counting requests."""

    def __init__(self, ip: str, **kwargs: Any) -> None:
        # The clients' shared context, as without a transport: building one reads the
        # whole CA bundle (~35 ms of CPU per desktop in the 50-desktop load test).
        kwargs.setdefault("verify", tls_context())
        super().__init__(**kwargs)
        self.ip = ip
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Forwarded-For"] = self.ip
        with self._lock:
            self.requests.append((request.method, request.url.path))
        return super().handle_request(request)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests sent so far (only those to ``method``/``path`` when given)."""
        with self._lock:
            return sum(1 for m, p in self.requests
                       if (method is None or m == method) and (path is None or p == path))
