"""The member census: each round, its personal links and its ballots (kept apart).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Guarded: a database made by create_all (as the tests' PostgreSQL one is) may have them already.
    if sa.inspect(op.get_bind()).has_table("census"):
        return
    op.create_table(
        "census",
        sa.Column("pk", sa.Integer(), primary_key=True),
        sa.Column("locality", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=64)),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("salt", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("applied_change", sa.Integer()),
        sa.UniqueConstraint("locality", "number"),
    )
    op.create_table(
        "census_link",
        sa.Column("pk", sa.Integer(), primary_key=True),
        sa.Column("census_pk", sa.Integer(), sa.ForeignKey("census.pk", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agency_id", sqlmodel.sql.sqltypes.AutoString(length=64)),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64)),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), unique=True, index=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.Column("answers", sa.JSON()),
        sa.UniqueConstraint("census_pk", "person_id"),
    )
    op.create_table(
        "census_ballot",
        sa.Column("pk", sa.Integer(), primary_key=True),
        sa.Column("census_pk", sa.Integer(), sa.ForeignKey("census.pk", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agency_id", sqlmodel.sql.sqltypes.AutoString(length=64)),
        sa.Column("balance", sa.Integer()),
        sa.Column("worry_to", sqlmodel.sql.sqltypes.AutoString(length=64)),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.UniqueConstraint("census_pk", "key"),
    )


def downgrade() -> None:
    op.drop_table("census_ballot")
    op.drop_table("census_link")
    op.drop_table("census")
