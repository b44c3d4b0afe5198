"""The :class:`Store`: one project database file and the services on it."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from types import TracebackType

from sqlalchemy import exc as sa_exc

from app import paths
from app.storage import errors, models
from app.storage.accounts import AccountService
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock, system_clock
from app.storage.db import Database, check_integrity, prepare_file, tighten_files, translate_error
from app.storage.instance import InstanceLock
from app.storage.migrate import upgrade
from app.storage.projects import ProjectService
from app.storage.recovery import RecoveryService
from app.storage.runs import RunService
from app.storage.sync_store import SyncStore
from app.storage.templates import TemplateService

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "sdsim.sqlite3"


def default_path() -> Path:
    """Where the database lives: ``<data dir>/sdsim.sqlite3`` (see :mod:`app.paths`)."""
    return paths.data_dir() / DEFAULT_FILE_NAME


@guard_public_methods
class Store:
    """Accounts, projects, versions, kept runs and recovery slots in one SQLite file.

    Open with :meth:`open`; use as a context manager or call :meth:`close`.
    Thread-safe: services open one database session per call.

    Attributes
    ----------
    accounts : AccountService
        Register, sign in and out, remember me, profile, password.
    projects : ProjectService
        Projects, versions, restore, change summaries, import/export.
    runs : RunService
        Runs kept with a project (what-if comparisons), to reopen and compare.
    recovery : RecoveryService
        Autosave slots and recovery after a crash.
    sync : SyncStore
        What the cloud sync client reads and writes (no Qt, any thread).
    templates : TemplateService
        The shipped ``.sdsim`` templates.
    """

    def __init__(self, path: Path, db: Database, clock: Clock, *, store_uid: str,
                 instance: InstanceLock, templates: TemplateService) -> None:
        self.path = path
        self.store_uid = store_uid
        self._db = db
        self._instance = instance
        self.templates = templates
        self.accounts = AccountService(db, clock, store_uid)
        self.projects = ProjectService(db, clock, templates, store_uid)
        self.sync = SyncStore(db, clock, store_uid)
        self.runs = RunService(db, clock)
        self.recovery = RecoveryService(db, clock, instance)
        self._closed = False

    @classmethod
    def open(cls, path: str | Path | None = None, *, clock: Clock | None = None,
             templates_dir: Path | None = None) -> Store:
        """Open (creating and migrating if needed) the database at ``path``.

        ``path`` defaults to :func:`default_path`; ``clock`` (a callable
        returning an aware UTC datetime) lets tests control time. Raises
        :class:`errors.CorruptDatabase` (the file is left untouched),
        :class:`errors.ReadOnlyDatabase` (healthy, but it cannot be written),
        :class:`errors.IncompatibleDatabase`, :class:`errors.DatabaseBusy`, or
        another :class:`errors.StorageError` (a folder where the file should
        be...). A new folder is created ``0700`` and the file ``0600``.
        """
        path = Path(path) if path is not None else default_path()
        prepare_file(path)
        check_integrity(path)
        revision = upgrade(path)
        tighten_files(path)
        db = Database(path)
        try:
            store_uid = cls._store_uid(db)
            instance = InstanceLock(path.with_name(f"{path.name}-instances"))
        except BaseException:
            db.dispose()
            raise
        log.info("Opened project database %s (schema %s)", path, revision)
        return cls(path, db, clock or system_clock, store_uid=store_uid, instance=instance,
                   templates=TemplateService(templates_dir))

    @staticmethod
    def _store_uid(db: Database) -> str:
        try:
            with db.write() as session:
                row = session.get(models.StoreMeta, "store_uid")
                if row is None:
                    row = models.StoreMeta(key="store_uid", value=secrets.token_hex(16))
                    session.add(row)
                return row.value
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc, db.path) from exc

    def close(self) -> None:
        """Clean shutdown: clear this instance's recovery slots and close the file."""
        if self._closed:
            return
        self._closed = True
        try:
            self.recovery.clear_instance()
        except errors.StorageError as exc:
            log.warning("Could not clear the recovery slots: %s", exc)
        finally:
            self._instance.release()
            self._db.dispose()
        log.info("Closed project database %s", self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
