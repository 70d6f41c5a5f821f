"""SQLite edits wait in line within a process and across processes (app.storage.db.queue_for_writing)."""

from __future__ import annotations

import subprocess
import sys
import threading

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.samples import sample_paths
from app.storage import db, store
from app.storage.db import create_schema, make_engine
from app.web.main import create_app
from models.validation import load_path


def _engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    create_schema(engine)
    with Session(engine) as session:
        store.import_document(session, load_path(next(p for p in sample_paths() if p.stem == "thame")))
        session.commit()
    return engine


def test_an_edit_holds_the_queue_until_its_transaction_ends_whichever_thread_ends_it(tmp_path):
    engine = _engine(tmp_path)
    first = Session(engine)
    begun = threading.Thread(target=store.lock_locality, args=(first, "thame"))
    begun.start()
    begun.join()
    assert db._SQLITE_WRITER.locked()  # held while the edit is open
    ended = threading.Thread(target=first.commit)  # as a request's session ends on another pool thread
    ended.start()
    ended.join()
    assert not db._SQLITE_WRITER.locked()
    with Session(engine) as second:
        store.lock_locality(second, "thame")  # the next writer is not left waiting
        second.rollback()
    assert not db._SQLITE_WRITER.locked()
    first.close()
    engine.dispose()


def test_a_second_writer_waits_for_the_first_to_commit(tmp_path):
    engine = _engine(tmp_path)
    order: list[str] = []
    with Session(engine) as first:
        store.lock_locality(first, "thame")

        def second_writer():
            with Session(engine) as second:
                store.lock_locality(second, "thame")
                order.append("second")
                second.rollback()

        waiting = threading.Thread(target=second_writer)
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and order == []  # in line, not failing
        order.append("first")
        first.commit()
        waiting.join(timeout=30)
    assert order == ["first", "second"]
    engine.dispose()


#: Another process, asking for the writers' lock of a database for a while: prints whether it got it.
OTHER_PROCESS = """
import sys, time
from app.storage.db import _WritersFile
print(_WritersFile.of(sys.argv[1]).acquire(time.monotonic() + float(sys.argv[2])))
"""


def _other_process_gets_the_lock(database: str, seconds: float) -> bool:
    answer = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, database, str(seconds)], capture_output=True, text=True, check=True
    )
    return answer.stdout.strip() == "True"


def test_an_edit_holds_the_writers_file_lock_against_other_processes_until_it_ends(tmp_path):
    engine = _engine(tmp_path)
    database = str(tmp_path / "queue.db")
    with Session(engine) as session:
        store.lock_locality(session, "thame")
        assert (tmp_path / "queue.db-writers").exists()
        assert not _other_process_gets_the_lock(database, 0.3)  # queued behind this edit
        session.commit()
    assert _other_process_gets_the_lock(database, 0.3)  # and free once it has ended
    engine.dispose()


def test_a_database_in_memory_has_no_writers_file():
    assert db._WritersFile.of(":memory:") is None and db._WritersFile.of("") is None


def test_the_service_lets_a_waiting_thread_in_after_its_switch_interval(tmp_path):
    """An edit's thread waits for the interpreter lock at each database call: the service shortens that wait."""
    before = sys.getswitchinterval()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'service.db'}", load_samples=False, switch_interval_ms=2)
    try:
        with TestClient(create_app(settings)):
            assert sys.getswitchinterval() == 0.002
        assert Settings().switch_interval_ms == 0.5
    finally:
        sys.setswitchinterval(before)
