"""The erasure ledger, failed sign-ins shared by every worker, and the oldest revision a cache may show.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Guarded: a database made by create_all (as the tests' PostgreSQL one is) may have them already.
    present = sa.inspect(op.get_bind())
    if 'shown_from' not in {c['name'] for c in present.get_columns('locality')}:
        with op.batch_alter_table('locality', schema=None) as batch_op:
            batch_op.add_column(sa.Column('shown_from', sa.Integer(), nullable=False, server_default='0'))
    if not present.has_table('erasure'):
        _create_erasure()
    if not present.has_table('sign_in_attempt'):
        _create_sign_in_attempt()


def _create_erasure() -> None:
    op.create_table('erasure',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('locality', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_locality'), ['locality'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_person_digest'), ['person_digest'], unique=False)


def _create_sign_in_attempt() -> None:
    op.create_table('sign_in_attempt',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_subject'), ['subject'], unique=False)


def downgrade() -> None:
    op.drop_table('sign_in_attempt')
    op.drop_table('erasure')
    # Plain ALTER TABLE, never a batch copy: rebuilding the locality table would cascade to everything in it.
    op.execute('ALTER TABLE locality DROP COLUMN shown_from')
