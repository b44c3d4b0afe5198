"""Projects: projects, their versions, read-only shares and the feed counter.

Revision ID: 0002_projects
Revises: 0001_auth
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_projects"
down_revision: str | Sequence[str] | None = "0001_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the project tables and the feed counter's one row."""
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version_id", sa.String(36), nullable=False),
        sa.Column("parent_version_id", sa.String(36), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("version_count", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_projects_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index("ix_projects_owner_seq", "projects", ["owner_id", "seq"])
    op.create_table(
        "project_versions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("parent_version_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_project_versions_project_id_projects")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_project_versions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_versions")),
    )
    op.create_index("ix_project_versions_project_ordinal", "project_versions",
                    ["project_id", "ordinal"])
    op.create_table(
        "project_shares",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_project_shares_project_id_projects")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_project_shares_user_id_users")),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_shares")),
    )
    op.create_index("ix_project_shares_user_seq", "project_shares", ["user_id", "seq"])
    counter = op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])


def downgrade() -> None:
    """Drop the project tables."""
    for table in ("feed_counter", "project_shares", "project_versions", "projects"):
        op.drop_table(table)
