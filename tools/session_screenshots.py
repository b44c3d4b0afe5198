"""Screenshots of the main window with accounts: sign-in, Account menu, projects, recovery.

Run: ``.venv/bin/python tools/session_screenshots.py`` (offscreen by itself).
Writes ``docs/screenshots/session-*.png``. Uses a throw-away data directory,
settings folder and in-memory keyring, never the user's own. Menus and
dialogs are separate windows, so each shot paints them onto the window's grab
where they would appear on screen.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "ada@example.com", "analytical engine notes"
SIZE = (1440, 900)


def _environment() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="sdsim-session-shots-"))
    screen = {"screens": [{"name": "shots", "x": 0, "y": 0, "width": 1600, "height": 1000,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    config = scratch / "screen.json"
    config.write_text(json.dumps(screen), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["SDSIM_DATA_DIR"] = str(scratch / "data")
    sys.path.insert(0, str(ROOT))
    return scratch


def main() -> int:
    """Build a store with a few projects, sign in, and take the shots."""
    scratch = _environment()
    import keyring
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtGui import QColor, QPainter, QPixmap
    from PySide6.QtWidgets import QWidget

    from app.model import fileformat
    from app.model.templates import load_architecture_template
    from app.storage import ManualClock, Store
    from app.ui.application import ensure_application
    from app.ui.main_window import MainWindow
    from app.ui.project_session import ProjectSession
    from app.ui.theme import apply_color_scheme
    from tests.support.memory_keyring import MemoryKeyring

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))
    keyring.set_keyring(MemoryKeyring())
    app = ensure_application([])
    apply_color_scheme(app, Qt.ColorScheme.Light)
    OUT.mkdir(parents=True, exist_ok=True)

    def wait(seconds: float = 0.3) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)

    def shoot(window: QWidget, name: str, *overlays: QWidget) -> None:
        """The window's grab with ``overlays`` (menus, dialogs) painted where they show."""
        pixmap: QPixmap = window.grab()
        painter = QPainter(pixmap)
        origin = window.mapToGlobal(QPoint(0, 0))
        for overlay in overlays:
            image = overlay.grab()
            at = overlay.mapToGlobal(QPoint(0, 0)) - origin
            painter.fillRect(image.rect().translated(at + QPoint(4, 5)), QColor(0, 0, 0, 40))
            painter.drawPixmap(at, image)
            painter.setPen(QColor(0, 0, 0, 90))
            painter.drawRect(image.rect().translated(at).adjusted(0, 0, -1, -1))
        painter.end()
        path = OUT / f"session-{name}.png"
        pixmap.save(str(path))
        print(f"wrote {path.relative_to(ROOT)} ({pixmap.width()}x{pixmap.height()})")

    def center_on(dialog: QWidget, window: QWidget) -> None:
        wait(0.1)  # shown at its own size first
        frame = window.frameGeometry()
        dialog.move(frame.center() - dialog.rect().center())
        wait(0.2)

    clock = ManualClock()
    store = Store.open(scratch / "data" / "shots.sqlite3", clock=clock)
    store.accounts.register(email=EMAIL, password=PASSWORD, first_name="Ada",
                            last_name="Lovelace", company="Analytical Engines Ltd")
    session = store.accounts.login(EMAIL, PASSWORD)
    shop = load_architecture_template("three_tier_web_app")
    project = store.projects.create(session, "Web shop", fileformat.dumps(shop))
    for n, name in enumerate(["Payments API", "Chat backend", "Analytics pipeline"]):
        clock.advance(hours=2 + n)
        store.projects.create(session, name)
    clock.advance(minutes=20)
    store.projects.save(session, project.id, fileformat.dumps(shop), note="Bigger database")

    window = MainWindow()
    window.resize(*SIZE)
    window.move(80, 50)
    accounts = ProjectSession(window, store)
    window.show()
    wait()

    # 0. At start: the sign-in dialog over the (still empty) window.
    sign_in = accounts.show_sign_in()
    assert sign_in is not None
    sign_in.email.setText(EMAIL)
    center_on(sign_in, window)
    shoot(window, "sign-in", sign_in)
    sign_in.reject()
    wait()

    accounts.set_session(session, offer_recovery=False)
    accounts.open_project(project.id)
    cache = window.document.add_component("cache", (700.0, 160.0))  # an unsaved change
    assert cache is not None
    window.document.add_link("app", cache)
    window.view.fit_to_view()
    wait()

    # 1. The Account menu, open from the menu bar.
    bar = window.menuBar()
    menu = accounts.menu.menu
    bar.setActiveAction(menu.menuAction())
    wait()
    if not menu.isVisible():
        menu.popup(bar.mapToGlobal(bar.actionGeometry(menu.menuAction()).bottomLeft()))
    wait()
    shoot(window, "account-menu", menu)
    menu.hide()
    bar.setActiveAction(None)  # type: ignore[arg-type]
    wait()

    # 2. The project browser over the window.
    browser = accounts.show_projects()
    assert browser is not None
    center_on(browser, window)
    shoot(window, "project-browser", browser)
    browser.reject()
    wait()

    # 3. Saving a version with a note.
    from app.ui.accounts.save_version import SaveVersionDialog

    note = SaveVersionDialog("Web shop", parent=window)
    note.note.setText("Add a cache in front of the database")
    note.show()
    center_on(note, window)
    shoot(window, "save-version", note)
    note.close()

    # 4. Recovery offered at the next start after a crash.
    from app.storage import RecoveryEntry
    from app.ui.accounts.recovery import RecoveryDialog

    entries = [RecoveryEntry(1, project.id, "Web shop", clock(), fileformat.dumps(shop)),
               RecoveryEntry(2, None, None, clock(), json.dumps({"name": "Napkin sketch"}))]
    offer = RecoveryDialog(entries, window)
    offer.show()
    center_on(offer, window)
    shoot(window, "recovery", offer)
    offer.close()

    window.document.undo_stack.setClean()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
