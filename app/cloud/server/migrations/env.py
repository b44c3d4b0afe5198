"""Alembic environment: runs on the connection that :func:`app.cloud.server.db.migrate` gives."""

from __future__ import annotations

from app.cloud.server.models import Base
from app.cloud.server.projects import models as _project_models  # noqa: F401  (their tables)
from app.storage.alembic_env import run_on_callers_connection

run_on_callers_connection(Base.metadata, "app.cloud.server.db.migrate")
