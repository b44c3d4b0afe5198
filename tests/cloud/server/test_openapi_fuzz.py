"""Schemathesis fuzzes every operation of the OpenAPI schema: no answer is a 500.

Bounded: a few generated examples per operation, on both backends (PostgreSQL
refuses text SQLite stores, such as NUL characters: a fuzz on SQLite alone
missed that 500). Each case
comes from its own address and carries a fresh session of the operation's
account, so a fuzzed logout or session revocation does not blind the cases
after it (fuzzed deletes and password changes never guess the password).
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.support.cloud_server import CloudServer, login, register, unique_ip


def test_no_operation_answers_500(cloud_server: CloudServer) -> None:
    # Schemathesis' own pytest plugin (from_fixture) does not run on this pytest; its
    # strategies are driven by Hypothesis here instead, operation by operation.
    schema = schemathesis.openapi.from_url(f"{cloud_server.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        # An account per operation: its sign-ins stay under the per-account limit.
        account = register(cloud_server)

        @given(case=operation.as_strategy())
        @settings(max_examples=3, phases=[Phase.explicit, Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            session = login(cloud_server, account)  # noqa: B023 (called right below)
            headers = {"Authorization": f"Bearer {session.access_token}",
                       "X-Forwarded-For": unique_ip()}
            case.call_and_validate(base_url=cloud_server.base_url, headers=headers,
                                   checks=[not_a_server_error])

        fuzz()


def test_the_schema_documents_400_not_422(cloud_server: CloudServer) -> None:
    document = httpx.get(f"{cloud_server.base_url}/openapi.json").json()
    codes = {code for path in document["paths"].values() for op in path.values()
             for code in op["responses"]}
    assert "422" not in codes
    assert "400" in codes
    assert {"/api/v1/auth/register", "/api/v1/user/profile", "/health/ready"} <= set(
        document["paths"])
