"""Alembic environment: runs on the connection that :mod:`app.storage.migrate` provides."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.storage.models import Base


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, in batch mode for SQLite."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("Run migrations through app.storage.migrate, not the alembic CLI.")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL script) migrations are not supported.")
run_migrations_online()
