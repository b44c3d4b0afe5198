"""Signing in, token renewal and rotation, and signing out, over real HTTP on loopback."""

from __future__ import annotations

import threading

import httpx
import pytest

from app.cloud.client import CloudClient, CloudError, SignedOut
from app.cloud.client.credentials import KEYRING_SERVICE
from tests.cloud.client.conftest import PASSWORD
from tests.cloud.client.fake_server import FakeCloud
from tests.support.memory_keyring import MemoryKeyring


def stored(cloud: FakeCloud, keyring: MemoryKeyring, email: str = "ada@example.com") -> str | None:
    return keyring.secrets.get((KEYRING_SERVICE, f"{cloud.url}|{email}"))


def test_register_login_profile_and_sessions(client: CloudClient, cloud: FakeCloud) -> None:
    session = client.register("Ada@Example.com", PASSWORD, first_name="Ada", company="AE")
    assert session.user is not None and session.user.email == "ada@example.com"
    assert session.expires_in == 900 and session.session_id
    assert "acc_" not in repr(session)  # tokens never in a repr (logs)
    client.login("ada@example.com", PASSWORD)
    assert client.get_profile().first_name == "Ada"
    assert client.update_profile(last_name="Lovelace").last_name == "Lovelace"
    listed = client.list_sessions()
    assert len(listed) == 2 and sum(s.current for s in listed) == 1
    with pytest.raises(ValueError, match="not profile fields"):
        client.update_profile(email="x@example.com")


def test_wrong_password_is_a_plain_401_not_a_sign_out(client: CloudClient,
                                                      cloud: FakeCloud) -> None:
    client.register("ada@example.com", PASSWORD)
    with pytest.raises(CloudError) as caught:
        client.login("ada@example.com", "not the password")
    assert type(caught.value) is CloudError
    assert (caught.value.status, caught.value.error) == (401, "invalid_credentials")
    assert caught.value.message == "Wrong email or password."
    assert cloud.refresh_calls == 0


def test_validation_error_details_are_passed_on(client: CloudClient) -> None:
    with pytest.raises(CloudError) as caught:
        client.register("ada@example.com", "short")
    assert caught.value.status == 400
    assert caught.value.details == {"password": "at least 12 characters"}


def test_an_expired_access_token_is_renewed_once_and_the_request_retried(
        signed_in: CloudClient, cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    before = stored(cloud, memory_keyring)
    cloud.expire_access_tokens()
    assert signed_in.get_profile().email == "ada@example.com"
    assert (cloud.refused_tokens, cloud.refresh_calls) == (1, 1)  # a 401, one refresh, a retry
    after = stored(cloud, memory_keyring)
    assert after is not None and after != before  # the rotated token replaced the old one
    assert signed_in.get_profile().email == "ada@example.com"
    assert cloud.refresh_calls == 1  # the new access token is used from then on


def test_a_token_near_its_expiry_is_renewed_before_the_request(
        client: CloudClient, cloud: FakeCloud) -> None:
    client.register("ada@example.com", PASSWORD)
    cloud.advertised_ttl = 0  # the client is told the token is already due
    client.login("ada@example.com", PASSWORD)
    client.get_profile()
    client.get_profile()
    assert cloud.refresh_calls == 2 and cloud.refused_tokens == 0


def test_each_rotation_is_persisted_and_the_keyring_token_resumes_the_session(
        signed_in: CloudClient, cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    seen = {stored(cloud, memory_keyring)}
    for _ in range(3):
        signed_in.refresh()
        seen.add(stored(cloud, memory_keyring))
    assert len(seen) == 4 and None not in seen
    # A new client (the next start of the app) resumes from the keyring alone.
    with CloudClient(cloud.url) as later:
        assert later.resume("ada@example.com").email == "ada@example.com"
    # ...and rotated once more: the first client's token is now a reused one.
    assert stored(cloud, memory_keyring) not in seen


def test_a_refused_refresh_is_signed_out_and_forgets_the_keyring_token(
        signed_in: CloudClient, cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    token = stored(cloud, memory_keyring)
    assert token is not None
    # Someone else uses the refresh token first: ours is then a reuse, which the
    # server answers by ending the whole session.
    stolen = httpx.post(f"{cloud.url}/api/v1/auth/refresh", json={"refresh_token": token})
    assert stolen.status_code == 200
    with pytest.raises(SignedOut) as caught:
        signed_in.refresh()
    assert (caught.value.status, caught.value.error) == (401, "token_reused")
    assert caught.value.message.startswith("Your cloud sign-in has ended")
    assert stored(cloud, memory_keyring) is None and not signed_in.signed_in
    with pytest.raises(SignedOut):
        signed_in.get_profile()


def test_refresh_failure_raises_signed_out(signed_in: CloudClient, cloud: FakeCloud,
                                           memory_keyring: MemoryKeyring) -> None:
    old = stored(cloud, memory_keyring)
    signed_in.refresh()  # rotates: `old` is now used
    with CloudClient(cloud.url) as replay:
        memory_keyring.secrets[(KEYRING_SERVICE, f"{cloud.url}|ada@example.com")] = old or ""
        with pytest.raises(SignedOut) as caught:
            replay.resume("ada@example.com")
    assert caught.value.error == "token_reused"
    assert stored(cloud, memory_keyring) is None  # a dead token is not kept
    # The reuse revoked the family: the first client is signed out too.
    cloud.expire_access_tokens()
    with pytest.raises(SignedOut):
        signed_in.get_profile()
    assert not signed_in.signed_in


def test_resume_without_a_stored_token_is_signed_out(client: CloudClient) -> None:
    with pytest.raises(SignedOut) as caught:
        client.resume("nobody@example.com")
    assert caught.value.error == "not_signed_in"


def test_without_remember_nothing_reaches_the_keyring(
        client: CloudClient, cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    client.register("ada@example.com", PASSWORD)
    client.login("ada@example.com", PASSWORD, remember=False)
    client.refresh()
    assert memory_keyring.secrets == {}


def test_logout_ends_the_session_on_the_server_and_here(
        signed_in: CloudClient, cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    assert signed_in.logout() is True
    assert stored(cloud, memory_keyring) is None and not signed_in.signed_in
    assert not any(s.active for s in cloud.sessions.values() if s.remember)
    with pytest.raises(SignedOut):
        signed_in.get_profile()


def test_logout_offline_still_forgets_the_local_sign_in(
        cloud: FakeCloud, memory_keyring: MemoryKeyring) -> None:
    own = FakeCloud()  # a server of its own, to be switched off
    own.start()
    try:
        with CloudClient(own.url) as client:
            client.register("ada@example.com", PASSWORD)
            client.login("ada@example.com", PASSWORD, remember=True)
            assert stored(own, memory_keyring) is not None
            own.stop()
            assert client.logout() is False
            assert stored(own, memory_keyring) is None and not client.signed_in
    finally:
        own.stop()


def test_concurrent_requests_on_an_expired_token_refresh_it_once(
        signed_in: CloudClient, cloud: FakeCloud) -> None:
    cloud.expire_access_tokens()
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
    assert cloud.refresh_calls == 1
