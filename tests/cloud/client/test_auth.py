"""Signing in, token renewal and rotation, and signing out, against the real server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.cloud.client import CloudClient, CloudError, SignedOut
from app.cloud.client.credentials import KEYRING_SERVICE
from tests.cloud.client.conftest import PASSWORD
from tests.cloud.client.transport import ForwardedFor
from tests.support.cloud_server import CloudServer, Mailbox, start_server, stop_server, unique_ip
from tests.support.memory_keyring import MemoryKeyring

REFRESH = ("POST", "/api/v1/auth/refresh")


def stored(server: str, keyring: MemoryKeyring, email: str) -> str | None:
    """The refresh token the keyring holds for ``email`` on ``server``."""
    return keyring.secrets.get((KEYRING_SERVICE, f"{server}|{email}"))


def expire_access_token(client: CloudClient) -> None:
    """Make the server refuse the client's access token (401), as after it expired.

    The real server's tokens live 15 minutes; a token it cannot verify gets the
    same 401 and the same reaction from the client (refresh once, retry once).
    """
    with client._lock:
        client._access = "eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature"


def test_register_login_profile_and_sessions(client: CloudClient, email: str) -> None:
    session = client.register(email.upper(), PASSWORD, first_name="Ada", company="AE")
    assert session.user is not None and session.user.email == email
    assert session.expires_in == 900 and session.session_id
    assert session.access_token not in repr(session)  # tokens never in a repr (logs)
    client.login(email, PASSWORD)
    assert client.get_profile().first_name == "Ada"
    assert client.update_profile(last_name="Lovelace").last_name == "Lovelace"
    listed = client.list_sessions()
    assert len(listed) == 2 and sum(s.current for s in listed) == 1
    with pytest.raises(ValueError, match="not profile fields"):
        client.update_profile(email="x@example.com")


def test_wrong_password_is_a_plain_401_not_a_sign_out(
        client: CloudClient, email: str, transport: ForwardedFor) -> None:
    client.register(email, PASSWORD)
    with pytest.raises(CloudError) as caught:
        client.login(email, "not the password at all")
    assert type(caught.value) is CloudError
    assert (caught.value.status, caught.value.error) == (401, "invalid_credentials")
    assert transport.count(*REFRESH) == 0


def test_validation_error_details_are_passed_on(client: CloudClient, email: str) -> None:
    with pytest.raises(CloudError) as caught:
        client.register("x" * 300 + email, PASSWORD)
    assert (caught.value.status, caught.value.error) == (400, "validation_error")
    assert set(caught.value.details) == {"email"}
    assert all(isinstance(v, str) and v for v in caught.value.details.values())


def test_a_refused_access_token_is_renewed_once_and_the_request_retried(
        signed_in: CloudClient, email: str, transport: ForwardedFor,
        memory_keyring: MemoryKeyring) -> None:
    before = stored(signed_in.base_url, memory_keyring, email)
    expire_access_token(signed_in)
    sent = len(transport.requests)
    assert signed_in.get_profile().email == email
    assert [r[0] for r in transport.requests[sent:]] == ["GET", "POST", "GET"]  # 401, refresh
    after = stored(signed_in.base_url, memory_keyring, email)
    assert after is not None and after != before  # the rotated token replaced the old one
    assert signed_in.get_profile().email == email
    assert transport.count(*REFRESH) == 1  # the new access token is used from then on


def test_a_token_near_its_expiry_is_renewed_before_the_request(
        signed_in: CloudClient, transport: ForwardedFor) -> None:
    signed_in._renew_at = 0.0  # what the client does a minute before `expires_in` runs out
    signed_in.get_profile()
    signed_in.get_profile()
    assert transport.count(*REFRESH) == 1
    assert [r[0] for r in transport.requests[-3:]] == ["POST", "GET", "GET"]  # no 401 first


def test_each_rotation_is_persisted_and_the_keyring_token_resumes_the_session(
        signed_in: CloudClient, email: str, memory_keyring: MemoryKeyring) -> None:
    url = signed_in.base_url
    seen = {stored(url, memory_keyring, email)}
    for _ in range(3):
        signed_in.refresh()
        seen.add(stored(url, memory_keyring, email))
    assert len(seen) == 4 and None not in seen
    # A new client (the next start of the app) resumes from the keyring alone.
    with CloudClient(url, transport=ForwardedFor(unique_ip())) as later:
        assert later.resume(email).email == email
    # ...and rotated once more: the first client's token is now a reused one.
    assert stored(url, memory_keyring, email) not in seen


def test_a_refused_refresh_is_signed_out_and_forgets_the_keyring_token(
        signed_in: CloudClient, email: str, cloud_server: CloudServer,
        memory_keyring: MemoryKeyring) -> None:
    token = stored(signed_in.base_url, memory_keyring, email)
    assert token is not None
    # Someone else uses the refresh token first: ours is then a reuse, which the
    # server answers by ending the whole session.
    with cloud_server.client() as thief:
        assert thief.post("/api/v1/auth/refresh", json={"refresh_token": token}
                          ).status_code == 200
    with pytest.raises(SignedOut) as caught:
        signed_in.refresh()
    assert caught.value.status == 401
    assert caught.value.message.startswith("Your cloud sign-in has ended")
    assert stored(signed_in.base_url, memory_keyring, email) is None
    assert not signed_in.signed_in
    with pytest.raises(SignedOut):
        signed_in.get_profile()


def test_a_replayed_token_revokes_the_family_for_every_client(
        signed_in: CloudClient, email: str, memory_keyring: MemoryKeyring) -> None:
    url = signed_in.base_url
    old = stored(url, memory_keyring, email)
    signed_in.refresh()  # rotates: `old` is now used
    with CloudClient(url, transport=ForwardedFor(unique_ip())) as replay:
        memory_keyring.secrets[(KEYRING_SERVICE, f"{url}|{email}")] = old or ""
        with pytest.raises(SignedOut):
            replay.resume(email)
    assert stored(url, memory_keyring, email) is None  # a dead token is not kept
    # The reuse revoked the family: the first client is signed out too, at once.
    with pytest.raises(SignedOut):
        signed_in.get_profile()
    assert not signed_in.signed_in


def test_resume_without_a_stored_token_is_signed_out(client: CloudClient) -> None:
    with pytest.raises(SignedOut) as caught:
        client.resume("nobody@example.com")
    assert caught.value.error == "not_signed_in"


def test_without_remember_nothing_reaches_the_keyring(
        client: CloudClient, email: str, memory_keyring: MemoryKeyring) -> None:
    client.register(email, PASSWORD)
    client.login(email, PASSWORD, remember=False)
    client.refresh()
    assert memory_keyring.secrets == {}


def test_logout_ends_the_session_on_the_server_and_here(
        signed_in: CloudClient, email: str, cloud_server: CloudServer,
        memory_keyring: MemoryKeyring) -> None:
    access = signed_in._access
    assert signed_in.logout() is True
    assert stored(signed_in.base_url, memory_keyring, email) is None
    assert not signed_in.signed_in
    with cloud_server.client() as raw:  # the old access token is refused at once
        answer = raw.get("/api/v1/user/profile", headers={"Authorization": f"Bearer {access}"})
    assert answer.status_code == 401
    with pytest.raises(SignedOut):
        signed_in.get_profile()


def test_logout_offline_still_forgets_the_local_sign_in(
        tmp_path: Path, mailbox: Mailbox, email: str,
        memory_keyring: MemoryKeyring) -> None:
    tmp = tmp_path
    own = start_server("sqlite", tmp, mailbox, f"sqlite:///{tmp / 'data' / 'server.db'}")
    try:
        with CloudClient(own.base_url, transport=ForwardedFor(unique_ip())) as client:
            client.register(email, PASSWORD)
            client.login(email, PASSWORD, remember=True)
            assert stored(own.base_url, memory_keyring, email) is not None
            stop_server(own)
            assert client.logout() is False
            assert stored(own.base_url, memory_keyring, email) is None
            assert not client.signed_in
    finally:
        stop_server(own)


def test_concurrent_requests_on_a_refused_token_refresh_it_once(
        signed_in: CloudClient, transport: ForwardedFor) -> None:
    expire_access_token(signed_in)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                signed_in.get_profile()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    # Sent twice, a rotating token would have revoked the session.
    assert transport.count(*REFRESH) == 1

