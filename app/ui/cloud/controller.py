"""Runs cloud sync for one window: sign-in, sync on save, at start and every 5 minutes.

:class:`CloudController` owns the window's ``CloudSession`` (Qt-free, from
``app.cloud.client.session``) and calls it only on its worker: a one-thread
:class:`~app.ui.accounts.tasks.TaskRunner`, so one call runs at a time and
the GUI thread never waits on the network. Triggers that arrive while a sync
runs are coalesced into one more sync afterwards. Results come back as
immutable reports; a generation number drops the results of a session that
has since changed (local sign-out, another account).

The status-bar button (``cloudStatus``) shows the state; a conflict opens a
non-modal notice; after a sync the open views catch up through
``ProjectSession.catch_up``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from app.cloud.client import CloudError, Offline, SignedOut, keyring_available
from app.storage import UserSession, errors
from app.ui.accounts.tasks import TaskRunner
from app.ui.cloud.notice import show_conflict_notice
from app.ui.cloud.server_setting import read_server_url, write_server_url
from app.ui.cloud.sign_in_dialog import CloudSignInDialog, SignInDone
from app.ui.cloud.status import CloudState, CloudStatus, CloudStatusButton
from app.ui.cloud.wording import error_text
from app.ui.plain_text import plain_tooltip
from app.ui.settings import app_settings

if TYPE_CHECKING:
    from app.cloud.client.session import CloudSession
    from app.cloud.client.sync import SyncReport
    from app.storage import Store
    from app.ui.project_session import ProjectSession

log = logging.getLogger(__name__)

#: Background sync period.
SYNC_INTERVAL_MS = 5 * 60 * 1000
#: How long closing the window waits for a running cloud call (its own timeouts end it).
SHUTDOWN_WAIT_MS = 30_000

SessionFactory = Callable[["Store", str], "CloudSession"]


def default_session_factory(store: Store, user_id: str) -> CloudSession:
    """A real ``CloudSession`` for the local account ``user_id``."""
    from app.cloud.client.session import CloudSession

    return CloudSession(store, user_id)


class _NotResumed:
    """The sync job's answer when there was no stored cloud sign-in to resume."""


NOT_RESUMED = _NotResumed()


class CloudController(QObject):
    """Cloud sign-in, sync and its status for one :class:`ProjectSession`."""

    #: A new :class:`CloudStatus` is shown.
    status_changed = Signal(object)
    #: A sync ended: its ``SyncReport``, or the exception it raised.
    sync_finished = Signal(object)

    def __init__(self, accounts: ProjectSession, *, interval_ms: int = SYNC_INTERVAL_MS,
                 session_factory: SessionFactory = default_session_factory) -> None:
        super().__init__(accounts)
        self._accounts = accounts
        self._window = accounts.window
        self._factory = session_factory
        self._runner = TaskRunner(self)
        self._cloud: CloudSession | None = None
        self._local: UserSession | None = None
        self._generation = 0
        self._signed_in = False  # the cloud session holds tokens
        self._may_resume = False  # a stored cloud link: resume before the next sync
        self._sync_running = False
        self._sync_pending = False
        self._sign_in_ticket = 0
        self._account = ""
        self._server = ""
        self._last_sync: datetime | None = None
        self._last_error = ""
        self._unavailable = ""
        self.notice: QMessageBox | None = None
        self.status = CloudStatus()

        self.button = CloudStatusButton(self._window)
        self.button.clicked.connect(self.sync_or_sign_in)
        self._window.statusBar().addPermanentWidget(self.button)
        self.sign_in_action = self._action("actionCloudSignIn", "Sign in to &Cloud…",
                                           "Link this account to a cloud account and sync "
                                           "its projects")
        self.sync_action = self._action("actionCloudSync", "S&ync Now",
                                        "Sync your projects with the cloud now")
        self.sign_out_action = self._action("actionCloudSignOut", "Sign Out of Clo&ud",
                                            "Stop syncing and forget the cloud sign-in on "
                                            "this computer")
        self.sign_in_action.triggered.connect(lambda _c=False: self.show_sign_in())
        self.sync_action.triggered.connect(lambda _c=False: self.request_sync("menu"))
        self.sign_out_action.triggered.connect(lambda _c=False: self.sign_out())
        self._add_to_menu()

        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.request_sync("timer"))
        accounts.session_changed.connect(self._local_session_changed)
        accounts.projects_changed.connect(lambda: self.request_sync("projects changed"))
        self._show()

    # -- widgets -------------------------------------------------------------------------------

    def _action(self, name: str, text: str, tip: str) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.setData(tip)  # the tip to show again when the action is enabled
        self._window.addAction(action)
        return action

    def _add_to_menu(self) -> None:
        """Put the cloud actions in the Account menu, in a section above Profile."""
        menu = self._accounts.menu.menu
        actions = menu.actions()
        profile = self._accounts.menu.profile
        index = actions.index(profile) if profile in actions else len(actions)
        before = actions[index - 1] if index > 0 and actions[index - 1].isSeparator() else profile
        menu.insertSeparator(before)
        menu.insertActions(before, [self.sign_in_action, self.sync_action,
                                    self.sign_out_action])
        menu.setToolTipsVisible(True)  # the reason a disabled cloud action gives

    # -- state ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while a cloud call runs."""
        return self._runner.busy

    @property
    def signed_in(self) -> bool:
        """True while a cloud sign-in is held."""
        return self._signed_in

    def _show(self, state: CloudState | None = None, note: str = "") -> None:
        if state is None:
            state = (CloudState.UNAVAILABLE if self._unavailable else
                     CloudState.SYNCING if self._sync_running else
                     CloudState.SYNCED if self._signed_in else
                     CloudState.SIGNED_OUT if self._may_resume else CloudState.NOT_LINKED)
        self.status = CloudStatus(state, self._account, self._server, self._last_sync,
                                  self._last_error, note or self._unavailable)
        self.button.show_status(self.status)
        self.button.setVisible(self._local is not None)  # file mode: nothing to sync
        self._update_actions()
        self.status_changed.emit(self.status)

    def _update_actions(self) -> None:
        local = self._local is not None and self._cloud is not None
        if self._local is None:
            reason = "Sign in to an account on this computer first (Account ▸ Sign In…)."
        else:
            reason = self._unavailable
        usable = local and not reason
        self.sign_in_action.setEnabled(usable and not self._signed_in)
        self.sync_action.setEnabled(usable and (self._signed_in or self._may_resume))
        self.sign_out_action.setEnabled(usable and (self._signed_in or self._may_resume))
        for action in (self.sign_in_action, self.sync_action, self.sign_out_action):
            tip = reason or str(action.data() or "")
            action.setStatusTip(tip)
            action.setToolTip(plain_tooltip(reason or action.text().replace("&", "")))

    def _local_session_changed(self, session: object) -> None:
        """A local account signed in or out: start over with its cloud link, if any.

        Signing out of the local account signs out of its cloud account too
        (the server session ends and the keyring forgets the token, as the local
        sign-out forgets remember-me); the link stays, so signing in to the
        cloud again later duplicates nothing.
        """
        self._generation += 1  # results of the previous account's calls are dropped
        self._timer.stop()
        if self._cloud is not None:  # the runner is serial: sign-out, then close
            if session is None and (self._signed_in or self._may_resume):
                self._runner.run(self._cloud.sign_out, lambda _r: None, self._log_error)
            self._runner.run(self._cloud.close, lambda _r: None, self._log_error)
        self._cloud, self._signed_in, self._may_resume = None, False, False
        self._sync_running = self._sync_pending = False
        self._account = self._server = self._last_error = self._unavailable = ""
        self._last_sync = None
        store = self._accounts.store
        self._local = session if isinstance(session, UserSession) else None
        if self._local is None or store is None:
            self._show()
            return
        ok, reason = keyring_available()
        if not ok:
            self._unavailable = reason
            self._show(CloudState.UNAVAILABLE)
            return
        self._cloud = self._factory(store, self._local.user_id)
        try:
            link = store.sync.get_link(self._local.user_id)
        except errors.StorageError as exc:
            log.warning("Could not read the cloud link: %s", exc)
            link = None
        if link is None:
            self._show()
            return
        self._may_resume, self._account, self._server = True, link.cloud_email, link.server_url
        self._timer.start()
        self.request_sync("start")

    # -- signing in and out ---------------------------------------------------------------------

    def show_sign_in(self) -> CloudSignInDialog | None:
        """The cloud sign-in dialog (window-modal, not blocking); ``None`` when not possible."""
        if not self.sign_in_action.isEnabled() or self._accounts.dialogs.busy():
            return None
        assert self._local is not None
        ok, note = keyring_available()
        dialog = CloudSignInDialog(self, read_server_url(app_settings()), self._local.email,
                                   keyring_ok=ok, keyring_note=note, parent=self._window)
        return self._accounts.dialogs.open(dialog)

    def describe_error(self, exc: Exception, server_url: str) -> str:
        """Plain text for a failed cloud call (used by the sign-in dialog)."""
        return error_text(exc, server_url, signing_in=True)

    def sign_in(self, server_url: str, email: str, password: str, remember: bool,
                done: SignInDone) -> None:
        """Sign in off the GUI thread; ``done(None)`` or ``done(exc)`` on the GUI thread."""
        cloud = self._cloud
        if cloud is None:
            done(CloudError("Sign in to an account on this computer first."))
            return
        generation = self._generation
        self._sign_in_ticket += 1
        ticket = self._sign_in_ticket

        def succeeded(user: Any) -> None:
            if generation != self._generation:
                return
            if ticket != self._sign_in_ticket:  # cancelled after the link was made: sign out
                self._runner.run(cloud.sign_out, lambda _r: None, self._log_error)
                return
            self._signed_in, self._may_resume = True, True
            self._account, self._server, self._last_error = str(user.email), server_url, ""
            try:
                settings = app_settings()
                write_server_url(settings, server_url)
                settings.sync()
            except ValueError as exc:  # checked before signing in; keep going regardless
                log.warning("Could not store the cloud server address: %s", exc)
            done(None)
            self._window.statusBar().showMessage(f"Signed in to the cloud as {user.email}", 5000)
            self._timer.start()
            self.request_sync("sign-in")

        def failed(exc: Exception) -> None:
            if generation == self._generation and ticket == self._sign_in_ticket:
                done(exc)

        # Asked in the worker once the server said yes: a cancel before then leaves
        # the link and the keyring as they were (the server session is ended).
        def still_wanted() -> bool:
            return generation == self._generation and ticket == self._sign_in_ticket

        self._runner.run(lambda: cloud.sign_in(server_url, email, password, remember=remember,
                                               proceed=still_wanted),
                         succeeded, failed)

    def cancel_sign_in(self) -> None:
        """The dialog was cancelled: ignore (and undo) the sign-in still running."""
        self._sign_in_ticket += 1

    def sign_out(self) -> None:
        """Sign out of the cloud: the server session ends and the stored token goes."""
        cloud = self._cloud
        if cloud is None or not (self._signed_in or self._may_resume):
            return
        generation = self._generation
        self._signed_in = self._may_resume = self._sync_pending = False
        self._timer.stop()

        def finished(_result: object) -> None:
            if generation == self._generation:
                self._account = self._server = ""
                self._last_error = ""
                self._show(CloudState.NOT_LINKED)
                self._window.statusBar().showMessage("Signed out of the cloud", 5000)

        def failed(exc: Exception) -> None:
            self._log_error(exc)
            finished(None)

        self._runner.run(cloud.sign_out, finished, failed)
        self._show(CloudState.NOT_LINKED)

    @staticmethod
    def _log_error(exc: Exception) -> None:
        log.warning("Cloud call failed: %s", exc)

    # -- syncing ----------------------------------------------------------------------------------

    def sync_or_sign_in(self) -> None:
        """The status button: sync now, or sign in when there is no cloud sign-in."""
        if self._signed_in or self._may_resume:
            self.request_sync("button")
        else:
            self.show_sign_in()

    def request_sync(self, reason: str = "") -> bool:
        """Sync soon; a request while a sync runs makes one more sync after it. True if queued."""
        cloud = self._cloud
        if cloud is None or self._unavailable or not (self._signed_in or self._may_resume):
            return False
        if self._sync_running:
            self._sync_pending = True
            return True
        log.info("Cloud sync (%s)", reason or "requested")
        self._sync_running, self._sync_pending = True, False
        generation = self._generation
        resume_first = not self._signed_in

        def job() -> object:
            # resume() once: after an offline resume the client keeps its token and
            # signed_in stays true, so a retry goes straight to the sync.
            if resume_first and not cloud.signed_in and not cloud.resume():
                return NOT_RESUMED
            return cloud.sync_now()

        self._runner.run(job, lambda result: self._sync_done(generation, result),
                         lambda exc: self._sync_failed(generation, exc))
        self._show(CloudState.SYNCING)
        return True

    def _sync_done(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return
        self._sync_running = False
        if result is NOT_RESUMED:
            self._may_resume = False  # no stored sign-in (signed out, or never kept)
            self._show(CloudState.SIGNED_OUT)
            self.sync_finished.emit(result)
            return
        report = cast("SyncReport", result)
        self._signed_in = True
        self._last_sync = datetime.now(UTC)
        problems = tuple(str(e) for e in getattr(report, "errors", ()) or ())
        self._last_error = problems[0] if problems else ""
        conflicts = tuple(report.conflicts)
        state = (CloudState.CONFLICT if conflicts else
                 CloudState.PROBLEM if problems else CloudState.SYNCED)
        self._show(state, _summary(report))
        self._accounts.catch_up()  # before the notice: its status message is the one to keep
        if conflicts:
            self._show_conflicts(conflicts)
        self.sync_finished.emit(report)
        if self._sync_pending:
            self.request_sync("queued")

    def _sync_failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation:
            return
        self._sync_running = False
        self._last_error = error_text(exc, self._server)
        if isinstance(exc, SignedOut):
            self._signed_in = self._may_resume = self._sync_pending = False
            self._show(CloudState.SIGNED_OUT)
        elif isinstance(exc, Offline):
            self._show(CloudState.OFFLINE)
        else:
            if not isinstance(exc, CloudError):
                log.error("Cloud sync failed unexpectedly", exc_info=exc)
            self._show(CloudState.PROBLEM)
        self.sync_finished.emit(exc)
        if self._sync_pending and not isinstance(exc, Offline | SignedOut):
            self.request_sync("queued")
        self._sync_pending = False

    def _show_conflicts(self, conflicts: tuple[Any, ...]) -> None:
        if self.notice is not None and shiboken6.isValid(self.notice):
            self.notice.close()
        self.notice = show_conflict_notice(self._window, conflicts)
        names = ", ".join(f"“{c.copy_name or c.name}”" for c in conflicts)
        self._window.statusBar().showMessage(f"Sync kept both versions: {names}", 10000)

    def shutdown(self) -> None:
        """The window closes: stop the timer and let a running call finish (before the store
        closes)."""
        self._generation += 1
        self._timer.stop()
        if not self._runner.wait(SHUTDOWN_WAIT_MS):
            log.warning("A cloud call was still running when the window closed")


def _summary(report: Any) -> str:
    """"Changes: 1 sent, 2 received, 0 deleted." for the tooltip."""
    parts = [f"{getattr(report, name, 0)} {word}" for name, word in
             (("pushed", "sent"), ("pulled", "received"), ("deleted", "deleted"))]
    return "Changes: " + ", ".join(parts) + "."
