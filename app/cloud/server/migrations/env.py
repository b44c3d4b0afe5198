"""Alembic environment: runs on the connection that :func:`app.cloud.server.db.migrate` gives."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.cloud.server.models import Base
from app.cloud.server.projects import models as _project_models  # noqa: F401  (their tables)


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection (batch mode for SQLite)."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("Run migrations through app.cloud.server.db.migrate.")
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
