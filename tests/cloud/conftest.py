"""Fixtures for the cloud tests: the real server in a subprocess, a real SMTP server.

``cloud_server`` is the server of ``tests/support/cloud_server.py``, started
once per test session and worker for each backend (SQLite; PostgreSQL with
Redis). Every server mails a real loopback SMTP server (aiosmtpd).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.cloud_server import (
    Account,
    CloudServer,
    Mailbox,
    register,
    running_server,
    smtp_mailbox,
)

#: The two backends every server test runs against.
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on loopback; the servers send their email there."""
    with smtp_mailbox() as box:
        yield box


@pytest.fixture(scope="session", params=BACKENDS)
def cloud_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 mailbox: Mailbox) -> Iterator[CloudServer]:
    """The real server, once per session and worker for each backend."""
    backend = str(request.param)
    with running_server(backend, tmp_path_factory.mktemp(f"cloud-{backend}"), mailbox) as server:
        yield server


@pytest.fixture
def new_account(cloud_server: CloudServer) -> Callable[..., Account]:
    """``new_account(**profile)``: register and sign in a fresh user."""
    return lambda **kwargs: register(cloud_server, **kwargs)


@pytest.fixture
def api(cloud_server: CloudServer) -> Iterator[httpx.Client]:
    """An httpx client on the server, from an address of this test's own."""
    with cloud_server.client() as client:
        yield client
