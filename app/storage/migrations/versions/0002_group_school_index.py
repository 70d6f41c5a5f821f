"""Index groups by the school they sit in.

Deleting an agency checks, and its foreign key clears, the groups that sit
in it; without an index both scanned every group of every locality.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # if_not_exists: a database made before migrations existed, by create_all, may have it already.
    op.create_index('ix_locality_group_school_pk', 'locality_group', ['school_pk'], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index('ix_locality_group_school_pk', table_name='locality_group')
