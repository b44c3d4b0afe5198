"""The sign-in dialog shown at start: sign in, create an account, or work offline."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.storage import Store, UserSession, errors
from app.storage.accounts import email_problem
from app.ui.accounts.tasks import TaskRunner
from app.ui.accounts.widgets import BusyBar, MessageLabel, NewPasswordFields, line_edit, stacked
from app.ui.plain_text import PlainLabel

log = logging.getLogger(__name__)


class _CurrentPageTabs(QTabWidget):
    """A tab widget as tall as its current page (QTabWidget sizes to the tallest)."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        page = self.currentWidget()
        pages = [w for w in (self.widget(i) for i in range(self.count())) if w is not None]
        if page is None or not pages:
            return hint
        chrome = hint.height() - max(p.sizeHint().height() for p in pages)
        return QSize(hint.width(), page.sizeHint().height() + chrome)


class SignInDialog(QDialog):
    """Sign in, register, or choose "work offline without an account".

    After ``exec()``: ``session`` is the signed-in :class:`UserSession`, or
    ``None`` when the user chose to work offline (``offline`` is then True) or
    closed the dialog. The slow part (bcrypt) runs in the background.
    """

    signed_in = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(f"Sign in — {APP_NAME}")
        self.setMinimumWidth(460)
        self.store = store
        self.session: UserSession | None = None
        self.offline = False
        self._runner = TaskRunner(self)
        self._runner.busy_changed.connect(self._set_busy)

        title = PlainLabel(APP_NAME)
        title.setObjectName("signInTitle")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        subtitle = PlainLabel("Sign in to keep your designs and their history on this computer.")
        subtitle.setObjectName("signInSubtitle")
        subtitle.setWordWrap(True)

        self.tabs = _CurrentPageTabs()
        self.tabs.setObjectName("signInTabs")
        self.tabs.addTab(self._build_sign_in_page(), "Sign in")
        self.tabs.addTab(self._build_register_page(), "Create account")
        self.tabs.currentChanged.connect(self._tab_changed)

        status = store.accounts.remember_me_status()
        self.remember = QCheckBox("Keep me signed in on this computer")
        self.remember.setObjectName("rememberMe")
        self.remember.setEnabled(status.available)
        self.remember_note = PlainLabel(status.message)
        self.remember_note.setObjectName("rememberNote")
        self.remember_note.setWordWrap(True)
        self.remember_note.setEnabled(False)  # greyed: an explanation, not a control
        self.remember_note.setVisible(not status.available)

        self.busy = BusyBar()
        self.offline_button = QPushButton("Work offline without an account")
        self.offline_button.setObjectName("workOfflineButton")
        self.offline_button.setAutoDefault(False)
        self.offline_button.clicked.connect(self.work_offline)
        bottom = QHBoxLayout()
        bottom.addWidget(self.offline_button)
        bottom.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addWidget(self.tabs)
        layout.addWidget(self.remember)
        layout.addWidget(self.remember_note)
        layout.addWidget(self.busy)
        layout.addLayout(bottom)
        self._tab_changed(0)

    # -- pages -----------------------------------------------------------------

    def _build_sign_in_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("signInPage")
        self.email = line_edit("signInEmail", "name@example.com")
        self.password = line_edit("signInPassword", password=True)
        self.password.returnPressed.connect(self.sign_in)
        self.sign_in_error = MessageLabel("signInError")
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.clicked.connect(self.sign_in)
        form = QFormLayout()
        form.addRow("Email:", self.email)
        form.addRow("Password:", self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.sign_in_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _build_register_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("registerPage")
        self.reg_email = line_edit("registerEmail", "name@example.com")
        self.reg_email_error = MessageLabel("registerEmailError")
        self.reg_first = line_edit("registerFirstName")
        self.reg_last = line_edit("registerLastName")
        self.reg_company = line_edit("registerCompany", "optional")
        self.new_fields = NewPasswordFields("registerPassword", "registerConfirm",
                                            meter_name="passwordStrength", parent=self)
        self.reg_password = self.new_fields.edit
        self.reg_confirm = self.new_fields.confirm
        self.meter = self.new_fields.meter
        self.register_error = MessageLabel("registerError")
        self.register_button = QPushButton("Create account")
        self.register_button.setObjectName("registerButton")
        self.register_button.clicked.connect(self.register)

        self.reg_email.editingFinished.connect(self._check_email_inline)
        for edit in (self.reg_email, self.reg_first, self.reg_last):
            edit.textChanged.connect(self._identity_changed)
        self.reg_confirm.returnPressed.connect(self.register)

        form = QFormLayout()
        form.addRow("Email:", stacked(self.reg_email, self.reg_email_error))
        form.addRow("First name:", self.reg_first)
        form.addRow("Last name:", self.reg_last)
        form.addRow("Company:", self.reg_company)
        self.new_fields.add_rows(form, "Password:", "Confirm password:")
        hint = PlainLabel("Use a passphrase: several unrelated words are long, strong and "
                      "easy to remember. No special characters are required.")
        hint.setObjectName("registerHint")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.register_button)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.register_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # -- inline validation ---------------------------------------------------------

    def _identity_changed(self) -> None:
        """The password may not contain the email or names: check it again."""
        self.new_fields.set_identity(self.reg_email.text(),
                                     (self.reg_first.text(), self.reg_last.text()))
        self.new_fields.check_password()

    def _check_email_inline(self) -> bool:
        problem = email_problem(self.reg_email.text()) if self.reg_email.text() else None
        self.reg_email_error.show_error(problem or "")
        return problem is None and bool(self.reg_email.text().strip())

    # -- actions ---------------------------------------------------------------------

    def sign_in(self) -> None:
        """Sign in with the email and password typed on the first tab."""
        if self._runner.busy:
            return
        email, password = self.email.text().strip(), self.password.text()
        if not email or not password:
            self.sign_in_error.show_error("Enter your email and password.")
            return
        self.sign_in_error.clear_message()
        remember = self.remember.isChecked() and self.remember.isEnabled()
        self._runner.run(lambda: self.store.accounts.login(email, password, remember=remember),
                         self._signed_in, self._sign_in_failed)

    def register(self) -> None:
        """Create the account typed on the second tab, then sign in with it."""
        if self._runner.busy:
            return
        checks = [self._check_email_inline(), self.new_fields.check()]
        if not self.reg_email.text().strip():
            self.reg_email_error.show_error("Enter your email address.")
        if not all(checks):
            self.register_error.show_error("Please correct the fields marked in red.")
            return
        self.register_error.clear_message()
        fields = {"email": self.reg_email.text().strip(), "password": self.new_fields.password(),
                  "first_name": self.reg_first.text(), "last_name": self.reg_last.text(),
                  "company": self.reg_company.text()}
        remember = self.remember.isChecked() and self.remember.isEnabled()

        def register_and_sign_in() -> UserSession:
            self.store.accounts.register(**fields)
            return self.store.accounts.login(fields["email"], fields["password"],
                                             remember=remember)

        self._runner.run(register_and_sign_in, self._signed_in, self._register_failed)

    def work_offline(self) -> None:
        """Close the dialog without an account: plain file mode."""
        self.offline = True
        self.session = None
        self.accept()

    # -- results -----------------------------------------------------------------------

    def _signed_in(self, session: UserSession) -> None:
        self.session = session
        self.password.clear()
        self.new_fields.clear()
        self.signed_in.emit(session)
        self.accept()

    def _sign_in_failed(self, exc: Exception) -> None:
        if not isinstance(exc, errors.StorageError):
            log.error("Sign-in failed unexpectedly", exc_info=exc)
        self.sign_in_error.show_error(str(exc))
        self.password.selectAll()
        self.password.setFocus()

    def _register_failed(self, exc: Exception) -> None:
        if isinstance(exc, errors.WeakPassword):
            self.new_fields.feedback.show_error("\n".join(exc.reasons))
        elif isinstance(exc, errors.EmailTaken | errors.ValidationError) and (
            getattr(exc, "field", "email") == "email"
        ):
            self.reg_email_error.show_error(str(exc))
        else:
            if not isinstance(exc, errors.StorageError):
                log.error("Registration failed unexpectedly", exc_info=exc)
            self.register_error.show_error(str(exc))

    # -- state -------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        # Size the tabs to the current page, not the tallest one.
        for other in range(self.tabs.count()):
            page = self.tabs.widget(other)
            if page is None:
                continue
            policy = (QSizePolicy.Policy.Preferred if other == index
                      else QSizePolicy.Policy.Ignored)
            page.setSizePolicy(policy, policy)
        self.tabs.updateGeometry()
        self.adjustSize()
        self.sign_in_button.setDefault(index == 0)
        self.register_button.setDefault(index == 1)
        (self.email if index == 0 else self.reg_email).setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.tabs, self.offline_button, self.remember):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and self.store.accounts.remember_me_status().available)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    @property
    def is_busy(self) -> bool:
        """True while signing in or registering runs in the background."""
        return self._runner.busy

    def done(self, result: int) -> None:
        """Close, first letting a running background call finish."""
        self._runner.wait()
        super().done(result)
