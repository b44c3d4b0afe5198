"""What the cloud sync is doing, and the status-bar button that shows it.

:class:`CloudStatus` is an immutable snapshot the controller hands to the
button (and to tests); the button only draws it. Clicking it asks for a sync.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget

from app.ui.plain_text import plain_tooltip


class CloudState(enum.Enum):
    """The states the indicator shows (the value is its text)."""

    UNAVAILABLE = "Unavailable"
    NOT_LINKED = "Not synced"  # signed in locally, never signed in to the cloud
    SIGNED_OUT = "Signed out"
    SYNCING = "Syncing…"
    SYNCED = "Synced"
    OFFLINE = "Offline"
    CONFLICT = "Conflict"
    PROBLEM = "Sync problem"


@dataclass(frozen=True)
class CloudStatus:
    """A snapshot of the sync state for the status bar."""

    state: CloudState = CloudState.NOT_LINKED
    account: str = ""  # the cloud account's email, when known
    server: str = ""
    last_sync: datetime | None = None
    last_error: str = ""
    note: str = ""  # why unavailable, or what the last sync did

    @property
    def text(self) -> str:
        """The button's text."""
        return f"Cloud: {self.state.value}"

    def describe(self) -> str:
        """The tooltip: the account, the time of the last sync, the last error."""
        lines: list[str] = []
        if self.state is CloudState.UNAVAILABLE:
            lines.append(self.note or "Cloud sync is unavailable.")
        elif self.state is CloudState.NOT_LINKED:
            lines.append("Not signed in to the cloud: Account ▸ Sign in to Cloud… syncs "
                         "your projects with a server.")
        elif self.account:
            lines.append(f"Cloud account {self.account} on {self.server}".rstrip())
        if self.state is CloudState.SIGNED_OUT:
            lines.append("Signed out of the cloud: click to sign in again.")
        when = (self.last_sync.astimezone().strftime("%Y-%m-%d %H:%M:%S")
                if self.last_sync else "not yet")
        if self.state not in (CloudState.UNAVAILABLE, CloudState.NOT_LINKED):
            lines.append(f"Last sync: {when}")
        if self.note and self.state is not CloudState.UNAVAILABLE:
            lines.append(self.note)
        if self.last_error:
            lines.append(f"Last error: {self.last_error}")
        if self.state in (CloudState.SYNCED, CloudState.OFFLINE, CloudState.CONFLICT,
                          CloudState.PROBLEM):
            lines.append("Click to sync now.")
        return "\n".join(line for line in lines if line)


_COLORS = {
    CloudState.SYNCED: "#2f9e5a",
    CloudState.CONFLICT: "#e0822f",
    CloudState.PROBLEM: "#d64545",
}


class CloudStatusButton(QToolButton):
    """The status-bar indicator (object name ``cloudStatus``); a click syncs now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cloudStatus")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.status = CloudStatus()
        self.show_status(self.status)

    def show_status(self, status: CloudStatus) -> None:
        """Draw ``status``."""
        self.status = status
        self.setText(status.text)
        self.setToolTip(plain_tooltip(status.describe()))
        self.setStatusTip(status.describe().split("\n", 1)[0])
        color = _COLORS.get(status.state)
        self.setStyleSheet(f"QToolButton {{ color: {color}; }}" if color else "")
        self.setEnabled(status.state is not CloudState.UNAVAILABLE)
