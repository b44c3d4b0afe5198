"""Request and response bodies of ``/api/v1/projects``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.cloud.server.schemas import Body

Role = Literal["owner", "reader"]


class ProjectPutBody(Body):
    """``PUT /projects/{id}``: the new head version (its id chosen by the client)."""

    name: str = Field(min_length=1, max_length=255)
    document: str
    version_id: uuid.UUID
    note: str = Field(default="", max_length=500)


class ProjectOut(BaseModel):
    """``project``: the current state as the caller sees it."""

    id: str
    name: str
    owner_id: str
    role: Role
    version_id: str
    parent_version_id: str | None
    sha256: str
    created_at: datetime
    updated_at: datetime


class ProjectDocumentOut(ProjectOut):
    """``GET /projects/{id}``: the project with its current document."""

    document: str


class ChangeOut(BaseModel):
    """One change of the feed: the project's state now (or a tombstone)."""

    id: str
    deleted: bool
    name: str | None
    version_id: str | None
    parent_version_id: str | None
    role: Role
    updated_at: datetime


class FeedOut(BaseModel):
    """``GET /projects``: changes after the cursor, oldest first."""

    changes: list[ChangeOut]
    cursor: str
    has_more: bool


class VersionOut(BaseModel):
    """One version in ``GET /projects/{id}/versions``."""

    version_id: str
    parent_version_id: str | None
    name: str
    size: int
    sha256: str
    created_at: datetime
    author_id: str | None
    note: str


class VersionDocumentOut(VersionOut):
    """``GET /projects/{id}/versions/{version_id}``."""

    document: str


class VersionsOut(BaseModel):
    """``GET /projects/{id}/versions``: oldest first."""

    versions: list[VersionOut]


class ShareBody(Body):
    """``POST /projects/{id}/shares``."""

    email: str = Field(min_length=1, max_length=255)


class ShareOut(BaseModel):
    """One read-only share."""

    email: str
    user_id: str
    created_at: datetime


class SharesOut(BaseModel):
    """``GET /projects/{id}/shares``."""

    shares: list[ShareOut]
