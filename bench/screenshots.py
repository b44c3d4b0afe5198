"""Take the README's screenshots offscreen: empty window, three-tier design, a run, dark mode.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--dpr 1]

The script sets up its own offscreen screen (1600×1000), a throw-away settings
folder and data directory, so it neither reads nor changes the user's settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1440, 900)


def _prepare_environment(dpr: float) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="sdsim-shots-"))
    screen = {"screens": [{"name": "shots", "x": 0, "y": 0, "width": 1600, "height": 1000,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": dpr}]}
    config = scratch / "screen.json"
    config.write_text(json.dumps(screen), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["SDSIM_DATA_DIR"] = str(scratch / "data")
    sys.path.insert(0, str(ROOT))
    return scratch


def _wait(app: QCoreApplication, seconds: float,
          until: Callable[[], bool] | None = None) -> None:
    """Process events for ``seconds`` or until ``until()`` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.01)


def start_app(description: str | None) -> tuple[argparse.Namespace, QCoreApplication]:
    """Parse ``--out``/``--dpr``, isolate settings and data, start a light-themed app."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--dpr", type=float, default=1.0)
    args = parser.parse_args()
    scratch = _prepare_environment(args.dpr)

    from PySide6.QtCore import QSettings, Qt

    from app.ui.application import ensure_application
    from app.ui.theme import apply_color_scheme

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))
    app = ensure_application([])
    apply_color_scheme(app, Qt.ColorScheme.Light)
    args.out.mkdir(parents=True, exist_ok=True)
    return args, app


def main() -> int:
    """Write the four screenshots."""
    args, app = start_app(__doc__)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.model.templates import load_architecture_template
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_color_scheme

    def new_window() -> MainWindow:
        window = MainWindow()
        window.resize(*SIZE)
        window.show()
        _wait(app, 0.3)
        return window

    def close(window: MainWindow) -> None:
        window.runner.shutdown()
        window.document.undo_stack.setClean()
        window.close()

    def loaded_three_tier() -> object:
        model = load_architecture_template("three_tier_web_app")
        # Enough traffic that the tiers show different loads (the database near saturation).
        users = model.component("users")
        assert users.workload is not None
        users.workload.rate_rps = 4300.0
        model.simulation.duration_s = 40.0
        model.simulation.warmup_s = 2.0
        return model

    def shoot(window: MainWindow, name: str) -> None:
        path = args.out / name
        window.grab().save(str(path))
        print(f"wrote {path}")

    # 1. The empty window.
    window = new_window()
    shoot(window, "empty-window.png")
    close(window)

    # 2. A three-tier design, a component selected in the inspector.
    window = new_window()
    window.files.new_from_template("three_tier_web_app")
    window.view.fit_to_view()
    window.scene.select_components(["web"])
    _wait(app, 0.3)
    shoot(window, "three-tier-design.png")
    close(window)

    def run_in_progress(window: MainWindow) -> None:
        window.document.reset(loaded_three_tier())
        window.charts.set_picked_components(["web", "app", "db"])
        window.scenario_bar.set_speed(5.0)
        window.runner.run()
        _wait(app, 60, until=lambda: window.charts.sample_count >= 24)
        _wait(app, 0.15)  # one more chart redraw

    # 3. A run in progress with live charts.
    window = new_window()
    run_in_progress(window)
    shoot(window, "run-in-progress.png")
    close(window)

    # 4. Dark mode, same run.
    apply_color_scheme(app, Qt.ColorScheme.Dark)
    window = new_window()
    run_in_progress(window)
    shoot(window, "dark-mode.png")
    close(window)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
