"""Which application instances are running, via OS file locks.

Each open :class:`~app.storage.Store` holds an exclusive lock on its own
small file in ``<database>-instances/``. The operating system drops the lock
when the process ends, however it ends (even ``kill -9``), so "is instance X
still running?" is answered by trying to take X's lock. That is how autosaved
work from a crashed session is told apart from the live autosave of another
window that is still open.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from pathlib import Path
from typing import IO

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class InstanceLock:
    """This process's claim to be a running instance (held until :meth:`release`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.id = str(uuid.uuid4())
        self.path = directory / f"{self.id}.lock"
        self._handle: IO[bytes] | None = self.path.open("wb")
        self._handle.write(str(os.getpid()).encode("ascii"))
        self._handle.flush()
        if not _try_lock(self._handle):  # a fresh random name: cannot be held elsewhere
            raise RuntimeError(f"Could not lock {self.path}")

    def release(self) -> None:
        """Give up the claim (on a clean shutdown)."""
        if self._handle is None:
            return
        _unlock(self._handle)
        self._handle.close()
        self._handle = None
        with contextlib.suppress(OSError):
            self.path.unlink()

    def is_running(self, instance_id: str) -> bool:
        """True when instance ``instance_id`` still holds its lock (this one included)."""
        if instance_id == self.id:
            return self._handle is not None
        path = self.directory / f"{instance_id}.lock"
        try:
            handle = path.open("rb+")
        except OSError:
            return False  # no lock file: that instance closed or its file was cleaned up
        try:
            if not _try_lock(handle):
                return True
            _unlock(handle)
        finally:
            handle.close()
        with contextlib.suppress(OSError):
            path.unlink()  # the instance died: tidy its lock file away
        return False
