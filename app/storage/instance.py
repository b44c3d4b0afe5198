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
import re
import stat
import sys
import uuid
from pathlib import Path
from typing import IO

from app import paths

#: What an instance id looks like (``uuid.uuid4()``); anything else read from
#: the database is refused before it becomes a path.
INSTANCE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

#: Do not follow a symbolic link when opening a lock file (POSIX only).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

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
        self.directory = paths.private_dir(directory)
        self.id = str(uuid.uuid4())
        self.path = self.lock_path(self.id)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW,
                             paths.PRIVATE_FILE_MODE)
        self._handle: IO[bytes] | None = os.fdopen(descriptor, "wb")
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

    def lock_path(self, instance_id: str) -> Path:
        """The lock file of ``instance_id``; :class:`paths.UnsafeName` unless it is a UUID."""
        return paths.child_path(self.directory, instance_id, suffix=".lock",
                                pattern=INSTANCE_ID)

    def is_running(self, instance_id: str) -> bool:
        """True when instance ``instance_id`` still holds its lock (this one included).

        ``instance_id`` comes from the database: it must be a UUID naming a
        regular file in our folder (:class:`paths.UnsafeName` otherwise). The
        file is opened without following links and without blocking, so a
        planted link or FIFO can neither redirect nor hang the check.
        """
        if instance_id == self.id:
            return self._handle is not None
        path = self.lock_path(instance_id)
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_NONBLOCK | _NOFOLLOW)
        except OSError:
            return False  # no lock file: that instance closed or its file was cleaned up
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            return False
        handle = os.fdopen(descriptor, "rb+")
        try:
            if not _try_lock(handle):
                return True
            _unlock(handle)
        finally:
            handle.close()
        with contextlib.suppress(OSError):
            path.unlink()  # the instance died: tidy its lock file away
        return False
