"""Runs kept with a project: settings, seed, the design that ran, summaries and series.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'runs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('settings', sa.Text(), nullable=False),
        sa.Column('seed', sa.String(length=20), nullable=False),
        sa.Column('app_version', sa.String(length=40), nullable=False),
        sa.Column('design', sa.Text(), nullable=False),
        sa.Column('replications', sa.Integer(), nullable=False),
        sa.Column('results', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_runs_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_runs')),
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    """Revert this migration (the kept runs are deleted)."""
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_project_id'))
    op.drop_table('runs')
