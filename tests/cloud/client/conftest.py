"""Fixtures: the protocol stand-in server on loopback, and clients of it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.cloud.client import CloudClient
from tests.cloud.client.fake_server import FakeCloud

PASSWORD = "SecurePass123!"


@pytest.fixture(scope="session")
def _cloud_process() -> Iterator[FakeCloud]:
    cloud = FakeCloud()
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture
def cloud(_cloud_process: FakeCloud) -> FakeCloud:
    """The stand-in server, with no accounts, projects or knobs set."""
    _cloud_process.reset()
    return _cloud_process


@pytest.fixture
def client(cloud: FakeCloud) -> Iterator[CloudClient]:
    """A client of the stand-in (not signed in)."""
    with CloudClient(cloud.url, timeout=10) as c:
        yield c


@pytest.fixture
def signed_in(client: CloudClient) -> CloudClient:
    """A client signed in (with remember) to a fresh account ada@example.com."""
    client.register("ada@example.com", PASSWORD, first_name="Ada")
    client.login("ada@example.com", PASSWORD, remember=True)
    return client


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
