"""Refresh rotation, reuse detection, logout and session revocation on the real server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt

from tests.support.cloud_server import CloudServer, login, register


def _refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_the_new_pair_works(cloud_server: CloudServer,
                                                api: httpx.Client) -> None:
    account = register(cloud_server)
    answer = _refresh(api, account.refresh_token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["expires_in"] == 900
    assert body["refresh_token"] != account.refresh_token
    assert body["refresh_token"].startswith(account.session_id + ".")
    profile = api.get("/api/v1/user/profile",
                      headers={"Authorization": f"Bearer {body['access_token']}"})
    assert profile.status_code == 200
    assert _refresh(api, body["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_the_whole_family(cloud_server: CloudServer,
                                                         api: httpx.Client) -> None:
    account = register(cloud_server)
    other = login(cloud_server, account)  # another session: must survive
    first = _refresh(api, account.refresh_token).json()
    reused = _refresh(api, account.refresh_token)
    assert reused.status_code == 401
    assert reused.json()["error"] == "token_reused"
    # Every token of the family is dead: the rotated refresh token and the access tokens.
    assert _refresh(api, first["refresh_token"]).status_code == 401
    for access in (account.access_token, first["access_token"]):
        refused = api.get("/api/v1/user/profile", headers={"Authorization": f"Bearer {access}"})
        assert refused.status_code == 401
        assert refused.json()["error"] == "session_revoked"
    assert api.get("/api/v1/user/profile", headers=other.auth).status_code == 200


def test_concurrent_use_of_one_refresh_token_lets_at_most_one_through(
        cloud_server: CloudServer) -> None:
    account = register(cloud_server)
    barrier = threading.Barrier(8)

    def attempt(_: int) -> int:
        with cloud_server.client() as client:
            barrier.wait()
            return _refresh(client, account.refresh_token).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(8)))
    assert codes.count(200) <= 1
    assert codes.count(401) >= 7
    # The reuse ended the family, so even the winner's session is gone.
    with cloud_server.client() as client:
        assert client.get("/api/v1/user/profile", headers=account.auth).status_code == 401


def test_bad_refresh_tokens_are_refused(api: httpx.Client) -> None:
    for token in ("nonsense", "a" * 200, "x.y"):
        answer = _refresh(api, token)
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_token"
    assert _refresh(api, "").status_code == 400


def test_logout_refuses_the_access_and_refresh_tokens_at_once(cloud_server: CloudServer,
                                                             api: httpx.Client) -> None:
    account = register(cloud_server)
    answer = api.post("/api/v1/auth/logout", headers=account.auth)
    assert answer.status_code == 200
    assert answer.json()["success"] is True
    refused = api.get("/api/v1/user/profile", headers=account.auth)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert _refresh(api, account.refresh_token).status_code == 401
    assert api.post("/api/v1/auth/logout", headers=account.auth).status_code == 401


def test_forged_expired_and_missing_access_tokens_are_refused(cloud_server: CloudServer,
                                                             api: httpx.Client) -> None:
    account = register(cloud_server)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another key that is long enough for hs256!", algorithm="HS256")
    expired = {**claims, "exp": claims["iat"] - 3600}
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned, "abc", jwt.encode(expired, "k" * 40, algorithm="HS256")):
        answer = api.get("/api/v1/user/profile", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_token"
    assert api.get("/api/v1/user/profile").status_code == 401
    basic = api.get("/api/v1/user/profile", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    assert set(claims) == {"sub", "sid", "jti", "iat", "exp", "typ"}
    assert claims["exp"] - claims["iat"] == 900
    assert (claims["sub"], claims["sid"], claims["typ"]) == (
        account.user_id, account.session_id, "access")


def test_sessions_list_revoke_one_and_revoke_others(cloud_server: CloudServer) -> None:
    account = register(cloud_server)
    second = login(cloud_server, account, remember=True)
    third = login(cloud_server, account)
    stranger = register(cloud_server)
    with cloud_server.client(ip="10.250.1.2", headers={"User-Agent": "sdsim-test/1"}) as client:
        listed = client.get("/api/v1/user/sessions", headers=second.auth)
        assert listed.status_code == 200
        sessions = {s["id"]: s for s in listed.json()["sessions"]}
        assert set(sessions) == {account.session_id, second.session_id, third.session_id}
        assert [s["id"] for s in sessions.values() if s["current"]] == [second.session_id]
        assert sessions[second.session_id]["remember_me"] is True
        assert set(sessions[second.session_id]) == {
            "id", "created_at", "last_used_at", "expires_at", "ip_address", "user_agent",
            "remember_me", "current"}
        # Another user's session, an unknown one, and one already ended: all 404.
        assert client.delete(f"/api/v1/user/sessions/{stranger.session_id}",
                             headers=second.auth).status_code == 404
        assert client.delete("/api/v1/user/sessions/nope", headers=second.auth).status_code == 404
        assert client.delete(f"/api/v1/user/sessions/{third.session_id}",
                             headers=second.auth).status_code == 204
        assert client.get("/api/v1/user/profile", headers=third.auth).status_code == 401
        assert client.delete(f"/api/v1/user/sessions/{third.session_id}",
                             headers=second.auth).status_code == 404
        others = client.delete("/api/v1/user/sessions", headers=second.auth)
        assert others.json() == {"revoked": 1}
        assert client.get("/api/v1/user/profile", headers=account.auth).status_code == 401
        assert client.get("/api/v1/user/profile", headers=second.auth).status_code == 200
        assert client.get("/api/v1/user/profile", headers=stranger.auth).status_code == 200
        assert client.delete("/api/v1/user/sessions", headers=second.auth).json() == {"revoked": 0}
        assert client.get("/api/v1/user/sessions").status_code == 401


def test_sessions_record_the_forwarded_client_address_and_agent(cloud_server: CloudServer
                                                                ) -> None:
    account = register(cloud_server)
    with cloud_server.client(ip="10.251.7.9", headers={"User-Agent": "agent/9"}) as client:
        body = client.post("/api/v1/auth/login", json={
            "email": account.email, "password": account.password}).json()
        listed = client.get("/api/v1/user/sessions",
                            headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    mine = next(s for s in listed["sessions"] if s["current"])
    assert (mine["ip_address"], mine["user_agent"]) == ("10.251.7.9", "agent/9")
