"""GUI settings live under SDSIM_DATA_DIR, never in the user's home folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Starts the app as main.py does, changes every kind of setting we keep, and lets
# Qt's own file dialog write its history, then quits.
SCRIPT = """
from pathlib import Path
from PySide6.QtWidgets import QFileDialog
from app.ui.application import ensure_application
from app.ui.main_window import MainWindow
from app.ui.settings import add_recent_file, app_settings

app = ensure_application([])
window = MainWindow()
window.show()
app.processEvents()
add_recent_file(app_settings(), Path("design.sdsim"))
window.save_settings()
dialog = QFileDialog(window, "Open design")
dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
dialog.show()
app.processEvents()
dialog.close()
dialog.deleteLater()
del dialog
app.processEvents()
window.runner.shutdown()
window.document.undo_stack.setClean()
window.close()
app.processEvents()
"""


def test_settings_go_under_the_data_dir_not_home(tmp_path: Path) -> None:
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), SDSIM_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    in_home = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert in_home == []
    settings = (data / "config" / "settings.ini").read_text(encoding="utf-8")
    assert "design.sdsim" in settings and "geometry" in settings
