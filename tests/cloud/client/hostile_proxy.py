"""A HOSTILE PROXY in front of the real server, for answers a correct server never gives.

Everything the real server can answer is tested against the real server
(``tests/support/cloud_server.py``). What is left is what a broken proxy, a captive
portal or an attacker in the middle might send instead: an HTML 502, a huge
or endless body, a gzip bomb, garbage or wrongly typed JSON, hostile text, an
absurd ``Retry-After``. This proxy forwards every request to the real server
unchanged, except the next request to a ``(method, path)`` in ``overrides``,
which it answers itself with the given response.

It runs uvicorn in a daemon thread on a socket bound to 127.0.0.1:0.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "content-length", "content-encoding", "host"}


class HostileProxy:
    """Forwards to ``upstream``; ``overrides[(method, path)]`` answers one request instead."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.overrides: dict[tuple[str, str], Callable[[], Response]] = {}
        self.forwarded: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=upstream, timeout=60)
        self.app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> None:
        """Serve on a free loopback port (``url``)."""
        async def handle(request: Request) -> Response:
            with self._lock:
                make = self.overrides.pop((request.method, request.url.path), None)
            if make is not None:
                return make()
            body = await request.body()
            headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            with self._lock:
                self.forwarded.append((request.method, request.url.path))
            answer = self._http.request(request.method, path, content=body, headers=headers)
            return Response(answer.content, status_code=answer.status_code,
                            headers={k: v for k, v in answer.headers.items()
                                     if k not in HOP_BY_HOP})

        self.app = Starlette(routes=[Route("/{path:path}", handle,
                                           methods=["GET", "POST", "PUT", "DELETE"])])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="hostile-proxy", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the hostile proxy did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)
        self._http.close()
