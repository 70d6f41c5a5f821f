"""What a group is for, in words people search: the concerns it takes, how to bring an item, when it meets.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: The new columns of locality_group; existing groups take no concerns and have no contact.
COLUMNS = (
    ('handles', lambda: sa.Column('handles', sa.JSON(), nullable=False, server_default='[]')),
    ('handles_other', lambda: sa.Column('handles_other', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)),
    ('contact', lambda: sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)),
    ('meeting_pattern', lambda: sa.Column('meeting_pattern', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)),
    ('next_meeting', lambda: sa.Column('next_meeting', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)),
)


def upgrade() -> None:
    # Guarded: a database made by create_all (as the tests' PostgreSQL one is) may have them already.
    present = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('locality_group')}
    missing = [column for name, column in COLUMNS if name not in present]
    if missing:
        with op.batch_alter_table('locality_group', schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column())


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later, PostgreSQL), never a batch copy: SQLite would
    # rebuild the table, and dropping the old one cascades to every seat and link of every group.
    for name, _ in reversed(COLUMNS):
        op.execute(f'ALTER TABLE locality_group DROP COLUMN {name}')
