"""The GUI's persistent preferences (QSettings), always read with an explicit type.

QSettings hands back strings after a round trip through the native format
(``'5'``, a one-item list as a ``str``, an empty list as ``None``), so every
read here names its type. Keys live in one place.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app import APP_NAME, ORG_NAME

KEY_GEOMETRY = "mainWindow/geometry"
KEY_STATE = "mainWindow/state"
KEY_RECENT = "files/recent"
KEY_LAST_DIR = "files/lastDirectory"
KEY_SPEED = "run/speed"
KEY_SNAP = "canvas/snapToGrid"
MAX_RECENT = 10
#: Bumped when the docks change, so an old saved layout is not restored onto new docks.
STATE_VERSION = 1


def app_settings() -> QSettings:
    """The application's settings store (tests redirect it to a temporary folder)."""
    return QSettings(ORG_NAME, APP_NAME)


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    """A saved ``QByteArray`` (geometry, dock state), or ``None``."""
    value = settings.value(key, QByteArray(), type=QByteArray)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def recent_files(settings: QSettings) -> list[str]:
    """Recently opened or saved files, newest first (missing files are kept: drives return)."""
    value = settings.value(KEY_RECENT, [], type=list)
    items = value if isinstance(value, list) else []
    return [str(v) for v in items if str(v)]


def add_recent_file(settings: QSettings, path: Path) -> list[str]:
    """Put ``path`` first in the recent list; returns the new list."""
    text = str(path.resolve())
    files = [text, *(f for f in recent_files(settings) if f != text)][:MAX_RECENT]
    settings.setValue(KEY_RECENT, files)
    return files


def remove_recent_file(settings: QSettings, path: str) -> list[str]:
    """Drop ``path`` from the recent list (it could not be opened)."""
    files = [f for f in recent_files(settings) if f != path]
    settings.setValue(KEY_RECENT, files)
    return files


def last_directory(settings: QSettings) -> str:
    """Where the last file dialog was, or the home folder."""
    value = str(settings.value(KEY_LAST_DIR, "", type=str) or "")
    return value if value and Path(value).is_dir() else str(Path.home())


def read_speed(settings: QSettings) -> float | None:
    """The run speed: simulated seconds per wall second, ``None`` = as fast as possible."""
    value = settings.value(KEY_SPEED, 0.0, type=float)
    return value if isinstance(value, float) and value > 0 else None


def write_speed(settings: QSettings, speed: float | None) -> None:
    """Remember the run speed (0 stands for "as fast as possible")."""
    settings.setValue(KEY_SPEED, float(speed or 0.0))


def read_snap(settings: QSettings) -> bool:
    """Whether dragged nodes snap to the grid."""
    return bool(settings.value(KEY_SNAP, True, type=bool))
