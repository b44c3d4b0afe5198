"""The cloud sync server (``sdsim-server``): accounts, sessions and, later, projects.

FastAPI on uvicorn, SQLAlchemy 2 with Alembic. Embedded by default (SQLite and
in-process rate limits); PostgreSQL and Redis when their URLs are given, so
that several workers or hosts share every piece of state. ``docs/cloud.md``
is the contract. Nothing here imports Qt.
"""

VERSION = "0.1.0"
