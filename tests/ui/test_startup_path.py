"""The first window shows before the storage layer (SQLAlchemy, Alembic) is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.logging_setup import LOG_FILE_NAME

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("app.storage", "sqlalchemy", "alembic")

# Records which heavy modules were loaded when the main window was shown, then
# starts the GUI exactly as main.py does (it quits once shown).
SCRIPT = """
import json, sys
import app.ui.application as application

HEAVY = HEAVY_MODULES

loaded_at_show = []
original_show = application.MainWindow.show

def show(self):
    loaded_at_show.extend(sorted(m for m in sys.modules if m.startswith(HEAVY)))
    original_show(self)

application.MainWindow.show = show
code = application.run_gui([])
print(json.dumps({"at_show": loaded_at_show,
                  "at_exit": sorted(m for m in sys.modules if m.startswith(HEAVY))}))
sys.exit(code)
""".replace("HEAVY_MODULES", repr(HEAVY))


def test_storage_is_imported_after_the_window_shows(isolated_data_dir: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SDSIM_EXIT_AFTER_SHOWN="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert modules["at_show"] == []
    assert "app.storage" in modules["at_exit"]  # the accounts side did start, afterwards
    log_text = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert log_text.index("Main window shown") < log_text.index("Opened project database")
