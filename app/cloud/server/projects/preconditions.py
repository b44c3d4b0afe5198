"""Conditional requests (RFC 9110 section 13) as the project routes use them.

Writes must say what they expect: ``If-None-Match: *`` (create: no live
project here) or ``If-Match: "<version id>"`` (update or delete that
version); without either the answer is 428. ``If-Match`` compares strongly,
so a weak tag (``W/"..."``) never matches; ``If-None-Match`` on a GET compares
weakly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.cloud.server.errors import ApiError


class HasVersion(Protocol):
    """Anything with a current version id and a deletion mark (a project)."""

    @property
    def version_id(self) -> str: ...

    @property
    def deleted_at(self) -> object: ...


def etag(version_id: str) -> str:
    """The ETag of a version: its id, quoted."""
    return f'"{version_id}"'


def _tags(header: str) -> tuple[list[str], list[str]]:
    """(strong, weak) opaque tags of a header value; unquoted tags are taken as given."""
    strong: list[str] = []
    weak: list[str] = []
    for item in filter(None, (part.strip() for part in header.split(","))):
        target, tag = (weak, item[2:]) if item.startswith("W/") else (strong, item)
        target.append(tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag)
    return strong, weak


@dataclass(frozen=True)
class Precondition:
    """What a write expects: ``create`` (nothing live), or one of ``tags`` (None: any)."""

    create: bool
    tags: tuple[str, ...] | None = None

    def matches(self, project: HasVersion) -> bool:
        """True when an update or delete may go ahead on ``project``."""
        if project.deleted_at is not None:
            return False
        return self.tags is None or project.version_id in self.tags


def write_precondition(if_match: str | None, if_none_match: str | None) -> Precondition:
    """The precondition of a PUT or DELETE; 428 without one, 400 for a malformed one."""
    if if_none_match is not None:
        if if_none_match.strip() != "*" or if_match is not None:
            raise ApiError(400, "bad_precondition",
                           "A write takes If-None-Match: * (create) or If-Match (update), "
                           "not both.", {"If-None-Match": "must be * and alone"})
        return Precondition(create=True)
    if if_match is None or not if_match.strip():
        raise ApiError(428, "precondition_required",
                       'Say which version you change: If-Match: "<version id>" '
                       "(or If-None-Match: * to create).")
    if if_match.strip() == "*":
        return Precondition(create=False)
    strong, _weak = _tags(if_match)
    return Precondition(create=False, tags=tuple(strong))


def not_modified(if_none_match: str | None, version_id: str) -> bool:
    """True when a GET's ``If-None-Match`` already names the current version (304)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    strong, weak = _tags(if_none_match)
    return version_id in strong or version_id in weak
