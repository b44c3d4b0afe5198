"""A main window signed in to a local account, with its cloud controller, for the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.storage import Store, UserSession
from app.ui.cloud.controller import CloudController
from app.ui.cloud.sign_in_dialog import CloudSignInDialog
from app.ui.cloud.status import CloudState
from app.ui.main_window import MainWindow
from app.ui.project_session import ProjectSession
from tests.support.cloud_server import PASSWORD

CTRL = Qt.KeyboardModifier.ControlModifier
SHOTS = Path(__file__).resolve().parents[3] / "shots"


def local_account(store: Store, email: str, password: str = PASSWORD) -> UserSession:
    """Register ``email`` in the local store and sign in (the desktop's own accounts)."""
    store.accounts.register(email=email, password=password, first_name="Ada",
                            last_name="Lovelace")
    return store.accounts.login(email, password)


class CloudWindow:
    """A shown MainWindow + ProjectSession; blocking questions are answered."""

    def __init__(self, qtbot: QtBot, store_path: Path, **cloud_options: Any) -> None:
        self.qtbot = qtbot
        self.window = MainWindow()
        self.errors: list[str] = []
        self.window.files.ask_save_changes = (  # type: ignore[method-assign]
            lambda: QMessageBox.StandardButton.Discard)
        self.window.files.show_error = (  # type: ignore[method-assign]
            lambda title, text: self.errors.append(text))
        self.store = Store.open(store_path)
        self.accounts = ProjectSession(self.window, self.store, cloud_options=cloud_options)
        self.accounts.show_error = (  # type: ignore[method-assign]
            lambda title, text: self.errors.append(text))
        # The first save names the project (a modal dialog otherwise).
        self.accounts.ask_save_version = (  # type: ignore[method-assign]
            lambda project, default: (project or "Shop", ""))
        qtbot.addWidget(self.window)
        self.window.resize(1100, 700)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.session: UserSession | None = None

    @property
    def cloud(self) -> CloudController:
        """The window's cloud controller."""
        return self.accounts.cloud

    def action(self, name: str) -> QAction:
        """A window action by object name."""
        action = self.window.findChild(QAction, name)
        assert action is not None, name
        return action

    def sign_in_locally(self, email: str) -> UserSession:
        """A local account signs in (what the start-up sign-in dialog does)."""
        self.session = local_account(self.store, email)
        self.accounts.set_session(self.session, offer_recovery=False)
        return self.session

    def open_cloud_sign_in(self) -> CloudSignInDialog:
        """Account ▸ Sign in to Cloud…"""
        action = self.action("actionCloudSignIn")
        assert action.isEnabled(), action.statusTip()
        action.trigger()
        self.qtbot.waitUntil(lambda: isinstance(self.accounts.dialogs.current, CloudSignInDialog)
                             and self.accounts.dialogs.current.isVisible())
        dialog = self.accounts.dialogs.current
        assert isinstance(dialog, CloudSignInDialog)
        return dialog

    def type_and_submit(self, dialog: CloudSignInDialog, server_url: str,
                        password: str = PASSWORD) -> None:
        """Type the server address and password as a user would, then click Sign In."""
        dialog.server.clear()
        self.qtbot.keyClicks(dialog.server, server_url)
        dialog.password.clear()
        self.qtbot.keyClicks(dialog.password, password)
        self.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    def wait_state(self, *states: CloudState, timeout: int = 60_000) -> None:
        """Until the status bar shows one of ``states`` (and no sync runs)."""
        self.qtbot.waitUntil(lambda: self.cloud.status.state in states and not self.cloud.busy,
                             timeout=timeout)

    def save(self) -> None:
        """Ctrl+S in the window."""
        self.window.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is self.window, timeout=5_000)
        self.qtbot.keyClick(self.window.view, Qt.Key.Key_S, CTRL)

    def close(self) -> None:
        """Close the window (the store closes with it)."""
        if self.window.isVisible():
            self.window.close()
        self.window.runner.shutdown()
        self.accounts.shutdown()


def shoot(widget: QWidget, name: str) -> Path:
    """Save a screenshot of ``widget`` to shots/<name>.png."""
    SHOTS.mkdir(exist_ok=True)
    for _ in range(3):  # let layouts catch up with the last text changes
        QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), path
    return path


def shoot_menu(harness: CloudWindow, name: str) -> Path:
    """Open the Account menu, save a screenshot of it, close it."""
    menu = harness.accounts.menu.menu
    menu.popup(harness.window.mapToGlobal(harness.window.rect().center()))
    harness.qtbot.waitUntil(menu.isVisible)
    try:
        return shoot(menu, name)
    finally:
        menu.hide()
