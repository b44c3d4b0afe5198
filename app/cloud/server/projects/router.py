"""``/api/v1/projects``: the change feed, projects with ETags, versions and shares.

Handlers are plain ``def`` (run in the thread pool); the PUT body is read by
an async dependency with a size bound (:mod:`.body`). Every handler asks
:mod:`.service` for the project *through* the caller.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.cloud.server.deps import CurrentAuth, DbSession, rate_limit_api
from app.cloud.server.projects import service
from app.cloud.server.projects.body import canonical_uuid, parse_put_body, read_bounded_body
from app.cloud.server.projects.feed import decode_cursor, encode_cursor, read_feed
from app.cloud.server.projects.models import Project, ProjectVersion
from app.cloud.server.projects.preconditions import etag, not_modified, write_precondition
from app.cloud.server.projects.schemas import (
    ChangeOut,
    FeedOut,
    ProjectDocumentOut,
    ProjectOut,
    ProjectPutBody,
    ShareBody,
    ShareOut,
    SharesOut,
    VersionDocumentOut,
    VersionOut,
    VersionsOut,
)
from app.cloud.server.text import Text

router = APIRouter(prefix="/api/v1/projects", tags=["projects"],
                   dependencies=[Depends(rate_limit_api)])

#: Any text reaches the handler (so a bad id is 400 ``invalid_id``); the schema says UUID.
ProjectId = Annotated[str, Path(json_schema_extra={"format": "uuid"})]
VersionId = Annotated[str, Path(json_schema_extra={"format": "uuid"})]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
_NO_STORE = {"Cache-Control": "private, no-cache"}
_PUT_OPENAPI: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ProjectPutBody.model_json_schema()}}}}


def _project_out(project: Project, role: str) -> ProjectOut:
    return ProjectOut(id=project.id, name=project.name, owner_id=project.owner_id,
                      role=role,  # type: ignore[arg-type]
                      version_id=project.version_id, parent_version_id=project.parent_version_id,
                      sha256=project.sha256, created_at=project.created_at,
                      updated_at=project.updated_at)


def _version_out(version: ProjectVersion) -> VersionOut:
    return VersionOut(version_id=version.id, parent_version_id=version.parent_version_id,
                      name=version.name, size=version.size, sha256=version.sha256,
                      created_at=version.created_at, author_id=version.author_id,
                      note=version.note)


@router.get("", response_model=FeedOut)
def feed(auth: CurrentAuth, db: DbSession,
         since: Annotated[str | None, Query(max_length=64)] = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> FeedOut:
    """Changes to the caller's (and shared) projects after ``since``, oldest first."""
    after = decode_cursor(since)
    changes, has_more = read_feed(db, auth.user_id, after, limit)
    db.commit()
    cursor = encode_cursor(changes[-1].seq if changes else after)
    return FeedOut(changes=[ChangeOut(
        id=c.id, deleted=c.deleted, name=c.name, version_id=c.version_id,
        parent_version_id=c.parent_version_id, role=c.role,  # type: ignore[arg-type]
        updated_at=c.updated_at) for c in changes], cursor=cursor, has_more=has_more)


@router.get("/{project_id}", response_model=ProjectDocumentOut,
            responses={304: {"description": "Not modified (If-None-Match)"}})
def get_project(project_id: ProjectId, auth: CurrentAuth, db: DbSession,
                if_none_match: IfNoneMatch = None) -> Any:
    """The project and its current document; ``ETag`` is the version id."""
    project_id = canonical_uuid(project_id, "project_id")
    found = service.require_visible(db, project_id, auth.user_id)
    project = found.project
    headers = {"ETag": etag(project.version_id), **_NO_STORE}
    if not_modified(if_none_match, project.version_id):
        db.commit()
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    version = db.get(ProjectVersion, project.version_id)
    db.commit()
    assert version is not None
    body = ProjectDocumentOut(**_project_out(project, found.role).model_dump(),
                              document=version.document)
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


@router.put("/{project_id}", response_model=ProjectOut, openapi_extra=_PUT_OPENAPI,
            responses={201: {"description": "Created", "model": ProjectOut}})
def put_project(project_id: ProjectId, auth: CurrentAuth, db: DbSession,
                raw: Annotated[bytes, Depends(read_bounded_body)], *,
                if_match: IfMatch = None, if_none_match: IfNoneMatch = None) -> Response:
    """Create (``If-None-Match: *``) or update (``If-Match``) with a new version."""
    project_id = canonical_uuid(project_id, "project_id")
    condition = write_precondition(if_match, if_none_match)
    new = parse_put_body(raw)
    project, created = service.put_project(db, project_id, auth.user_id, condition, new)
    body = _project_out(project, "owner")
    return Response(body.model_dump_json(), media_type="application/json",
                    status_code=201 if created else 200,
                    headers={"ETag": etag(project.version_id), **_NO_STORE})


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def delete_project(project_id: ProjectId, auth: CurrentAuth, db: DbSession,
                   if_match: IfMatch = None) -> Response:
    """Delete (a tombstone in the feed); ``If-Match`` must name the current version."""
    project_id = canonical_uuid(project_id, "project_id")
    condition = write_precondition(if_match, None)
    service.delete_project(db, project_id, auth.user_id, condition)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{project_id}/versions", response_model=VersionsOut)
def list_versions(project_id: ProjectId, auth: CurrentAuth, db: DbSession) -> VersionsOut:
    """Every version kept on the server, oldest first."""
    project_id = canonical_uuid(project_id, "project_id")
    versions = service.list_versions(db, project_id, auth.user_id)
    return VersionsOut(versions=[_version_out(v) for v in versions])


@router.get("/{project_id}/versions/{version_id}", response_model=VersionDocumentOut)
def get_version(project_id: ProjectId, version_id: VersionId, auth: CurrentAuth,
                db: DbSession) -> VersionDocumentOut:
    """One version with its document."""
    project_id = canonical_uuid(project_id, "project_id")
    version_id = canonical_uuid(version_id, "version_id")
    version = service.get_version(db, project_id, auth.user_id, version_id)
    return VersionDocumentOut(**_version_out(version).model_dump(), document=version.document)


@router.get("/{project_id}/shares", response_model=SharesOut)
def list_shares(project_id: ProjectId, auth: CurrentAuth, db: DbSession) -> SharesOut:
    """Who the project is shared with (the owner only)."""
    project_id = canonical_uuid(project_id, "project_id")
    rows = service.list_shares(db, project_id, auth.user_id)
    return SharesOut(shares=[ShareOut(email=email, user_id=share.user_id,
                                      created_at=share.created_at) for share, email in rows])


@router.post("/{project_id}/shares", response_model=ShareOut,
             status_code=status.HTTP_201_CREATED)
def add_share(project_id: ProjectId, body: ShareBody, auth: CurrentAuth, db: DbSession) -> ShareOut:
    """Share read-only with another account, by its email."""
    project_id = canonical_uuid(project_id, "project_id")
    share, email = service.add_share(db, project_id, auth.user_id, body.email)
    return ShareOut(email=email, user_id=share.user_id, created_at=share.created_at)


@router.delete("/{project_id}/shares", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def remove_share(project_id: ProjectId, auth: CurrentAuth, db: DbSession,
                 email: Annotated[Text, Query(min_length=1, max_length=255)]) -> Response:
    """Withdraw a share (the reader's feed gets a tombstone)."""
    project_id = canonical_uuid(project_id, "project_id")
    service.remove_share(db, project_id, auth.user_id, email)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
