"""Accounts and projects in the main window: sign-in, Save to the project store, recovery.

:class:`ProjectSession` opens the :class:`~app.storage.Store` (a damaged or
too-new database: one dialog, then offline), signs in (remember-me, else the
sign-in dialog) and, while signed in, routes Save to the store as a new
version through ``FileController.route``, so the unsaved-changes prompt saves
there too; File > Open and Export keep working on ``.sdsim`` files. The design
is autosaved (:mod:`app.ui.autosave`) and offered back after a crash; closing
the window closes the store (the clean shutdown). Offline: plain file mode.
Dialogs open window-modal without blocking (``dialogs.current``); questions
are methods (``ask_*``, ``show_error``) that tests can replace.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox

from app.model import fileformat
from app.model.document import Document
from app.model.errors import DocumentError
from app.storage import ProjectInfo, RecoveryEntry, Store, UserProfile, UserSession, errors
from app.ui.account_menu import AccountMenu, AccountState
from app.ui.accounts import ProfileDialog, ProjectBrowserDialog, VersionHistoryDialog, prompts
from app.ui.accounts.recovery import RecoveryDialog
from app.ui.accounts.save_version import SaveVersionDialog
from app.ui.accounts.sign_in import SignInDialog
from app.ui.autosave import AUTOSAVE_INTERVAL_MS, Autosave, AutosaveTarget
from app.ui.cloud.controller import CloudController
from app.ui.main_window import MainWindow
from app.ui.plain_text import message_box

log = logging.getLogger(__name__)


class ProjectSession(QObject):
    """The account and project side of one :class:`MainWindow`.

    ``store`` may be given (tests, scripts); otherwise :meth:`start` opens the
    default database (``store_path`` to choose another file).
    """

    #: The signed-in session changed (a :class:`UserSession`, or ``None`` offline).
    session_changed = Signal(object)
    #: Projects changed in the store: a save completed, or a projects or history dialog
    #: closed (renames, deletes, restores). Cloud sync follows it.
    projects_changed = Signal()

    def __init__(self, window: MainWindow, store: Store | None = None, *,
                 store_path: Path | None = None,
                 autosave_interval_ms: int = AUTOSAVE_INTERVAL_MS,
                 cloud_options: dict[str, Any] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.files = window.files
        self.store = store
        self.store_problem: str | None = None
        self.session: UserSession | None = None
        self.project: ProjectInfo | None = None
        self.dialogs = prompts.DialogHost()
        self._store_path = store_path
        self._loading_project = False
        self._closed = False
        self.autosave = Autosave(self.document, self._autosave_target, autosave_interval_ms, self)
        self.autosave.failed.connect(self._status)
        self.menu = AccountMenu(window, window.window_actions, window.file_menu,
                                window.help_menu)
        m = self.menu
        m.sign_in.triggered.connect(lambda _c=False: self.show_sign_in())
        m.projects.triggered.connect(lambda _c=False: self.show_projects())
        m.save_version.triggered.connect(lambda _c=False: self.save(with_note=True))
        m.history.triggered.connect(lambda _c=False: self.show_history())
        m.profile.triggered.connect(lambda _c=False: self.show_profile())
        m.sign_out.triggered.connect(lambda _c=False: self.sign_out())
        self.document.document_reset.connect(self._on_document_reset)
        window.closed.connect(self.shutdown)
        self.cloud = CloudController(self, **(cloud_options or {}))
        self._refresh()

    # -- start -------------------------------------------------------------------------------

    def start(self, *, interactive: bool = True, offline: bool = False) -> None:
        """Open the database, then resume a remembered sign-in or show the sign-in dialog.

        ``interactive=False`` (automated starts) shows no dialog at all;
        ``offline`` skips the sign-in. Recovery is offered once the user is known.
        """
        if self.store is None and self.store_problem is None:
            self.open_store(interactive=interactive)
        if self.store is None:
            self._refresh()
            return
        session = None if offline else self._resume()
        if session is not None:
            self.set_session(session, offer_recovery=interactive)
        elif interactive and not offline:
            self.show_sign_in()
        else:
            self.set_session(None, offer_recovery=interactive)

    def open_store(self, *, interactive: bool = True) -> Store | None:
        """Open the project database; on failure say why once and stay offline."""
        try:
            self.store = Store.open(self._store_path)
        except (errors.StorageError, OSError) as exc:
            self.store_problem = str(exc)
            log.error("Project database unavailable, working offline: %s", exc)
            if interactive:
                self.show_store_problem(str(exc))
        self._refresh()
        return self.store

    def _resume(self) -> UserSession | None:
        assert self.store is not None
        try:
            return self.store.accounts.resume()
        except errors.StorageError as exc:
            log.warning("Could not resume the remembered sign-in: %s", exc)
            return None

    # -- signing in and out --------------------------------------------------------------------

    def show_sign_in(self) -> SignInDialog | None:
        """Open the sign-in dialog; closing it or "work offline" keeps file mode."""
        if self.store is None or self.dialogs.busy():
            return None
        dialog = SignInDialog(self.store, self.window)
        dialog.finished.connect(lambda _r: self.set_session(dialog.session))
        return self.dialogs.open(dialog)

    def set_session(self, session: UserSession | None, *, offer_recovery: bool = True) -> None:
        """Signed in as ``session`` (or offline with ``None``); then offer recovery."""
        self.session = session
        self.files.route = self if session is not None else None
        self._refresh()
        self.session_changed.emit(session)
        if session is not None:
            log.info("Signed in as account %s", session.user_id)
            self._status(session.notice or f"Signed in as {session.profile.display_name}")
        elif self.store is not None:
            log.info("Working offline")
            self._status("Working offline: designs are saved as files")
        if offer_recovery:
            self.offer_recovery()

    def sign_out(self) -> bool:
        """Offer to save, close the design, sign out (forgetting remember-me), ask again."""
        if self.session is None or self.store is None or not self.files.maybe_save():
            return False
        session = self.session
        # The design belongs to the account: on a shared computer it must not stay on screen.
        self.document.reset(Document(), None)
        try:
            self.store.accounts.logout(session)
        except errors.StorageError as exc:
            log.warning("Sign-out: %s", exc)
        self.set_session(None, offer_recovery=False)
        self._status("Signed out")
        self.show_sign_in()
        return True

    def _ensure_session(self) -> bool:
        """True if still signed in; after 12 idle hours, sign in again as the same user."""
        if self.session is None or self.store is None:
            return False
        try:
            self.store.accounts.current(self.session)
            return True
        except errors.SessionExpired as exc:
            renewed = prompts.reauthenticate(self.window, self.store, self.session, str(exc))
        except errors.StorageError as exc:
            self.show_error("Account", str(exc))
            return False
        if renewed is None:
            return False
        self.session = renewed
        self._refresh()
        return True

    # -- projects ----------------------------------------------------------------------------

    def show_projects(self) -> ProjectBrowserDialog | None:
        """The project browser; opening a project there loads it into the editor."""
        if self.dialogs.busy() or not self._ensure_session():
            return None
        assert self.store is not None and self.session is not None
        dialog = ProjectBrowserDialog(self.store, self.session, self.window)
        if self.project is not None:
            dialog.select_project(self.project.id)

        def finished() -> None:
            if dialog.opened_project is not None:
                self.open_project(dialog.opened_project.id)
            else:
                self._sync_project()
            self.projects_changed.emit()

        dialog.finished.connect(lambda _r: finished())
        return self.dialogs.open(dialog)

    def open_project(self, project_id: str) -> bool:
        """Load a project's latest version into the editor (after the unsaved-changes prompt)."""
        if self.store is None or self.session is None or not self.files.maybe_save():
            return False
        try:
            project = self.store.projects.get(self.session, project_id)
            model = fileformat.loads(project.document)
        except (errors.StorageError, DocumentError) as exc:
            self.show_error("Cannot open project", str(exc))
            self._sync_project()
            return False
        self._load(model, project.info)
        self._status(f"Opened “{project.name}” (version {project.version})")
        return True

    def show_history(self) -> VersionHistoryDialog | None:
        """The open project's versions; a restore is loaded into the editor when it is clean."""
        if self.project is None or self.dialogs.busy() or not self._ensure_session():
            return None
        assert self.store is not None and self.session is not None
        dialog = VersionHistoryDialog(self.store, self.session, self.project.id, self.window)
        dialog.finished.connect(lambda _r: self._history_closed())
        return self.dialogs.open(dialog)

    def _history_closed(self) -> None:
        self._sync_project()
        self.projects_changed.emit()  # a restore is a new version

    def show_profile(self) -> ProfileDialog | None:
        """Name, company and password."""
        if self.dialogs.busy() or not self._ensure_session():
            return None
        assert self.store is not None and self.session is not None
        try:
            dialog = ProfileDialog(self.store, self.session, self.window)  # reads the profile
        except errors.StorageError as exc:
            self.show_error("Account", str(exc))
            return None
        dialog.profile_changed.connect(self._profile_changed)
        return self.dialogs.open(dialog)

    def _profile_changed(self, profile: object) -> None:
        if self.session is not None and isinstance(profile, UserProfile):
            self.session = dataclasses.replace(self.session, profile=profile)
            self._refresh()

    def _sync_project(self) -> None:
        """Catch up with changes made in a dialog: renamed, deleted, or a version restored."""
        if self.project is None or self.session is None or self.store is None:
            return
        try:
            latest = self.store.projects.get(self.session, self.project.id)
        except (errors.NotFound, errors.NotAllowed):
            name = self.project.name
            self._set_project(None)
            self.document.undo_stack.resetClean()  # saved nowhere now
            self._status(f"“{name}” was deleted. The design is still open: save it to keep it.")
            return
        except errors.StorageError as exc:
            log.warning("Could not refresh the open project: %s", exc)
            return
        if latest.version != self.project.version and (
            not self.document.is_modified
            or self.ask_replace_with_latest(latest.name, latest.version)
        ):
            try:
                self._load(fileformat.loads(latest.document), latest.info)
            except DocumentError as exc:
                self.show_error("Cannot open project", str(exc))
                return
            self._status(f"Opened version {latest.version} of “{latest.name}”")
            return
        # Keep the editor's design; later saves build on the newest version.
        self._set_project(latest.info)

    def _load(self, model: Document, project: ProjectInfo | None) -> None:
        self._loading_project = True
        try:
            self.document.reset(model, None)
        finally:
            self._loading_project = False
        self._set_project(project)

    def _set_project(self, project: ProjectInfo | None) -> None:
        self.project = project
        self._refresh()

    def _on_document_reset(self) -> None:
        if not self._loading_project and self.project is not None:
            self._set_project(None)  # New or Open file: the design is no longer the project

    # -- saving (the FileController's route while signed in) ----------------------------------

    def save(self, *, with_note: bool = False) -> bool:
        """Save a new version (the first save makes the design a project). True if saved."""
        if not self._ensure_session():
            return False
        assert self.store is not None and self.session is not None
        project = self.project
        if project is None or with_note:
            answer = self.ask_save_version(project.name if project else None,
                                           self.document.model.name)
            if answer is None:
                return False
            name, note = answer
        elif not self.document.is_modified:
            self._status(f"No changes since version {project.version}")
            return True
        else:
            name, note = project.name, ""
        text = fileformat.dumps(self.document.model)
        try:
            if project is None:
                created = self.store.projects.create(self.session, name, text,
                                                     note=note or "Created")
                self.project, number = created, created.version
            else:
                saved = self.store.projects.save(self.session, project.id, text, note=note,
                                                 base_version=project.version)
                self.project = dataclasses.replace(project, version=saved.number,
                                                   updated_at=saved.created_at)
                number = saved.number
        except errors.VersionConflict as conflict:
            assert project is not None
            return self._resolve_conflict(project, text, note, conflict)
        except errors.NotFound:
            self._set_project(None)  # deleted elsewhere: offer to save it as a new project
            self._status(f"“{project.name if project else name}” no longer exists")
            return self.save(with_note=with_note)
        except errors.StorageError as exc:
            self.show_error("Cannot save project", str(exc))
            return False
        self._saved(f"Saved “{self.project.name}”, version {number}")
        return True

    def _resolve_conflict(self, project: ProjectInfo, text: str, note: str,
                          conflict: errors.VersionConflict) -> bool:
        """Another window saved first: keep both (a copy), save on top, or cancel."""
        assert self.store is not None and self.session is not None
        choice = self.ask_version_conflict(conflict)
        try:
            if choice == "copy":
                copy = self.store.projects.save_copy(self.session, project.id, text, note=note)
                self.project = copy
                message = f"Kept both: your changes are now “{copy.name}”, version 1"
            elif choice == "overwrite":
                saved = self.store.projects.save(self.session, project.id, text, note=note)
                self.project = dataclasses.replace(project, version=saved.number,
                                                   updated_at=saved.created_at)
                message = f"Saved “{project.name}”, version {saved.number}, on top"
            else:
                self._status("Not saved: your changes are still open")
                return False
        except errors.StorageError as exc:
            self.show_error("Cannot save project", str(exc))
            return False
        self._saved(message)
        return True

    def _saved(self, message: str) -> None:
        self.document.undo_stack.setClean()  # also clears the recovery slot
        self._refresh()
        self._status(message)
        self.projects_changed.emit()

    def catch_up(self) -> None:
        """After a cloud sync: refresh an open project browser, and the open project.

        A newer version of the open project is loaded when the editor has no
        unsaved changes; with unsaved changes they stay open and the user is told.
        """
        current = self.dialogs.current
        if isinstance(current, ProjectBrowserDialog) and current.isVisible():
            current.refresh()
        if self.project is None or self.session is None or self.store is None:
            return
        if not self.document.is_modified:
            self._sync_project()
            return
        try:
            latest = self.store.projects.get(self.session, self.project.id)
        except errors.StorageError:
            return
        if latest.version != self.project.version:
            self._status(f"“{latest.name}” changed on another computer (version "
                         f"{latest.version}); your unsaved changes are still open.")

    def save_as(self) -> bool:
        """Save As while signed in: export a copy to a ``.sdsim`` file."""
        return self.files.export_copy()

    def ask_save_version(self, project: str | None, default_name: str) -> tuple[str, str] | None:
        """(project name, note) for the next version, or ``None`` if cancelled."""
        dialog = SaveVersionDialog(project, default_name, self.window)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.project_name:
                return None
            return dialog.project_name, dialog.note_text
        finally:
            dialog.deleteLater()

    # -- autosave and recovery -----------------------------------------------------------------

    def _autosave_target(self) -> AutosaveTarget | None:
        if self.store is None or self._closed:
            return None
        return AutosaveTarget(self.store, self.session,
                              self.project.id if self.project else None)

    def offer_recovery(self) -> RecoveryDialog | None:
        """Offer the work autosaved by sessions that crashed (this user's, or offline)."""
        if self.store is None or self.dialogs.busy():
            return None
        try:
            entries = self.store.recovery.pending(self.session)
        except errors.StorageError as exc:
            log.warning("Could not look for autosaved work: %s", exc)
            return None
        if not entries:
            return None
        dialog = RecoveryDialog(entries, self.window)
        dialog.discard_requested.connect(self._discard_entry)
        dialog.finished.connect(lambda _r: dialog.chosen and self.restore(dialog.chosen))
        return self.dialogs.open(dialog)

    def _discard_entry(self, entry: RecoveryEntry) -> None:
        if self.store is None:
            return
        try:
            self.store.recovery.discard(self.session, entry.id)
        except errors.StorageError as exc:
            log.warning("Could not discard recovered work: %s", exc)

    def restore(self, entry: RecoveryEntry) -> bool:
        """Put autosaved work back in the editor, unsaved, and keep it safe at once."""
        if self.store is None or not self.files.maybe_save():
            return False
        project: ProjectInfo | None = None
        try:
            model = fileformat.loads(entry.document)
            if entry.project_id is not None and self.session is not None:
                project = self.store.projects.get(self.session, entry.project_id).info
        except (DocumentError, errors.StorageError) as exc:
            self.show_error("Cannot restore the autosaved work", str(exc))
            return False
        self._load(model, project)
        self.document.undo_stack.resetClean()  # unsaved: Save keeps it, closing asks
        if self.autosave.write_now():  # safe in this window's slot before the old one goes
            self._discard_entry(entry)
        self._status("Restored the autosaved work: save it to keep it")
        return True

    def shutdown(self) -> None:
        """Clean shutdown (the window closed): stop autosaving and close the store."""
        if self._closed:
            return
        self._closed = True
        self.autosave.stop()
        self.cloud.shutdown()  # a running sync finishes before the store closes
        if self.store is not None:
            try:
                self.store.close()  # deletes this window's recovery slots
            except errors.StorageError as exc:
                log.warning("Could not close the project database cleanly: %s", exc)

    # -- helpers -------------------------------------------------------------------------------

    def _refresh(self) -> None:
        project = self.project
        self.menu.show_state(AccountState.of(self.session, project, self.store_problem))
        self.window.set_project_title(
            f"{project.name} (version {project.version})" if project is not None else None)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 5000)

    def show_error(self, title: str, text: str) -> None:
        """Tell the user why an account or project operation failed (plain text: it may
        quote a project name or a path)."""
        box = message_box(self.window, QMessageBox.Icon.Warning, title, text)
        box.setObjectName("projectErrorDialog")
        box.exec()

    def show_store_problem(self, text: str) -> None:
        """The one dialog shown when the database cannot be opened."""
        prompts.show_store_problem(self.window, text)

    def ask_version_conflict(self, conflict: errors.VersionConflict) -> str:
        """``"copy"`` (keep both), ``"overwrite"`` (save on top) or ``"cancel"``."""
        box = message_box(  # plain text: the project name is the user's text
            self.window, QMessageBox.Icon.Warning, "Saved elsewhere meanwhile", str(conflict),
            informative=(
                f"Keep both: save your changes as a new project beside it.\n"
                f"Overwrite: save your changes as version {conflict.current_version + 1}, "
                f"on top of version {conflict.current_version} (which stays in the history)."),
            buttons=QMessageBox.StandardButton.NoButton)
        box.setObjectName("versionConflictDialog")
        copy = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(copy)
        box.exec()
        clicked = box.clickedButton()
        return "copy" if clicked is copy else "overwrite" if clicked is overwrite else "cancel"

    def ask_replace_with_latest(self, project: str, version: int) -> bool:
        """A newer version exists but the editor has unsaved changes: open the newer one?"""
        return prompts.ask_replace_with_latest(self.window, project, version)
