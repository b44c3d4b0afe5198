"""Projects on the real server: the change feed, versions with If-Match, deletes, shares."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.cloud.client import CloudClient, CloudError, Conflict
from tests.cloud.client.conftest import PASSWORD
from tests.cloud.client.transport import ForwardedFor
from tests.support.cloud_server import CloudServer, unique_email, unique_ip


def vid() -> str:
    """A fresh version (or project) id."""
    return str(uuid.uuid4())


@pytest.fixture
def p1() -> str:
    """A project id of this test's own."""
    return vid()


@pytest.fixture
def bob(cloud_server: CloudServer) -> Iterator[CloudClient]:
    """Another account's client."""
    client = CloudClient(cloud_server.base_url, transport=ForwardedFor(unique_ip()))
    client.register(unique_email("bob"), PASSWORD)
    yield client
    client.close()


def test_create_read_update_and_history(signed_in: CloudClient, p1: str) -> None:
    first, second = vid(), vid()
    project, etag = signed_in.put_project(p1, name="Shop", document="{}",
                                          version_id=first, create=True)
    assert (project.id, project.name, project.role, etag) == (p1, "Shop", "owner", first)
    project, etag = signed_in.put_project(p1, name="Shop 2", document='{"a": 1}',
                                          version_id=second, if_match=first, note="edit")
    assert (project.version_id, project.parent_version_id, etag) == (second, first, second)
    got = signed_in.get_project(p1)
    assert got is not None
    assert (got.document, got.etag, got.project.name) == ('{"a": 1}', second, "Shop 2")
    assert signed_in.get_project(p1, if_none_match=second) is None  # 304
    history = signed_in.versions(p1)
    assert [v.version_id for v in history] == [first, second]
    assert history[1].note == "edit" and history[1].parent_version_id == first


def test_create_over_an_existing_project_is_a_conflict(signed_in: CloudClient, p1: str) -> None:
    first = vid()
    signed_in.put_project(p1, name="A", document="{}", version_id=first, create=True)
    with pytest.raises(Conflict) as caught:
        signed_in.put_project(p1, name="A", document="{}", version_id=vid(), create=True)
    assert caught.value.current_version_id == first


def test_a_reused_version_id_is_409(signed_in: CloudClient, p1: str) -> None:
    first = vid()
    signed_in.put_project(p1, name="A", document="{}", version_id=first, create=True)
    # The same version id on another project (on the same one it would be a replay: 200).
    with pytest.raises(CloudError) as caught:
        signed_in.put_project(vid(), name="A", document="{}", version_id=first, create=True)
    assert (caught.value.status, caught.value.error) == (409, "version_exists")


def test_the_client_refuses_a_write_without_a_precondition(signed_in: CloudClient,
                                                           p1: str) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        signed_in.put_project(p1, name="A", document="{}", version_id=vid())
    with pytest.raises(ValueError, match="exactly one"):
        signed_in.put_project(p1, name="A", document="{}", version_id=vid(),
                              if_match="x", create=True)


def test_a_document_over_5_mb_is_refused_before_sending(
        signed_in: CloudClient, transport: ForwardedFor, p1: str) -> None:
    sent = transport.count()
    with pytest.raises(CloudError) as caught:
        signed_in.put_project(p1, name="A", document="x" * (5 * 1024 * 1024 + 1),
                              version_id=vid(), create=True)
    assert caught.value.error == "document_too_large"
    assert transport.count() == sent  # refused before sending


def test_delete_with_a_stale_version_is_a_conflict_then_succeeds(
        signed_in: CloudClient, p1: str) -> None:
    first, second = vid(), vid()
    signed_in.put_project(p1, name="A", document="{}", version_id=first, create=True)
    signed_in.put_project(p1, name="A", document="{1}", version_id=second, if_match=first)
    with pytest.raises(Conflict) as caught:
        signed_in.delete_project(p1, if_match=first)
    assert caught.value.current_version_id == second
    signed_in.delete_project(p1, if_match=second)
    with pytest.raises(CloudError) as gone:
        signed_in.get_project(p1)
    assert gone.value.status == 404


def test_the_change_feed_pages_and_ends_with_tombstones(signed_in: CloudClient) -> None:
    ids = [vid() for _ in range(5)]
    heads = {}
    for n, project_id in enumerate(ids):
        heads[project_id] = vid()
        signed_in.put_project(project_id, name=f"P{n}", document="{}",
                              version_id=heads[project_id], create=True)
    signed_in.delete_project(ids[0], if_match=heads[ids[0]])
    seen, cursor, pages = [], None, 0
    while True:
        page = signed_in.changes(since=cursor, limit=2)
        pages += 1
        seen.extend(page.changes)
        cursor = page.cursor
        if not page.has_more:
            break
    assert pages == 3
    assert [c.id for c in seen] == ids[1:] + ids[:1]
    assert [c.deleted for c in seen] == [False] * 4 + [True]
    assert seen[1].version_id == heads[ids[2]]
    assert signed_in.changes(since=cursor).changes == ()


def test_a_bad_cursor_is_a_400(signed_in: CloudClient, p1: str) -> None:
    with pytest.raises(CloudError) as caught:
        signed_in.changes(since="not-a-cursor")
    assert (caught.value.status, caught.value.error) == (400, "invalid_cursor")


def test_shares_are_read_only_and_withdrawn_as_tombstones(
        signed_in: CloudClient, bob: CloudClient, p1: str) -> None:
    first = vid()
    signed_in.put_project(p1, name="A", document="{}", version_id=first, create=True)
    assert bob.user is not None
    share = signed_in.share(p1, bob.user.email)
    assert share.email == bob.user.email
    assert [s.email for s in signed_in.shares(p1)] == [bob.user.email]
    got = bob.get_project(p1)
    assert got is not None and got.project.role == "reader"
    with pytest.raises(CloudError) as caught:
        bob.put_project(p1, name="B", document="{}", version_id=vid(), if_match=first)
    assert (caught.value.status, caught.value.error) == (403, "read_only")
    signed_in.unshare(p1, bob.user.email)
    (change,) = bob.changes().changes
    assert (change.id, change.deleted) == (p1, True)


def test_another_users_project_does_not_exist_for_them(
        signed_in: CloudClient, bob: CloudClient, p1: str) -> None:
    first = vid()
    signed_in.put_project(p1, name="A", document="{}", version_id=first, create=True)
    for attempt in (lambda: bob.get_project(p1),
                    lambda: bob.versions(p1),
                    lambda: bob.delete_project(p1, if_match=first),
                    lambda: bob.put_project(p1, name="B", document="{}", version_id=vid(),
                                            if_match=first)):
        with pytest.raises(CloudError) as caught:
            attempt()
        assert caught.value.status == 404


@pytest.mark.parametrize("bad", ["../user/profile", "a/b", "p?x=1", "p#f"])
def test_an_id_stays_one_path_segment(signed_in: CloudClient, bad: str) -> None:
    with pytest.raises(CloudError) as caught:
        signed_in.get_project(bad)
    # Quoted into one segment: never another route (the profile), just no such project.
    assert (caught.value.status, caught.value.error) in ((400, "invalid_id"),
                                                         (404, "not_found"))


def test_an_etag_must_be_a_plain_token(signed_in: CloudClient, p1: str) -> None:
    with pytest.raises(ValueError, match="version id"):
        signed_in.delete_project(p1, if_match='x" , "y')
