"""What the server answers, as small immutable records checked on the way in.

Each ``from_json`` checks the shape docs/cloud.md promises and raises
``BadResponse`` for anything else, so the rest of the app never meets a
``KeyError`` or a number where a string belongs. Strings are kept as sent
(they are data: names, ids); they are plain text and must be shown as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from app.cloud.client.errors import BadResponse

T = TypeVar("T")


def _bad(what: str) -> BadResponse:
    return BadResponse(f"The server's answer was not understood ({what}).",
                       error="bad_response")


def as_object(value: object, what: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, or ``BadResponse``."""
    if not isinstance(value, dict):
        raise _bad(f"{what} is not an object")
    return value


def _field(data: Mapping[str, Any], key: str, kind: type[T], what: str) -> T:
    value = data.get(key)
    # bool is an int in Python: a JSON true is not a count.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"{what}.{key} is missing or not a {kind.__name__}")
    return value


def _optional(data: Mapping[str, Any], key: str, kind: type[T], what: str) -> T | None:
    if data.get(key) is None:
        return None
    return _field(data, key, kind, what)


def _list(data: Mapping[str, Any], key: str, what: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list):
        raise _bad(f"{what}.{key} is not a list")
    return [as_object(item, f"{what}.{key}[]") for item in items]


@dataclass(frozen=True)
class CloudUser:
    """The signed-in account as the server sees it."""

    id: str
    email: str
    first_name: str
    last_name: str
    company: str
    email_verified: bool

    @classmethod
    def from_json(cls, value: object) -> CloudUser:
        """Parse ``user``."""
        d = as_object(value, "user")
        user_id = d.get("id")
        if not isinstance(user_id, str | int) or isinstance(user_id, bool):
            raise _bad("user.id is missing")
        return cls(
            id=str(user_id),
            email=_field(d, "email", str, "user"),
            first_name=_optional(d, "first_name", str, "user") or "",
            last_name=_optional(d, "last_name", str, "user") or "",
            company=_optional(d, "company", str, "user") or "",
            email_verified=bool(_optional(d, "email_verified", bool, "user")),
        )


@dataclass(frozen=True)
class Session:
    """A sign-in: who, and the tokens. ``repr`` never shows a token."""

    user: CloudUser | None
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str | None

    def __repr__(self) -> str:
        return f"Session(user={self.user!r}, session_id={self.session_id!r}, expires_in=" \
               f"{self.expires_in})"

    @classmethod
    def from_json(cls, value: object) -> Session:
        """Parse a login/register answer, or a refresh answer (no ``user``)."""
        d = as_object(value, "session")
        expires = _field(d, "expires_in", int, "session")
        sid = d.get("session_id")
        return cls(
            user=CloudUser.from_json(d["user"]) if d.get("user") is not None else None,
            access_token=_field(d, "access_token", str, "session"),
            refresh_token=_field(d, "refresh_token", str, "session"),
            expires_in=max(0, expires),
            session_id=None if sid is None else str(sid),
        )


@dataclass(frozen=True)
class SessionInfo:
    """One of the account's sessions (``GET /user/sessions``)."""

    id: str
    created_at: str | None
    last_used_at: str | None
    expires_at: str | None
    ip_address: str | None
    user_agent: str | None
    remember_me: bool
    current: bool

    @classmethod
    def from_json(cls, value: object) -> SessionInfo:
        """Parse one entry of ``sessions``."""
        d = as_object(value, "session")
        sid = d.get("id")
        if not isinstance(sid, str | int) or isinstance(sid, bool):
            raise _bad("session.id is missing")
        return cls(
            id=str(sid),
            created_at=_optional(d, "created_at", str, "session"),
            last_used_at=_optional(d, "last_used_at", str, "session"),
            expires_at=_optional(d, "expires_at", str, "session"),
            ip_address=_optional(d, "ip_address", str, "session"),
            user_agent=_optional(d, "user_agent", str, "session"),
            remember_me=bool(_optional(d, "remember_me", bool, "session")),
            current=bool(_optional(d, "current", bool, "session")),
        )


@dataclass(frozen=True)
class ProjectInfo:
    """A project's current state on the server (without its document)."""

    id: str
    name: str
    owner_id: str
    role: Literal["owner", "reader"]
    version_id: str
    parent_version_id: str | None
    sha256: str | None
    created_at: str | None
    updated_at: str | None

    @classmethod
    def from_json(cls, value: object) -> ProjectInfo:
        """Parse ``project``."""
        d = as_object(value, "project")
        role = d.get("role", "owner")
        if role not in ("owner", "reader"):
            raise _bad("project.role is neither owner nor reader")
        owner = d.get("owner_id")
        return cls(
            id=_field(d, "id", str, "project"),
            name=_field(d, "name", str, "project"),
            owner_id="" if owner is None else str(owner),
            role=role,
            version_id=_field(d, "version_id", str, "project"),
            parent_version_id=_optional(d, "parent_version_id", str, "project"),
            sha256=_optional(d, "sha256", str, "project"),
            created_at=_optional(d, "created_at", str, "project"),
            updated_at=_optional(d, "updated_at", str, "project"),
        )


@dataclass(frozen=True)
class ProjectDocument:
    """``GET /projects/{id}``: the project, its ``.sdsim`` text and its ETag (version id)."""

    project: ProjectInfo
    document: str
    etag: str


@dataclass(frozen=True)
class Change:
    """One entry of the change feed: a project's latest state, or a tombstone."""

    id: str
    deleted: bool
    name: str | None
    version_id: str | None
    parent_version_id: str | None
    role: str | None
    updated_at: str | None

    @classmethod
    def from_json(cls, value: object) -> Change:
        """Parse one entry of ``changes``."""
        d = as_object(value, "change")
        return cls(
            id=_field(d, "id", str, "change"),
            deleted=bool(_optional(d, "deleted", bool, "change")),
            name=_optional(d, "name", str, "change"),
            version_id=_optional(d, "version_id", str, "change"),
            parent_version_id=_optional(d, "parent_version_id", str, "change"),
            role=_optional(d, "role", str, "change"),
            updated_at=_optional(d, "updated_at", str, "change"),
        )


@dataclass(frozen=True)
class ChangesPage:
    """One page of the change feed and the cursor to ask from next."""

    changes: tuple[Change, ...]
    cursor: str
    has_more: bool

    @classmethod
    def from_json(cls, value: object) -> ChangesPage:
        """Parse ``{changes, cursor, has_more}``; the cursor is opaque (kept as a string)."""
        d = as_object(value, "changes page")
        cursor = d.get("cursor")
        if not isinstance(cursor, str | int) or isinstance(cursor, bool):
            raise _bad("cursor is missing")
        return cls(
            changes=tuple(Change.from_json(c) for c in _list(d, "changes", "page")),
            cursor=str(cursor),
            has_more=bool(_optional(d, "has_more", bool, "page")),
        )


@dataclass(frozen=True)
class VersionInfo:
    """One version in a project's history."""

    version_id: str
    parent_version_id: str | None
    sha256: str | None
    created_at: str | None
    author_id: str | None
    note: str | None

    @classmethod
    def from_json(cls, value: object) -> VersionInfo:
        """Parse one entry of ``versions``."""
        d = as_object(value, "version")
        author = d.get("author_id")
        return cls(
            version_id=_field(d, "version_id", str, "version"),
            parent_version_id=_optional(d, "parent_version_id", str, "version"),
            sha256=_optional(d, "sha256", str, "version"),
            created_at=_optional(d, "created_at", str, "version"),
            author_id=None if author is None else str(author),
            note=_optional(d, "note", str, "version"),
        )


@dataclass(frozen=True)
class Share:
    """A read-only share of a project with another account."""

    email: str
    user_id: str | None
    created_at: str | None

    @classmethod
    def from_json(cls, value: object) -> Share:
        """Parse one share."""
        d = as_object(value, "share")
        uid = d.get("user_id")
        return cls(
            email=_field(d, "email", str, "share"),
            user_id=None if uid is None else str(uid),
            created_at=_optional(d, "created_at", str, "share"),
        )


def parse_list(value: object, key: str, parse: Any) -> tuple[Any, ...]:
    """``value[key]`` parsed item by item with ``parse``."""
    return tuple(parse(item) for item in _list(as_object(value, key), key, key))
