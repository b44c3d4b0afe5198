"""Register and sign in against the real server; the seed's README examples as written."""

from __future__ import annotations

import subprocess

import httpx

from tests.support.cloud_server import PASSWORD, CloudServer, register, unique_email

USER_KEYS = {"id", "email", "first_name", "last_name", "company", "email_verified",
             "last_login_at", "created_at", "updated_at"}


def test_register_answers_201_with_user_and_tokens(api: httpx.Client) -> None:
    email = unique_email()
    answer = api.post("/api/v1/auth/register", json={
        "email": email.upper(), "password": PASSWORD, "first_name": "Ada",
        "last_name": "Lovelace", "company": "Engines"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) >= {"user", "access_token", "refresh_token", "expires_in", "session_id"}
    assert body["expires_in"] == 900
    assert set(body["user"]) == USER_KEYS
    assert body["user"]["email"] == email  # stored case-folded
    assert body["user"]["email_verified"] is False
    assert body["refresh_token"].startswith(body["session_id"] + ".")


def test_register_refuses_duplicates_weak_passwords_and_bad_input(api: httpx.Client) -> None:
    email = unique_email()
    assert api.post("/api/v1/auth/register",
                    json={"email": email, "password": PASSWORD}).status_code == 201
    again = api.post("/api/v1/auth/register", json={"email": email.upper(), "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["error"] == "email_exists"
    weak = api.post("/api/v1/auth/register",
                    json={"email": unique_email(), "password": "password1"})
    assert weak.status_code == 400
    assert weak.json()["error"] == "weak_password"
    assert "password" in weak.json()["details"]
    bad = api.post("/api/v1/auth/register", json={"email": "not-an-email", "password": 5})
    assert bad.status_code == 400
    assert bad.json()["error"] == "validation_error"
    assert set(bad.json()["details"]) == {"email", "password"}
    long_email = "a" * 250 + "@example.com"
    assert api.post("/api/v1/auth/register",
                    json={"email": long_email, "password": PASSWORD}).status_code == 400
    assert api.post("/api/v1/auth/register", content=b"{not json",
                    headers={"content-type": "application/json"}).status_code == 400


def test_login_answers_the_same_shape_and_refuses_wrong_passwords(
        cloud_server: CloudServer, api: httpx.Client) -> None:
    account = register(cloud_server)
    answer = api.post("/api/v1/auth/login", json={"email": account.email.upper(),
                                                   "password": PASSWORD, "remember": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user"]["id"] == account.user_id
    assert body["session_id"] != account.session_id
    assert body["remember_me"] is True
    assert body["user"]["last_login_at"] is not None
    wrong = api.post("/api/v1/auth/login", json={"email": account.email, "password": "nope nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_credentials"
    unknown = api.post("/api/v1/auth/login", json={"email": unique_email(), "password": PASSWORD})
    assert unknown.status_code == 401
    assert unknown.json() == wrong.json()  # unknown accounts are not told apart


def test_errors_have_one_shape_for_404_405_and_validation(api: httpx.Client) -> None:
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong_method = api.get("/api/v1/auth/login")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"
    empty = api.post("/api/v1/auth/login")
    assert empty.status_code == 400
    assert empty.json()["error"] == "validation_error"


def test_health_routes(api: httpx.Client, cloud_server: CloudServer) -> None:
    health = api.get("/health").json()
    assert health["status"] == "ok"
    assert health["database"] == "ok"
    assert health["redis"] == ("ok" if cloud_server.backend == "postgres" else "not_configured")
    assert api.get("/health/live").json() == {"status": "ok"}
    assert api.get("/health/ready").status_code == 200


def test_the_seeds_readme_curl_examples_work_as_written(cloud_server: CloudServer) -> None:
    """The README's register, login and profile commands (its example password)."""
    email = unique_email("readme")

    def curl(*args: str) -> httpx.Response:
        out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args],
                             check=True, capture_output=True, text=True).stdout
        body, _, code = out.rpartition("\n")
        return httpx.Response(int(code), content=body.encode())

    base = cloud_server.base_url
    registered = curl("-X", "POST", f"{base}/api/v1/auth/register",
                      "-H", "Content-Type: application/json",
                      "-d", f'{{"email": "{email}", "password": "SecurePass123!", '
                            '"first_name": "John", "last_name": "Doe", "company": "Example Corp"}')
    assert registered.status_code == 201, registered.text
    logged_in = curl("-X", "POST", f"{base}/api/v1/auth/login",
                     "-H", "Content-Type: application/json",
                     "-d", f'{{"email": "{email}", "password": "SecurePass123!"}}')
    assert logged_in.status_code == 200, logged_in.text
    token = logged_in.json()["access_token"]
    profile = curl("-X", "GET", f"{base}/api/v1/user/profile",
                   "-H", f"Authorization: Bearer {token}")
    assert profile.status_code == 200
    assert profile.json()["company"] == "Example Corp"
    updated = curl("-X", "PUT", f"{base}/api/v1/user/profile",
                   "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json",
                   "-d", '{"first_name": "Jane", "company": "New Corp"}')
    assert updated.status_code == 200
    assert (updated.json()["first_name"], updated.json()["last_name"],
            updated.json()["company"]) == ("Jane", "Doe", "New Corp")
