"""The first run, wired to a main window: welcome at first start, the tour once, Help menu.

:func:`start_first_run` is called by the application once the window is up;
the welcome page shows at the first start (or at every start, if the user
asks), after the sign-in dialog when there is one. The tour follows the
welcome page the first time and is remembered as done once finished or skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialogButtonBox, QMenu, QWidget

from app.ui.settings import (
    KEY_TOUR_DONE,
    KEY_WELCOME_AT_START,
    KEY_WELCOME_SEEN,
    app_settings,
    read_flag,
)
from app.ui.settings_dialog import SettingsDialog
from app.ui.template_gallery import BLANK
from app.ui.welcome.help_dialogs import AboutDialog, GuideViewer
from app.ui.welcome.page import CREATE, GUIDE, TOUR, WelcomePage
from app.ui.welcome.tour import Tour, TourStep

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.project_session import ProjectSession


def tour_steps(window: MainWindow) -> list[TourStep]:
    """Palette → canvas → Run → charts, on the window's real widgets."""
    return [
        TourStep(lambda: window.palette_dock, "1. The palette",
                 "Every component you can use: clients, load balancers, servers, caches, "
                 "databases, queues. Drag one onto the canvas, or double-click it."),
        TourStep(lambda: window.view, "2. The canvas",
                 "Your design. Connect two components by dragging from a component's port "
                 "(the circle on its right) to another one. Select a component to edit its "
                 "replicas, hardware and settings in the Inspector."),
        TourStep(lambda: window.main_bar.widgetForAction(window.window_actions.run),
                 "3. Run (F5)",
                 "Simulates the design with the settings in the scenario bar. While it runs, "
                 "each component shows its load: green is idle, amber busy, red saturated."),
        TourStep(lambda: window.charts_dock, "4. The charts",
                 "Throughput, latency percentiles, errors, utilization and queues, second by "
                 "second. Results holds the table; Analysis names the bottleneck."),
    ]


class FirstRun(QObject):
    """The welcome page, tour, guide, About and Settings of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.page: WelcomePage | None = None
        self.tour: Tour | None = None
        self.welcome_action = self._action("actionWelcome", "&Welcome", self.show_welcome)
        self.tour_action = self._action("actionTour", "&Tour of the Window", self.start_tour)
        self.guide_action = self._action("actionUserGuide", "&User Guide", self.show_guide,
                                         QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.settings_action = self._action("actionSettings", "Se&ttings…", self.show_settings,
                                            QKeySequence("Ctrl+,"))

    def _action(self, name: str, text: str, slot: Callable[[], object],
                shortcut: QKeySequence | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None and not shortcut.isEmpty():
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)  # the shortcut works with the menu closed
        return action

    # -- welcome and tour -------------------------------------------------------------------

    def show_welcome(self) -> WelcomePage:
        """Show the welcome page (window-modal; the event loop keeps running)."""
        if self.page is not None and self.page.isVisible():
            self.page.raise_()
            return self.page
        settings = app_settings()
        page = WelcomePage(self.window,
                           show_at_start=read_flag(settings, KEY_WELCOME_AT_START))
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        buttons = page.findChild(QDialogButtonBox)
        if buttons is not None:
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        page.finished.connect(lambda _result: self._welcome_closed(page))
        settings.setValue(KEY_WELCOME_SEEN, True)
        self.page = page
        page.open()
        return page

    def _welcome_closed(self, page: WelcomePage) -> None:
        self.page = None
        settings = app_settings()
        settings.setValue(KEY_WELCOME_AT_START, page.at_start.isChecked())
        if page.choice == CREATE and self.window.files.maybe_save():
            key = page.selected_key()
            if key == BLANK:
                self.window.files.new_blank()
            else:
                self.window.files.new_from_template(key)
        if page.choice == GUIDE:
            self.show_guide()
        elif page.choice == TOUR or not read_flag(settings, KEY_TOUR_DONE):
            QTimer.singleShot(0, self.start_tour)

    def start_tour(self) -> Tour:
        """Start (or restart) the tour over the window's widgets."""
        if self.tour is not None:
            self.tour.stop(completed=False)
        self.tour = Tour(self.window, tour_steps(self.window))
        self.tour.finished.connect(self._tour_finished)
        self.tour.start()
        return self.tour

    def _tour_finished(self, _completed: bool) -> None:
        self.tour = None
        app_settings().setValue(KEY_TOUR_DONE, True)  # skipped counts: never forced again

    # -- help and settings ------------------------------------------------------------------

    def show_guide(self) -> GuideViewer:
        """Open the user guide shipped with the app."""
        viewer = GuideViewer(self.window)
        self._show(viewer)
        return viewer

    def show_about(self) -> AboutDialog:
        """Show About with the versions."""
        dialog = AboutDialog(self.window)
        self._show(dialog)
        return dialog

    def show_settings(self) -> SettingsDialog:
        """Open the Settings dialog (window-modal)."""
        dialog = SettingsDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @staticmethod
    def _show(dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()


def install_help_actions(window: MainWindow, edit_menu: QMenu, help_menu: QMenu) -> FirstRun:
    """Add Settings to the Edit menu and Welcome, Tour, User Guide to the Help menu."""
    first_run = FirstRun(window)
    edit_menu.addSeparator()
    edit_menu.addAction(first_run.settings_action)
    help_menu.insertActions(window.window_actions.about, [
        first_run.welcome_action, first_run.tour_action, first_run.guide_action])
    help_menu.insertSeparator(window.window_actions.about)
    return first_run


def should_show_welcome() -> bool:
    """At the first start, or at every start when the user asked for it."""
    settings = app_settings()
    return (not read_flag(settings, KEY_WELCOME_SEEN)
            or read_flag(settings, KEY_WELCOME_AT_START))


def start_first_run(window: MainWindow, accounts: ProjectSession | None = None) -> bool:
    """Show the welcome page if it is due; after the sign-in dialog when one is up.

    Returns whether it will be shown.
    """
    if not should_show_welcome():
        return False
    first_run: FirstRun = window.first_run
    if accounts is not None and accounts.dialogs.busy():
        shown: list[bool] = []

        def once(_session: object) -> None:
            if not shown:
                shown.append(True)
                QTimer.singleShot(0, first_run.show_welcome)

        accounts.session_changed.connect(once)
    else:
        QTimer.singleShot(0, first_run.show_welcome)
    return True
