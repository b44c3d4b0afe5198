"""Sign-in attempts per email (known or not) replace the lockout columns of users.

The lockout now counts attempts for every email, whether an account exists
or not, so an unknown email locks exactly like a real one; the row is keyed by
a SHA-256 of the normalized email (a typed address that is no account is not
kept in clear). Existing lockouts are carried over.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(normalized_email: str) -> str:
    # Frozen copy of app.storage.accounts.attempt_key at the time of this migration.
    return hashlib.sha256(f"sign-in:{normalized_email}".encode()).hexdigest()


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'sign_in_attempts',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failed_attempts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_attempts')),
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_last_attempt_at'),
                              ['last_attempt_at'], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT email, failed_attempts, locked_until, updated_at FROM users "
        "WHERE failed_attempts > 0 OR locked_until IS NOT NULL")).all()
    if rows:  # times are copied as SQLite stored them (text), so no conversion is needed
        connection.execute(sa.text(
            "INSERT INTO sign_in_attempts (key, failed_attempts, locked_until, last_attempt_at) "
            "VALUES (:key, :failed, :locked_until, :last)"), [
            {"key": _key(email), "failed": failed or 0, "locked_until": locked_until,
             "last": locked_until or updated_at}
            for email, failed, locked_until, updated_at in rows
        ])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_attempts')


def downgrade() -> None:
    """Revert this migration (lockouts in progress are forgotten)."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_last_attempt_at'))
    op.drop_table('sign_in_attempts')
