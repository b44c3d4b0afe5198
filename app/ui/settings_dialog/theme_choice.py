"""The theme preference: follow the system, or always light, or always dark."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.settings import app_settings, read_theme
from app.ui.theme import apply_color_scheme

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def apply_theme(app: QApplication, choice: str) -> None:
    """Use the ``choice`` (``system``, ``light`` or ``dark``) now.

    ``system`` with a platform that reports no scheme (offscreen, some X
    desktops) means light, Qt's default, so going back from dark is visible.
    """
    scheme = _SCHEMES.get(choice, app.styleHints().colorScheme())
    if scheme == Qt.ColorScheme.Unknown:
        scheme = Qt.ColorScheme.Light
    apply_color_scheme(app, scheme)


def install_theme(app: QApplication) -> None:
    """Apply the saved theme, and follow the system's switches while the choice is ``system``."""
    hints = app.styleHints()
    choice = read_theme(app_settings())
    if choice == "system":
        apply_color_scheme(app, hints.colorScheme())  # Unknown: keep the platform's palette
    else:
        apply_theme(app, choice)

    def follow(scheme: Qt.ColorScheme) -> None:
        if read_theme(app_settings()) == "system":
            apply_color_scheme(app, scheme)

    hints.colorSchemeChanged.connect(follow)
