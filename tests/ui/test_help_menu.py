"""Help ▸ About (versions, copyable) and Help ▸ User Guide (the guide shipped in resources/)."""

from __future__ import annotations

import platform
import re

import numpy
import PySide6
import simpy
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from app import __version__
from app.resources import resource_path
from app.ui.welcome.help_dialogs import AboutDialog, GuideViewer
from tests.ui.test_first_run import shoot

GUIDE = resource_path("docs", "user-guide.md")


def test_about_shows_the_versions_as_copyable_text(window, qtbot) -> None:
    window.window_actions.about.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    text = dialog.versions.toPlainText()
    for needle in (__version__, platform.python_version(), qVersion(), PySide6.__version__,
                   simpy.__version__, numpy.__version__, platform.platform()):
        assert needle in text, needle
    assert dialog.versions.isReadOnly()
    dialog.resize(dialog.sizeHint())
    shoot(dialog, "help-about")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    # Every line is visible without scrolling.
    assert dialog.versions.verticalScrollBar().maximum() == 0


def test_user_guide_opens_the_shipped_guide(window, qtbot) -> None:
    assert GUIDE.is_file()
    window.first_run.guide_action.trigger()
    viewer = window.findChild(GuideViewer)
    assert viewer is not None and viewer.isVisible()
    shown = viewer.browser.toPlainText()
    for section in ("The canvas", "Running", "Charts and results", "Alerts", "Analysis",
                    "Capacity planner", "Sweeps", "What-if comparisons", "Files",
                    "Accounts and projects", "Settings"):
        assert section in shown, section
    assert "##" not in shown  # rendered, not shown as Markdown source
    shoot(viewer, "help-user-guide")


def _menu_paths(window) -> set[str]:
    found: set[str] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            for action in menu.actions():
                found.add(f"{top.text().replace('&', '')} ▸ {action.text().replace('&', '')}")
    return found


def test_every_menu_the_guide_names_exists(window) -> None:
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    named = set(re.findall(r"\*\*((?:File|Edit|View|Run|Help) ▸ [^*]+)\*\*", text))
    assert len(named) >= 10
    assert named <= _menu_paths(window), named - _menu_paths(window)
