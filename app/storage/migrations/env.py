"""Alembic environment: runs on the connection that :mod:`app.storage.migrate` provides."""

from __future__ import annotations

from app.storage.alembic_env import run_on_callers_connection
from app.storage.models import Base

run_on_callers_connection(Base.metadata, "app.storage.migrate")
