"""Which server addresses the client accepts, and where the refresh token lives."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import pytest

from app.cloud.client import InvalidServerUrl, RefreshTokenStore, keyring_available
from app.cloud.client import validate_server_url as check
from app.cloud.client.credentials import KEYRING_SERVICE
from tests.support.memory_keyring import MemoryKeyring


@pytest.mark.parametrize(("url", "normal"), [
    ("https://sync.example.com/", "https://sync.example.com"),
    ("HTTPS://Sync.Example.com:8443/base/", "https://sync.example.com:8443/base"),
    ("http://localhost:8001", "http://localhost:8001"),
    ("http://127.0.0.5:8001", "http://127.0.0.5:8001"),
    ("http://[::1]:8001", "http://[::1]:8001"),
    ("  http://app.localhost  ", "http://app.localhost"),
])
def test_accepted_urls(url: str, normal: str) -> None:
    assert check(url) == (normal, None)


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://example.com", "invalid_server_url"),
    ("file:///etc/passwd", "invalid_server_url"),
    ("https://user:pw@example.com", "invalid_server_url"),
    ("https://user@example.com", "invalid_server_url"),
    ("https://example.com/?next=x", "invalid_server_url"),
    ("https://example.com/#x", "invalid_server_url"),
    ("https://", "invalid_server_url"),
    ("https://example.com:99999", "invalid_server_url"),
    ("https://exa mple.com", "invalid_server_url"),
    ("", "invalid_server_url"),
    ("https://" + "a" * 3000 + ".com", "invalid_server_url"),
    ("http://sync.example.com", "insecure_server_url"),
    ("http://192.168.1.10:8001", "insecure_server_url"),
    ("http://localhost.evil.com", "insecure_server_url"),
])
def test_refused_urls(url: str, code: str) -> None:
    with pytest.raises(InvalidServerUrl) as caught:
        check(url)
    assert caught.value.error == code
    assert isinstance(caught.value, ValueError)


def test_plain_http_elsewhere_only_when_asked_and_then_with_a_warning() -> None:
    url, warning = check("http://192.168.1.10:8001", allow_insecure_http=True)
    assert url == "http://192.168.1.10:8001"
    assert warning is not None and "not encrypted" in warning


def test_keyring_available_with_a_real_backend() -> None:
    assert keyring_available() == (True, "")


@pytest.mark.parametrize("backend", [
    keyring.backends.fail.Keyring(), keyring.backends.chainer.ChainerBackend()])
def test_without_a_usable_keyring_cloud_sign_in_is_disabled(
        backend: object, monkeypatch: pytest.MonkeyPatch) -> None:
    # keyring's own filter (what keyring.core.init_backend(limit) sets): nothing is
    # usable, so the chainer chains nothing, as on a headless box.
    monkeypatch.setattr(keyring.backend, "_limit", lambda _backend: False)
    keyring.set_keyring(backend)  # type: ignore[arg-type]  (the autouse fixture restores it)
    ok, reason = keyring_available()
    assert not ok
    assert reason.startswith("Cloud sign-in is unavailable: no secure system keyring")
    store = RefreshTokenStore("https://sync.example.com", "a@b.c")
    assert store.save("token") is False and store.load() is None
    store.delete()


def test_the_token_store_uses_the_documented_service_and_name(
        memory_keyring: MemoryKeyring) -> None:
    store = RefreshTokenStore("https://sync.example.com", " Ada@Example.com ")
    assert store.load() is None
    assert store.save("r1") is True and store.save("r2") is True
    assert memory_keyring.secrets == {
        (KEYRING_SERVICE, "https://sync.example.com|ada@example.com"): "r2"}
    assert KEYRING_SERVICE == "sdsim-cloud"
    store.delete()
    store.delete()  # nothing stored: no error
    assert memory_keyring.secrets == {}
