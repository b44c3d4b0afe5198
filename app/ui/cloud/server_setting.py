"""The cloud server's address in Settings (QSettings key ``cloud/server_url``).

The address is checked with the client's own rule (``validate_server_url``:
http(s), a host, plain http only for this computer), so Settings never keeps
an address the client would refuse.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QWidget

from app.cloud.client import InvalidServerUrl, validate_server_url

KEY_SERVER_URL = "cloud/server_url"
#: The embedded ``sdsim-server`` on this computer.
DEFAULT_SERVER_URL = "http://localhost:8001"


def read_server_url(settings: QSettings) -> str:
    """The server address to offer (the stored one if it is still valid, else the default)."""
    value = str(settings.value(KEY_SERVER_URL, DEFAULT_SERVER_URL, type=str) or "")
    return value if value and not server_url_problem(value) else DEFAULT_SERVER_URL


def write_server_url(settings: QSettings, url: str) -> str:
    """Store ``url`` normalised (no trailing slash); returns what was stored."""
    normal = validate_server_url(url).url
    settings.setValue(KEY_SERVER_URL, normal)
    return normal


def server_url_problem(url: str) -> str:
    """Why ``url`` cannot be used as the server address ("" when it can)."""
    try:
        validate_server_url(url)
    except InvalidServerUrl as exc:
        return exc.message
    return ""


class CloudServerGroup(QGroupBox):
    """The Settings dialog's "Cloud sync" group: the server address and its check."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("Cloud sync", parent)
        self.edit = QLineEdit(read_server_url(settings), self)
        self.edit.setObjectName("settingsCloudServer")
        self.edit.setPlaceholderText(DEFAULT_SERVER_URL)
        # One row and no wrapped note: the dialog's height is computed for its width, and
        # a wrapped label in a nested group made that estimate short (clipped text).
        self.edit.setToolTip("The sync server used by Account ▸ Sign in to Cloud. Plain "
                             "http:// is only accepted for a server on this computer.")
        form = QFormLayout(self)
        form.addRow("Server address:", self.edit)

    def problem(self) -> str:
        """Why the typed address cannot be kept ("" when it can)."""
        return server_url_problem(self.edit.text())

    def store(self, settings: QSettings) -> None:
        """Write the typed address (call only when :meth:`problem` is empty)."""
        write_server_url(settings, self.edit.text())
