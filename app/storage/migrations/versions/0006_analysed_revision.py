"""Each locality's analysed revision: the last change an audit, map or chart can see.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Guarded: a database made by create_all (as the tests' PostgreSQL one is) may have it already.
    present = sa.inspect(op.get_bind())
    if "analysed_revision" in {c["name"] for c in present.get_columns("locality")}:
        return
    # Plain ALTER TABLE, never a batch copy: SQLite would rebuild the table, and dropping the old
    # one cascades to every group, person and agency of every locality.
    op.add_column("locality", sa.Column("analysed_revision", sa.Integer(), nullable=False, server_default="1"))
    # Every stored revision so far may have changed what the analyses see.
    op.execute("UPDATE locality SET analysed_revision = revision")


def downgrade() -> None:
    op.execute("ALTER TABLE locality DROP COLUMN analysed_revision")  # SQLite 3.35 and later, PostgreSQL
