"""``SyncEngine``: one sync of a local account's projects with the cloud (docs/cloud.md).

Qt-free and synchronous, for one worker thread. A sync is

1. **push** every project the server is behind on (``store.sync.pending_pushes``):
   ``PUT`` with ``If-Match: base`` (``If-None-Match: *`` when the server never
   had it), ``DELETE`` with ``If-Match: base`` for a local delete;
2. **pull** the change feed from the stored cursor until ``has_more`` is false,
   fetching a document only when the change is not already the local head, and
   storing the cursor after every page (an interrupted pull resumes there);
3. **push again** what the pull left to push: conflicted copies, and edits
   that lost a race with the feed.

Conflicts keep both: on a 412 the server's version is fetched and stored
(``apply_remote_version`` forks the local edit into "<name> (conflicted copy)"),
and the copy is pushed as a new project. A local delete that meets an edit on
the server loses (the project comes back); a local edit that meets a delete on
the server wins (the project is created again). Problems with one project (a
document too large, a 403) are collected in ``SyncReport.errors`` and the sync
goes on; ``Offline``, ``SignedOut`` and ``RateLimited`` end the whole sync (what
was done so far is stored: the next sync carries on from there).

Running ``sync()`` again with nothing changed anywhere sends one request (the
feed page) and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from app.cloud.client.api import CloudClient
from app.cloud.client.errors import CloudError, Conflict, Offline, RateLimited, SignedOut
from app.cloud.client.models import Change, ProjectDocument
from app.storage import Store, errors
from app.storage.records import RemoteApplied, SyncHead

log = logging.getLogger(__name__)

#: Feed page size: the server's default; bounded so one page is a bounded answer.
PAGE_SIZE = 100
#: Errors that stop the whole sync: the next one starts over from the stored state.
FATAL = (Offline, SignedOut, RateLimited)


@dataclass(frozen=True)
class ConflictNote:
    """A conflict this sync resolved by keeping both versions.

    ``project_id``/``name`` is the project (now holding the server's version);
    ``copy_id``/``copy_name`` is the new project holding the local edit, or
    ``None`` when nothing had to be copied (a local delete that lost to an edit).
    """

    project_id: str
    name: str
    copy_id: str | None
    copy_name: str | None


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: counts, conflicts and per-project problems (plain text)."""

    pushed: int = 0
    pulled: int = 0
    deleted: int = 0
    conflicts: tuple[ConflictNote, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def changed_anything(self) -> bool:
        """Whether the sync moved anything in either direction."""
        return bool(self.pushed or self.pulled or self.deleted or self.conflicts)


@dataclass
class _Tally:
    pushed: int = 0
    pulled: int = 0
    deleted: int = 0
    conflicts: list[ConflictNote] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Projects that failed in this sync: not tried again until the next one.
    failed: set[str] = field(default_factory=set)

    def report(self) -> SyncReport:
        return SyncReport(self.pushed, self.pulled, self.deleted, tuple(self.conflicts),
                          tuple(self.errors))


class SyncEngine:
    """Syncs ``user_id``'s projects in ``store`` through a signed-in ``client``.

    The local account must be linked (``store.sync.link``) before a pull: the
    cursor is kept on the link. ``page_size`` is the feed page asked for.
    ``on_page`` (tests, progress) is called after each stored feed page with
    the cursor just stored.
    """

    def __init__(self, store: Store, client: CloudClient, user_id: str, *,
                 page_size: int = PAGE_SIZE,
                 on_page: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.client = client
        self.user_id = user_id
        self.page_size = page_size
        self.on_page = on_page

    # -- the whole sync -----------------------------------------------------------

    def sync(self) -> SyncReport:
        """Push, pull, push what the pull left; ``Offline``/``SignedOut`` end it early."""
        tally = _Tally()
        self._push_all(tally)
        self._pull(tally)
        self._push_all(tally)
        report = tally.report()
        log.info("Sync: %d pushed, %d pulled, %d deleted, %d conflicts, %d problems",
                 report.pushed, report.pulled, report.deleted, len(report.conflicts),
                 len(report.errors))
        return report

    def push(self) -> SyncReport:
        """Only the push half (what the server is behind on)."""
        tally = _Tally()
        self._push_all(tally)
        return tally.report()

    def pull(self) -> SyncReport:
        """Only the pull half (the change feed from the stored cursor)."""
        tally = _Tally()
        self._pull(tally)
        return tally.report()

    # -- push ---------------------------------------------------------------------

    def _push_all(self, tally: _Tally) -> None:
        for pending in self.store.sync.pending_pushes(self.user_id):
            if pending.id not in tally.failed:
                self._guarded(tally, pending.id, pending.name,
                              partial(self._push_one, tally, pending.id))

    def _guarded(self, tally: _Tally, project_id: str, name: str,
                 step: Callable[[], None]) -> None:
        """Run one project's step; its own problems are noted, fatal ones propagate."""
        try:
            step()
        except FATAL:
            raise
        except (CloudError, errors.StorageError) as exc:
            tally.failed.add(project_id)
            message = exc.message if isinstance(exc, CloudError) else str(exc)
            tally.errors.append(f"“{name}”: {message}")

    def _push_one(self, tally: _Tally, project_id: str) -> None:
        head = self.store.sync.prepare_push(self.user_id, project_id)
        if head is None:
            return
        if head.deleted:
            self._push_delete(tally, head)
        else:
            self._push_version(tally, head)

    def _push_version(self, tally: _Tally, head: SyncHead) -> None:
        assert head.document is not None and head.version_id is not None
        create = head.base_version_id is None
        try:
            self.client.put_project(
                head.id, name=head.name, document=head.document, version_id=head.version_id,
                create=create, if_match=None if create else head.base_version_id)
        except Conflict as exc:
            self._push_conflict(tally, head, exc)
            return
        except CloudError as exc:
            if exc.status == 404 and not create:
                # The server no longer has it at all (another server, or purged): create it.
                self._create_again(tally, head)
                return
            raise
        self.store.sync.mark_pushed(self.user_id, head.id, head.version_id, name=head.name)
        tally.pushed += 1

    def _create_again(self, tally: _Tally, head: SyncHead) -> None:
        """The server deleted the project but it was edited here: the edit wins."""
        assert head.document is not None and head.version_id is not None
        try:
            self.client.put_project(head.id, name=head.name, document=head.document,
                                    version_id=head.version_id, create=True)
        except Conflict as exc:  # created again meanwhile by another machine
            self._push_conflict(tally, head, exc)
            return
        self.store.sync.mark_pushed(self.user_id, head.id, head.version_id, name=head.name)
        tally.pushed += 1

    def _push_conflict(self, tally: _Tally, head: SyncHead, exc: Conflict) -> None:
        """412: the server moved on (or deleted it, or already has it)."""
        if exc.current_version_id is None and head.base_version_id is not None:
            self._create_again(tally, head)  # deleted on the server: the local edit wins
            return
        server = self._fetch(head.id)
        if server is None:  # gone between the 412 and the GET: try again next sync
            return
        if server.project.version_id == head.version_id:
            # Our own earlier push whose answer was lost: the server has this very version.
            self.store.sync.mark_pushed(self.user_id, head.id, head.version_id, name=head.name)
            return
        applied = self._apply(server)
        tally.pulled += 1
        self._note_conflict(tally, applied, server.project.name)

    def _push_delete(self, tally: _Tally, head: SyncHead) -> None:
        assert head.base_version_id is not None
        try:
            self.client.delete_project(head.id, head.base_version_id)
        except Conflict as exc:
            if exc.current_version_id is None:  # deleted on the server too
                self.store.sync.mark_pushed(self.user_id, head.id, None)
                return
            # Edited on the server since: that edit wins and the project comes back.
            server = self._fetch(head.id)
            if server is not None:
                applied = self._apply(server)
                tally.pulled += 1
                tally.conflicts.append(ConflictNote(applied.project_id, server.project.name,
                                                    None, None))
            return
        except CloudError as exc:
            if exc.status != 404:
                raise
        self.store.sync.mark_pushed(self.user_id, head.id, None)
        tally.pushed += 1

    # -- pull ---------------------------------------------------------------------

    def _pull(self, tally: _Tally) -> None:
        link = self.store.sync.get_link(self.user_id)
        if link is None:
            raise SignedOut("This account is not linked to a cloud account.",
                            error="not_linked")
        cursor = link.cursor
        while True:
            page = self.client.changes(since=cursor, limit=self.page_size)
            for change in page.changes:
                self._guarded(tally, change.id, change.name or change.id,
                              partial(self._pull_one, tally, change))
            if page.cursor != cursor:
                self.store.sync.set_cursor(self.user_id, page.cursor)
                cursor = page.cursor
                if self.on_page is not None:
                    self.on_page(cursor)
            if not page.has_more or not page.changes:
                return

    def _local(self, project_id: str) -> SyncHead | None:
        try:
            return self.store.sync.get_head(self.user_id, project_id)
        except errors.NotFound:
            return None

    def _pull_one(self, tally: _Tally, change: Change) -> None:
        local = self._local(change.id)
        if change.deleted:
            if local is None or (local.deleted and local.base_version_id is None):
                return  # never had it, or its delete is already in step
            applied = self.store.sync.mark_deleted_remote(self.user_id, change.id)
            if applied.outcome in ("deleted", "forked"):
                tally.deleted += 1
            self._note_conflict(tally, applied, local.name)
            return
        if local is not None and change.version_id is not None and change.version_id in (
                local.version_id, local.base_version_id):
            # Already here (our own push), or our base with local edits, a rename or a
            # delete on top, which the next push sends: nothing to fetch.
            return
        server = self._fetch(change.id)
        if server is None:
            return  # deleted or unshared since this page: its tombstone comes next
        if local is not None and server.project.version_id in (local.version_id,
                                                               local.base_version_id):
            return
        applied = self._apply(server)
        if applied.outcome != "unchanged":
            tally.pulled += 1
        self._note_conflict(tally, applied, server.project.name)

    # -- helpers ------------------------------------------------------------------

    def _fetch(self, project_id: str) -> ProjectDocument | None:
        try:
            return self.client.get_project(project_id)
        except CloudError as exc:
            if exc.status == 404:
                return None
            raise

    def _apply(self, server: ProjectDocument) -> RemoteApplied:
        p = server.project
        return self.store.sync.apply_remote_version(
            self.user_id, p.id, name=p.name, document=server.document,
            version_id=p.version_id, parent_version_id=p.parent_version_id, role=p.role)

    def _note_conflict(self, tally: _Tally, applied: RemoteApplied, name: str) -> None:
        if applied.conflicted_copy_id is None:
            if applied.outcome == "revived":
                tally.conflicts.append(ConflictNote(applied.project_id, name, None, None))
            return
        copy = self.store.sync.get_head(self.user_id, applied.conflicted_copy_id)
        tally.conflicts.append(ConflictNote(applied.project_id, name, copy.id, copy.name))
        # Push the copy now, so the other machines see both in this round.
        self._guarded(tally, copy.id, copy.name, partial(self._push_one, tally, copy.id))
