"""Where the application keeps its data, configuration and logs.

Locations come from platformdirs (the platform's conventions). Setting the
environment variable ``SDSIM_DATA_DIR`` puts *everything* under that one
directory instead, which is what tests and portable installs use; without it,
a folder chosen in Settings (written down in :func:`data_dir_pointer`) is used
from the next start.

The folders hold the account database and logs naming accounts, so they are
private: created ``0700`` and tightened to it when they already exist (see
:func:`private_dir`).

:func:`child_path` is the one way to turn a name that came from data (a
database row, a file) into a path: it refuses anything that is not a plain
name or that would resolve outside the given folder.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import stat
from pathlib import Path

import platformdirs

from app import APP_ID

DATA_DIR_ENV = "SDSIM_DATA_DIR"

#: Owner-only permissions for our folders and files.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

#: A plain file name: letters, digits, ``.``, ``_``, ``-``; no leading dot, at most 128.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class UnsafeName(ValueError):  # noqa: N818 - named like the storage errors
    """A name from data would not make a path inside its folder."""


def child_path(folder: Path, name: str, *, suffix: str = "",
               pattern: re.Pattern[str] = SAFE_NAME) -> Path:
    """``folder / (name + suffix)``, or :class:`UnsafeName` if that could leave ``folder``.

    Two checks, so that neither alone has to be perfect: ``name`` must match
    ``pattern`` in full (no separators, no ``..``, no NUL, no leading dot), and
    the resolved path (symbolic links followed) must still lie inside the
    resolved ``folder``.
    """
    if not isinstance(name, str) or not pattern.fullmatch(name) or ".." in name:
        shown = repr(name)[:60] if isinstance(name, str) else type(name).__name__
        raise UnsafeName(f"{shown} is not a valid name for a file in {folder}.")
    candidate = Path(folder) / f"{name}{suffix}"
    root = Path(folder).resolve()
    resolved = candidate.resolve()
    if resolved.parent != root:
        raise UnsafeName(f"{name!r} would point outside {folder}.")
    return candidate


def tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from ``path`` if it is ours.

    Only our own entries are changed, and never a shared sticky folder such as
    ``/tmp`` (a user may point ``SDSIM_DATA_DIR`` anywhere).
    """
    try:
        info = path.stat()
    except OSError:
        return
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return
    if info.st_mode & stat.S_ISVTX or stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    # On a read-only file system this fails: nothing we can do, and nothing to protect there.
    with contextlib.suppress(OSError):
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode ``0700``, or tighten it; return it.

    Raises :class:`NotADirectoryError` when a file is where the folder should be.
    """
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "a file is where a folder should be", str(path))
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR_MODE)
    return path


#: A file in the platform's configuration folder naming the folder chosen in Settings;
#: read at start, so a change applies after a restart. ``SDSIM_DATA_DIR`` wins over it.
DATA_DIR_POINTER = "data-folder.txt"


def data_dir_pointer() -> Path:
    """Where the data folder chosen in Settings is written down (outside that folder)."""
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False)) / DATA_DIR_POINTER


def chosen_data_dir() -> Path | None:
    """The data folder chosen in Settings now, or ``None`` (none chosen, or unreadable)."""
    try:
        value = data_dir_pointer().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return Path(value).expanduser() if value and "\0" not in value else None


def choose_data_dir(folder: Path | None) -> None:
    """Use ``folder`` for everything from the next start (``None``: the platform's default)."""
    pointer = data_dir_pointer()
    if folder is None:
        pointer.unlink(missing_ok=True)
        return
    private_dir(pointer.parent)
    pointer.write_text(str(Path(folder).expanduser().resolve()) + "\n", encoding="utf-8")


def data_dir_from_env() -> bool:
    """Whether ``SDSIM_DATA_DIR`` decides the folders (then Settings cannot change them)."""
    return bool(os.environ.get(DATA_DIR_ENV, "").strip())


@functools.cache
def data_dir_at_start() -> Path | None:
    """The chosen folder as it was when first asked: a change in Settings waits for a restart
    (a running app never splits its files between two folders)."""
    return chosen_data_dir()


def _override() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else data_dir_at_start()


def data_dir() -> Path:
    """Directory for user data (the project database, recovery slots)."""
    root = _override()
    return private_dir(root if root else Path(platformdirs.user_data_dir(APP_ID, appauthor=False)))


def config_dir() -> Path:
    """Directory for configuration files."""
    root = _override()
    if root:
        return private_dir(root / "config")
    return private_dir(Path(platformdirs.user_config_dir(APP_ID, appauthor=False)))


def log_dir() -> Path:
    """Directory for the rotating log files."""
    root = _override()
    if root:
        return private_dir(root / "logs")
    return private_dir(Path(platformdirs.user_log_dir(APP_ID, appauthor=False)))
