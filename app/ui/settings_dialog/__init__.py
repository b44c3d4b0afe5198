"""Edit ▸ Settings: theme, run settings for new designs, units and the data folder."""

from __future__ import annotations

from app.ui.settings_dialog.dialog import SettingsDialog
from app.ui.settings_dialog.theme_choice import apply_theme, install_theme

__all__ = ["SettingsDialog", "apply_theme", "install_theme"]
