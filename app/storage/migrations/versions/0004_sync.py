"""What cloud sync needs: version ids with parents, tombstones, a change sequence,
``sync_state`` and ``cloud_links``.

Existing rows are backfilled: every version gets a fresh UUID ``version_id``,
its ``parent_version_id`` is the previous version of the same project (``NULL``
for the first) and its ``origin`` this file's ``store_uid`` (created here when
the file has none yet, the same way :class:`app.storage.store.Store` would);
projects get ``change_seq`` 1, 2, ... in the order they were last modified,
and ``store_meta['change_seq']`` the highest number given.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:30:00
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _store_uid(connection: sa.Connection) -> str:
    # Frozen copy of Store._store_uid at the time of this migration.
    uid = connection.execute(
        sa.text("SELECT value FROM store_meta WHERE key = 'store_uid'")).scalar()
    if uid is None:
        uid = secrets.token_hex(16)
        connection.execute(sa.text(
            "INSERT INTO store_meta (key, value) VALUES ('store_uid', :uid)"), {"uid": uid})
    return str(uid)


def _backfill(connection: sa.Connection) -> None:
    origin = _store_uid(connection)
    rows = connection.execute(sa.text(
        "SELECT id, project_id FROM project_versions ORDER BY project_id, number")).all()
    updates = []
    previous_project, parent = None, None
    for row_id, project_id in rows:
        if project_id != previous_project:
            previous_project, parent = project_id, None
        version_id = str(uuid.uuid4())
        updates.append({"id": row_id, "vid": version_id, "parent": parent, "origin": origin})
        parent = version_id
    if updates:
        connection.execute(sa.text(
            "UPDATE project_versions SET version_id = :vid, parent_version_id = :parent, "
            "origin = :origin WHERE id = :id"), updates)
    projects = connection.execute(sa.text(
        "SELECT id FROM projects ORDER BY updated_at, id")).scalars().all()
    if projects:
        connection.execute(sa.text("UPDATE projects SET change_seq = :seq WHERE id = :id"),
                           [{"id": pid, "seq": seq} for seq, pid in enumerate(projects, 1)])
    connection.execute(sa.text(
        "INSERT INTO store_meta (key, value) VALUES ('change_seq', :seq)"),
        {"seq": str(len(projects))})


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('change_seq', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('project_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('parent_version_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=36), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('projects', schema=None) as batch_op:
        # The server default only filled the existing rows; the models set it.
        batch_op.alter_column('change_seq', server_default=None)
        batch_op.create_index(batch_op.f('ix_projects_change_seq'), ['change_seq'], unique=False)
    with op.batch_alter_table('project_versions', schema=None) as batch_op:
        batch_op.alter_column('version_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('origin', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_project_versions_version_id'),
                                          ['version_id'])
    op.create_table(
        'sync_state',
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('base_version_id', sa.String(length=36), nullable=True),
        sa.Column('base_name', sa.String(length=200), nullable=True),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('conflict', sa.Text(), nullable=True),
        sa.Column('conflict_copy_id', sa.String(length=36), nullable=True),
        sa.Column('forked_version_id', sa.String(length=36), nullable=True),
        sa.Column('last_synced_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_sync_state_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_sync_state')),
    )
    op.create_table(
        'cloud_links',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('server_url', sa.String(length=2048), nullable=False),
        sa.Column('cloud_user_id', sa.String(length=64), nullable=False),
        sa.Column('cloud_email', sa.String(length=320), nullable=False),
        sa.Column('cursor', sa.Text(), nullable=True),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_cloud_links_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_cloud_links')),
    )


def downgrade() -> None:
    """Revert this migration (tombstones and sync state are dropped)."""
    op.drop_table('cloud_links')
    op.drop_table('sync_state')
    op.execute("DELETE FROM projects WHERE deleted_at IS NOT NULL")
    op.execute("DELETE FROM store_meta WHERE key = 'change_seq'")
    with op.batch_alter_table('project_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_project_versions_version_id'), type_='unique')
        batch_op.drop_column('origin')
        batch_op.drop_column('parent_version_id')
        batch_op.drop_column('version_id')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_change_seq'))
        batch_op.drop_column('change_seq')
        batch_op.drop_column('deleted_at')
