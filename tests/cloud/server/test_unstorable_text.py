"""Text no database column can hold is a 400 on every auth and user route, never a 500.

PostgreSQL refuses NUL characters that SQLite stores, so the same request was a
400 on one backend and a 500 on the other (schemathesis found it in
``forgot-password``'s email). Each text field of each body gets a NUL and a lone
surrogate, on both backends; every answer must be ``validation_error`` naming it.
"""

from __future__ import annotations

import httpx

from tests.support.cloud_server import CloudServer, register, unique_ip

#: route -> a valid body; each of its text fields is spoiled in turn.
BODIES: dict[str, dict[str, object]] = {
    "POST /api/v1/auth/register": {"email": "x@example.com", "password": "Kx9!wq-Lm2#pz",
                                   "first_name": "A", "last_name": "B", "company": "C"},
    "POST /api/v1/auth/login": {"email": "x@example.com", "password": "Kx9!wq-Lm2#pz"},
    "POST /api/v1/auth/refresh": {"refresh_token": "abc"},
    "POST /api/v1/auth/forgot-password": {"email": "x@example.com"},
    "POST /api/v1/auth/resend-verification": {"email": "x@example.com"},
    "POST /api/v1/auth/verify-email": {"token": "abc"},
    "POST /api/v1/auth/reset-password": {"token": "abc", "new_password": "Kx9!wq-Lm2#pz"},
    "PUT /api/v1/user/profile": {"first_name": "A", "last_name": "B", "company": "C"},
    "POST /api/v1/user/change-password": {"current_password": "a", "new_password": "b"},
    "DELETE /api/v1/user/account": {"password": "a"},
}

#: A NUL and a lone surrogate, as JSON escapes (httpx cannot encode the surrogate).
SPOILERS = ("\\u0000", "\\ud800")


def test_every_text_field_refuses_unstorable_text(cloud_server: CloudServer) -> None:
    account = register(cloud_server)
    checked = 0
    with httpx.Client(base_url=cloud_server.base_url, timeout=30) as client:
        for route, body in BODIES.items():
            method, path = route.split(" ")
            for field in (k for k, v in body.items() if isinstance(v, str)):
                for spoiler in SPOILERS:
                    raw = httpx.Request("POST", "/", json=body).content.decode()
                    value = httpx.Request("POST", "/", json=body[field]).content.decode()
                    raw = raw.replace(f'"{field}":{value}',
                                      f'"{field}":"x{spoiler}y"', 1)
                    assert spoiler in raw, (route, field)
                    answer = client.request(method, path, content=raw.encode(), headers={
                        **account.auth, "Content-Type": "application/json",
                        "X-Forwarded-For": unique_ip()})
                    assert answer.status_code == 400, (route, field, spoiler, answer.text)
                    assert answer.json()["error"] == "validation_error", (route, field)
                    assert field in answer.json()["details"], (route, field, answer.text)
                    checked += 1
        nul_session = client.delete("/api/v1/user/sessions/a%00b", headers=account.auth)
        assert nul_session.status_code == 400, nul_session.text
    assert checked == 2 * sum(len(b) for b in BODIES.values())
    # The account is untouched: nothing half-applied.
    with httpx.Client(base_url=cloud_server.base_url) as client:
        profile = client.get("/api/v1/user/profile", headers=account.auth)
    assert profile.status_code == 200
