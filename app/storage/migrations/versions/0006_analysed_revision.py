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
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("analysed_revision", sa.Integer(), nullable=False, server_default="1"))
    # Every stored revision so far may have changed what the analyses see.
    op.execute("UPDATE locality SET analysed_revision = revision")


def downgrade() -> None:
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.drop_column("analysed_revision")
