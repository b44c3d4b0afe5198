"""``CloudClient``: the desktop's side of the API in docs/cloud.md.

Synchronous httpx, meant for one worker thread (never the GUI thread). The
token state is guarded by a lock, so a second thread (a "Sign out" while a
sync runs) is safe, and two requests that meet an expired token at once
refresh it once: a refresh token is single-use, and sending it twice would
look like theft to the server and revoke the whole session.

Tokens: the access token lives in memory only; the refresh token in memory
and, for a "remember" sign-in, in the OS keyring (``RefreshTokenStore``),
rewritten on every rotation so the keyring never holds a used token. An
authenticated request renews the access token shortly before it expires, and
on a 401 refreshes once and retries once; a refused refresh is ``SignedOut``
(and the stored token is forgotten), no answer is ``Offline`` (and it is kept).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from app.cloud.client import wire
from app.cloud.client.credentials import RefreshTokenStore
from app.cloud.client.errors import BadResponse, CloudError, SignedOut
from app.cloud.client.models import (
    ChangesPage,
    CloudUser,
    ProjectDocument,
    ProjectInfo,
    Session,
    SessionInfo,
    Share,
    VersionInfo,
    as_object,
    parse_list,
)
from app.cloud.client.urls import validate_server_url

API = "/api/v1"
#: Refused before reading more: 2× the largest document (5 MB) plus JSON escaping room.
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: The server refuses a larger document (413); refused here before sending it.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
#: Renew the access token this long before the server says it expires.
RENEW_MARGIN_S = 60.0
USER_AGENT = "sdsim-desktop"
#: An idle pooled connection is dropped after this long. It must be shorter than
#: the server's keep-alive (uvicorn closes idle connections after 5 s by default,
#: ``sdsim-server`` after 30 s, its ``KEEP_ALIVE_S``; proxies keep them longer):
#: with equal timers a request can leave on a socket the server is closing at
#: that instant, and the answer is "disconnected without a response" (seen once
#: in CI, 50 desktops syncing on a busy machine).
KEEPALIVE_EXPIRY_S = 4.0


class CloudClient:
    """A signed-in (or signing-in) connection to one cloud server.

    Parameters
    ----------
    base_url:
        The server's root (``https://sync.example.com``), checked by
        ``validate_server_url``; ``warning`` holds its warning, if any.
    transport:
        An httpx transport (tests, proxies); the default opens real sockets.
    timeout:
        Seconds for connecting and for each read/write; ``total_timeout``
        bounds a whole answer.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        total_timeout: float = 120.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        allow_insecure_http: bool = False,
    ) -> None:
        server = validate_server_url(base_url, allow_insecure_http=allow_insecure_http)
        self.base_url = server.url
        self.warning = server.warning
        self.max_response_bytes = max_response_bytes
        self.total_timeout = total_timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S),
            verify=wire.tls_context(),
            follow_redirects=False,  # a redirect elsewhere must not receive the token
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._lock = threading.RLock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._renew_at = 0.0
        self._generation = 0  # bumped on every new access token
        self._store: RefreshTokenStore | None = None
        self.user: CloudUser | None = None

    # -- life cycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close the connections (the sign-in stays in the keyring)."""
        self._http.close()

    def __enter__(self) -> CloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def signed_in(self) -> bool:
        """Whether the client holds a refresh token (it may still be refused)."""
        with self._lock:
            return self._refresh is not None

    # -- auth ---------------------------------------------------------------------

    def register(self, email: str, password: str, *, first_name: str = "",
                 last_name: str = "", company: str = "", remember: bool = False) -> Session:
        """Create an account and sign in to it (201)."""
        body = {"email": email, "password": password, "first_name": first_name,
                "last_name": last_name, "company": company}
        return self._begin(email, remember, self._call("POST", f"{API}/auth/register", body))

    def login(self, email: str, password: str, remember: bool = False) -> Session:
        """Sign in; with ``remember`` the refresh token is kept in the keyring."""
        body = {"email": email, "password": password, "remember": remember}
        return self._begin(email, remember, self._call("POST", f"{API}/auth/login", body))

    def resume(self, email: str) -> CloudUser:
        """Sign in again from the keyring's refresh token; ``SignedOut`` when there is none."""
        store = RefreshTokenStore(self.base_url, email)
        token = store.load()
        if not token:
            raise SignedOut("Sign in to the cloud again.", error="not_signed_in")
        with self._lock:
            self._store, self._refresh, self._access = store, token, None
            self._refresh_locked()
        return self.get_profile()

    def refresh(self) -> None:
        """Renew the access token now (the refresh token rotates)."""
        with self._lock:
            self._refresh_locked()

    def logout(self) -> bool:
        """End the session on the server and forget it here, whatever happens.

        Returns whether the server confirmed; offline, the local sign-in is
        still forgotten (the server's session then lapses on its own).
        """
        try:
            self._authed("POST", f"{API}/auth/logout")
            confirmed = True
        except CloudError:
            confirmed = False
        self._forget()
        return confirmed

    def _begin(self, email: str, remember: bool, answer: Any) -> Session:
        session = Session.from_json(answer)
        with self._lock:
            self._store = RefreshTokenStore(self.base_url, email) if remember else None
            self._adopt(session)
            self.user = session.user
        return session

    def _adopt(self, session: Session) -> None:
        # Called with the lock held: the new pair replaces the old one everywhere.
        self._access = session.access_token
        self._refresh = session.refresh_token
        margin = min(RENEW_MARGIN_S, session.expires_in / 4)
        self._renew_at = time.monotonic() + session.expires_in - margin
        self._generation += 1
        if self._store is not None:
            self._store.save(session.refresh_token)

    def _refresh_locked(self) -> None:
        if not self._refresh:
            raise SignedOut("Sign in to the cloud again.", error="not_signed_in")
        answer = self._send("POST", f"{API}/auth/refresh",
                            {"refresh_token": self._refresh}, bearer=None)
        if answer.status in (400, 401, 403):
            error = wire.error_from(answer)
            self._forget()
            raise SignedOut(f"Your cloud sign-in has ended: {error.message}",
                            status=answer.status, error=error.error)
        if not answer.ok:
            raise wire.error_from(answer)
        self._adopt(Session.from_json(answer.json()))

    def _forget(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.delete()
            self._access = self._refresh = self._store = None
            self.user = None
            self._generation += 1

    # -- user ---------------------------------------------------------------------

    def get_profile(self) -> CloudUser:
        """``GET /user/profile``."""
        user = CloudUser.from_json(self._authed_json("GET", f"{API}/user/profile"))
        self.user = user
        return user

    def update_profile(self, **fields: str) -> CloudUser:
        """``PUT /user/profile`` with any of first_name, last_name, company."""
        unknown = set(fields) - {"first_name", "last_name", "company"}
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        user = CloudUser.from_json(self._authed_json("PUT", f"{API}/user/profile", fields))
        self.user = user
        return user

    def list_sessions(self) -> tuple[SessionInfo, ...]:
        """``GET /user/sessions``."""
        answer = self._authed_json("GET", f"{API}/user/sessions")
        return parse_list(answer, "sessions", SessionInfo.from_json)

    def revoke_session(self, session_id: str) -> None:
        """``DELETE /user/sessions/{id}``."""
        self._authed("DELETE", f"{API}/user/sessions/{_seg(session_id)}")

    def revoke_other_sessions(self) -> int:
        """``DELETE /user/sessions``: every session but this one; returns how many."""
        revoked = as_object(self._authed_json("DELETE", f"{API}/user/sessions"),
                            "answer").get("revoked")
        return revoked if isinstance(revoked, int) and not isinstance(revoked, bool) else 0

    # -- projects -----------------------------------------------------------------

    def changes(self, since: str | None = None, limit: int | None = None) -> ChangesPage:
        """One page of the change feed after cursor ``since`` (from the start when ``None``)."""
        params = {k: str(v) for k, v in (("since", since), ("limit", limit)) if v is not None}
        query = f"?{httpx.QueryParams(params)}" if params else ""
        return ChangesPage.from_json(self._authed_json("GET", f"{API}/projects{query}"))

    def get_project(self, project_id: str, *,
                    if_none_match: str | None = None) -> ProjectDocument | None:
        """The project's current version; ``None`` on 304 (still ``if_none_match``)."""
        headers = {"If-None-Match": _quote_etag(if_none_match)} if if_none_match else {}
        answer = self._authed("GET", f"{API}/projects/{_seg(project_id)}", headers=headers)
        if answer.status == 304:
            return None
        return _document(answer)

    def put_project(self, project_id: str, *, name: str, document: str, version_id: str,
                    if_match: str | None = None, create: bool = False,
                    note: str | None = None) -> tuple[ProjectInfo, str]:
        """Write a new version: ``create=True`` (``If-None-Match: *``) or ``if_match=base``.

        Returns the project and its ETag (the new version id). A stale base is
        ``Conflict`` with ``current_version_id``.
        """
        if create == (if_match is not None):
            raise ValueError("put_project needs exactly one of create=True or if_match")
        if len(document.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise CloudError("The project is larger than the 5 MB the server keeps.",
                             error="document_too_large")
        headers = {"If-None-Match": "*"} if create else {"If-Match": _quote_etag(if_match)}
        body: dict[str, Any] = {"name": name, "document": document, "version_id": version_id}
        if note is not None:
            body["note"] = note
        answer = self._authed("PUT", f"{API}/projects/{_seg(project_id)}", body,
                              headers=headers)
        project = ProjectInfo.from_json(answer.json())
        return project, _etag(answer) or project.version_id

    def delete_project(self, project_id: str, if_match: str) -> None:
        """Delete (a tombstone) if the server's version is still ``if_match``."""
        self._authed("DELETE", f"{API}/projects/{_seg(project_id)}",
                     headers={"If-Match": _quote_etag(if_match)})

    def versions(self, project_id: str) -> tuple[VersionInfo, ...]:
        """The project's history on the server."""
        answer = self._authed_json("GET", f"{API}/projects/{_seg(project_id)}/versions")
        return parse_list(answer, "versions", VersionInfo.from_json)

    def get_version(self, project_id: str, version_id: str) -> ProjectDocument:
        """One past version with its document."""
        return _document(self._authed(
            "GET", f"{API}/projects/{_seg(project_id)}/versions/{_seg(version_id)}"))

    def shares(self, project_id: str) -> tuple[Share, ...]:
        """Who the project is shared with (owner only)."""
        answer = self._authed_json("GET", f"{API}/projects/{_seg(project_id)}/shares")
        return parse_list(answer, "shares", Share.from_json)

    def share(self, project_id: str, email: str) -> Share:
        """Share read-only with another account."""
        return Share.from_json(self._authed_json(
            "POST", f"{API}/projects/{_seg(project_id)}/shares", {"email": email}))

    def unshare(self, project_id: str, email: str) -> None:
        """Withdraw a share."""
        query = httpx.QueryParams({"email": email})
        self._authed("DELETE", f"{API}/projects/{_seg(project_id)}/shares?{query}")

    def health(self) -> Mapping[str, Any]:
        """``GET /health`` (no sign-in needed)."""
        return as_object(self._call("GET", "/health"), "health")

    # -- plumbing -----------------------------------------------------------------

    def _send(self, method: str, url: str, body: object = None, *, bearer: str | None,
              headers: Mapping[str, str] | None = None) -> wire.Answer:
        all_headers = dict(headers or {})
        if bearer is not None:
            all_headers["Authorization"] = f"Bearer {bearer}"
        return wire.exchange(self._http, method, url, headers=all_headers, json_body=body,
                             max_bytes=self.max_response_bytes,
                             deadline_s=self.total_timeout)

    def _call(self, method: str, url: str, body: object = None) -> Any:
        """An unauthenticated request; its JSON answer or the error."""
        answer = self._send(method, url, body, bearer=None)
        if not answer.ok:
            raise wire.error_from(answer)
        return answer.json()

    def _authed_json(self, method: str, url: str, body: object = None) -> Any:
        return self._authed(method, url, body).json()

    def _authed(self, method: str, url: str, body: object = None, *,
                headers: Mapping[str, str] | None = None) -> wire.Answer:
        """An authenticated request: renew when due, and once more on a 401."""
        for attempt in range(2):
            with self._lock:
                if self._access is None or time.monotonic() >= self._renew_at:
                    self._refresh_locked()
                token, generation = self._access, self._generation
            answer = self._send(method, url, body, bearer=token, headers=headers)
            if answer.status != 401:
                if not answer.ok:
                    raise wire.error_from(answer)
                return answer
            if attempt == 0:
                with self._lock:
                    # Another thread may have renewed while this request was out:
                    # then its token is the one to retry with, not a second refresh.
                    if self._generation == generation:
                        self._refresh_locked()
        error = wire.error_from(answer)
        self._forget()
        raise SignedOut(f"The server refused a fresh sign-in: {error.message}",
                        status=401, error=error.error)


def _seg(value: str) -> str:
    """One path segment: an id can never add a segment or a query."""
    if not value or len(value) > 200:
        raise ValueError("an id must be 1 to 200 characters")
    return quote(value, safe="")


def _quote_etag(version_id: str | None) -> str:
    if not version_id or '"' in version_id or any(ord(c) < 0x21 for c in version_id):
        raise ValueError("a version id must be a non-empty token without quotes or spaces")
    return f'"{version_id}"'


def _etag(answer: wire.Answer) -> str | None:
    raw = answer.headers.get("etag")
    if raw is None:
        return None
    raw = raw.strip().removeprefix("W/")
    return raw.strip('"') or None


def _document(answer: wire.Answer) -> ProjectDocument:
    data = as_object(answer.json(), "project")
    document = data.get("document")
    if not isinstance(document, str):
        raise BadResponse("The server's answer was not understood (project.document).",
                          error="bad_response")
    project = ProjectInfo.from_json(data)
    return ProjectDocument(project, document, _etag(answer) or project.version_id)
