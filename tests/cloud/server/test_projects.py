"""Projects on the real server: ETags and preconditions, versions, tombstones, the feed."""

from __future__ import annotations

import hashlib
import socket

import httpx

from tests.cloud.server.projects_client import PROJECTS, create, feed_all, new_id, put
from tests.support.cloud_server import Account, CloudServer, register

PROJECT_KEYS = {"id", "name", "owner_id", "role", "version_id", "parent_version_id", "sha256",
                "created_at", "updated_at"}


def test_create_read_update_with_etags_and_preconditions(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner = register(cloud_server)
    project_id, v1 = new_id(), new_id()
    document = '{"format": 1, "components": ["lb"]}'
    created = put(api, owner, project_id, version_id=v1, document=document, create=True)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == f'"{v1}"'
    body = created.json()
    assert set(body) == PROJECT_KEYS
    assert (body["id"], body["owner_id"], body["role"]) == (project_id, owner.user_id, "owner")
    assert body["parent_version_id"] is None
    assert body["sha256"] == hashlib.sha256(document.encode()).hexdigest()

    got = api.get(f"{PROJECTS}/{project_id}", headers=owner.auth)
    assert got.status_code == 200
    assert got.headers["etag"] == f'"{v1}"'
    assert got.json()["document"] == document
    same = api.get(f"{PROJECTS}/{project_id}", headers={**owner.auth, "If-None-Match": f'"{v1}"'})
    assert same.status_code == 304
    assert same.headers["etag"] == f'"{v1}"'
    assert not same.content
    other_tag = api.get(f"{PROJECTS}/{project_id}",
                        headers={**owner.auth, "If-None-Match": f'"{new_id()}"'})
    assert other_tag.status_code == 200

    v2 = new_id()
    updated = put(api, owner, project_id, version_id=v2, if_match=v1, name="Shop v2")
    assert updated.status_code == 200, updated.text
    assert (updated.json()["version_id"], updated.json()["parent_version_id"]) == (v2, v1)
    assert updated.json()["name"] == "Shop v2"
    # The same request again (its answer lost): already done, nothing new.
    replay = put(api, owner, project_id, version_id=v2, if_match=v1, name="Shop v2")
    assert replay.status_code == 200
    assert replay.json()["version_id"] == v2

    stale = put(api, owner, project_id, if_match=v1, document="other")
    assert stale.status_code == 412
    assert stale.json()["error"] == "version_conflict"
    assert stale.json()["details"]["current_version_id"] == v2
    exists = put(api, owner, project_id, create=True)
    assert exists.status_code == 412
    assert exists.json()["details"]["current_version_id"] == v2
    missing = put(api, owner, project_id)
    assert missing.status_code == 428
    assert missing.json()["error"] == "precondition_required"
    weak = api.put(f"{PROJECTS}/{project_id}", headers={**owner.auth, "If-Match": f'W/"{v2}"'},
                   json={"name": "x", "document": "", "version_id": new_id()})
    assert weak.status_code == 412  # If-Match compares strongly
    reused = put(api, owner, project_id, version_id=v1, if_match=v2)
    assert reused.status_code == 409
    assert reused.json()["error"] == "version_exists"
    elsewhere = put(api, owner, new_id(), version_id=v2, create=True)
    assert elsewhere.status_code == 409  # version ids are unique server-wide
    assert api.get(f"{PROJECTS}/{project_id}", headers=owner.auth).headers["etag"] == f'"{v2}"'


def test_ids_bodies_and_size_limits(cloud_server: CloudServer, api: httpx.Client) -> None:
    owner = register(cloud_server)
    bad_id = put(api, owner, "not-a-uuid", create=True)
    assert bad_id.status_code == 400
    assert bad_id.json()["error"] == "invalid_id"
    assert api.get(f"{PROJECTS}/123", headers=owner.auth).status_code == 400
    assert api.get(f"{PROJECTS}/{new_id()}/versions/nope", headers=owner.auth).status_code == 400
    invalid = api.put(f"{PROJECTS}/{new_id()}", headers={**owner.auth, "If-None-Match": "*"},
                      json={"name": "", "document": 5, "version_id": "x"})
    assert invalid.status_code == 400
    assert invalid.json()["error"] == "validation_error"
    assert set(invalid.json()["details"]) == {"name", "document", "version_id"}
    not_json = api.put(f"{PROJECTS}/{new_id()}", headers={**owner.auth, "If-None-Match": "*"},
                       content=b"{oops")
    assert not_json.status_code == 400

    # Text no column can hold is a 400, never a database error (PostgreSQL refuses NUL).
    for raw in (b'{"name": "a\\u0000b", "document": "", "version_id": "%s"}',
                b'{"name": "a", "document": "\\ud800", "version_id": "%s"}'):
        odd = api.put(f"{PROJECTS}/{new_id()}", headers={**owner.auth, "If-None-Match": "*"},
                      content=raw % new_id().encode())
        assert (odd.status_code, odd.json()["error"]) == (400, "validation_error"), odd.text
    project_id, _ = create(api, owner)
    nul_share = api.post(f"{PROJECTS}/{project_id}/shares", headers=owner.auth,
                         json={"email": "a\u0000@example.com"})
    assert nul_share.status_code == 400
    nul_unshare = api.delete(f"{PROJECTS}/{project_id}/shares", headers=owner.auth,
                             params={"email": "a\u0000@example.com"})
    assert nul_unshare.status_code == 400

    limit = 5 * 1024 * 1024
    at_limit = put(api, owner, new_id(), document="a" * limit, create=True)
    assert at_limit.status_code == 201, at_limit.text
    over = put(api, owner, new_id(), document="a" * (limit + 1), create=True)
    assert over.status_code == 413
    assert over.json()["error"] == "payload_too_large"
    multibyte = put(api, owner, new_id(), document="é" * (limit // 2 + 1), create=True)
    assert multibyte.status_code == 413  # the limit is on UTF-8 bytes, not characters

    def chunks() -> object:
        # No Content-Length (chunked): the server must stop reading on its own.
        yield b'{"name": "big", "version_id": "' + new_id().encode() + b'", "document": "'
        for _ in range(12):
            yield b"a" * (1024 * 1024)
        yield b'"}'

    streamed = api.put(f"{PROJECTS}/{new_id()}", headers={**owner.auth, "If-None-Match": "*"},
                       content=chunks())  # type: ignore[arg-type]
    assert streamed.status_code == 413
    # A declared length past the bound is refused before any of the body is read.
    host, port = cloud_server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"PUT {PROJECTS}/{new_id()} HTTP/1.1\r\nHost: {host}\r\n"
                     f"Authorization: Bearer {owner.access_token}\r\nIf-None-Match: *\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {64 << 20}\r\n"
                     "\r\n{".encode())
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"413", status_line
    assert api.get(PROJECTS).status_code == 401


def test_delete_leaves_a_tombstone_and_the_owner_may_create_again(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    owner = register(cloud_server)
    project_id, v1 = create(api, owner)
    _, cursor = feed_all(api, owner)
    no_condition = api.delete(f"{PROJECTS}/{project_id}", headers=owner.auth)
    assert no_condition.status_code == 428
    stale = api.delete(f"{PROJECTS}/{project_id}",
                       headers={**owner.auth, "If-Match": f'"{new_id()}"'})
    assert stale.status_code == 412
    assert stale.json()["details"]["current_version_id"] == v1
    gone = api.delete(f"{PROJECTS}/{project_id}", headers={**owner.auth, "If-Match": f'"{v1}"'})
    assert gone.status_code == 204
    assert api.get(f"{PROJECTS}/{project_id}", headers=owner.auth).status_code == 404
    assert api.get(f"{PROJECTS}/{project_id}/versions", headers=owner.auth).status_code == 404
    changes, _ = feed_all(api, owner, cursor)
    assert [(c["id"], c["deleted"], c["version_id"]) for c in changes] == [
        (project_id, True, v1)]
    late_edit = put(api, owner, project_id, if_match=v1)
    assert late_edit.status_code == 412
    assert late_edit.json()["details"] == {"current_version_id": None, "deleted": True}
    v2 = new_id()
    again = put(api, owner, project_id, version_id=v2, create=True)
    assert again.status_code == 201
    assert again.json()["parent_version_id"] is None
    history = api.get(f"{PROJECTS}/{project_id}/versions", headers=owner.auth).json()
    assert [v["version_id"] for v in history["versions"]] == [v1, v2]


def test_versions_are_kept_and_readable(cloud_server: CloudServer, api: httpx.Client) -> None:
    owner = register(cloud_server)
    project_id, v1 = create(api, owner, document="one")
    v2 = new_id()
    assert put(api, owner, project_id, version_id=v2, if_match=v1, document="two",
               note="second").status_code == 200
    versions = api.get(f"{PROJECTS}/{project_id}/versions", headers=owner.auth)
    assert versions.status_code == 200
    listed = versions.json()["versions"]
    assert [(v["version_id"], v["parent_version_id"], v["note"], v["size"]) for v in listed] == [
        (v1, None, "", 3), (v2, v1, "second", 3)]
    assert all(v["author_id"] == owner.user_id for v in listed)
    assert "document" not in listed[0]
    first = api.get(f"{PROJECTS}/{project_id}/versions/{v1}", headers=owner.auth)
    assert first.status_code == 200
    assert first.json()["document"] == "one"
    assert first.json()["sha256"] == hashlib.sha256(b"one").hexdigest()
    other_id, other_version = create(api, owner)
    assert api.get(f"{PROJECTS}/{project_id}/versions/{other_version}",
                   headers=owner.auth).status_code == 404
    assert api.get(f"{PROJECTS}/{project_id}/versions/{new_id()}",
                   headers=owner.auth).status_code == 404
    assert other_id != project_id


def test_feed_pages_with_an_opaque_cursor(cloud_server: CloudServer, api: httpx.Client) -> None:
    owner = register(cloud_server)
    ids = [create(api, owner, name=f"P{i}")[0] for i in range(5)]
    first = api.get(PROJECTS, params={"limit": 2}, headers=owner.auth)
    assert first.status_code == 200
    assert first.json()["has_more"] is True
    assert len(first.json()["changes"]) == 2
    changes, cursor = feed_all(api, owner, limit=2)
    assert [c["id"] for c in changes] == ids
    assert {c["role"] for c in changes} == {"owner"}
    assert set(changes[0]) == {"id", "deleted", "name", "version_id", "parent_version_id",
                               "role", "updated_at"}
    nothing = api.get(PROJECTS, params={"since": cursor}, headers=owner.auth).json()
    assert nothing == {"changes": [], "cursor": cursor, "has_more": False}
    # An edit moves the project to the end, once (its current state, not each step).
    edited = put(api, owner, ids[1], if_match=changes[1]["version_id"], name="P1 again")
    assert edited.status_code == 200
    later, _ = feed_all(api, owner, cursor)
    assert [(c["id"], c["name"]) for c in later] == [(ids[1], "P1 again")]
    for bad in ("garbage", "Zm9vOjE", "-1"):
        answer = api.get(PROJECTS, params={"since": bad}, headers=owner.auth)
        assert answer.status_code == 400, bad
        assert answer.json()["error"] == "invalid_cursor"
    assert api.get(PROJECTS, params={"limit": 0}, headers=owner.auth).status_code == 400
    assert api.get(PROJECTS, params={"limit": 501}, headers=owner.auth).status_code == 400


def test_someone_elses_project_stays_empty_for_a_new_user(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    create(api, register(cloud_server))
    stranger: Account = register(cloud_server)
    changes, _ = feed_all(api, stranger)
    assert changes == []
