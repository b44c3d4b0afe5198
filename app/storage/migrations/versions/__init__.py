"""Migration scripts, oldest first (Alembic ignores this file)."""
