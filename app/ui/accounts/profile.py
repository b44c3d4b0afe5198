"""The profile dialog: name and company, and changing the password."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.storage import Store, UserProfile, UserSession, errors
from app.ui.accounts.tasks import TaskRunner
from app.ui.accounts.widgets import BusyBar, MessageLabel, NewPasswordFields, line_edit
from app.ui.plain_text import PlainLabel

log = logging.getLogger(__name__)
_TOP_RIGHT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight


class ProfileDialog(QDialog):
    """Edit the signed-in user's name and company; change the password.

    ``profile_changed`` carries the updated :class:`UserProfile`. Changing the
    password (two bcrypt rounds, ~0.5 s) runs in the background.
    """

    profile_changed = Signal(object)

    def __init__(self, store: Store, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle("Your profile")
        self.setMinimumWidth(460)
        self.store = store
        self.session = session
        self._runner = TaskRunner(self)
        self._runner.busy_changed.connect(self._set_busy)
        profile = store.accounts.profile(session)

        details = QGroupBox("Profile")
        details.setObjectName("profileGroup")
        self.email_label = PlainLabel(profile.email)
        self.email_label.setObjectName("profileEmail")
        self.email_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.first_name = QLineEdit(profile.first_name)
        self.first_name.setObjectName("profileFirstName")
        self.last_name = QLineEdit(profile.last_name)
        self.last_name.setObjectName("profileLastName")
        self.company = QLineEdit(profile.company)
        self.company.setObjectName("profileCompany")
        self.profile_message = MessageLabel("profileMessage")
        self.save_button = QPushButton("Save profile")
        self.save_button.setObjectName("saveProfileButton")
        self.save_button.clicked.connect(self.save_profile)
        form = QFormLayout()
        form.addRow("Email:", self.email_label)
        form.addRow("First name:", self.first_name)
        form.addRow("Last name:", self.last_name)
        form.addRow("Company:", self.company)
        row = QHBoxLayout()
        row.addWidget(self.profile_message, 1)
        row.addWidget(self.save_button, 0, _TOP_RIGHT)
        box = QVBoxLayout(details)
        box.addLayout(form)
        box.addLayout(row)

        security = QGroupBox("Change password")
        security.setObjectName("passwordGroup")
        self.current_password = line_edit("currentPassword", password=True)
        self.new_fields = NewPasswordFields("newPassword", "confirmNewPassword",
                                            empty_message="Choose a new password.", parent=self)
        self.new_fields.set_identity(profile.email, (profile.first_name, profile.last_name))
        self.new_password = self.new_fields.edit
        self.confirm_password = self.new_fields.confirm
        self.password_message = MessageLabel("passwordMessage")
        self.change_button = QPushButton("Change password")
        self.change_button.setObjectName("changePasswordButton")
        self.change_button.clicked.connect(self.change_password)
        note = PlainLabel("Changing the password signs you out everywhere else and forgets "
                      "“keep me signed in”.")
        note.setObjectName("passwordNote")
        note.setWordWrap(True)
        note.setEnabled(False)
        pw_form = QFormLayout()
        pw_form.addRow("Current password:", self.current_password)
        self.new_fields.add_rows(pw_form, "New password:", "Confirm:")
        pw_row = QHBoxLayout()
        pw_row.addWidget(self.password_message, 1)
        pw_row.addWidget(self.change_button, 0, _TOP_RIGHT)
        pw_box = QVBoxLayout(security)
        pw_box.addLayout(pw_form)
        pw_box.addWidget(note)
        pw_box.addLayout(pw_row)

        self.busy = BusyBar()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("profileButtons")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(details)
        layout.addWidget(security)
        layout.addWidget(self.busy)
        layout.addWidget(buttons)
        self._profile = profile

    # -- profile ------------------------------------------------------------------

    def save_profile(self) -> None:
        """Store the name and company."""
        try:
            profile = self.store.accounts.update_profile(
                self.session, first_name=self.first_name.text(), last_name=self.last_name.text(),
                company=self.company.text())
        except errors.StorageError as exc:
            self.profile_message.show_error(str(exc))
            return
        self._profile = profile
        self.new_fields.set_identity(profile.email, (profile.first_name, profile.last_name))
        self.first_name.setText(profile.first_name)
        self.last_name.setText(profile.last_name)
        self.company.setText(profile.company)
        self.profile_message.show_info("Profile saved.")
        self.profile_changed.emit(profile)

    @property
    def profile(self) -> UserProfile:
        """The profile as last loaded or saved."""
        return self._profile

    # -- password -----------------------------------------------------------------

    def change_password(self) -> None:
        """Check the fields, then change the password in the background."""
        if self._runner.busy:
            return
        self.password_message.clear_message()
        if not self.current_password.text():
            self.password_message.show_error("Enter your current password.")
            return
        fields = self.new_fields  # the confirmation is checked once the new password passes
        if not (fields.check_password(required=True) and fields.check_confirm()):
            return
        current, new = self.current_password.text(), fields.password()
        self._runner.run(lambda: self.store.accounts.change_password(self.session, current, new),
                         self._password_changed, self._password_failed)

    def _password_changed(self, _result: object) -> None:
        self.current_password.clear()
        self.new_fields.clear()
        self.password_message.show_info("Password changed.")

    def _password_failed(self, exc: Exception) -> None:
        if isinstance(exc, errors.WeakPassword):
            self.new_fields.feedback.show_error("\n".join(exc.reasons))
            return
        if not isinstance(exc, errors.StorageError):
            log.error("Changing the password failed unexpectedly", exc_info=exc)
        self.password_message.show_error(str(exc))

    # -- state --------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.change_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    @property
    def is_busy(self) -> bool:
        """True while the password change runs in the background."""
        return self._runner.busy

    def done(self, result: int) -> None:
        """Close, first letting a running background call finish."""
        self._runner.wait()
        super().done(result)
