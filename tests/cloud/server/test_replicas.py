"""Two server processes on one PostgreSQL and Redis share every piece of state
(the compose deployment): migrations at once, sessions, logout, rate limits."""

from __future__ import annotations

import contextlib
import secrets
import threading
from pathlib import Path

import httpx

from tests.support.cloud_server import (
    PASSWORD,
    REDIS_URL,
    Mailbox,
    postgres_database,
    redis_prefix,
    register,
    start_server,
    stop_server,
    unique_ip,
)


def test_two_replicas_share_sessions_logout_and_limits(tmp_path: Path, mailbox: Mailbox) -> None:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database())
        env = {"SDSIM_REDIS_URL": REDIS_URL, "SDSIM_REDIS_PREFIX": stack.enter_context(
            redis_prefix()), "SDSIM_SECRET_KEY": secrets.token_urlsafe(48)}
        servers: list = [None, None]

        def start(i: int) -> None:  # both migrate the empty database at the same time
            (tmp_path / str(i)).mkdir()
            servers[i] = start_server("postgres", tmp_path / str(i), mailbox, url, env)

        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for server in servers:
            assert server is not None
            stack.callback(stop_server, server)
        one, two = servers
        account = register(one)
        with two.client() as client:
            assert client.get("/api/v1/user/profile", headers=account.auth).status_code == 200
            assert client.post("/api/v1/auth/logout", headers=account.auth).status_code == 200
        with one.client() as client:
            assert client.get("/api/v1/user/profile", headers=account.auth).status_code == 401
        # The per-IP login limit is counted across both replicas (Redis).
        limit, _ = one.limits["login_ip"]
        ip = unique_ip()
        codes = []
        for i in range(limit + 2):
            with (one if i % 2 else two).client(ip=ip) as client:
                codes.append(client.post("/api/v1/auth/login", json={
                    "email": "nobody@example.com", "password": PASSWORD}).status_code)
        assert codes.count(429) == 2
        assert httpx.get(f"{two.base_url}/health").json()["redis"] == "ok"
