"""Email verification and password reset end to end, through a real SMTP server."""

from __future__ import annotations

import hashlib

import httpx
import pytest
import sqlalchemy as sa

from tests.support.cloud_server import (
    PASSWORD,
    CloudServer,
    login,
    register,
    token_in,
    unique_email,
)

NEW_PASSWORD = "Harbour lantern fig 904!"


def _stored_token_hashes(server: CloudServer, user_id: str, purpose: str) -> list[str]:
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                sa.text("SELECT token_hash FROM email_tokens WHERE user_id = :u AND purpose = :p"),
                {"u": user_id, "p": purpose}).scalars())
    finally:
        engine.dispose()


def test_verify_email_end_to_end(cloud_server: CloudServer, api: httpx.Client) -> None:
    account = register(cloud_server)
    (message,) = cloud_server.mailbox.wait_for(account.email)
    assert message["From"] == "sdsim@localhost"
    assert "http://cloud.test/verify-email?token=" in message.get_body(("plain",)).get_content()
    token = token_in(message)
    # Stored only as its SHA-256.
    assert _stored_token_hashes(cloud_server, account.user_id, "verify") == [
        hashlib.sha256(token.encode()).hexdigest()]
    # A reset token is not a verification token.
    assert api.post("/api/v1/auth/reset-password",
                    json={"token": token, "new_password": NEW_PASSWORD}).status_code == 400
    assert api.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200
    profile = api.get("/api/v1/user/profile", headers=account.auth).json()
    assert profile["email_verified"] is True
    again = api.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_token"
    assert api.post("/api/v1/auth/verify-email", json={"token": "made-up"}).status_code == 400
    # A verified account is not sent another link.
    assert api.post("/api/v1/auth/resend-verification",
                    json={"email": account.email}).status_code == 200


def test_resend_verification_is_capped_at_three_an_hour(cloud_server: CloudServer,
                                                        api: httpx.Client) -> None:
    account = register(cloud_server)  # the first token
    answers = [api.post("/api/v1/auth/resend-verification", json={"email": account.email})
               for _ in range(4)]
    assert {a.status_code for a in answers} == {200}
    unknown = api.post("/api/v1/auth/resend-verification", json={"email": unique_email()})
    assert unknown.json() == answers[0].json()  # nothing told about which accounts exist
    messages = cloud_server.mailbox.wait_for(account.email, 3)
    tokens = [token_in(m) for m in messages]
    assert len(set(tokens)) == 3
    assert len(_stored_token_hashes(cloud_server, account.user_id, "verify")) == 3
    # Any of the three works once.
    assert api.post("/api/v1/auth/verify-email", json={"token": tokens[1]}).status_code == 200


def test_password_reset_end_to_end(cloud_server: CloudServer, api: httpx.Client) -> None:
    account = register(cloud_server)
    other = login(cloud_server, account)
    cloud_server.mailbox.wait_for(account.email)  # the verification email
    sent = api.post("/api/v1/auth/forgot-password", json={"email": account.email.upper()})
    assert sent.status_code == 200
    unknown = api.post("/api/v1/auth/forgot-password", json={"email": unique_email()})
    assert unknown.json() == sent.json()
    message = next(m for m in cloud_server.mailbox.wait_for(account.email, 2)
                   if m["Subject"] == "Reset your password")
    token = token_in(message)
    assert hashlib.sha256(token.encode()).hexdigest() in _stored_token_hashes(
        cloud_server, account.user_id, "reset")
    # A refused new password does not use the token up.
    weak = api.post("/api/v1/auth/reset-password",
                    json={"token": token, "new_password": "password1234"})
    assert weak.status_code == 400
    assert weak.json()["error"] == "weak_password"
    done = api.post("/api/v1/auth/reset-password",
                    json={"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    for session in (account, other):
        assert api.get("/api/v1/user/profile", headers=session.auth).status_code == 401
    assert api.post("/api/v1/auth/login",
                    json={"email": account.email, "password": PASSWORD}).status_code == 401
    new = api.post("/api/v1/auth/login", json={"email": account.email, "password": NEW_PASSWORD})
    assert new.status_code == 200
    assert new.json()["user"]["email_verified"] is True  # the reset proved the address
    reused = api.post("/api/v1/auth/reset-password",
                      json={"token": token, "new_password": "Another fine phrase 55"})
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_token"


@pytest.mark.parametrize("path", ["/api/v1/auth/forgot-password",
                                  "/api/v1/auth/resend-verification"])
def test_email_routes_validate_their_body(api: httpx.Client, path: str) -> None:
    answer = api.post(path, json={})
    assert answer.status_code == 400
    assert answer.json()["details"] == {"email": "Field required"}
