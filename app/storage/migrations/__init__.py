"""Alembic migrations of the project database (run by :mod:`app.storage.migrate`)."""
