"""Small questions the main window asks about accounts and projects."""

from __future__ import annotations

import logging
from typing import TypeVar

from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QWidget

from app.storage import Store, UserSession, errors
from app.ui.accounts.sign_in import SignInDialog
from app.ui.plain_text import message_box, warn

log = logging.getLogger(__name__)
Button = QMessageBox.StandardButton
AnyDialog = TypeVar("AnyDialog", bound=QDialog)


class DialogHost:
    """Shows one window-modal dialog at a time with ``open()`` (the event loop keeps running).

    ``current`` is the dialog on screen (tests find it there); asking for a
    second one raises the first instead. Closed dialogs are deleted.
    """

    def __init__(self) -> None:
        self.current: QDialog | None = None

    def busy(self) -> bool:
        """True (and the open dialog raised) while a dialog is on screen."""
        if self.current is not None and self.current.isVisible():
            self.current.raise_()
            self.current.activateWindow()
            return True
        return False

    def open(self, dialog: AnyDialog) -> AnyDialog:
        """Show ``dialog``; it is deleted once its ``finished`` handlers have run."""
        self.current = dialog
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.current is dialog:
            self.current = None
        dialog.deleteLater()


def show_store_problem(parent: QWidget, detail: str) -> None:
    """The one dialog shown when the project database cannot be opened."""
    box = message_box(
        parent, QMessageBox.Icon.Warning, "Accounts unavailable",
        "The project database could not be opened, so accounts and projects "
        "are unavailable this time.",
        informative=f"{detail}\n\nYou can keep working offline: designs are opened "
                    "and saved as .sdsim files.")
    box.setObjectName("storeProblemDialog")
    box.exec()


def ask_replace_with_latest(parent: QWidget, project: str, version: int) -> bool:
    """A newer version exists (restored, say) but the editor has unsaved changes: switch?"""
    box = message_box(
        parent, QMessageBox.Icon.Question, "Newer version",
        f"“{project}” is now at version {version}. Open that version in the editor?",
        informative="Your unsaved changes would be lost. Keep them to save them as "
                    "the next version instead.",
        buttons=Button.NoButton)
    box.setObjectName("replaceWithLatestDialog")
    open_button = box.addButton(f"Open Version {version}", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep My Changes", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is open_button


def reauthenticate(parent: QWidget, store: Store, expired: UserSession,
                   reason: str) -> UserSession | None:
    """The session expired: sign in again as the same user (blocking). ``None`` if not."""
    dialog = SignInDialog(store, parent)
    dialog.setWindowTitle("Sign in again")
    subtitle = dialog.findChild(QLabel, "signInSubtitle")
    if subtitle is not None:
        subtitle.setText(f"{reason} Sign in again as {expired.email} to go on; "
                         "your design is still open.")
    dialog.tabs.setTabVisible(1, False)  # no registering here
    dialog.offline_button.setText("Cancel")
    dialog.email.setText(expired.email)
    dialog.password.setFocus()
    try:
        dialog.exec()
        session = dialog.session
    finally:
        dialog.deleteLater()
    if session is None:
        return None
    if session.user_id != expired.user_id:
        try:
            store.accounts.logout(session)
        except errors.StorageError as exc:
            log.warning("Sign-out of the other account: %s", exc)
        warn(parent, "Another account",
             f"The open design belongs to {expired.email}. Sign in as "
             "that account to save it, or export it to a file.")
        return None
    return session

