"""Migrations build exactly the models' schema; `locmap db upgrade` applies them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from app.cli import main
from app.storage.db import make_engine
from app.storage.migrate import current, head, upgrade


def test_migrations_build_exactly_the_models_schema(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    before, after = upgrade(engine)
    assert (before, after) == (None, head())
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    engine.dispose()


def test_db_upgrade_command_and_databases_from_before_migrations(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)  # as locmap did before it had migrations
    assert current(engine) is None
    engine.dispose()
    assert main(["db", "upgrade", "--db", url]) == 0  # stamped as the first revision, then upgraded
    assert f"revision {head()}" in capsys.readouterr().out or head() != "0001"
    engine = make_engine(url)
    assert current(engine) == head()
    engine.dispose()
    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["db", "upgrade", "--db", fresh]) == 0
    assert f"from empty to {head()}" in capsys.readouterr().out
