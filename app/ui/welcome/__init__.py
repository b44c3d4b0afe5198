"""The first run: the welcome page, the tour, the user guide and About (Help menu)."""

from __future__ import annotations

from app.ui.welcome.first_run import (
    FirstRun,
    install_help_actions,
    should_show_welcome,
    start_first_run,
)

__all__ = ["FirstRun", "install_help_actions", "should_show_welcome", "start_first_run"]
