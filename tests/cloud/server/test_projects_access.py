"""Who may see and change a project: owner, read-only sharee, anyone else (404 everywhere)."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from tests.cloud.server.projects_client import PROJECTS, create, feed_all, new_id, put
from tests.support.cloud_server import PASSWORD, Account, CloudServer, register


def _every_route(api: httpx.Client, caller: Account, project_id: str, version_id: str,
                 other_email: str) -> dict[str, httpx.Response]:
    """One request per route on ``project_id``, each well-formed, as ``caller``."""
    auth = caller.auth
    base = f"{PROJECTS}/{project_id}"
    return {
        "get": api.get(base, headers=auth),
        "get_if_none_match": api.get(base, headers={**auth, "If-None-Match": f'"{version_id}"'}),
        "put_update": put(api, caller, project_id, if_match=version_id),
        "put_if_match_any": api.put(base, headers={**auth, "If-Match": "*"}, json={
            "name": "x", "document": "", "version_id": new_id()}),
        "put_create": put(api, caller, project_id, create=True),
        "delete": api.delete(base, headers={**auth, "If-Match": f'"{version_id}"'}),
        "versions": api.get(f"{base}/versions", headers=auth),
        "version": api.get(f"{base}/versions/{version_id}", headers=auth),
        "shares": api.get(f"{base}/shares", headers=auth),
        "share_add": api.post(f"{base}/shares", headers=auth, json={"email": other_email}),
        "share_remove": api.delete(f"{base}/shares", headers=auth,
                                   params={"email": other_email}),
    }


def test_a_stranger_gets_404_on_every_route_and_never_sees_it(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner, reader, stranger = (register(cloud_server) for _ in range(3))
    project_id, version_id = create(api, owner, document="secret")
    assert api.post(f"{PROJECTS}/{project_id}/shares", headers=owner.auth,
                    json={"email": reader.email}).status_code == 201
    answers = _every_route(api, stranger, project_id, version_id, reader.email)
    wrong = {route: (a.status_code, a.text) for route, a in answers.items()
             if a.status_code != 404}
    assert wrong == {}
    # The answer is the very one for a project that does not exist at all.
    nowhere = api.get(f"{PROJECTS}/{new_id()}", headers=stranger.auth)
    assert answers["get"].json() == nowhere.json()
    assert feed_all(api, stranger)[0] == []
    # Nothing changed for the owner.
    mine = api.get(f"{PROJECTS}/{project_id}", headers=owner.auth)
    assert (mine.status_code, mine.json()["version_id"], mine.json()["document"]) == (
        200, version_id, "secret")
    assert [s["email"] for s in api.get(f"{PROJECTS}/{project_id}/shares",
                                        headers=owner.auth).json()["shares"]] == [reader.email]
    unauthenticated = api.get(f"{PROJECTS}/{project_id}")
    assert unauthenticated.status_code == 401


def test_a_reader_reads_but_every_write_is_403_read_only(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner, reader, third = (register(cloud_server) for _ in range(3))
    project_id, version_id = create(api, owner, document="shared doc")
    shared = api.post(f"{PROJECTS}/{project_id}/shares", headers=owner.auth,
                      json={"email": reader.email.upper()})
    assert shared.status_code == 201, shared.text
    assert (shared.json()["email"], shared.json()["user_id"]) == (reader.email, reader.user_id)
    answers = _every_route(api, reader, project_id, version_id, third.email)
    codes = {route: a.status_code for route, a in answers.items()}
    assert codes == {
        "get": 200, "get_if_none_match": 304, "put_update": 403, "put_if_match_any": 403,
        "put_create": 403, "delete": 403, "versions": 200, "version": 200,
        "shares": 404,  # who else it is shared with is the owner's business
        "share_add": 403, "share_remove": 403,
    }
    assert answers["get"].json()["role"] == "reader"
    assert answers["get"].json()["document"] == "shared doc"
    assert {answers[r].json()["error"] for r in ("put_update", "delete", "share_add")} == {
        "read_only"}
    changes, _ = feed_all(api, reader)
    assert [(c["id"], c["role"], c["deleted"], c["version_id"]) for c in changes] == [
        (project_id, "reader", False, version_id)]
    assert api.get(f"{PROJECTS}/{project_id}", headers=owner.auth).json()["version_id"] == \
        version_id


def test_sharing_rules_and_a_withdrawn_share_is_a_tombstone(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner, reader = register(cloud_server), register(cloud_server)
    project_id, v1 = create(api, owner)
    shares = f"{PROJECTS}/{project_id}/shares"
    assert api.post(shares, headers=owner.auth, json={"email": owner.email}).status_code == 400
    unknown = api.post(shares, headers=owner.auth, json={"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "user_not_found")
    assert api.post(shares, headers=owner.auth, json={"email": reader.email}).status_code == 201
    again = api.post(shares, headers=owner.auth, json={"email": reader.email})
    assert (again.status_code, again.json()["error"]) == (409, "already_shared")
    changes, cursor = feed_all(api, reader)
    assert [c["id"] for c in changes] == [project_id]
    # The owner's edit reaches the reader's feed.
    v2 = new_id()
    assert put(api, owner, project_id, version_id=v2, if_match=v1).status_code == 200
    changes, cursor = feed_all(api, reader, cursor)
    assert [(c["version_id"], c["deleted"]) for c in changes] == [(v2, False)]
    assert api.delete(shares, headers=owner.auth,
                      params={"email": "nobody@example.com"}).status_code == 404
    assert api.delete(shares, headers=owner.auth, params={"email": reader.email}).status_code == 204
    assert api.delete(shares, headers=owner.auth, params={"email": reader.email}).status_code == 404
    changes, cursor = feed_all(api, reader, cursor)
    assert [(c["id"], c["deleted"], c["name"], c["version_id"]) for c in changes] == [
        (project_id, True, None, None)]
    assert api.get(f"{PROJECTS}/{project_id}", headers=reader.auth).status_code == 404
    # Later edits are none of the former reader's business: no more entries.
    assert put(api, owner, project_id, if_match=v2).status_code == 200
    assert feed_all(api, reader, cursor)[0] == []
    # Shared again, then the owner deletes: the reader's feed says so.
    assert api.post(shares, headers=owner.auth, json={"email": reader.email}).status_code == 201
    current = api.get(f"{PROJECTS}/{project_id}", headers=owner.auth).headers["etag"]
    assert api.delete(f"{PROJECTS}/{project_id}",
                      headers={**owner.auth, "If-Match": current}).status_code == 204
    changes, _ = feed_all(api, reader, cursor)
    assert [(c["id"], c["deleted"]) for c in changes] == [(project_id, True)]
    assert api.get(shares, headers=owner.auth).status_code == 404


def test_deleting_an_account_removes_its_projects_and_shares(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner, reader = register(cloud_server), register(cloud_server)
    project_id, _ = create(api, owner)
    kept_id, _ = create(api, reader)
    assert api.post(f"{PROJECTS}/{project_id}/shares", headers=owner.auth,
                    json={"email": reader.email}).status_code == 201
    assert api.post(f"{PROJECTS}/{kept_id}/shares", headers=reader.auth,
                    json={"email": owner.email}).status_code == 201
    gone = api.request("DELETE", "/api/v1/user/account", headers=owner.auth,
                       json={"password": PASSWORD})
    assert gone.status_code == 204, gone.text
    assert api.get(f"{PROJECTS}/{project_id}", headers=reader.auth).status_code == 404
    assert api.get(f"{PROJECTS}/{kept_id}/shares", headers=reader.auth).json() == {"shares": []}
    engine = sa.create_engine(cloud_server.database_url)
    try:
        with engine.connect() as db:
            def count(sql: str) -> int:
                return int(db.execute(sa.text(sql), {"p": project_id, "u": owner.user_id})
                           .scalar_one())

            assert count("SELECT count(*) FROM projects WHERE owner_id = :u") == 0
            assert count("SELECT count(*) FROM project_versions WHERE project_id = :p") == 0
            assert count("SELECT count(*) FROM project_shares WHERE project_id = :p "
                         "OR user_id = :u") == 0
            assert count("SELECT count(*) FROM projects WHERE id = :p") == 0
    finally:
        engine.dispose()
    assert api.get(f"{PROJECTS}/{kept_id}", headers=reader.auth).status_code == 200
