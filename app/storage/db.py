"""The SQLite engine: connection pragmas, transactions and units of work.

Every connection gets ``PRAGMA foreign_keys=ON`` (SQLite forgets it per
connection), a busy timeout and ``synchronous=FULL``; the file is in WAL mode
(stored in the file itself). The driver's own transaction handling is turned
off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits the
``BEGIN`` itself, so that write units of work can start with
``BEGIN IMMEDIATE``: they take the write lock up front and wait for it (busy
timeout) instead of failing half-way when another thread or process writes.

A :class:`Database` is safe to share between threads: each unit of work gets
its own :class:`~sqlalchemy.orm.Session` and pooled connection.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from app import paths
from app.storage import errors

#: How long (ms) a connection waits for another writer before giving up.
BUSY_TIMEOUT_MS = 10_000
SQLITE_HEADER = b"SQLite format 3\x00"


def install_sqlite_pragmas(engine: Engine, *, foreign_keys: bool = True,
                           synchronous: str = "FULL", begin: str = "DEFERRED",
                           busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Give every connection of ``engine`` the pragmas above; ``BEGIN <begin>`` by default.

    A unit of work may ask for another mode with the ``sqlite_begin`` execution
    option. The desktop store and the cloud server's embedded database both use
    this (the server with ``synchronous="NORMAL"`` and ``begin="IMMEDIATE"``).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Python 3.11's sqlite3 has no ``autocommit`` attribute; ``None`` stops
        # the driver from issuing BEGIN by itself (the "begin" event does it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", begin)
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_sqlite_engine(path: Path, *, foreign_keys: bool = True) -> Engine:
    """An engine on the SQLite file ``path`` with the pragmas described above."""
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    install_sqlite_pragmas(engine, foreign_keys=foreign_keys)
    return engine


def read_only_reason(path: Path) -> str | None:
    """Why the database at ``path`` cannot be written, or ``None`` when it can.

    ``os.access`` asks the kernel, so a read-only file system is seen even by
    root (who ignores permission bits). SQLite in WAL mode also needs to create
    ``-wal`` and ``-shm`` next to the file unless they are already there.
    """
    folder = path.parent
    read_only_fs = False
    with contextlib.suppress(OSError, AttributeError):
        read_only_fs = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    if read_only_fs:
        return "the file system is read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not os.access(folder, os.W_OK | os.X_OK) and not all(p.exists() for p in sidecars):
        return "its folder is not writable"
    return None


def prepare_file(path: Path) -> None:
    """Make sure ``path`` can become the database: a private file in a private folder.

    A missing folder is created ``0700`` and a missing file ``0600`` (SQLite
    gives ``-wal`` and ``-shm`` the file's permissions); an existing database
    and its ``-wal``/``-shm`` of ours are tightened to ``0600``. A folder or
    another non-file where the database should be, or a file where its folder
    should be, raises :class:`errors.FileProblem`.
    """
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise errors.FileProblem(
            f"Cannot open the project database: {folder} is a file, not a folder.", folder)
    # Created private; an existing folder the caller chose is left as it is (the
    # data folder itself is tightened by paths.data_dir()).
    folder.mkdir(mode=paths.PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise errors.FileProblem(
            f"Cannot open the project database: {path} is {kind}, not a database file.", path)
    reason = read_only_reason(path)
    if reason is not None:
        if not path.exists() or path.stat().st_size == 0:
            raise errors.FileProblem(f"Cannot create the project database {path}: {reason}.",
                                     path)
        check_integrity(path, read_only=True)  # damaged files are still reported as damaged
        raise errors.ReadOnlyDatabase(path, reason)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, paths.PRIVATE_FILE_MODE))
    tighten_files(path)


def tighten_files(path: Path) -> None:
    """Owner-only permissions on the database and its ``-wal``/``-shm``/``-journal``."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        paths.tighten(path.with_name(path.name + suffix), paths.PRIVATE_FILE_MODE)


def _open_problem(path: Path, exc: sqlite3.Error) -> errors.StorageError:
    """A failure opening or checking ``path``: busy, read-only, unopenable, or damaged."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return translate_text(text, path)
    if "unable to open" in text or "disk I/O" in text or "readonly" in text:
        reason = read_only_reason(path)
        if reason is not None:
            return errors.ReadOnlyDatabase(path, reason)
        return errors.DatabaseError(f"Cannot open the project database {path}: {text}.")
    return errors.CorruptDatabase(path, text[:200])


def check_integrity(path: Path, *, read_only: bool = False) -> None:
    """Raise :class:`errors.CorruptDatabase` if ``path`` is not a healthy SQLite file.

    Reads only: a damaged file is never modified. A missing or empty file is
    fine (it becomes a new database). ``read_only`` opens the file immutable,
    for a file that cannot be written (SQLite could not set up WAL otherwise).
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise errors.CorruptDatabase(path, "not an SQLite database")
    target = f"{path.resolve().as_uri()}?mode=ro&immutable=1" if read_only else str(path)
    try:
        connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, uri=read_only)
    except sqlite3.Error as exc:
        raise _open_problem(path, exc) from exc
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        raise _open_problem(path, exc) from exc
    finally:
        connection.close()
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    problems = [line for line in lines if line and line != "ok" and not line.startswith("***")]
    if problems:
        more = f" and {len(problems) - 1} more problems" if len(problems) > 1 else ""
        raise errors.CorruptDatabase(path, problems[0][:200] + more)


def translate_text(text: str, path: Path | None) -> errors.StorageError:
    """The storage error for an SQLite error message (``path``: the database, if known)."""
    where = path if path is not None else Path("(the project database)")
    if "locked" in text or "busy" in text:
        return errors.DatabaseBusy(
            f"The project database is busy (another program keeps it locked): {text}"
        )
    if "readonly" in text or "read-only" in text:
        reason = read_only_reason(path) if path is not None else None
        return errors.ReadOnlyDatabase(where, reason or "it cannot be written")
    if "malformed" in text or "not a database" in text:
        return errors.CorruptDatabase(where, text[:200])
    if "full" in text:
        return errors.DatabaseError(f"The project database cannot grow: {text}.")
    return errors.DatabaseError(f"Database error: {text[:200]}")


def translate_error(exc: sa_exc.DBAPIError, path: Path) -> errors.StorageError:
    """Turn a driver error into the storage error a caller can act on."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return translate_text(text, path)


class Database:
    """The engine plus one-session-per-unit-of-work helpers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = create_sqlite_engine(path)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            bind=self.engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (a deferred transaction, rolled back at the end)."""
        try:
            with self._reader() as session, session.begin():
                yield session
        except sa_exc.IntegrityError:
            raise
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc, self.path) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write unit of work: ``BEGIN IMMEDIATE``, committed on success."""
        try:
            with self._writer() as session, session.begin():
                yield session
        except sa_exc.IntegrityError:
            raise
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc, self.path) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
