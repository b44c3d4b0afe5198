"""Render the account dialogs to ``docs/screenshots/accounts-*.png`` (offscreen).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tools/accounts_screenshots.py``.
Uses a throw-away database and keyring, never the user's own.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.storage import ManualClock, Store  # noqa: E402
from app.ui.accounts import (  # noqa: E402
    NewProjectDialog,
    ProfileDialog,
    ProjectBrowserDialog,
    SignInDialog,
    VersionHistoryDialog,
)
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "ada@example.com", "analytical engine notes"


def shoot(widget: QWidget, name: str) -> None:
    """Show ``widget``, let it lay out, and save it as a PNG."""
    widget.show()
    QApplication.processEvents()
    path = OUT / f"accounts-{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)} ({widget.width()}x{widget.height()})")


def main() -> None:
    """Build a small store and grab every dialog."""
    app = QApplication.instance() or QApplication([])
    keyring.set_keyring(MemoryKeyring())
    OUT.mkdir(parents=True, exist_ok=True)
    clock = ManualClock()
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3",
                                                          clock=clock) as store:
        sign_in = SignInDialog(store)
        sign_in.email.setText(EMAIL)
        shoot(sign_in, "sign-in")
        sign_in.tabs.setCurrentIndex(1)
        sign_in.reg_email.setText("grace@example.com")
        sign_in.reg_first.setText("Grace")
        sign_in.reg_last.setText("Hopper")
        sign_in.reg_password.setText("grace1906!!!")
        sign_in.reg_confirm.setText("grace1906!!")
        sign_in.register()
        shoot(sign_in, "register-weak-password")
        sign_in.reg_password.setText("Cobol compilers dream in decimal")
        sign_in.reg_confirm.setText("Cobol compilers dream in decimal")
        sign_in.register_error.clear_message()
        shoot(sign_in, "register-strong-password")
        sign_in.close()

        store.accounts.register(email=EMAIL, password=PASSWORD, first_name="Ada",
                                last_name="Lovelace", company="Analytical Engines Ltd")
        session = store.accounts.login(EMAIL, PASSWORD)
        templates = store.templates.list()
        shop = store.projects.create_from_template(session, templates[-1].key, "Web shop")
        for i, name in enumerate(["Payments API", "Chat backend with a very long name that "
                                  "goes on and on", "Analytics pipeline"]):
            clock.advance(hours=3 + i)
            store.projects.create(session, name)
        doc = json.loads(store.projects.get(session, shop.id).document)
        for n in range(3):
            clock.advance(minutes=17)
            doc["components"].append({"id": f"cache{n}", "type": "cache", "profile": "redis"})
            store.projects.save(session, shop.id, doc, note=f"Add cache {n + 1}")

        browser = ProjectBrowserDialog(store, session)
        shoot(browser, "project-browser")
        browser.search.setText("zzz")
        shoot(browser, "project-browser-no-match")
        browser.close()
        new = NewProjectDialog(templates)
        new.templates.setCurrentRow(1)
        shoot(new, "new-project")
        new.close()
        history = VersionHistoryDialog(store, session, shop.id)
        history.select_version(3)
        shoot(history, "version-history")
        history.close()
        profile = ProfileDialog(store, session)
        profile.new_password.setText("lovelace")
        profile.confirm_password.setText("lovelace")
        shoot(profile, "profile")
        profile.close()
    del app


if __name__ == "__main__":
    main()
