"""Backups and restores that are consistent while the service runs.

Every backup reads one snapshot of the database, whatever its format.
SQLite (FILE.db): the online backup API copies every page in one step, inside
one read transaction, into a new file.  Any database, PostgreSQL included
(FILE.json.gz): a full export of every table, every table read in one
transaction (an explicit ``BEGIN`` on SQLite, whose driver would otherwise
read each table at its own moment; REPEATABLE READ, READ ONLY on PostgreSQL,
as ``pg_dump`` reads).  ``restore`` loads either into an empty database,
checks its integrity and returns the row counts.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from app.errors import UserError
from app.storage.db import create_schema, make_engine
from app.storage.erasure import reapply_erasures_in
from models.tables import ErasureRecord

FORMAT = "locmap-backup/1"
#: The erasure ledger: a restore keeps the replaced database's entries.
LEDGER = SQLModel.metadata.tables[str(ErasureRecord.__tablename__)]


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
            cast(sqlite3.Connection, raw.driver_connection).backup(
                destination, pages=-1
            )  # one step: one read transaction
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
    with read_snapshot(engine) as connection:
        for table in ordered_tables():
            rows = connection.execute(select(table)).mappings().all()
            data["tables"][table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    with gzip.open(tmp, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return {name: len(rows) for name, rows in data["tables"].items()}


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the database.

    Parameters
    ----------
    engine
        The database to read.

    Yields
    ------
    Connection
        Inside one read transaction, rolled back when the block ends.

    Notes
    -----
    pysqlite sends ``BEGIN`` only before a write, so on SQLite each SELECT
    would otherwise be a transaction of its own, each seeing the database at
    its own moment (a membership whose group was read before it was created);
    the explicit ``BEGIN`` makes every read share the first one's snapshot (in
    WAL mode writers carry on meanwhile).  On PostgreSQL the transaction is
    REPEATABLE READ, READ ONLY, the isolation ``pg_dump`` reads in.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        elif engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            yield connection
        finally:
            connection.rollback()


def _jsonable(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


def restore(engine: Engine, source: Path, *, force: bool = False) -> dict[str, int]:
    """Load a backup into the database, then check its integrity.

    Parameters
    ----------
    engine
        The database to restore into: empty, unless ``force``.
    source
        A FILE.db or FILE.json.gz written by :func:`backup`.
    force
        Replace the contents of a database that is not empty.  Its erasure
        ledger is kept (merged with the backup's), so that erasures made since
        the backup was taken are not forgotten.

    Returns
    -------
    dict[str, int]
        The restored database's row count of each table.
    """
    tables_rows = read_backup(source)
    create_schema(engine)
    if any(row_counts(engine).values()) and not force:
        raise UserError(
            "the database is not empty: restore into a new database, or pass --force to replace its contents"
        )
    try:
        _load(engine, tables_rows)
    except IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0]
        raise UserError(f"{source}: not a consistent backup ({reason}); nothing was restored") from None
    check_integrity(engine)
    reapply_erasures_in(engine)  # anyone erased since the backup was taken is erased again
    return row_counts(engine)


def read_backup(source: Path) -> dict[str, list[dict]]:
    """The rows of every table in a backup file, by table name; UserError if it is not one."""
    if not source.is_file():
        raise UserError(f"{source}: no such backup file")
    name = source.name.lower()
    if name.endswith((".db", ".sqlite", ".sqlite3")):
        return _read_sqlite(source)
    if not name.endswith(".json.gz"):
        raise UserError(f"{source}: expected FILE.db or FILE.json.gz")
    try:
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UserError(f"{source}: not a locmap backup ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tables"), dict):
        raise UserError(f"{source}: not a {FORMAT} file")
    return {
        table: [{k: _from_json(v) for k, v in row.items()} for row in rows] for table, rows in data["tables"].items()
    }


def _load(engine: Engine, tables_rows: dict[str, list[dict]]) -> None:
    """Replace every table's rows with the backup's, in one transaction."""
    with engine.begin() as connection:
        kept = _erasures_since(connection, tables_rows.get(LEDGER.name, []))
        for table in reversed(ordered_tables()):
            connection.execute(table.delete())
        for table in ordered_tables():
            if rows := tables_rows.get(table.name):
                connection.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":
            for table in ordered_tables():
                if "pk" in table.c and table.c.pk.autoincrement:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'pk'), COALESCE(MAX(pk), 1), MAX(pk) IS NOT NULL) FROM {table.name}"
                        )
                    )
        if kept:  # after the sequences are set, so their new keys follow the backup's
            connection.execute(insert(LEDGER), kept)


def _erasures_since(connection: Connection, backed_up: list[dict]) -> list[dict]:
    """The erasures recorded in the database being replaced and not in the backup, once each, without keys."""
    known = {(row["locality"], row["person_digest"]) for row in backed_up}
    since: dict[tuple[str, str], dict] = {}
    for row in connection.execute(select(LEDGER).order_by(LEDGER.c.pk)).mappings():
        key = (row["locality"], row["person_digest"])
        if key not in known:
            since.setdefault(key, {"at": row["at"], "locality": key[0], "person_digest": key[1]})
    return list(since.values())


def _read_sqlite(source: Path) -> dict[str, list[dict]]:
    copy = make_engine(f"sqlite:///{source}")
    try:
        check_integrity(copy)
        with read_snapshot(copy) as connection:
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
