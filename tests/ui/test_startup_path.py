"""The first window shows before the storage layer and the run side are imported.

The storage layer (SQLAlchemy, Alembic) starts with the accounts after the first
frame; the run side (numpy, pyqtgraph, SimPy, the engine's simulation, the analysis
and report code) is built right after it too, and every dock then has its panel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.logging_setup import LOG_FILE_NAME

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("app.storage", "sqlalchemy", "alembic")
#: Not needed to paint the first window: imported by MainWindow.build_panels.
RUN_SIDE = ("numpy", "pyqtgraph", "simpy", "app.engine.simulation", "app.analysis",
            "app.reports", "app.ui.run_controller", "app.ui.charts")

# Records which heavy modules were loaded when the main window was shown, then
# starts the GUI exactly as main.py does (it quits once shown).
SCRIPT = """
import json, sys
import app.ui.application as application
from PySide6.QtWidgets import QDockWidget

HEAVY = HEAVY_MODULES
RUN_SIDE = RUN_SIDE_MODULES

loaded_at_show = []
run_side_at_show = []
windows = []
original_show = application.MainWindow.show

def show(self):
    loaded_at_show.extend(sorted(m for m in sys.modules if m.startswith(HEAVY)))
    run_side_at_show.extend(sorted({m.split(".")[0] if m.startswith(("numpy", "pyqtgraph",
        "simpy")) else m for m in sys.modules if m.startswith(RUN_SIDE)}))
    windows.append(self)
    original_show(self)

application.MainWindow.show = show
code = application.run_gui([])
window = windows[0]
print(json.dumps({"at_show": loaded_at_show, "run_side_at_show": run_side_at_show,
                  "at_exit": sorted(m for m in sys.modules if m.startswith(HEAVY)),
                  "run_side_at_exit": sorted(m for m in RUN_SIDE if m in sys.modules),
                  "empty_docks": [d.objectName() for d in window.findChildren(QDockWidget)
                                  if d.widget() is None],
                  "has_runner": hasattr(window, "runner")}))
sys.exit(code)
""".replace("HEAVY_MODULES", repr(HEAVY)).replace("RUN_SIDE_MODULES", repr(RUN_SIDE))


def _start_like_main_py() -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SDSIM_EXIT_AFTER_SHOWN="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_storage_is_imported_after_the_window_shows(isolated_data_dir: Path) -> None:
    modules = _start_like_main_py()
    assert modules["at_show"] == []
    assert "app.storage" in modules["at_exit"]  # the accounts side did start, afterwards
    log_text = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert log_text.index("Main window shown") < log_text.index("Opened project database")


def test_the_run_side_is_built_after_the_first_frame(isolated_data_dir: Path) -> None:
    modules = _start_like_main_py()
    assert modules["run_side_at_show"] == []
    # ... and it was built before the event loop ran: every dock has its panel.
    built = {"numpy", "pyqtgraph", "app.ui.run_controller", "app.ui.charts"}
    assert built <= set(modules["run_side_at_exit"])  # type: ignore[arg-type]
    assert modules["empty_docks"] == []
    assert modules["has_runner"] is True
