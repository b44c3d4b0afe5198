"""Account ▸ Sign in to Cloud…: link the signed-in local account to a cloud account.

The network call runs on the controller's worker thread; the dialog shows a
busy bar, stays responsive, and Cancel closes it at once (a sign-in that
still succeeds afterwards is signed out again by the controller). Errors are
shown in the dialog as plain text: wrong password, a lockout or rate limit
with its wait in words, an unreachable server, an address the client refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.ui.accounts.widgets import BusyBar, MessageLabel, line_edit
from app.ui.cloud.server_setting import server_url_problem
from app.ui.plain_text import PlainLabel

#: ``done(None)`` on success, ``done(exception)`` on failure; called on the GUI thread.
SignInDone = Callable[[Exception | None], None]


class SignInRunner(Protocol):
    """What the dialog needs from the controller."""

    def sign_in(self, server_url: str, email: str, password: str, remember: bool,
                done: SignInDone) -> None:
        """Start signing in off the GUI thread; ``done`` is called here afterwards."""

    def cancel_sign_in(self) -> None:
        """Forget the running sign-in (and undo it if it still succeeds)."""

    def describe_error(self, exc: Exception, server_url: str) -> str:
        """The plain text shown for ``exc``."""


class CloudSignInDialog(QDialog):
    """Server address, email, password and "Keep me signed in"; OK signs in."""

    def __init__(self, runner: SignInRunner, server_url: str, email: str, *,
                 keyring_ok: bool = True, keyring_note: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cloudSignInDialog")
        self.setWindowTitle(f"Sign in to Cloud — {APP_NAME}")
        self.setMinimumWidth(480)
        self._runner = runner
        self._busy = False
        self.signed_in = False

        intro = PlainLabel("Sign in to a cloud account to sync your projects with other "
                           "computers. Your work stays on this computer too, and you can keep "
                           "working offline.")
        intro.setObjectName("cloudSignInIntro")
        intro.setWordWrap(True)
        self.server = line_edit("cloudServerUrl", "https://sync.example.com")
        self.server.setText(server_url)
        self.email = line_edit("cloudEmail", "name@example.com")
        self.email.setText(email)
        self.password = line_edit("cloudPassword", password=True)
        self.remember = QCheckBox("Keep me signed in on this computer")
        self.remember.setObjectName("cloudRemember")
        self.remember.setChecked(keyring_ok)
        self.remember.setEnabled(keyring_ok)
        self.remember_note = PlainLabel(keyring_note)
        self.remember_note.setObjectName("cloudRememberNote")
        self.remember_note.setWordWrap(True)
        self.remember_note.setEnabled(False)
        self.remember_note.setVisible(bool(keyring_note) and not keyring_ok)
        self.error = MessageLabel("cloudSignInError")
        self.progress_text = PlainLabel("")
        self.progress_text.setObjectName("cloudSignInProgress")
        self.progress_text.setVisible(False)
        self.busy = BusyBar()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign In")
        self.ok_button.setObjectName("cloudSignInButton")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert isinstance(cancel, QPushButton)
        cancel.setObjectName("cloudCancelButton")
        self.cancel_button = cancel
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Server:", self.server)
        form.addRow("Email:", self.email)
        form.addRow("Password:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.remember_note)
        layout.addWidget(self.error)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        (self.password if email else self.email).setFocus()

    @property
    def is_busy(self) -> bool:
        """True while the sign-in runs in the background."""
        return self._busy

    def submit(self) -> None:
        """Check the fields, then sign in in the background."""
        if self._busy:
            return
        url, email, password = (self.server.text().strip(), self.email.text().strip(),
                                self.password.text())
        problem = server_url_problem(url) or (
            "" if email and password else "Enter your cloud email and password.")
        if problem:
            self.error.show_error(problem)
            return
        self.error.clear_message()
        remember = self.remember.isChecked() and self.remember.isEnabled()  # before busy
        self._set_busy(True, f"Signing in to {url}…")
        self._runner.sign_in(url, email, password, remember, self._finished)

    def _finished(self, exc: Exception | None) -> None:
        self._set_busy(False)
        if exc is None:
            self.signed_in = True
            self.password.clear()
            self.accept()
            return
        self.error.show_error(self._runner.describe_error(exc, self.server.text().strip()))
        self.password.selectAll()
        self.password.setFocus()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.progress_text.setText(text)
        self.progress_text.setVisible(busy)
        for widget in (self.server, self.email, self.password, self.ok_button):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and self.remember_note.isHidden())
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def reject(self) -> None:
        """Cancel: close at once; a sign-in still running is forgotten."""
        if self._busy:
            self._busy = False
            self._runner.cancel_sign_in()
        super().reject()
