"""Database engines and sessions.

SQLite is the embedded default: every connection gets ``foreign_keys=ON``
(SQLite leaves cascades off otherwise), WAL journaling so readers do not block
the writer, and a busy timeout so concurrent writers wait instead of failing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from app.errors import UserError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own busy handling across processes
    fcntl = None  # type: ignore[assignment]
from models import tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def _sqlite_pragmas(busy_timeout: float):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


#: One locality edit at a time per process on SQLite.  A plain lock, not an RLock: a request's
#: session may end its transaction on another thread of the pool than the one that began it.
_SQLITE_WRITER = threading.Lock()
#: How long to wait in line before going on to SQLite's own busy handling (a session never ended).
QUEUE_TIMEOUT_S = 30.0
#: How often a writer queued behind another process looks again (SQLite's own handler waits up to 100 ms).
CROSS_PROCESS_POLL_S = 0.001


def queue_for_writing(session: Session) -> None:
    """On SQLite, wait in line before an edit's first write, until its transaction ends.

    SQLite's busy handler makes waiting writers poll for the write lock, up
    to 100 ms between tries, and a newcomer may take it before writers that
    have waited for seconds.  Queued here, the threads of one worker process
    wait in turn on a lock that wakes the next at once; the one at the head
    then queues with the other processes on an advisory lock of a file
    beside the database (:class:`_WritersFile`), looked at every
    millisecond, so SQLite's handler is never left to sleep.  PostgreSQL
    queues row locks itself, so this does nothing there.
    """
    if session.get_bind().dialect.name != "sqlite" or session.info.get("queued_for_writing"):
        return
    deadline = time.monotonic() + QUEUE_TIMEOUT_S
    if not _SQLITE_WRITER.acquire(timeout=QUEUE_TIMEOUT_S):
        return
    session.info["queued_for_writing"] = True
    writers = _WritersFile.of(session.get_bind().engine.url.database)
    if writers is not None and writers.acquire(deadline):
        session.info["holds_writers_file"] = writers
    if not session.info.get("releases_writer"):
        session.info["releases_writer"] = True
        event.listen(session, "after_transaction_end", _leave_writing_queue)


def may_wait_to_write(session: Session) -> bool:
    """Whether an edit beginning now may wait for another to end first.

    On SQLite, whether an edit of this process holds the writing queue
    (:func:`queue_for_writing`); one in another process is not seen.  On
    PostgreSQL the database queues writers out of sight, so always True.
    """
    if session.get_bind().dialect.name != "sqlite":
        return True
    return _SQLITE_WRITER.locked()


def _leave_writing_queue(session: Session, transaction) -> None:
    if transaction.parent is None and session.info.pop("queued_for_writing", False):
        writers = session.info.pop("holds_writers_file", None)
        if writers is not None:
            writers.release()
        _SQLITE_WRITER.release()


class _WritersFile:
    """An advisory lock (``flock``) on ``<database>-writers``, shared by the processes writing one database.

    One open file per database per process: only the thread at the head of
    this process's queue ever takes it.  The operating system drops the
    lock of a process that dies, so a crash never leaves writers waiting.
    """

    _open: dict[str, _WritersFile | None] = {}
    _opening = threading.Lock()

    def __init__(self, fd: int):
        self.fd = fd

    @classmethod
    def of(cls, database: str | None) -> _WritersFile | None:
        """The lock of a file database, or None (in memory, no ``fcntl``, or a folder not writable)."""
        if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
            return None
        with cls._opening:
            if database not in cls._open:
                try:
                    fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
                except OSError:
                    cls._open[database] = None
                else:
                    cls._open[database] = cls(fd)
            return cls._open[database]

    def acquire(self, deadline: float) -> bool:
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(CROSS_PROCESS_POLL_S)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


def make_engine(url: str, *, busy_timeout: float = 30.0, echo: bool = False) -> Engine:
    """Create an engine for ``url``, creating a SQLite file's folder if needed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"invalid database URL {url!r}: expected e.g. sqlite:///path/to/locmap.db") from None
    kwargs: dict = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        if in_memory:
            kwargs["poolclass"] = StaticPool
        else:
            # One connection per worker thread (AnyIO runs up to 40): a smaller pool
            # makes concurrent requests queue for a connection instead of working.
            kwargs["pool_size"] = 40
            kwargs["max_overflow"] = 20
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"cannot create the folder for database {database!r}: {exc.strerror}") from None
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect or missing driver
        raise UserError(f"cannot use database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
    return engine


def create_schema(engine: Engine) -> None:
    """Bring the database's schema up to date through the migrations (Alembic)."""
    # Imported here: Alembic takes ~0.3 s to import, and every CLI command imports this module.
    from app.storage.migrate import upgrade

    upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block finishes, rolled back if it raises."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
