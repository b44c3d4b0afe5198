"""A PROTOCOL STAND-IN for the cloud server, for the client's tests only.

The real server (``app/cloud/server``, #13) is being built alongside the
client; until it lands, this small FastAPI app implements just enough of
docs/cloud.md, faithfully (routes, shapes, error bodies, ETag/If-Match, 412
with ``current_version_id``, 428, 429 with ``Retry-After``, rotating refresh
tokens whose reuse revokes the session), for the client to be tested over
real HTTP on loopback. Replace it with the real server once that is merged:
the tests only need ``FakeCloud.url`` and the few knobs below (expire the
access tokens, make the next answers hostile).

It runs uvicorn in a daemon thread on a socket bound to 127.0.0.1:0.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

ACCESS_TTL = 900


class ApiError(Exception):
    """An error answered as ``{error, message, details?}``."""

    def __init__(self, status: int, error: str, message: str,
                 details: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.details, self.headers = details, headers or {}


@dataclass
class Account:
    id: str
    email: str
    password: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "company": self.company,
                "email_verified": False, "last_login_at": None,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}


@dataclass
class SessionRow:
    id: str
    user_id: str
    remember: bool
    refresh_hash: str
    used_hashes: set[str] = field(default_factory=set)
    active: bool = True


@dataclass
class Version:
    version_id: str
    parent_version_id: str | None
    document: str
    name: str
    author_id: str
    note: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.document.encode()).hexdigest()


@dataclass
class ProjectRow:
    id: str
    owner_id: str
    versions: list[Version] = field(default_factory=list)
    deleted: bool = False
    readers: dict[str, str] = field(default_factory=dict)  # user id -> email


class FakeCloud:
    """The stand-in's state, its FastAPI app and the thread that serves it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self.app = _build_app(self)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- knobs for tests -----------------------------------------------------

    def reset(self) -> None:
        """Forget every account, session, project and knob (between tests)."""
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, SessionRow] = {}
        self.access: dict[str, tuple[str, str, float]] = {}  # token -> user, sid, expiry
        self.projects: dict[str, ProjectRow] = {}
        self.feed: dict[str, dict[str, int]] = {}  # user id -> project id -> seq
        self.counter = itertools.count(1)
        self.access_ttl = ACCESS_TTL
        #: ``expires_in`` as told to the client, when it should differ from the real TTL.
        self.advertised_ttl: int | None = None
        self.refused_tokens = 0  # 401s answered to authenticated requests
        self.refresh_calls = 0
        #: (method, path) -> a callable making the answer, used once, before any route.
        self.overrides: dict[tuple[str, str], Callable[[], Response]] = {}
        self.login_retry_after: int | None = None

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now past its expiry (server-side)."""
        with self.lock:
            self.access = {t: (u, s, 0.0) for t, (u, s, _) in self.access.items()}

    # -- serving -------------------------------------------------------------

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="fake-cloud", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake cloud server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)

    # -- helpers for the routes ----------------------------------------------

    def issue(self, user_id: str, sid: str) -> dict[str, Any]:
        access = "acc_" + secrets.token_urlsafe(24)
        refresh = f"{sid}.{secrets.token_urlsafe(32)}"
        self.access[access] = (user_id, sid, time.time() + self.access_ttl)
        self.sessions[sid].refresh_hash = _hash(refresh)
        told = self.access_ttl if self.advertised_ttl is None else self.advertised_ttl
        return {"access_token": access, "refresh_token": refresh, "expires_in": told}

    def caller(self, request: Request) -> tuple[Account, str]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise ApiError(401, "not_authenticated", "Sign in first.")
        entry = self.access.get(header[7:])
        if entry is None or not self.sessions[entry[1]].active or entry[2] <= time.time():
            self.refused_tokens += 1
        if entry is None or not self.sessions[entry[1]].active:
            raise ApiError(401, "invalid_token", "The access token is not valid.")
        if entry[2] <= time.time():
            raise ApiError(401, "token_expired", "The access token has expired.")
        return self.accounts_by_id()[entry[0]], entry[1]

    def accounts_by_id(self) -> dict[str, Account]:
        return {a.id: a for a in self.accounts.values()}

    def touch(self, project: ProjectRow, *users: str) -> None:
        seq = next(self.counter)
        for user in {project.owner_id, *project.readers, *users}:
            self.feed.setdefault(user, {})[project.id] = seq

    def visible(self, user_id: str, project_id: str, *, write: bool = False) -> ProjectRow:
        project = self.projects.get(project_id)
        if project is None or project.deleted or (
                project.owner_id != user_id and user_id not in project.readers):
            raise ApiError(404, "not_found", "No such project.")
        if write and project.owner_id != user_id:
            raise ApiError(403, "read_only", "This project is shared with you read-only.")
        return project


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _project_json(project: ProjectRow, user_id: str, *, document: bool = False) -> dict[str, Any]:
    head = project.versions[-1]
    out = {"id": project.id, "name": head.name, "owner_id": project.owner_id,
           "role": "owner" if project.owner_id == user_id else "reader",
           "version_id": head.version_id, "parent_version_id": head.parent_version_id,
           "sha256": head.sha256, "created_at": "2026-01-01T00:00:00Z",
           "updated_at": "2026-01-01T00:00:00Z"}
    if document:
        out["document"] = head.document
    return out


def _etag_of(header: str | None) -> str | None:
    return None if header is None else header.strip().removeprefix("W/").strip('"')


class RegisterBody(BaseModel):
    email: str
    password: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""


class LoginBody(BaseModel):
    email: str
    password: str
    remember: bool = False


class RefreshBody(BaseModel):
    refresh_token: str


class ProfileBody(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None


class PutBody(BaseModel):
    name: str
    document: str
    version_id: str
    note: str | None = None


class ShareBody(BaseModel):
    email: str


def _build_app(cloud: FakeCloud) -> FastAPI:
    app = FastAPI()

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.error, "message": exc.message}
        if exc.details:
            body["details"] = exc.details
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = {".".join(str(p) for p in e["loc"][1:]): e["msg"] for e in exc.errors()}
        return JSONResponse({"error": "validation_error", "message": "Invalid input.",
                             "details": details}, status_code=400)

    @app.middleware("http")
    async def overrides(request: Request, call_next: Any) -> Response:
        make = cloud.overrides.pop((request.method, request.url.path), None)
        if make is not None:
            return make()
        return await call_next(request)

    def begin(account: Account, remember: bool) -> dict[str, Any]:
        sid = uuid.uuid4().hex
        cloud.sessions[sid] = SessionRow(sid, account.id, remember, "")
        return {"user": account.json(), "session_id": sid, **cloud.issue(account.id, sid)}

    @app.post("/api/v1/auth/register", status_code=201)
    def register(body: RegisterBody) -> dict[str, Any]:
        with cloud.lock:
            if len(body.password) < 12:
                raise ApiError(400, "validation_error", "The password is too weak.",
                               {"password": "at least 12 characters"})
            if body.email.lower() in cloud.accounts:
                raise ApiError(409, "email_taken", "An account with this email exists.")
            account = Account(uuid.uuid4().hex, body.email.lower(), body.password,
                              body.first_name, body.last_name, body.company)
            cloud.accounts[account.email] = account
            return begin(account, False)

    @app.post("/api/v1/auth/login")
    def login(body: LoginBody) -> dict[str, Any]:
        with cloud.lock:
            if cloud.login_retry_after is not None:
                raise ApiError(429, "rate_limited", "Too many attempts.",
                               headers={"Retry-After": str(cloud.login_retry_after)})
            account = cloud.accounts.get(body.email.lower())
            if account is None or account.password != body.password:
                raise ApiError(401, "invalid_credentials", "Wrong email or password.")
            return begin(account, body.remember)

    @app.post("/api/v1/auth/refresh")
    def refresh(body: RefreshBody) -> dict[str, Any]:
        with cloud.lock:
            cloud.refresh_calls += 1
            sid = body.refresh_token.split(".", 1)[0]
            row = cloud.sessions.get(sid)
            digest = _hash(body.refresh_token)
            if row is None or not row.active:
                raise ApiError(401, "invalid_token", "The refresh token is not valid.")
            if digest in row.used_hashes:  # reuse: a theft signal, the family goes
                row.active = False
                raise ApiError(401, "token_reused", "The session was ended for safety.")
            if digest != row.refresh_hash:
                raise ApiError(401, "invalid_token", "The refresh token is not valid.")
            row.used_hashes.add(digest)
            return cloud.issue(row.user_id, sid)

    @app.post("/api/v1/auth/logout")
    def logout(request: Request) -> dict[str, Any]:
        with cloud.lock:
            _, sid = cloud.caller(request)
            cloud.sessions[sid].active = False
            return {"success": True, "message": "Signed out."}

    @app.get("/api/v1/user/profile")
    def profile(request: Request) -> dict[str, Any]:
        with cloud.lock:
            return cloud.caller(request)[0].json()

    @app.put("/api/v1/user/profile")
    def put_profile(request: Request, body: ProfileBody) -> dict[str, Any]:
        with cloud.lock:
            account = cloud.caller(request)[0]
            for key, value in body.model_dump(exclude_none=True).items():
                setattr(account, key, value)
            return account.json()

    @app.get("/api/v1/user/sessions")
    def sessions(request: Request) -> dict[str, Any]:
        with cloud.lock:
            account, current = cloud.caller(request)
            return {"sessions": [
                {"id": s.id, "created_at": None, "last_used_at": None, "expires_at": None,
                 "ip_address": "127.0.0.1", "user_agent": None, "remember_me": s.remember,
                 "current": s.id == current}
                for s in cloud.sessions.values() if s.user_id == account.id and s.active]}

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": "stand-in", "database": "ok", "redis": None}

    _project_routes(app, cloud)
    return app


def _project_routes(app: FastAPI, cloud: FakeCloud) -> None:
    @app.get("/api/v1/projects")
    def changes(request: Request, since: str = "0", limit: int = 100) -> dict[str, Any]:
        with cloud.lock:
            account, _ = cloud.caller(request)
            if not since.isdigit() or not 1 <= limit <= 1000:
                raise ApiError(400, "bad_cursor", "The cursor is not valid.")
            entries = sorted((seq, pid) for pid, seq in cloud.feed.get(account.id, {}).items()
                             if seq > int(since))
            page, rest = entries[:limit], entries[limit:]
            out = []
            for _, pid in page:
                project = cloud.projects[pid]
                gone = project.deleted or (project.owner_id != account.id
                                           and account.id not in project.readers)
                head = project.versions[-1]
                out.append({"id": pid, "deleted": gone, "name": head.name,
                            "version_id": head.version_id,
                            "parent_version_id": head.parent_version_id,
                            "role": "owner" if project.owner_id == account.id else "reader",
                            "updated_at": "2026-01-01T00:00:00Z"})
            cursor = str(page[-1][0]) if page else since
            return {"changes": out, "cursor": cursor, "has_more": bool(rest)}

    @app.get("/api/v1/projects/{project_id}")
    def get(project_id: str, request: Request) -> Response:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id)
            etag = f'"{project.versions[-1].version_id}"'
            if _etag_of(request.headers.get("if-none-match")) == etag.strip('"'):
                return Response(status_code=304, headers={"ETag": etag})
            return JSONResponse(_project_json(project, account.id, document=True),
                                headers={"ETag": etag})

    @app.put("/api/v1/projects/{project_id}")
    def put(project_id: str, body: PutBody, request: Request) -> Response:
        with cloud.lock:
            account, _ = cloud.caller(request)
            if_match = _etag_of(request.headers.get("if-match"))
            create = request.headers.get("if-none-match") == "*"
            if not create and if_match is None:
                raise ApiError(428, "precondition_required", "Say which version you change.")
            if any(v.version_id == body.version_id
                   for p in cloud.projects.values() for v in p.versions):
                raise ApiError(409, "version_exists", "This version id was used before.")
            existing = cloud.projects.get(project_id)
            if create:
                if existing is not None and not existing.deleted:
                    cloud.visible(account.id, project_id, write=True)
                    raise ApiError(412, "version_conflict", "The project exists.",
                                   {"current_version_id": existing.versions[-1].version_id})
                project = ProjectRow(project_id, account.id)
                cloud.projects[project_id] = project
                parent = None
            else:
                project = cloud.visible(account.id, project_id, write=True)
                current = project.versions[-1].version_id
                if if_match != current:
                    raise ApiError(412, "version_conflict", "Changed on the server first.",
                                   {"current_version_id": current})
                parent = current
            project.versions.append(Version(body.version_id, parent, body.document,
                                            body.name, account.id, body.note))
            cloud.touch(project)
            return JSONResponse(_project_json(project, account.id),
                                status_code=201 if create else 200,
                                headers={"ETag": f'"{body.version_id}"'})

    @app.delete("/api/v1/projects/{project_id}", status_code=204)
    def delete(project_id: str, request: Request) -> Response:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id, write=True)
            if_match = _etag_of(request.headers.get("if-match"))
            if if_match is None:
                raise ApiError(428, "precondition_required", "Say which version you delete.")
            current = project.versions[-1].version_id
            if if_match != current:
                raise ApiError(412, "version_conflict", "Changed on the server first.",
                               {"current_version_id": current})
            project.deleted = True
            cloud.touch(project)
            return Response(status_code=204)

    @app.get("/api/v1/projects/{project_id}/versions")
    def versions(project_id: str, request: Request) -> dict[str, Any]:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id)
            return {"versions": [
                {"version_id": v.version_id, "parent_version_id": v.parent_version_id,
                 "sha256": v.sha256, "created_at": "2026-01-01T00:00:00Z",
                 "author_id": v.author_id, "note": v.note} for v in project.versions]}

    @app.get("/api/v1/projects/{project_id}/shares")
    def shares(project_id: str, request: Request) -> dict[str, Any]:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id)
            if project.owner_id != account.id:
                raise ApiError(404, "not_found", "No such project.")
            return {"shares": [{"email": e, "user_id": u, "created_at": None}
                               for u, e in project.readers.items()]}

    @app.post("/api/v1/projects/{project_id}/shares", status_code=201)
    def share(project_id: str, body: ShareBody, request: Request) -> dict[str, Any]:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id, write=True)
            other = cloud.accounts.get(body.email.lower())
            if other is None:
                raise ApiError(404, "not_found", "No such account.")
            if other.id == account.id:
                raise ApiError(400, "share_self", "That is you.")
            if other.id in project.readers:
                raise ApiError(409, "already_shared", "Already shared.")
            project.readers[other.id] = other.email
            cloud.touch(project)
            return {"email": other.email, "user_id": other.id, "created_at": None}

    @app.delete("/api/v1/projects/{project_id}/shares", status_code=204)
    def unshare(project_id: str, email: str, request: Request) -> Response:
        with cloud.lock:
            account, _ = cloud.caller(request)
            project = cloud.visible(account.id, project_id, write=True)
            other = next((u for u, e in project.readers.items() if e == email.lower()), None)
            if other is None:
                raise ApiError(404, "not_found", "Not shared with that account.")
            del project.readers[other]
            cloud.touch(project, other)
            return Response(status_code=204)
