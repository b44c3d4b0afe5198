"""A throwaway cloud server for tests and benchmarks: launched, waited on, cleaned up.

``running_server`` starts ``python -m app.cloud.server`` (the ``sdsim-server``
command) on a free loopback port: on SQLite in a temporary folder with
in-process limits, or on PostgreSQL (a database of its own, dropped afterwards)
with Redis (a key prefix of its own, its keys deleted afterwards). bcrypt runs
at cost 4. The server trusts 127.0.0.1 as a proxy, so every test client sends
its own ``X-Forwarded-For`` address: per-IP limits are then per test, and tests
of the limits know exactly how many requests they have spent.

No pytest here: the fixtures live in ``tests/cloud/conftest.py`` and
``tests/ui/cloud/conftest.py``; ``bench/cloud_sync_load.py`` launches its
servers with :func:`launch_server` and :func:`backend_database` too.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import itertools
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.cloud.client.wire import tls_context

ROOT = Path(__file__).resolve().parents[2]

PASSWORD = "Tapir orbit quill 58!"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Limits of the test servers: COUNT/SECONDS. The per-IP and per-account limits are
#: what the limit tests exhaust (with their own IP or email); api_ip never binds.
LIMITS = {
    "api_ip": (100_000, 60),
    "login_ip": (30, 60),
    "login_account": (30, 60),
    "register_ip": (30, 3600),
    "refresh_ip": (30, 60),
    "email_ip": (30, 3600),
    "email_account": (30, 3600),
}
START_TIMEOUT_S = 60.0
_ip_counter = itertools.count(1)


def unique_ip() -> str:
    """A client address no other test (in this process) uses: 10.<pid>.<n>."""
    n = next(_ip_counter)
    return f"10.{os.getpid() % 250}.{(n >> 8) % 256}.{n % 256}"


def unique_email(tag: str = "user") -> str:
    """A fresh account email."""
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """The messages the loopback SMTP server received, waited on by recipient."""

    def __init__(self) -> None:
        self._messages: list[email.message.EmailMessage] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: keep the parsed message."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._changed:
            self._messages.append(message)  # type: ignore[arg-type]
            self._changed.notify_all()
        return "250 OK"

    def messages_to(self, address: str) -> list[email.message.EmailMessage]:
        """Every message received for ``address`` so far."""
        with self._changed:
            return [m for m in self._messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30.0
                 ) -> list[email.message.EmailMessage]:
        """Wait until ``count`` messages for ``address`` arrived; all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in self._messages if m["To"] == address]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{count} message(s) to {address} never arrived")
                self._changed.wait(left)


@contextlib.contextmanager
def smtp_mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on loopback; ``mailbox.port`` is its port."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


def token_in(message: email.message.EmailMessage) -> str:
    """The token of a verification or reset email (from its link)."""
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(r"token=([A-Za-z0-9_\-]+)", body.get_content())
    assert match, body.get_content()
    return match.group(1)


@dataclass
class CloudServer:
    """A running server: its base URL and what the tests need to know about it."""

    backend: str
    base_url: str
    mailbox: Mailbox
    process: subprocess.Popen[bytes]
    log_path: Path
    database_url: str
    limits: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(LIMITS))

    def client(self, ip: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client that comes from its own (or the given) address."""
        headers = {"X-Forwarded-For": ip or unique_ip(), **kwargs.pop("headers", {})}
        kwargs.setdefault("verify", tls_context())  # plain http, but a new context costs ~20 ms
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60.0, **kwargs)

    def log(self) -> str:
        """What the server wrote so far."""
        return self.log_path.read_text(errors="replace")


def launch_server(tmp: Path, env: dict[str, str], *, port: int | None = None,
                  workers: int = 1) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start ``python -m app.cloud.server`` in ``tmp`` and wait until it is ready.

    ``env`` is added to this process's environment, after the test defaults
    (bcrypt cost 4, a fresh secret key, loopback trusted as a proxy). Returns
    the process, its base URL and the file its output goes to; raises
    ``RuntimeError`` with that output when it exits or never gets ready.
    """
    port = port or free_port()
    full_env = {**os.environ, "SDSIM_BCRYPT_COST": "4",
                "SDSIM_SECRET_KEY": secrets.token_urlsafe(48),
                "SDSIM_TRUSTED_PROXIES": "127.0.0.1", **env}
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cloud.server", "--host", "127.0.0.1", "--port",
             str(port), "--data-dir", str(tmp / "data"), "--log-level", "warning",
             "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n"
                               f"{log_path.read_text(errors='replace')}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health/ready", timeout=2,
                         verify=tls_context()).status_code == 200:
                return process, base_url, log_path
        if time.monotonic() > deadline:
            stop_process(process)
            raise RuntimeError("the server never became ready:\n"
                               f"{log_path.read_text(errors='replace')}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process (SIGTERM, then SIGKILL)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(backend: str, tmp: Path, mailbox: Mailbox, database_url: str,
                 extra_env: dict[str, str] | None = None, *,
                 port: int | None = None) -> CloudServer:
    """A test server on ``database_url`` that mails ``mailbox``, with the test limits."""
    env = {
        "SDSIM_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",  # type: ignore[attr-defined]
        "SDSIM_PUBLIC_URL": "http://cloud.test",
        "SDSIM_DATABASE_URL": database_url,
        "SDSIM_RATE_LIMITS": ",".join(f"{k}={n}/{w}" for k, (n, w) in LIMITS.items()),
        **(extra_env or {}),
    }
    process, base_url, log_path = launch_server(tmp, env, port=port)
    return CloudServer(backend, base_url, mailbox, process, log_path, database_url)


def stop_server(server: CloudServer) -> None:
    """Stop a test server."""
    stop_process(server.process)


@contextlib.contextmanager
def postgres_database(tag: str = "test") -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); yields its URL."""
    import psycopg

    name = f"sdsim_{tag}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_prefix(tag: str = "test") -> Iterator[str]:
    """A key prefix of this run's own; its keys are deleted afterwards."""
    import redis

    prefix = f"sdsim-{tag}-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@contextlib.contextmanager
def backend_database(backend: str, tmp: Path, tag: str = "test") -> Iterator[dict[str, str]]:
    """The server environment of ``backend``: its database URL (and Redis), cleaned up after."""
    if backend == "sqlite":
        yield {"SDSIM_DATABASE_URL": f"sqlite:///{tmp / 'data' / 'server.db'}"}
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r} (sqlite or postgres)")
    with postgres_database(tag) as url, redis_prefix(tag) as prefix:
        yield {"SDSIM_DATABASE_URL": url, "SDSIM_REDIS_URL": REDIS_URL,
               "SDSIM_REDIS_PREFIX": prefix}


@contextlib.contextmanager
def running_server(backend: str, tmp: Path, mailbox: Mailbox,
                   extra_env: dict[str, str] | None = None) -> Iterator[CloudServer]:
    """A test server on ``backend`` ("sqlite" or "postgres"), stopped and cleaned up after."""
    with backend_database(backend, tmp) as db_env:
        env = {**db_env, **(extra_env or {})}
        server = start_server(backend, tmp, mailbox, env.pop("SDSIM_DATABASE_URL"), env)
        try:
            yield server
        finally:
            stop_server(server)


@dataclass
class Account:
    """A registered, signed-in user."""

    email: str
    password: str
    user_id: str
    session_id: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of its access token."""
        return {"Authorization": f"Bearer {self.access_token}"}


def register(server: CloudServer, email_address: str | None = None, password: str = PASSWORD,
             **profile: str) -> Account:
    """Register a fresh account (from a fresh address) and return it, signed in."""
    address = email_address or unique_email()
    with server.client() as client:
        answer = client.post("/api/v1/auth/register",
                             json={"email": address, "password": password, **profile})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Account(address, password, body["user"]["id"], body["session_id"],
                   body["access_token"], body["refresh_token"])


def login(server: CloudServer, account: Account, remember: bool = False) -> Account:
    """A new session of ``account`` (from a fresh address)."""
    with server.client() as client:
        answer = client.post("/api/v1/auth/login", json={
            "email": account.email, "password": account.password, "remember": remember})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Account(account.email, account.password, body["user"]["id"], body["session_id"],
                   body["access_token"], body["refresh_token"])
