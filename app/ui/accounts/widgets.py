"""Small widgets shared by the account dialogs: strength meter, message label, busy bar,
and the new-password fields (password, meter, policy feedback, confirmation)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.storage import PasswordStrength, password_strength
from app.storage import check_password as password_reasons
from app.ui.plain_text import PlainLabel

#: Colours readable on light and dark palettes alike.
ERROR_COLOR = "#d64545"
OK_COLOR = "#2f9e5a"
_METER_COLORS = ("#d64545", "#e0822f", "#d9b32c", "#57a85a", "#2f9e5a")


def local_time(moment: datetime) -> str:
    """``2025-03-01 10:00`` in the computer's time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def line_edit(name: str, placeholder: str = "", *, password: bool = False) -> QLineEdit:
    """A line edit named ``name``; ``password`` hides what is typed."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def stacked(edit: QWidget, *messages: QWidget) -> QWidget:
    """``edit`` with its inline messages underneath (hidden messages take no space)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(3)
    layout.addWidget(edit)
    for message in messages:
        layout.addWidget(message)
    return box


class MessageLabel(PlainLabel):
    """A word-wrapped line for inline errors (red) and confirmations (green)."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.clear_message()

    def show_error(self, text: str) -> None:
        """Show ``text`` as an error."""
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setText(text)
        self.setVisible(bool(text))

    def show_info(self, text: str) -> None:
        """Show ``text`` as a confirmation."""
        self.setStyleSheet(f"color: {OK_COLOR};")
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        """Hide the label."""
        self.setText("")
        self.setVisible(False)


class StrengthMeter(QWidget):
    """A five-step password strength bar with its label ("Weak", "Strong"...)."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{object_name}Bar")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.label = PlainLabel(parent=self)
        self.label.setObjectName(f"{object_name}Label")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("Very weak") + 8)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label)
        self.set_strength(None)

    def set_strength(self, strength: PasswordStrength | None) -> None:
        """Show ``strength`` (``None``: empty password, nothing to rate)."""
        self.bar.setRange(0, 16)
        if strength is None:
            color, value = "transparent", 0
        else:  # a score of 0 still shows a sliver, so the bar does not look unrated
            color, value = _METER_COLORS[strength.score], max(1, strength.score * 4)
        self.bar.setValue(value)
        self.bar.setStyleSheet(
            "QProgressBar { border: none; border-radius: 4px; background: rgba(128,128,128,60); }"
            f"QProgressBar::chunk {{ border-radius: 4px; background: {color}; }}"
        )
        self.label.setText("" if strength is None else strength.label)


class BusyBar(QProgressBar):
    """An indeterminate progress bar shown while a background call runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyIndicator")
        self.setRange(0, 0)
        self.setTextVisible(False)
        self.setFixedHeight(6)
        self.setVisible(False)


class NewPasswordFields(QObject):
    """A new password with its strength meter and policy feedback, and its confirmation.

    Checks as the user types: the meter and the policy's reasons under the
    password, "The passwords don't match." under the confirmation. The policy
    also refuses a password containing the user's email or names: give them
    with :meth:`set_identity`. Widget names: ``password_name`` (meter
    ``meter_name``, default ``password_name + "Strength"``; feedback
    ``password_name + "Feedback"``) and ``confirm_name`` (its error
    ``confirm_name + "Error"``).
    """

    def __init__(self, password_name: str, confirm_name: str, *, meter_name: str = "",
                 empty_message: str = "Choose a password.", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.edit = line_edit(password_name, "at least 12 characters", password=True)
        self.meter = StrengthMeter(meter_name or f"{password_name}Strength")
        self.feedback = MessageLabel(f"{password_name}Feedback")
        self.confirm = line_edit(confirm_name, password=True)
        self.confirm_error = MessageLabel(f"{confirm_name}Error")
        self._empty_message = empty_message
        self._email = ""
        self._names: tuple[str, ...] = ()
        self.edit.textChanged.connect(self.check_password)
        self.confirm.textChanged.connect(self.check_confirm)

    def add_rows(self, form: QFormLayout, password_label: str, confirm_label: str) -> None:
        """Add the password (meter and feedback under it) and confirmation rows to ``form``."""
        form.addRow(password_label, stacked(self.edit, self.meter, self.feedback))
        form.addRow(confirm_label, stacked(self.confirm, self.confirm_error))

    def set_identity(self, email: str, names: Sequence[str]) -> None:
        """The email and names the password must not contain (takes effect at the next check)."""
        self._email, self._names = email, tuple(names)

    def password(self) -> str:
        """The password typed."""
        return self.edit.text()

    def check_password(self, *, required: bool = False) -> bool:
        """Rate and check the password; ``required`` asks for one when it is empty."""
        text = self.edit.text()
        if not text:
            self.meter.set_strength(None)
            if required:
                self.feedback.show_error(self._empty_message)
            else:
                self.feedback.clear_message()
            return False
        self.meter.set_strength(password_strength(text, self._email, self._names))
        reasons = password_reasons(text, self._email, self._names)
        if reasons:
            self.feedback.show_error("\n".join(reasons))
        else:
            self.feedback.clear_message()
        if self.confirm.text():
            self.check_confirm()
        return not reasons

    def check_confirm(self) -> bool:
        """Check that the confirmation matches the password."""
        matches = self.confirm.text() == self.edit.text()
        self.confirm_error.show_error("" if matches else "The passwords don't match.")
        return matches

    def check(self) -> bool:
        """Check both fields (marking every problem) before submitting; True when both are fine."""
        return all([self.check_password(required=True), self.check_confirm()])

    def clear(self) -> None:
        """Empty both fields (which also resets the meter and the messages)."""
        self.edit.clear()
        self.confirm.clear()
