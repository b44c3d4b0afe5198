"""Fixtures: clients of the real server (SQLite backend), and the hostile proxy.

The client's behaviour does not depend on the server's database, so these
tests use the SQLite server only (``tests/cloud/server`` covers PostgreSQL).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.cloud.client import CloudClient
from tests.cloud.client.hostile_proxy import HostileProxy
from tests.cloud.client.transport import ForwardedFor
from tests.support.cloud_server import (
    PASSWORD,
    CloudServer,
    Mailbox,
    running_server,
    unique_email,
    unique_ip,
)

__all__ = ["PASSWORD"]


@pytest.fixture(scope="session")
def cloud_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
                 ) -> Iterator[CloudServer]:
    """The real server on SQLite, once per session and worker (overrides the two-backend
    fixture for this folder)."""
    with running_server("sqlite", tmp_path_factory.mktemp("cloud-client"), mailbox) as server:
        yield server


@pytest.fixture
def transport() -> ForwardedFor:
    """The client's transport: its own address, and a log of what it sent."""
    return ForwardedFor(unique_ip())


@pytest.fixture
def client(cloud_server: CloudServer, transport: ForwardedFor) -> Iterator[CloudClient]:
    """A client of the real server (not signed in)."""
    with CloudClient(cloud_server.base_url, transport=transport, timeout=30) as c:
        yield c


@pytest.fixture
def email() -> str:
    """A fresh account email for this test."""
    return unique_email("ada")


@pytest.fixture
def signed_in(client: CloudClient, email: str) -> CloudClient:
    """A client signed in (with remember) to a fresh account ``email``."""
    client.register(email, PASSWORD, first_name="Ada")
    client.login(email, PASSWORD, remember=True)
    return client


@pytest.fixture
def proxy(cloud_server: CloudServer) -> Iterator[HostileProxy]:
    """The hostile proxy in front of the real server."""
    hostile = HostileProxy(cloud_server.base_url)
    hostile.start()
    yield hostile
    hostile.stop()


@pytest.fixture
def proxied(proxy: HostileProxy, email: str) -> Iterator[CloudClient]:
    """A client signed in through the hostile proxy."""
    with CloudClient(proxy.url, transport=ForwardedFor(unique_ip()), timeout=30) as c:
        c.register(email, PASSWORD)
        c.login(email, PASSWORD, remember=True)
        yield c


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers (the kernel completes the
    handshake from the listen backlog; nothing ever reads or writes)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
