"""``CloudSession``: one local account's cloud sign-in and its syncs (Qt-free).

The GUI holds one per signed-in local account and calls it from a worker
thread (every method may touch the network, except ``status`` and
``available``). It owns the ``CloudClient``, links the local account to the
cloud account (``store.sync.link``), keeps the refresh token in the OS
keyring through the client (a "remember" sign-in), and runs ``SyncEngine``.

Signing out forgets the token (here and, best effort, on the server) but keeps
the cloud link and every project's sync state: signing in again to the same
cloud account carries on from the same cursor and bases, so nothing is
duplicated. (``store.sync.unlink`` is for forgetting the link altogether.)

**One sync at a time.** ``sync_now`` called while a sync runs (a timer and the
"Sync now" menu at once) does not start a second one: it waits for the running
sync and returns that sync's report (or raises its error). So two callers
never push the same edit twice, and each gets an answer that includes every
save made before it called... except saves made while the running sync was
already past its push; those go in the next sync.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from app.cloud.client.api import CloudClient
from app.cloud.client.credentials import RefreshTokenStore, keyring_available
from app.cloud.client.errors import CloudError, Offline, SignedOut, SignInCancelled
from app.cloud.client.models import CloudUser, Session
from app.cloud.client.sync import SyncEngine, SyncReport
from app.storage import Store, errors

log = logging.getLogger(__name__)

State = Literal["signed_out", "idle", "syncing", "offline", "conflict", "error"]
#: At start-up the GUI must not wait long for a server that does not answer.
RESUME_TIMEOUT_S = 5.0
RESUME_TOTAL_TIMEOUT_S = 10.0

ClientFactory = Callable[..., CloudClient]


@dataclass(frozen=True)
class SessionStatus:
    """What the status bar shows: an immutable snapshot, safe to hand to the GUI thread.

    ``state``: ``signed_out`` (no usable sign-in), ``idle`` (signed in, last
    sync clean), ``syncing``, ``offline`` (the server did not answer; local
    saves queue), ``conflict`` (the last sync kept both versions of something:
    ``last_report.conflicts`` says what), ``error`` (``message`` says why).
    """

    state: State
    email: str | None = None
    server_url: str | None = None
    last_report: SyncReport | None = None
    last_synced_at: datetime | None = None
    message: str = ""


class CloudSession:
    """The cloud side of one local account (see the module docstring).

    Parameters
    ----------
    store, user_id:
        The local store and the local account whose projects sync.
    client_factory:
        Makes the ``CloudClient`` for a server URL; called as
        ``client_factory(url, **kwargs)`` with ``timeout``/``total_timeout``
        for the start-up resume (tests add a transport here).
    keyring_check:
        ``keyring_available``: ``(ok, reason)``; no secure keyring, no sign-in.
    on_status:
        Called with every new ``SessionStatus`` from whichever thread changed
        it (the GUI forwards it through a queued signal).
    """

    def __init__(self, store: Store, user_id: str, *,
                 client_factory: ClientFactory = CloudClient,
                 keyring_check: Callable[[], tuple[bool, str]] = keyring_available,
                 on_status: Callable[[SessionStatus], None] | None = None) -> None:
        self.store = store
        self.user_id = user_id
        self._factory = client_factory
        self._keyring_check = keyring_check
        self._on_status = on_status
        self._lock = threading.Lock()
        self._client: CloudClient | None = None
        self._running: Future[SyncReport] | None = None
        link = store.sync.get_link(user_id)
        self._status = SessionStatus("signed_out", link.cloud_email if link else None,
                                     link.server_url if link else None)

    # -- state --------------------------------------------------------------------

    @property
    def status(self) -> SessionStatus:
        """The current status (an immutable snapshot)."""
        with self._lock:
            return self._status

    @property
    def signed_in(self) -> bool:
        """Whether a client holds a sign-in (it may still turn out to be refused)."""
        with self._lock:
            return self._client is not None and self._client.signed_in

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when cloud sign-in can work here, else ``(False, why)``."""
        return self._keyring_check()

    def _set(self, **changes: Any) -> SessionStatus:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:  # a listener's bug must not break a sync
                log.exception("A cloud status listener failed")
        return status

    # -- signing in and out -------------------------------------------------------

    def sign_in(self, server_url: str, email: str, password: str, *,
                remember: bool = True, allow_insecure_http: bool = False,
                proceed: Callable[[], bool] | None = None) -> CloudUser:
        """Sign in to ``server_url`` and link the local account to that cloud account.

        ``remember`` keeps the refresh token in the keyring, so ``resume``
        signs in again at the next start. ``proceed`` is asked once the server
        has said yes and before anything here changes: when it answers False
        (the user cancelled meanwhile) the new server session is ended, the
        token forgotten, the link left as it was, and ``SignInCancelled`` raised.
        Raises ``CloudError`` (wrong password is a ``CloudError`` with status
        401; ``InvalidServerUrl``...).
        """
        return self._sign_in_with(
            server_url, allow_insecure_http, proceed,
            lambda client: client.login(email, password, remember=remember))

    def _sign_in_with(self, server_url: str, allow_insecure_http: bool,
                      proceed: Callable[[], bool] | None,
                      authenticate: Callable[[CloudClient], Session]) -> CloudUser:
        ok, reason = self.available()
        if not ok:
            raise CloudError(reason, error="no_keyring")
        client = self._factory(server_url, allow_insecure_http=allow_insecure_http)
        try:
            session = authenticate(client)
            user = session.user or client.get_profile()
            if proceed is not None and not proceed():
                client.logout()  # ends the server session, forgets the stored token
                raise SignInCancelled("The cloud sign-in was cancelled.", error="cancelled")
            self.store.sync.link(self.user_id, client.base_url, user.id, user.email)
        except BaseException:
            client.close()
            raise
        self._adopt(client, user)
        return user

    def register(self, server_url: str, email: str, password: str, *,
                 first_name: str = "", last_name: str = "", company: str = "",
                 remember: bool = True, allow_insecure_http: bool = False,
                 proceed: Callable[[], bool] | None = None) -> CloudUser:
        """Create a cloud account, sign in to it and link the local account.

        ``proceed`` as for :meth:`sign_in` (the account stays created).
        """
        return self._sign_in_with(
            server_url, allow_insecure_http, proceed,
            lambda client: client.register(email, password, first_name=first_name,
                                           last_name=last_name, company=company,
                                           remember=remember))

    def _adopt(self, client: CloudClient, user: CloudUser) -> None:
        with self._lock:
            old, self._client = self._client, client
        if old is not None and old is not client:
            self._retire(old)
        self._set(state="idle", email=user.email, server_url=client.base_url, message="")

    def _retire(self, client: CloudClient) -> None:
        """Close ``client`` now, or when the sync using it ends (never under its feet)."""
        with self._lock:
            running = self._running
        if running is None:
            client.close()
        else:
            running.add_done_callback(lambda _: client.close())

    def resume(self) -> bool:
        """Sign in again from the keyring at start-up (call it off the GUI thread).

        Returns ``True`` when a stored sign-in was found and the server took
        it, or when the server did not answer within a few seconds (status
        ``offline``: the token is kept and the next ``sync_now`` tries again);
        ``False`` when there is no link or no stored token, or the server
        refused it (status ``signed_out``).
        """
        link = self.store.sync.get_link(self.user_id)
        if link is None or not self.available()[0]:
            self._set(state="signed_out")
            return False
        client = self._factory(link.server_url, timeout=RESUME_TIMEOUT_S,
                               total_timeout=RESUME_TOTAL_TIMEOUT_S,
                               allow_insecure_http=True)  # the user accepted it at sign-in
        try:
            user = client.resume(link.cloud_email)
        except Offline as exc:
            if not client.signed_in:
                client.close()
                self._set(state="signed_out")
                return False
            with self._lock:
                self._client = client
            self._set(state="offline", email=link.cloud_email, server_url=link.server_url,
                      message=exc.message)
            return True
        except CloudError as exc:
            client.close()
            self._set(state="signed_out",
                      message="" if exc.error == "not_signed_in" else exc.message)
            return False
        self._adopt(client, user)
        return True

    def sign_out(self) -> None:
        """End the session on the server (best effort) and forget the token here.

        The cloud link and the projects' sync state stay, so signing in again
        to the same account duplicates nothing.
        """
        with self._lock:
            client, self._client = self._client, None
        link = self.store.sync.get_link(self.user_id)
        if client is not None:
            # Forgets the tokens even when the server is away; a sync running on this
            # client then stops at its next request with SignedOut.
            client.logout()
            self._retire(client)
        if link is not None:
            RefreshTokenStore(link.server_url, link.cloud_email).delete()
        self._set(state="signed_out", message="")

    # -- syncing ------------------------------------------------------------------

    def sync_now(self) -> SyncReport:
        """Run one sync, or wait for the one running and return its report.

        Raises ``SignedOut`` (no sign-in, or the server ended it), ``Offline``
        and other ``CloudError``s for the sync as a whole; the status says so too.
        """
        with self._lock:
            running = self._running
            if running is None:
                client = self._client
                running = self._running = Future()
                mine = True
            else:
                mine = False
        if not mine:
            return running.result()
        try:
            report = self._run(client)
        except BaseException as exc:
            running.set_exception(exc)
            raise
        else:
            running.set_result(report)
            return report
        finally:
            with self._lock:
                self._running = None

    def _run(self, client: CloudClient | None) -> SyncReport:
        if client is None:
            self._set(state="signed_out")
            raise SignedOut("Sign in to the cloud first.", error="not_signed_in")
        self._set(state="syncing", message="")
        try:
            report = SyncEngine(self.store, client, self.user_id).sync()
        except SignedOut as exc:
            with self._lock:
                if self._client is client:
                    self._client = None
            self._set(state="signed_out", message=exc.message)
            raise
        except Offline as exc:
            self._set(state="offline", message=exc.message)
            raise
        except (CloudError, errors.StorageError) as exc:
            self._set(state="error", message=str(exc))
            raise
        except Exception:
            log.exception("The cloud sync failed")
            self._set(state="error", message="The sync failed unexpectedly; see the log.")
            raise
        state: State = "conflict" if report.conflicts else "error" if report.errors else "idle"
        self._set(state=state, last_report=report, last_synced_at=datetime.now(UTC),
                  message=report.errors[0] if report.errors else "")
        return report

    def close(self) -> None:
        """Close the connections (the sign-in stays in the keyring)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            self._retire(client)
