"""Alembic environment: locmap's tables, SQLite in batch mode (ALTER TABLE support)."""

from alembic import context
from sqlmodel import SQLModel

from app.storage.search import in_models
from models import tables  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("locmap runs migrations with a connection: use `locmap db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=in_models,  # the search index's tables are made by hand (FTS5), not from the models
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
