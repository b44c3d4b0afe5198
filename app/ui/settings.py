"""The GUI's persistent preferences (QSettings), always read with an explicit type.

Every setting lives in one INI file under :func:`app.paths.config_dir`, so
``SDSIM_DATA_DIR`` isolates the GUI's state like the rest (QSettings' default
place, ``~/.config/<organisation>/``, ignores it). Qt's own settings (the file
dialog's history, ``QtProject.conf``) are sent to the same folder by
:func:`redirect_qt_settings`.

QSettings hands back strings after a round trip (``'5'``, a one-item list as a
``str``, an empty list as ``None``), so every read here names its type. Keys
live in one place.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.model.document import SimulationSettings
from app.model.limits import MAX_WINDOWS
from app.paths import config_dir

KEY_GEOMETRY = "mainWindow/geometry"
KEY_STATE = "mainWindow/state"
KEY_RECENT = "files/recent"
KEY_LAST_DIR = "files/lastDirectory"
KEY_SPEED = "run/speed"
KEY_SNAP = "canvas/snapToGrid"
MAX_RECENT = 10
#: Bumped when the docks change, so an old saved layout is not restored onto new docks.
STATE_VERSION = 1


SETTINGS_FILE_NAME = "settings.ini"


def settings_path() -> Path:
    """The INI file that holds the GUI's preferences (under the config folder)."""
    return config_dir() / SETTINGS_FILE_NAME


def app_settings() -> QSettings:
    """The application's settings store: an explicit INI file, never the native default."""
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def redirect_qt_settings() -> None:
    """Send every default-constructed QSettings (Qt's own, e.g. the file dialog's) to our folder.

    Called once when the application starts; ``QSettings.setPath`` applies to
    QSettings objects created afterwards.
    """
    folder = str(config_dir())
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)


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


# -- First run and preferences (the Settings dialog, app/ui/settings_dialog/) ----------------

KEY_WELCOME_SEEN = "firstRun/welcomeSeen"
KEY_WELCOME_AT_START = "firstRun/welcomeAtStart"
KEY_TOUR_DONE = "firstRun/tourDone"
KEY_THEME = "appearance/theme"
KEY_RUN_DEFAULTS = "runDefaults/"  # + duration_s, warmup_s, window_s, seed
THEMES = ("system", "light", "dark")


def read_flag(settings: QSettings, key: str, default: bool = False) -> bool:
    """A yes/no setting (QSettings gives ``'true'`` back from the INI file)."""
    return bool(settings.value(key, default, type=bool))


def read_theme(settings: QSettings) -> str:
    """``system``, ``light`` or ``dark`` (anything else found in the file: ``system``)."""
    value = str(settings.value(KEY_THEME, "system", type=str) or "system")
    return value if value in THEMES else "system"


def _stored_number(settings: QSettings, key: str) -> float | None:
    """A finite number stored under ``key``, else ``None``.

    Read as text and converted here: QSettings' own ``type=int`` turns ``'x'`` into 0.
    """
    value = settings.value(key, None)
    try:
        number = float(str(value)) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def read_run_defaults(settings: QSettings) -> SimulationSettings:
    """Run settings for a new blank design: the saved ones, each checked, else the model's.

    A hand-edited or stale value that is not a valid number keeps the model's default.
    """
    base = SimulationSettings()
    chosen = replace(base)
    for name in ("duration_s", "warmup_s", "window_s"):
        number = _stored_number(settings, KEY_RUN_DEFAULTS + name)
        if number is not None and (number > 0 or (name == "warmup_s" and number == 0)):
            setattr(chosen, name, number)
    seed = _stored_number(settings, KEY_RUN_DEFAULTS + "seed")
    if seed is not None and seed.is_integer() and 0 <= seed < 2**31:
        chosen.seed = int(seed)
    if (chosen.warmup_s >= chosen.duration_s or chosen.window_s > chosen.duration_s
            or chosen.duration_s / chosen.window_s > MAX_WINDOWS):
        return base
    return chosen


def write_run_defaults(settings: QSettings, sim: SimulationSettings) -> None:
    """Remember the run settings new blank designs start with."""
    for name in ("duration_s", "warmup_s", "window_s", "seed"):
        settings.setValue(KEY_RUN_DEFAULTS + name, getattr(sim, name))
