"""The body of every Alembic ``env.py`` we own (the desktop store, the cloud server).

Migrations run only on a connection the caller hands over (so they share its
transaction and locks), in batch mode for SQLite; never from the alembic CLI,
never offline.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection


def run_on_callers_connection(metadata: MetaData, runner: str) -> None:
    """Run the pending migrations of ``metadata`` on ``config.attributes["connection"]``.

    ``runner`` names the function that must be used instead (for the error).
    """
    if context.is_offline_mode():
        raise RuntimeError("Offline (SQL script) migrations are not supported.")
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(f"Run migrations through {runner}, not the alembic CLI.")
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
