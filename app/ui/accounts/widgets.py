"""Small widgets shared by the account dialogs: strength meter, message label, busy bar."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from app.storage import PasswordStrength

#: Colours readable on light and dark palettes alike.
ERROR_COLOR = "#d64545"
OK_COLOR = "#2f9e5a"
_METER_COLORS = ("#d64545", "#e0822f", "#d9b32c", "#57a85a", "#2f9e5a")


def local_time(moment: datetime) -> str:
    """``2025-03-01 10:00`` in the computer's time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class MessageLabel(QLabel):
    """A word-wrapped line for inline errors (red) and confirmations (green)."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.label = QLabel(self)
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
