"""The server's database: one engine per process, one Session per request.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys on
every connection, and every transaction starts with ``BEGIN IMMEDIATE``: a
request that reads and then writes would otherwise fail with "database is
locked" (SQLite cannot upgrade a read lock while another writer waits, and
the busy handler is not called then). Writers queue on the busy timeout
instead. Route handlers keep transactions short (no bcrypt inside one).

PostgreSQL (``postgresql://`` or ``postgresql+psycopg://``) uses psycopg 3
and the default READ COMMITTED level; the race-prone updates are single
conditional ``UPDATE`` statements whose row count is checked.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from app.storage.db import install_sqlite_pragmas

BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The PostgreSQL advisory lock that serialises migrations ("sdsim" in ASCII, 0001).
MIGRATION_LOCK_ID = 0x736473696D0001


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the one driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_server_engine(url: str) -> Engine:
    """An engine for ``url`` with the per-dialect settings described above."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=10, max_overflow=30,
    )

    # The desktop store's pragmas (one implementation); the server trades FULL for
    # NORMAL durability in WAL mode and always begins IMMEDIATE (see above).
    install_sqlite_pragmas(engine, synchronous="NORMAL", begin="IMMEDIATE",
                           busy_timeout_ms=BUSY_TIMEOUT_MS)
    return engine


class Database:
    """The engine and its Session factory; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = create_server_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                connection.rollback()
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config() -> Config:
    """Alembic pointed at the server's migrations (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (run once, before workers start)."""
    engine = create_server_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together: one migrates, the others wait here and
                # then find the schema at head (SQLite's BEGIN IMMEDIATE does the same).
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
