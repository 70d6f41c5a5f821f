"""Backups and restores that are consistent while the service runs.

SQLite: the online backup API copies the database page by page into a new
file, giving a consistent snapshot even while others write.  Any database
(PostgreSQL included): a full export of every table, read in one
repeatable-read transaction, as gzipped JSON.  ``restore`` loads either into
an empty database, checks its integrity and returns the row counts.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import SQLModel

from app.errors import UserError
from app.storage.db import create_schema, make_engine
from models import tables  # noqa: F401

FORMAT = "locmap-backup/1"


def ordered_tables():
    return list(SQLModel.metadata.sorted_tables)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in ordered_tables()}


def backup(engine: Engine, target: Path) -> dict[str, int]:
    """Write a consistent copy of the database to ``target`` (.db / .sqlite: SQLite file; .json.gz: full export)."""
    name = target.name.lower()
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        if name.endswith((".db", ".sqlite", ".sqlite3")):
            if engine.dialect.name != "sqlite":
                raise UserError("a .db backup is for SQLite databases; use FILE.json.gz for this database")
            counts = _sqlite_backup(engine, tmp)
        elif name.endswith(".json.gz"):
            counts = _export_backup(engine, tmp)
        else:
            raise UserError(f"{target}: name the backup FILE.db (SQLite) or FILE.json.gz (any database)")
        os.replace(tmp, target)
        return counts
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_backup(engine: Engine, tmp: Path) -> dict[str, int]:
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(tmp)
        try:
            raw.driver_connection.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            destination.close()
    finally:
        raw.close()
    copy = make_engine(f"sqlite:///{tmp}")
    try:
        return row_counts(copy)
    finally:
        copy.dispose()


def _export_backup(engine: Engine, tmp: Path) -> dict[str, int]:
    data: dict = {"format": FORMAT, "tables": {}}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            for table in ordered_tables():
                rows = connection.execute(select(table)).mappings().all()
                data["tables"][table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    with gzip.open(tmp, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return {name: len(rows) for name, rows in data["tables"].items()}


def _jsonable(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


def restore(engine: Engine, source: Path, *, force: bool = False) -> dict[str, int]:
    """Load a backup into the database (which must be empty unless ``force``); returns row counts."""
    if not source.is_file():
        raise UserError(f"{source}: no such backup file")
    create_schema(engine)
    existing = row_counts(engine)
    if any(existing.values()) and not force:
        raise UserError(
            "the database is not empty: restore into a new database, or pass --force to replace its contents"
        )
    name = source.name.lower()
    if name.endswith(".json.gz"):
        try:
            with gzip.open(source, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise UserError(f"{source}: not a locmap backup ({exc})") from None
        if data.get("format") != FORMAT:
            raise UserError(f"{source}: not a {FORMAT} file")
        tables_rows = data["tables"]
    elif name.endswith((".db", ".sqlite", ".sqlite3")):
        tables_rows = _read_sqlite(source)
    else:
        raise UserError(f"{source}: expected FILE.db or FILE.json.gz")
    with engine.begin() as connection:
        for table in reversed(ordered_tables()):
            connection.execute(table.delete())
        for table in ordered_tables():
            rows = [{k: _from_json(v) for k, v in row.items()} for row in tables_rows.get(table.name, [])]
            if rows:
                connection.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":
            for table in ordered_tables():
                if "pk" in table.c and table.c.pk.autoincrement:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'pk'), COALESCE(MAX(pk), 1), MAX(pk) IS NOT NULL) FROM {table.name}"
                        )
                    )
    check_integrity(engine)
    return row_counts(engine)


def _read_sqlite(source: Path) -> dict[str, list[dict]]:
    copy = make_engine(f"sqlite:///{source}")
    try:
        check_integrity(copy)
        with copy.connect() as connection:
            return {t.name: [dict(r) for r in connection.execute(select(t)).mappings()] for t in ordered_tables()}
    finally:
        copy.dispose()


def check_integrity(engine: Engine) -> None:
    """The database's own consistency checks; raises UserError if they fail."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            result = connection.execute(text("PRAGMA integrity_check")).scalar_one()
            problems = connection.execute(text("PRAGMA foreign_key_check")).all()
            if result != "ok" or problems:
                raise UserError(f"integrity check failed: {result}; {len(problems)} foreign-key problem(s)")
