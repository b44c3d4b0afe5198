"""Profile, change of password and deletion of the account on the real server."""

from __future__ import annotations

import httpx
import pytest

from tests.support.cloud_server import PASSWORD, CloudServer, login, register

NEW_PASSWORD = "Velvet canyon drums 73?"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/user/profile"), ("PUT", "/api/v1/user/profile"),
    ("POST", "/api/v1/user/change-password"), ("DELETE", "/api/v1/user/account"),
    ("GET", "/api/v1/user/sessions"), ("DELETE", "/api/v1/user/sessions"),
    ("DELETE", "/api/v1/user/sessions/x"), ("POST", "/api/v1/auth/logout"),
])
def test_every_user_route_needs_a_token(api: httpx.Client, method: str, path: str) -> None:
    answer = api.request(method, path, json={})
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"


def test_profile_get_and_partial_put(cloud_server: CloudServer, api: httpx.Client) -> None:
    account = register(cloud_server, first_name="Grace", last_name="Hopper", company="Navy")
    profile = api.get("/api/v1/user/profile", headers=account.auth).json()
    assert (profile["first_name"], profile["last_name"], profile["company"]) == (
        "Grace", "Hopper", "Navy")
    updated = api.put("/api/v1/user/profile", headers=account.auth, json={"company": "Univac"})
    assert updated.status_code == 200
    assert (updated.json()["first_name"], updated.json()["company"]) == ("Grace", "Univac")
    assert updated.json()["updated_at"] >= profile["updated_at"]
    # Email and verification are not the profile's to change.
    same = api.put("/api/v1/user/profile", headers=account.auth,
                   json={"email": "x@example.com", "email_verified": True})
    assert same.status_code == 200
    assert (same.json()["email"], same.json()["email_verified"]) == (account.email, False)
    too_long = api.put("/api/v1/user/profile", headers=account.auth, json={"company": "x" * 201})
    assert too_long.status_code == 400
    assert list(too_long.json()["details"]) == ["company"]
    assert api.put("/api/v1/user/profile", headers=account.auth,
                   json={"first_name": 5}).status_code == 400


def test_change_password_ends_the_other_sessions(cloud_server: CloudServer,
                                                 api: httpx.Client) -> None:
    account = register(cloud_server)
    other = login(cloud_server, account)
    wrong = api.post("/api/v1/user/change-password", headers=account.auth,
                     json={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "wrong_password"
    weak = api.post("/api/v1/user/change-password", headers=account.auth,
                    json={"current_password": PASSWORD, "new_password": "qwerty123456"})
    assert weak.status_code == 400
    assert weak.json()["error"] == "weak_password"
    assert "new_password" in weak.json()["details"]
    done = api.post("/api/v1/user/change-password", headers=account.auth,
                    json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    assert api.get("/api/v1/user/profile", headers=account.auth).status_code == 200
    assert api.get("/api/v1/user/profile", headers=other.auth).status_code == 401
    old = api.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert old.status_code == 401
    new = api.post("/api/v1/auth/login", json={"email": account.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_delete_account_needs_the_password_and_removes_everything(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    account = register(cloud_server)
    other = login(cloud_server, account)
    wrong = api.request("DELETE", "/api/v1/user/account", headers=account.auth,
                        json={"password": "not the password"})
    assert wrong.status_code == 403
    assert api.request("DELETE", "/api/v1/user/account", headers=account.auth).status_code == 400
    done = api.request("DELETE", "/api/v1/user/account", headers=account.auth,
                       json={"password": PASSWORD})
    assert done.status_code == 204
    assert done.content == b""
    for token in (account, other):
        assert api.get("/api/v1/user/profile", headers=token.auth).status_code == 401
    assert api.post("/api/v1/auth/login", json={"email": account.email,
                                                 "password": PASSWORD}).status_code == 401
    assert api.post("/api/v1/auth/refresh",
                    json={"refresh_token": other.refresh_token}).status_code == 401
    # The email is free again.
    assert register(cloud_server, account.email).user_id != account.user_id
