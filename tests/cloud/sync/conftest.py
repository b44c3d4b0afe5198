"""Simulated desktops for the sync tests: a real SQLite store each, a real CloudClient each,
all against the real server (``cloud_server``, SQLite and PostgreSQL+Redis).

Each desktop is a private copy of the seeded two-user store (so no bcrypt per
desktop) whose local account Alice syncs to a cloud account. Its client comes
from an address of its own (``X-Forwarded-For``, which the test server trusts
from loopback) so per-IP limits are per desktop, and it counts its requests.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cloud.client import CloudClient, CloudSession, SyncEngine, SyncReport
from app.storage import ManualClock, Store, UserSession
from tests.cloud.conftest import Account, CloudServer, register, unique_ip
from tests.support import storage_fixtures
from tests.support.storage_fixtures import T0, SeededUsers

seeded_users = storage_fixtures.seeded_users


class ForwardedFor(httpx.HTTPTransport):
    """The real transport, sending from a given client address and counting requests."""

    def __init__(self, ip: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ip = ip
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Forwarded-For"] = self.ip
        with self._lock:
            self.requests.append((request.method, request.url.path))
        return super().handle_request(request)

    def count(self) -> int:
        """Requests sent so far."""
        with self._lock:
            return len(self.requests)


def client_factory(transport: ForwardedFor) -> Callable[..., CloudClient]:
    """A ``CloudSession`` client factory whose clients all use ``transport``."""
    def make(url: str, **kwargs: Any) -> CloudClient:
        return CloudClient(url, transport=transport, **kwargs)
    return make


def document(tag: str, **extra: Any) -> str:
    """A small ``.sdsim``-like JSON document that says which edit made it."""
    return json.dumps({"format": 1, "edit": tag, **extra})


@dataclass
class Desktop:
    """One simulated desktop: its store, local sign-in, cloud session and transport."""

    store: Store
    local: UserSession
    transport: ForwardedFor
    cloud: CloudSession
    path: Path
    account: Account
    server: CloudServer
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> str:
        """The local account's id."""
        return self.local.user_id

    def sign_in(self) -> None:
        """Sign the cloud session in (remember: the token goes to the keyring)."""
        self.cloud.sign_in(self.server.base_url, self.account.email, self.account.password)

    def sync(self) -> SyncReport:
        """One sync through the session."""
        return self.cloud.sync_now()

    def engine(self, **kwargs: Any) -> SyncEngine:
        """A bare engine on the session's client (for interrupted pulls and the like)."""
        client = self.cloud._client
        assert client is not None
        return SyncEngine(self.store, client, self.user_id, **kwargs)

    def create(self, name: str, tag: str | None = None) -> str:
        """A new local project; its id."""
        return self.store.projects.create(self.local, name, document(tag or name)).id

    def save(self, project_id: str, tag: str) -> None:
        """A local edit."""
        self.store.projects.save(self.local, project_id, document(tag))

    def doc(self, project_id: str) -> dict[str, Any]:
        """The project's current document, parsed."""
        return dict(json.loads(self.store.projects.get(self.local, project_id).document))

    def projects(self) -> dict[str, str]:
        """Live project name -> its document's edit tag."""
        return {p.name: self.doc(p.id)["edit"] for p in self.store.projects.list(self.local)}

    def ids(self) -> dict[str, str]:
        """Live project name -> id."""
        return {p.name: p.id for p in self.store.projects.list(self.local)}


@pytest.fixture
def make_desktop(seeded_users: SeededUsers, tmp_path: Path, cloud_server: CloudServer
                 ) -> Iterator[Callable[..., Desktop]]:
    """``make_desktop(account=None, signed_in=True)``: a new desktop for ``account``."""
    made: list[Desktop] = []

    def make(account: Account | None = None, *, signed_in: bool = True) -> Desktop:
        path = tmp_path / f"desktop-{len(made)}.sqlite3"
        shutil.copyfile(seeded_users.path, path)
        store = Store.open(path, clock=ManualClock(T0))
        transport = ForwardedFor(unique_ip())
        cloud = CloudSession(store, seeded_users.alice.user_id,
                             client_factory=client_factory(transport))
        desktop = Desktop(store, seeded_users.alice, transport, cloud, path,
                          account or register(cloud_server), cloud_server)
        made.append(desktop)
        if signed_in:
            desktop.sign_in()
        return desktop

    yield make
    for desktop in made:
        desktop.cloud.close()
        desktop.store.close()
