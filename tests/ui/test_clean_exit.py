"""The app exits cleanly after a copy (the clipboard's Python-made data is released)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.model.templates import load_architecture_template
from app.ui.clipboard import FragmentClipboard
app = QApplication([])
FragmentClipboard().copy(load_architecture_template("three_tier_web_app"))
QTimer.singleShot(0, app.quit)
app.exec()
"""


def test_quitting_after_a_copy_exits_cleanly() -> None:
    # Without release_clipboard on aboutToQuit this process segfaults (exit -11)
    # in Qt's static destructors, after the interpreter has finalised.
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), check=False,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
