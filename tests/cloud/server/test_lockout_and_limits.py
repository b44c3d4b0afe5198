"""Lockout and rate limits hold when many requests arrive at once (threads, real server)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from tests.support.cloud_server import PASSWORD, CloudServer, register, unique_email, unique_ip


def _at_once(count: int, request: Callable[[httpx.Client], httpx.Response],
             server: CloudServer, ips: Callable[[int], str]) -> list[httpx.Response]:
    """Fire ``count`` requests together: each thread waits at a barrier, then sends."""
    barrier = threading.Barrier(count)

    def one(i: int) -> httpx.Response:
        with server.client(ip=ips(i)) as client:
            barrier.wait()
            return request(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def _failures(server: CloudServer, user_id: str) -> tuple[int, object]:
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT count, locked_until FROM login_failures WHERE user_id = :u"),
                {"u": user_id}).one()
            return int(row[0]), row[1]
    finally:
        engine.dispose()


def test_concurrent_wrong_passwords_lock_the_account_after_exactly_five(
        cloud_server: CloudServer) -> None:
    account = register(cloud_server)
    answers = _at_once(
        20, lambda c: c.post("/api/v1/auth/login",
                             json={"email": account.email, "password": "wrong guess 123"}),
        cloud_server, lambda i: unique_ip())
    codes = Counter(a.status_code for a in answers)
    assert codes == {401: 5, 429: 15}, codes
    locked = [a for a in answers if a.status_code == 429]
    assert {a.json()["error"] for a in locked} == {"account_locked"}
    assert all(0 < int(a.headers["retry-after"]) <= 15 * 60 + 1 for a in locked)
    count, locked_until = _failures(cloud_server, account.user_id)
    assert count == 5
    assert locked_until is not None
    # The right password does not open a locked account either.
    with cloud_server.client() as client:
        refused = client.post("/api/v1/auth/login",
                              json={"email": account.email, "password": PASSWORD})
        assert refused.status_code == 429
        assert refused.json()["error"] == "account_locked"
        # Existing sessions are not touched by a lockout.
        assert client.get("/api/v1/user/profile", headers=account.auth).status_code == 200


def test_a_successful_sign_in_clears_the_failure_count(cloud_server: CloudServer,
                                                       api: httpx.Client) -> None:
    account = register(cloud_server)
    wrong = {"email": account.email, "password": "wrong guess 123"}
    for _ in range(4):
        assert api.post("/api/v1/auth/login", json=wrong).status_code == 401
    assert _failures(cloud_server, account.user_id)[0] == 4
    assert api.post("/api/v1/auth/login", json={"email": account.email,
                                                 "password": PASSWORD}).status_code == 200
    assert _failures(cloud_server, account.user_id) == (0, None)


def test_the_per_ip_login_limit_holds_under_concurrency(cloud_server: CloudServer) -> None:
    limit, window = cloud_server.limits["login_ip"]
    ip = unique_ip()
    answers = _at_once(
        limit + 10, lambda c: c.post("/api/v1/auth/login",
                                     json={"email": unique_email(), "password": PASSWORD}),
        cloud_server, lambda i: ip)
    codes = Counter(a.status_code for a in answers)
    assert codes == {401: limit, 429: 10}, codes
    limited = [a for a in answers if a.status_code == 429]
    assert {a.json()["error"] for a in limited} == {"rate_limited"}
    assert all(1 <= int(a.headers["retry-after"]) <= window for a in limited)
    # Another address is not limited.
    with cloud_server.client() as client:
        assert client.post("/api/v1/auth/login", json={"email": unique_email(),
                                                        "password": PASSWORD}).status_code == 401


def test_the_per_account_login_limit_holds_across_addresses(cloud_server: CloudServer) -> None:
    limit, _ = cloud_server.limits["login_account"]
    account = register(cloud_server)
    answers = _at_once(
        limit + 5, lambda c: c.post("/api/v1/auth/login",
                                    json={"email": account.email.upper(), "password": PASSWORD}),
        cloud_server, lambda i: unique_ip())
    assert Counter(a.status_code for a in answers) == {200: limit, 429: 5}


def test_registration_and_email_limits_per_ip(cloud_server: CloudServer) -> None:
    limit, _ = cloud_server.limits["register_ip"]
    with cloud_server.client() as client:
        codes = [client.post("/api/v1/auth/register",
                             json={"email": unique_email(), "password": "short"}).status_code
                 for _ in range(limit + 2)]
        # Counted before the password is judged: refused attempts use the budget up.
        assert Counter(codes) == {400: limit, 429: 2}
        email_limit, _ = cloud_server.limits["email_ip"]
        codes = [client.post("/api/v1/auth/verify-email", json={"token": "nope"}).status_code
                 for _ in range(email_limit + 1)]
        assert Counter(codes) == {400: email_limit, 429: 1}


def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(
        cloud_server: CloudServer) -> None:
    """The test servers trust 127.0.0.1 only; a hop list is read from the right."""
    account = register(cloud_server)
    with cloud_server.client(ip=f"1.2.3.4, {unique_ip()}, 127.0.0.1") as client:
        body = client.post("/api/v1/auth/login",
                           json={"email": account.email, "password": PASSWORD}).json()
        sessions = client.get("/api/v1/user/sessions", headers={
            "Authorization": f"Bearer {body['access_token']}"}).json()["sessions"]
    current = next(s for s in sessions if s["current"])
    assert current["ip_address"].startswith("10.")  # the right-most untrusted hop
