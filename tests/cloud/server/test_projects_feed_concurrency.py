"""The feed never skips a change committed out of order: writers race, a reader polls.

Writers (threads, each with its own HTTP connection) create, update and
delete projects as fast as they can, two of them on projects another user
shares with the reader. The reader polls the feed with its cursor the whole
time and keeps the last state it was sent of each project. At the end the
reader's picture must equal the server's: every project's last version (or
its tombstone) was seen. A feed numbered at insert time rather than at
commit (a sequence, a timestamp) fails this within a few hundred writes on
PostgreSQL, because a later number can commit first and the cursor jumps
over the earlier one.
"""

from __future__ import annotations

import threading
from typing import Any

from tests.cloud.server.projects_client import PROJECTS, feed_all, new_id, put
from tests.support.cloud_server import Account, CloudServer, register

WRITERS = 6
PROJECTS_PER_WRITER = 3
ROUNDS = 4
ONE_SHOT_PROJECTS = 25
#: Enough text that writing a version takes a little while after it is numbered.
FILLER = '{"notes": "' + "x" * 20_000 + '"}'


def _writer(server: CloudServer, account: Account, share_with: str | None,
            final: dict[str, tuple[str | None, bool]], errors: list[str]) -> None:
    """Create a few projects, edit them round-robin, delete one at the end."""
    try:
        with server.client() as client:
            heads: dict[str, str] = {}
            for _ in range(PROJECTS_PER_WRITER):
                project_id, version_id = new_id(), new_id()
                answer = put(client, account, project_id, version_id=version_id, create=True)
                assert answer.status_code == 201, answer.text
                heads[project_id] = version_id
                if share_with:
                    shared = client.post(f"{PROJECTS}/{project_id}/shares", headers=account.auth,
                                         json={"email": share_with})
                    assert shared.status_code == 201, shared.text
            for round_no in range(ROUNDS):
                for project_id, head in list(heads.items()):
                    version_id = new_id()
                    answer = put(client, account, project_id, version_id=version_id,
                                 if_match=head, document=f'{{"round": {round_no}}}')
                    assert answer.status_code == 200, answer.text
                    heads[project_id] = version_id
            # Projects written once: every one of these changes is its project's last,
            # so a change the cursor jumps over is never sent again and shows up below.
            for _ in range(ONE_SHOT_PROJECTS):
                project_id, version_id = new_id(), new_id()
                answer = put(client, account, project_id, version_id=version_id, create=True,
                             document=FILLER)
                assert answer.status_code == 201, answer.text
                final[project_id] = (version_id, False)
                if share_with:
                    shared = client.post(f"{PROJECTS}/{project_id}/shares", headers=account.auth,
                                         json={"email": share_with})
                    assert shared.status_code == 201, shared.text
            doomed = next(iter(heads))
            deleted = client.delete(f"{PROJECTS}/{doomed}",
                                    headers={**account.auth, "If-Match": f'"{heads[doomed]}"'})
            assert deleted.status_code == 204, deleted.text
            for project_id, head in heads.items():
                # Deleting withdraws the shares: a reader's tombstone names no version.
                gone = project_id == doomed
                final[project_id] = (None if gone and share_with else head, gone)
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(repr(exc))


def _apply(seen: dict[str, tuple[str | None, bool]], changes: list[dict[str, Any]]) -> None:
    for change in changes:
        seen[change["id"]] = (change["version_id"], change["deleted"])


def test_a_polling_reader_ends_with_every_last_version(cloud_server: CloudServer) -> None:
    reader = register(cloud_server)
    sharer = register(cloud_server)
    final: dict[str, tuple[str | None, bool]] = {}
    errors: list[str] = []
    threads = [
        threading.Thread(target=_writer, args=(
            cloud_server, sharer if i < 2 else reader, reader.email if i < 2 else None,
            final, errors))
        for i in range(WRITERS)
    ]
    seen: dict[str, tuple[str | None, bool]] = {}
    polls = 0
    with cloud_server.client() as client:
        cursor: str | None = None
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            answer = client.get(PROJECTS, params={"limit": 7, **({"since": cursor} if cursor
                                                                 else {})},
                                headers=reader.auth)
            assert answer.status_code == 200, answer.text
            _apply(seen, answer.json()["changes"])
            cursor = answer.json()["cursor"]
            polls += 1
        for thread in threads:
            thread.join()
        assert errors == []
        changes, _ = feed_all(client, reader, cursor)
        _apply(seen, changes)
    assert len(final) == WRITERS * (PROJECTS_PER_WRITER + ONE_SHOT_PROJECTS)
    assert polls > 3  # the reader really polled while the writers ran
    assert {pid: seen.get(pid) for pid in final} == final
    # The same picture from a fresh start (cursor none): one entry per project.
    with cloud_server.client() as client:
        everything, _ = feed_all(client, reader)
    assert len(everything) == len({c["id"] for c in everything}) == len(final)
    assert {c["id"]: (c["version_id"], c["deleted"]) for c in everything} == final


def _race(server: CloudServer, attempts: list[Any]) -> list[int]:
    """Run each ``attempt(client)`` in its own thread at once; their status codes."""
    barrier = threading.Barrier(len(attempts))
    codes: list[int] = [0] * len(attempts)

    def run(index: int) -> None:
        with server.client() as client:
            barrier.wait()
            codes[index] = attempts[index](client).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def test_racing_writes_on_one_project_let_exactly_one_through(cloud_server: CloudServer) -> None:
    owner = register(cloud_server)
    racers = 8
    project_id = new_id()
    creates = _race(cloud_server, [
        lambda client: put(client, owner, project_id, create=True) for _ in range(racers)])
    assert creates == [201] + [412] * (racers - 1)
    with cloud_server.client() as client:
        head = client.get(f"{PROJECTS}/{project_id}", headers=owner.auth).json()["version_id"]
    updates = _race(cloud_server, [
        lambda client: put(client, owner, project_id, if_match=head) for _ in range(racers)])
    assert updates == [200] + [412] * (racers - 1)
    # One version id, claimed by creates of different projects at once.
    shared_version = new_id()
    claims = _race(cloud_server, [
        lambda client: put(client, owner, new_id(), version_id=shared_version, create=True)
        for _ in range(racers)])
    assert claims == [201] + [409] * (racers - 1)
    with cloud_server.client() as client:
        versions = client.get(f"{PROJECTS}/{project_id}/versions", headers=owner.auth).json()
    assert len(versions["versions"]) == 2
