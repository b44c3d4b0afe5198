"""Simulated desktops for the sync tests: a real SQLite store each, a real CloudClient each,
all against the real server (``cloud_server``, SQLite and PostgreSQL+Redis).

Each desktop is a private copy of the seeded two-user store (so no bcrypt per
desktop) whose local account Alice syncs to a cloud account. Its client comes
from an address of its own (``X-Forwarded-For``, which the test server trusts
from loopback) so per-IP limits are per desktop, and it counts its requests.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.cloud.client import CloudClient, CloudSession, SyncEngine, SyncReport
from app.storage import ManualClock, Store, UserSession
from tests.cloud.client.transport import ForwardedFor
from tests.support import storage_fixtures
from tests.support.cloud_server import Account, CloudServer, register, unique_ip
from tests.support.storage_fixtures import T0, SeededUsers

seeded_users = storage_fixtures.seeded_users


def client_factory(transport: ForwardedFor) -> Callable[..., CloudClient]:
    """A ``CloudSession`` client factory whose clients all use ``transport``."""
    def make(url: str, **kwargs: Any) -> CloudClient:
        # 50 desktops on a loaded 2-core box: a single answer may queue past the 15 s default.
        kwargs.setdefault("timeout", 60.0)
        return CloudClient(url, transport=transport, **kwargs)
    return make


def document(tag: str, **extra: Any) -> str:
    """A small ``.sdsim``-like JSON document that says which edit made it."""
    return json.dumps({"format": 1, "edit": tag, **extra})


@dataclass(eq=False)  # hashed by identity: one desktop is one machine
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

    def live_ids(self) -> set[str]:
        """Ids of the live projects (names may repeat: several conflicted copies)."""
        return {p.id for p in self.store.projects.list(self.local)}

    def documents(self) -> dict[str, str]:
        """Live project id -> its document text."""
        return {p.id: self.store.projects.get(self.local, p.id).document
                for p in self.store.projects.list(self.local)}

    def ids(self) -> dict[str, str]:
        """Live project name -> id."""
        return {p.name: p.id for p in self.store.projects.list(self.local)}


@pytest.fixture
def make_desktop(seeded_users: SeededUsers, tmp_path: Path, cloud_server: CloudServer
                 ) -> Iterator[Callable[..., Desktop]]:
    """``make_desktop(account=None, signed_in=True)``: a new desktop for ``account``."""
    made: list[Desktop] = []
    numbers = itertools.count()  # thread-safe: desktops may be made in parallel

    def make(account: Account | None = None, *, signed_in: bool = True) -> Desktop:
        path = tmp_path / f"desktop-{next(numbers)}.sqlite3"
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
