"""Alembic migrations, run programmatically when a store opens (no alembic.ini).

Migrations live in ``app/storage/migrations/versions``. They run on their own
connection with foreign keys *off*: Alembic's batch mode rebuilds a table by
copying it and dropping the original, and with foreign keys on, that drop
would cascade-delete rows in other tables. ``PRAGMA foreign_key_check`` runs
before the migration commits.

Before upgrading an existing database to a newer schema, a copy is written
next to it (``<name>.before-<revision>.bak``) with SQLite's backup API.

Developers create a new migration with::

    python -m app.storage.migrate revision "add a column" path/to/dev.sqlite3
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc

from app.paths import PRIVATE_FILE_MODE
from app.storage import errors
from app.storage.db import create_sqlite_engine, translate_error

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration this version of the application knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _backup(path: Path, revision: str) -> Path:
    # ``revision`` was read from the file, but only a revision we ship gets here
    # (``get_revision`` found it), so it is one of our plain names.
    if not revision.isalnum():
        raise errors.IncompatibleDatabase(f"The project database {path} has an unknown schema.")
    target = path.with_name(f"{path.name}.before-{revision}.bak")
    target.unlink(missing_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def upgrade(path: Path) -> str:
    """Bring the database at ``path`` to the newest schema; returns the revision.

    Raises :class:`errors.IncompatibleDatabase` when the file was written by a
    newer version of the application (a revision this one does not know).
    """
    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    head = head_revision()
    engine = create_sqlite_engine(path, foreign_keys=False)
    try:
        with engine.connect() as probe:
            current = MigrationContext.configure(probe).get_current_revision()
            probe.rollback()
        if current == head:
            return head
        if current is not None:
            try:
                scripts.get_revision(current)
            except Exception as exc:
                raise errors.IncompatibleDatabase(
                    f"The project database {path} was written by a newer version of "
                    f"System Design Simulator (schema {current}). Update the application."
                ) from exc
            _backup(path, current)
        with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise errors.DatabaseError(
                    f"Migration left {len(violations)} broken references; nothing was changed."
                )
        return head
    except sa_exc.DBAPIError as exc:
        raise translate_error(exc, path) from exc
    finally:
        engine.dispose()


def new_revision(message: str, dev_database: Path) -> None:
    """Autogenerate a migration by comparing the models with ``dev_database``."""
    upgrade(dev_database)
    config = alembic_config()
    engine = create_sqlite_engine(dev_database, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)
    finally:
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover - developer tool
    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        sys.exit("usage: python -m app.storage.migrate revision MESSAGE DEV_DATABASE")
    new_revision(sys.argv[2], Path(sys.argv[3]))
