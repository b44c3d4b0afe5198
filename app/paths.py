"""Where the application keeps its data, configuration and logs.

Locations come from platformdirs (the platform's conventions). Setting the
environment variable ``SDSIM_DATA_DIR`` puts *everything* under that one
directory instead, which is what tests and portable installs use.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from app import APP_ID

DATA_DIR_ENV = "SDSIM_DATA_DIR"


def _override() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Directory for user data (the project database, recovery slots)."""
    root = _override()
    return _ensure(root if root else Path(platformdirs.user_data_dir(APP_ID, appauthor=False)))


def config_dir() -> Path:
    """Directory for configuration files."""
    root = _override()
    if root:
        return _ensure(root / "config")
    return _ensure(Path(platformdirs.user_config_dir(APP_ID, appauthor=False)))


def log_dir() -> Path:
    """Directory for the rotating log files."""
    root = _override()
    if root:
        return _ensure(root / "logs")
    return _ensure(Path(platformdirs.user_log_dir(APP_ID, appauthor=False)))
