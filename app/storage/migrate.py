"""Database migrations (Alembic): ``locmap db upgrade`` and on ``locmap serve`` start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (before, after) revisions.

    A database made before migrations existed (tables, no version) is
    stamped as the first revision and then upgraded.
    """
    before = current(engine)
    with engine.begin() as connection:
        config = alembic_config(connection)
        if before is None and inspect(connection).has_table("locality"):
            command.stamp(config, "0001")
            before = "0001"
        command.upgrade(config, "head")
    return before, current(engine)
