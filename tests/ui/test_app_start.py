"""The app starts the way main.py starts it, and the main window is shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.logging_setup import LOG_FILE_NAME

ROOT = Path(__file__).resolve().parents[2]


def _smoke_env() -> dict[str, str]:
    # No dialog blocks an automated start; the child process must not reach the real
    # OS keyring (remember-me is looked up at start), so it gets keyring's "fail" backend.
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", SDSIM_EXIT_AFTER_SHOWN="1",
                PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def test_main_py_opens_the_main_window(isolated_data_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, env=_smoke_env(), capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    log_text = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Main window shown" in log_text
    # The project database was opened, nobody was signed in, and it was closed cleanly.
    assert "Opened project database" in log_text and "Working offline" in log_text
    assert "Closed project database" in log_text
    assert (isolated_data_dir / "sdsim.sqlite3").exists()


def test_a_damaged_database_does_not_stop_the_app_nor_get_overwritten(
    isolated_data_dir: Path,
) -> None:
    database = isolated_data_dir / "sdsim.sqlite3"
    database.write_bytes(b"definitely not SQLite " * 200)
    before = database.read_bytes()
    proc = subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, env=_smoke_env(), capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    log_text = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Main window shown" in log_text
    assert "Project database unavailable, working offline" in log_text
    assert database.read_bytes() == before


def test_python_dash_m_app_opens_the_main_window(isolated_data_dir: Path) -> None:
    env = _smoke_env()
    proc = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_main_window_is_visible_in_process(qtbot) -> None:
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.isVisible()
    assert window.windowTitle().startswith("System Design Simulator")


def test_uncaught_exception_is_logged_and_shown(qtbot, isolated_data_dir: Path) -> None:
    from app.logging_setup import configure_logging
    from app.ui.errors import show_unexpected_error

    handler = configure_logging()
    try:
        raise ValueError("boom in a slot")
    except ValueError as exc:
        show_unexpected_error(type(exc), exc, exc.__traceback__)
    handler.flush()
    text = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Uncaught exception" in text and "boom in a slot" in text
