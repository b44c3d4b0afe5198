"""Creating the QApplication and starting the GUI the way ``main.py`` does."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_NAME, ORG_NAME, __version__
from app.desktop_entry import DESKTOP_ID, ICON_RESOURCE
from app.logging_setup import configure_logging
from app.resources import resource_path
from app.ui.errors import install_excepthook
from app.ui.gui_gc import GuiThreadCollector
from app.ui.main_window import MainWindow
from app.ui.settings import redirect_qt_settings
from app.ui.settings_dialog import install_theme
from app.ui.welcome import start_first_run

if TYPE_CHECKING:
    from app.ui.project_session import ProjectSession

log = logging.getLogger(__name__)

#: When set, the app quits as soon as the main window is shown (start-up smoke test);
#: no dialog is shown (no sign-in, no recovery offer), so nothing blocks.
EXIT_AFTER_SHOWN_ENV = "SDSIM_EXIT_AFTER_SHOWN"
#: When set (or with ``--offline``), start offline without asking to sign in.
OFFLINE_ENV = "SDSIM_OFFLINE"
OFFLINE_FLAG = "--offline"


def ensure_application(argv: list[str] | None = None) -> QApplication:
    """Return the running QApplication, creating and configuring it if needed."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *(argv or [])])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Wayland compositors take the window's icon and grouping from the installed
    # <DESKTOP_ID>.desktop; X11 and Windows from the window icon itself.
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(QIcon(str(resource_path(*ICON_RESOURCE))))
    redirect_qt_settings()  # SDSIM_DATA_DIR holds Qt's own settings too
    return app


def run_gui(
    argv: list[str], *, sign_in: bool | None = None, open_path: Path | None = None
) -> int:
    """Start the desktop application; returns the process exit code.

    After the window shows, ``open_path`` (a design given on the command line)
    is opened, then the project database is opened and the user signed in
    (remember-me, else the sign-in dialog). ``sign_in=False``, ``--offline``
    or ``SDSIM_OFFLINE=1`` start offline without asking.
    """
    configure_logging()
    offline = OFFLINE_FLAG in argv or bool(os.environ.get(OFFLINE_ENV)) or sign_in is False
    app = ensure_application([arg for arg in argv if arg != OFFLINE_FLAG])
    install_theme(app)  # the theme chosen in Settings (default: follow the system)
    install_excepthook()
    # Cyclic garbage is collected on the GUI thread only, from before the first widget
    # (why: app/ui/gui_gc.py).
    collector = GuiThreadCollector(interval_s=1.0)
    window = MainWindow(defer_panels=True)
    window.show()
    log.info("Main window shown (%s %s, platform %s)", APP_NAME, __version__, app.platformName())
    app.processEvents()  # the first frame, before the imports below hold the GUI thread
    # The run side (charts, the run controller: numpy, pyqtgraph, the engine) is built
    # right after the first frame, before the event loop takes any input.
    window.build_panels()
    # The accounts side imports the storage layer (SQLAlchemy, Alembic: about a second
    # here), so it starts once the window is on screen, not on the way to it.
    if open_path is not None:
        _open_from_command_line(window, open_path, interactive=not os.environ.get(
            EXIT_AFTER_SHOWN_ENV))
    sessions: list[ProjectSession] = []

    def start_accounts(interactive: bool = True) -> None:
        from app.ui.project_session import ProjectSession

        sessions.append(ProjectSession(window))
        sessions[0].start(interactive=interactive, offline=offline)
        # Start-up is over (the storage layer was the last large import): later full
        # collections walk what the user's work allocates, not the libraries.
        collector.freeze_startup_heap()
        if interactive:  # the welcome page at the first start, after any sign-in
            start_first_run(window, sessions[0])

    if os.environ.get(EXIT_AFTER_SHOWN_ENV):
        start_accounts(interactive=False)
        QTimer.singleShot(0, app.quit)
    else:
        QTimer.singleShot(0, start_accounts)
    try:
        return app.exec()
    finally:
        for accounts in sessions:
            accounts.shutdown()  # a no-op when the window closed normally


def _open_from_command_line(window: MainWindow, path: Path, *, interactive: bool) -> None:
    """Open the design named on the command line; a failure is logged (and shown if
    ``interactive``), and the app carries on with an empty design."""
    from app.model.errors import DocumentError

    try:
        window.load_file(path)
    except (DocumentError, OSError) as exc:
        log.warning("Could not open %s from the command line: %s", path, exc)
        if interactive:
            window.files.show_error("Cannot open design", f"{path.name}: {exc}")
        return
    log.info("Opened %s from the command line", path)
