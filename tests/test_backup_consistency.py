"""Backups taken while writers write restore to a state that existed, in every format.

Writers edit four localities continuously (groups, seats and links created,
renamed and deleted through the storage functions), one writer per
locality, recording the exported document after each committed revision.
Backups are taken back to back meanwhile; every one of them is then restored
into a fresh database and must pass SQLite's integrity and foreign-key checks,
with each restored locality equal to the document recorded at its revision.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from app.storage import edits, store
from app.storage.backup import backup, restore
from app.storage.db import make_engine, session_scope
from tests.conftest import copy_template, postgres_url, reliability

WRITTEN = ("abingdon", "banbury", "bicester", "city")
CYCLES = 10  # 6 edits a cycle and 2 deletes every other: 4 writers x 70 = 280 edits
MAX_BACKUPS = 12


def record_state(engine: Engine, slug: str, states: dict) -> None:
    """Note the locality as it is now (only its own writer changes it, so this is one revision's state)."""
    with session_scope(engine) as session:
        revision = store.get_locality(session, slug).revision
        states[slug, revision] = store.export_document(session, slug).to_data()


def keep_editing(engine: Engine, slug: str, states: dict, errors: list) -> None:
    """Create, rename and delete groups with their seats and links, recording each revision."""
    with session_scope(engine) as session:
        document = store.export_document(session, slug)
    first, second = document.people[0].id, document.people[1].id
    anchor = document.groups[0].id
    steps = [
        lambda s, g: edits.create(s, slug, "writer", "group", {"id": g, "name": g, "type": "forum"}),
        lambda s, g: edits.add_seat(s, slug, "writer", g, {"person": first}),
        lambda s, g: edits.create(
            s, slug, "writer", "link", {"id": f"{g}-up", "from": g, "to": anchor, "kind": "reports_to"}
        ),
        lambda s, g: edits.add_seat(s, slug, "writer", g, {"person": second, "role": "chair"}),
        lambda s, g: edits.update(s, slug, "writer", "group", g, {"name": f"{g} (renamed)"}),
        lambda s, g: edits.remove_seat(s, slug, "writer", g, first),
    ]
    try:
        for cycle in range(CYCLES):
            group = f"drill-{cycle}"
            for step in steps:
                with session_scope(engine) as session:
                    step(session, group)
                record_state(engine, slug, states)
            if cycle % 2:  # every other cycle, the last two groups go, with their seats and links
                for gone in (f"drill-{cycle - 1}", group):
                    with session_scope(engine) as session:
                        edits.delete(session, slug, "writer", "group", gone)
                    record_state(engine, slug, states)
    except Exception as exc:  # reported by the test, not lost in a thread
        errors.append(f"{slug}: {exc!r}")


def backups_while_writing(engine: Engine, folder: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], dict]:
    """Run the writers and take backups (each format in turn) until they finish; returns the backups and states."""
    states: dict = {}
    errors: list[str] = []
    with session_scope(engine) as session:
        slugs = [summary.id for summary in store.list_localities(session)]
    for slug in slugs:
        record_state(engine, slug, states)
    writers = [threading.Thread(target=keep_editing, args=(engine, slug, states, errors)) for slug in WRITTEN]
    for writer in writers:
        writer.start()
    taken: list[Path] = []
    try:
        while any(w.is_alive() for w in writers) and len(taken) < MAX_BACKUPS:
            path = folder / f"backup-{len(taken):02d}{suffixes[len(taken) % len(suffixes)]}"
            backup(engine, path)
            taken.append(path)
    finally:
        for writer in writers:
            writer.join()
    assert not errors, errors
    return taken, states


def problems_of_restore(path: Path, folder: Path, schema_template, states: dict) -> list[str]:
    """Restore one backup into a fresh database; what is wrong with the result (nothing, if consistent)."""
    target = folder / f"restored-{path.name}.db"
    restored = make_engine(f"sqlite:///{target}")
    copy_template(schema_template, restored)
    try:
        try:
            restore(restored, path)
        except Exception as exc:
            return [f"{path.name}: restore failed: {exc}"]
        with session_scope(restored) as session:
            found = [(s.id, store.get_locality(session, s.id).revision) for s in store.list_localities(session)]
            documents = {slug: store.export_document(session, slug).to_data() for slug, _ in found}
    finally:
        restored.dispose()
    with sqlite3.connect(target) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [f"{path.name}: integrity_check {integrity}"] if integrity != "ok" else []
    problems += [f"{path.name}: foreign_key_check {dangling[:3]}"] if dangling else []
    for slug, revision in found:
        if states.get((slug, revision)) != documents[slug]:
            problems.append(f"{path.name}: {slug} at revision {revision} is not a state that existed")
    return problems


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def live(request, tmp_path):
    """The served database holding the samples: a SQLite file in WAL mode, or PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
        copy_template(request.getfixturevalue("service_template")[0], engine)
    else:
        from app.web.main import load_samples_if_empty

        engine = make_engine(postgres_url())
        SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        load_samples_if_empty(engine)
    yield engine
    engine.dispose()


def test_every_backup_taken_while_writing_restores_to_a_state_that_existed(live, tmp_path, schema_template):
    suffixes = (".db", ".json.gz") if live.dialect.name == "sqlite" else (".json.gz",)
    taken, states = backups_while_writing(live, tmp_path, suffixes)
    edits_made = len(states) - 6
    assert edits_made >= len(WRITTEN) * CYCLES * 6 and len(taken) >= 2 * len(suffixes)
    problems = [p for path in taken for p in problems_of_restore(path, tmp_path, schema_template, states)]
    bad = len({p.split(":")[0] for p in problems})
    reliability(
        f"consistent backups ({live.dialect.name}): {len(taken)} backups ({', '.join(suffixes)}) taken during "
        f"{edits_made} edits, {len(taken) - bad} restored to a state that existed"
    )
    assert not problems, f"{bad} of {len(taken)} backups are not a consistent snapshot:\n" + "\n".join(problems)


# ---------------------------------------------------------------- the commands


def run(capsys, *args: str) -> tuple[int, str, str]:
    from app.cli import main

    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("suffix", [".db", ".json.gz"])
def test_backup_and_restore_commands_round_trip(capsys, tmp_path, db_url, suffix):
    assert run(capsys, "import", "--samples", "--db", db_url)[0] == 0
    code, out, err = run(capsys, "backup", "-o", str(tmp_path / f"nightly{suffix}"), "--db", db_url)
    assert code == 0 and "backed up 6 localities" in out, err
    drill = f"sqlite:///{tmp_path / 'drill.db'}"
    code, out, err = run(capsys, "restore", str(tmp_path / f"nightly{suffix}"), "--db", drill)
    assert code == 0 and "restored 6 localities" in out, err
    code, _, err = run(capsys, "restore", str(tmp_path / f"nightly{suffix}"), "--db", drill)
    assert code != 0 and "not empty" in err and "Traceback" not in err


def test_restore_of_an_inconsistent_backup_is_refused_plainly_and_restores_nothing(capsys, tmp_path, db_url):
    """A membership whose group is not in the backup (what a torn export held): a message, not a traceback."""
    import gzip
    import json

    assert run(capsys, "import", "--samples", "--db", db_url)[0] == 0
    assert run(capsys, "backup", "-o", str(tmp_path / "good.json.gz"), "--db", db_url)[0] == 0
    with gzip.open(tmp_path / "good.json.gz", "rt") as handle:
        data = json.load(handle)
    seated = {row["group_pk"] for row in data["tables"]["membership"]}
    data["tables"]["locality_group"] = [row for row in data["tables"]["locality_group"] if row["pk"] != min(seated)]
    with gzip.open(tmp_path / "torn.json.gz", "wt") as handle:
        json.dump(data, handle)
    drill = tmp_path / "drill.db"
    code, out, err = run(capsys, "restore", str(tmp_path / "torn.json.gz"), "--db", f"sqlite:///{drill}")
    assert code != 0 and "Traceback" not in err + out
    assert "torn.json.gz: not a consistent backup" in err and "nothing was restored" in err
    with sqlite3.connect(drill) as connection:
        assert connection.execute("SELECT count(*) FROM locality").fetchone()[0] == 0


@pytest.mark.parametrize("document", [[], {"format": "locmap-backup/1"}, {"format": "other"}, "text"])
def test_restore_of_a_file_that_is_not_a_backup_says_so(capsys, tmp_path, document):
    import gzip
    import json

    with gzip.open(tmp_path / "odd.json.gz", "wt") as handle:
        json.dump(document, handle)
    code, out, err = run(capsys, "restore", str(tmp_path / "odd.json.gz"), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code != 0 and "odd.json.gz: not a locmap-backup/1 file" in err and "Traceback" not in err + out


def test_restore_over_a_database_keeps_its_erasure_ledger(tmp_path, db_url):
    """Erasures recorded since the backup stay in the ledger (once each), for the restore to apply again."""
    from sqlmodel import Session, select

    from app.storage.db import create_schema
    from models.tables import ErasureRecord

    live = make_engine(db_url)
    create_schema(live)
    with Session(live) as session:
        session.add(ErasureRecord(locality="thame", person_digest="a" * 64))
        session.commit()
    backup(live, tmp_path / "before.json.gz")
    with Session(live) as session:
        session.add_all([ErasureRecord(locality="thame", person_digest=d * 64) for d in "ab"])  # "a" already in it
        session.commit()
    restore(live, tmp_path / "before.json.gz", force=True)
    with Session(live) as session:
        ledger = sorted((r.locality, r.person_digest) for r in session.exec(select(ErasureRecord)))
    live.dispose()
    assert ledger == [("thame", "a" * 64), ("thame", "b" * 64)]
