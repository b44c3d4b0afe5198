"""Where sweeps run, remembered between sessions (the app's QSettings file)."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QSettings

KEY_WORKERS: Final = "sweeps/workers"
KEY_SCHEDULER: Final = "sweeps/daskScheduler"


def read_workers(settings: QSettings) -> int | None:
    """Local worker processes; ``None`` (stored as 0) means every usable core."""
    value = settings.value(KEY_WORKERS, 0, type=int)
    return value if isinstance(value, int) and value > 0 else None


def read_scheduler(settings: QSettings) -> str:
    """The Dask scheduler's address; empty to run on local processes."""
    return str(settings.value(KEY_SCHEDULER, "", type=str) or "").strip()


def write_executor(settings: QSettings, workers: int | None, scheduler: str) -> None:
    """Remember the workers (0: every core) and the scheduler address."""
    settings.setValue(KEY_WORKERS, workers or 0)
    settings.setValue(KEY_SCHEDULER, scheduler.strip())
