"""A tiny client of ``/api/v1/projects`` for the tests (plain httpx, no app code)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.cloud_server import Account

PROJECTS = "/api/v1/projects"


def new_id() -> str:
    """A fresh UUID (a project or version id)."""
    return str(uuid.uuid4())


def put(client: httpx.Client, account: Account, project_id: str, *, version_id: str | None = None,
        name: str = "Shop", document: str = '{"format": 1}', if_match: str | None = None,
        create: bool = False, note: str | None = None) -> httpx.Response:
    """PUT a version; ``create`` sends ``If-None-Match: *``, ``if_match`` a quoted version."""
    headers = dict(account.auth)
    if create:
        headers["If-None-Match"] = "*"
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    body: dict[str, Any] = {"name": name, "document": document,
                            "version_id": version_id or new_id()}
    if note is not None:
        body["note"] = note
    return client.put(f"{PROJECTS}/{project_id}", json=body, headers=headers)


def create(client: httpx.Client, account: Account, name: str = "Shop",
           document: str = '{"format": 1}') -> tuple[str, str]:
    """Create a project; (project id, version id)."""
    project_id, version_id = new_id(), new_id()
    answer = put(client, account, project_id, version_id=version_id, name=name,
                 document=document, create=True)
    assert answer.status_code == 201, answer.text
    return project_id, version_id


def feed_all(client: httpx.Client, account: Account, cursor: str | None = None,
             limit: int = 100) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``cursor`` (following ``has_more``) and the last cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["since"] = cursor
        answer = client.get(PROJECTS, params=params, headers=account.auth)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes.extend(body["changes"])
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor
