"""The Account menu, its actions, and the account button in the status bar.

Only widgets and their state: :class:`~app.ui.project_session.ProjectSession`
connects the actions and calls :meth:`AccountMenu.show_state` when the
sign-in, the open project or the database changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolButton

from app.storage import ProjectInfo, UserSession
from app.ui.actions import WindowActions
from app.ui.plain_text import plain_tooltip


def _action(window: QMainWindow, name: str, text: str, tip: str, shortcut: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    action.setStatusTip(tip)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    window.addAction(action)  # the shortcut works wherever the action is shown
    return action


@dataclass(frozen=True)
class AccountState:
    """What the menu reflects."""

    user: str | None = None  # display name and email of the signed-in user
    short_name: str = ""  # for the status-bar button
    has_project: bool = False
    store_problem: str | None = None  # why accounts are unavailable, if they are

    @staticmethod
    def of(session: UserSession | None, project: ProjectInfo | None,
           store_problem: str | None) -> AccountState:
        """The state for a session (or offline), an open project and the database."""
        if session is None:
            return AccountState(has_project=project is not None, store_problem=store_problem)
        name = session.profile.display_name
        user = f"{name} <{session.email}>" if name != session.email else session.email
        return AccountState(user, name, project is not None, store_problem)


class AccountMenu:
    """Account actions in a menu (menu bar and status bar) and two File-menu entries."""

    def __init__(self, window: QMainWindow, file_actions: WindowActions,
                 file_menu: QMenu, before_menu: QMenu) -> None:
        w = window
        self._file_actions = file_actions
        self.signed_in_as = _action(w, "actionSignedInAs", "Not signed in", "")
        self.signed_in_as.setEnabled(False)
        self.sign_in = _action(w, "actionSignIn", "&Sign In…",
                               "Sign in or create an account to keep designs as projects")
        self.projects = _action(w, "actionProjects", "&Projects…",
                                "Open, create, rename, duplicate or delete your projects",
                                "Ctrl+Shift+O")
        self.save_version = _action(w, "actionSaveVersion", "Save &Version with Note…",
                                    "Save a new version of the project, with a note",
                                    "Ctrl+Alt+S")
        self.history = _action(w, "actionVersionHistory", "Version &History…",
                               "The open project's versions: preview and restore")
        self.profile = _action(w, "actionProfile", "P&rofile…",
                               "Your name and company; change your password")
        self.sign_out = _action(w, "actionSignOut", "Sign &Out",
                                "Sign out (and forget “keep me signed in”)")

        self.menu = QMenu("&Account", window)
        self.menu.setObjectName("menuAccount")
        self.menu.addAction(self.signed_in_as)
        self.menu.addSeparator()
        self.menu.addActions([self.sign_in, self.projects, self.save_version, self.history])
        self.menu.addSeparator()
        self.menu.addActions([self.profile, self.sign_out])
        window.menuBar().insertMenu(before_menu.menuAction(), self.menu)
        file_menu.insertAction(file_actions.save_as, self.save_version)

        self.button = QToolButton(window)
        self.button.setObjectName("accountButton")
        self.button.setAutoRaise(True)
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # The style's own indicator is a tiny corner mark that crowds the name: a ▾ instead.
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        window.statusBar().addPermanentWidget(self.button)

    def show_state(self, state: AccountState) -> None:
        """Show or hide, enable or disable the actions for ``state``."""
        signed_in = state.user is not None
        available = state.store_problem is None
        self.signed_in_as.setText(f"Signed in as {state.user}" if signed_in else
                                  "Working offline (files only)" if available else
                                  "Accounts unavailable")
        self.sign_in.setVisible(not signed_in)
        self.sign_in.setEnabled(available)
        self.sign_in.setToolTip(plain_tooltip(state.store_problem))
        for action in (self.projects, self.save_version, self.profile, self.sign_out):
            action.setVisible(signed_in)
        self.history.setVisible(signed_in)
        self.history.setEnabled(signed_in and state.has_project)
        label = (state.short_name if signed_in else
                 "Offline" if available else "Accounts unavailable")
        self.button.setText(f"{label} ▾")
        self.button.setToolTip(plain_tooltip(
            f"Signed in as {state.user}" if signed_in else
            state.store_problem or "Working offline: designs are saved as "
            "files. Sign in to keep them as projects with a history."))
        a = self._file_actions
        # Signed in, the design lives in the project store: files are imported and exported.
        a.open.setText("&Open File…" if signed_in else "&Open…")
        a.open.setIconText("Open")  # the toolbar stays as short as before
        a.open.setStatusTip("Open a .sdsim file (save it to keep it as a project)" if signed_in
                            else "Open a design")
        a.save.setStatusTip("Save a new version of the project" if signed_in else
                            "Save the design")
        a.save_as.setText("&Export to File…" if signed_in else "Save &As…")
        a.save_as.setStatusTip("Write a copy to a .sdsim file" if signed_in else
                               "Save the design under a new name")
