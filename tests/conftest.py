"""Shared fixtures: a database per test copied from templates built once, and small hand-built localities.

Set-up used to dominate the run (every service test migrated a database,
loaded the samples and hashed passwords), so the migrated schema and the
service's database (samples and a user of each role) are built once per
session in memory and copied into each test's own database with SQLite's
backup API: tests still never see each other's writes.
"""

from __future__ import annotations

import copy
import functools
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from platformdirs import user_cache_dir

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy, SQLModel and the app are imported in the fixtures that use them, so
# pytest's start (and a run of tests that need no database) does not pay for them.

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "sample_localities"
SAMPLE_SLUGS = ["abingdon", "banbury", "bicester", "city", "kidlington", "thame"]
SAMPLE_PATHS = [SAMPLES_DIR / f"{slug}.yaml" for slug in SAMPLE_SLUGS]
#: The console script of the environment running the tests (never a checkout's own .venv).
LOCMAP_SCRIPT = Path(sys.executable).with_name("locmap")

# Hypothesis keeps its example database and caches outside the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(user_cache_dir("locmap")) / "hypothesis"))

#: A small, valid locality used as the starting point of many tests.
MINIMAL = {
    "format": "locmap/1",
    "locality": {"id": "testville", "name": "Testville", "authority": "Testshire", "boundary": "clear"},
    "agencies": [
        {"id": "school-a", "name": "School A", "sector": "education", "school": True},
        {"id": "shc", "name": "Social and Health Care", "sector": "social_care"},
    ],
    "people": [
        {"id": "head-a", "name": "Head teacher, School A", "role": "head_teacher", "agency": "school-a"},
        {"id": "sw", "name": "Social worker", "role": "social_worker", "agency": "shc", "systems_minder": True},
    ],
    "groups": [
        {
            "id": "steering",
            "name": "Steering group",
            "type": "steering_group",
            "meets": "half_termly",
            "hours": 2,
            "members": [{"person": "head-a", "role": "chair"}, {"person": "sw"}],
        },
        {"id": "panel", "name": "Panel", "type": "panel", "school": "school-a", "members": [{"person": "sw"}]},
    ],
    "links": [{"from": "panel", "to": "steering", "kind": "reports_to"}],
}


@pytest.fixture
def minimal() -> dict:
    """A fresh deep copy of :data:`MINIMAL` that a test may change."""
    return copy.deepcopy(MINIMAL)


def postgres_url() -> str:
    """The PostgreSQL server for the storage and API tests, or a skip (a failure in CI)."""
    url = os.environ.get("LOCMAP_TEST_POSTGRES_URL")
    if not url:
        reason = "no PostgreSQL server: set LOCMAP_TEST_POSTGRES_URL=postgresql+psycopg://USER:PASSWORD@127.0.0.1/DB"
        if os.environ.get("CI") or os.environ.get("LOCMAP_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    return worker_database(url, os.environ.get("PYTEST_XDIST_WORKER"))


def worker_url(url: str, worker: str | None) -> str:
    """The database URL of one pytest-xdist worker: ``DB_gw0`` beside ``DB`` (``url`` itself outside xdist)."""
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


@functools.cache
def worker_database(url: str, worker: str | None) -> str:
    """:func:`worker_url`, the database created if missing: parallel workers never drop each other's tables.

    Created from the ``postgres`` maintenance database (the tests' role has
    CREATEDB); the tables in it are dropped and made by each fixture, as before.
    """
    own = worker_url(url, worker)
    if own == url:
        return url
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    target = make_url(own)
    name = str(target.database)
    connect = target.translate_connect_args(username="user", database="dbname")
    connect |= {"dbname": "postgres", **target.query}
    with psycopg.connect(**connect, autocommit=True) as maintenance:
        found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            try:
                maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:  # another run made it meanwhile
                pass
    return own


@pytest.fixture(scope="session", autouse=True)
def own_data_home(tmp_path_factory):
    """The default database (``locmap`` with no ``--db``) in this session's own folder, never the user's.

    Parallel workers, and other runs on the machine, then never share one.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
        yield


# ---------------------------------------------------------------- passwords and database templates


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at its smallest cost in tests only (the app's parameters are untouched).

    Hashing at the production cost took most of the set-up of the service
    tests.  Both the hasher and the hash checked for unknown users are
    replaced, so known and unknown names still cost one check each.
    """
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from app.storage import accounts

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", cheap)
        patch.setattr(accounts, "_DUMMY_HASH", cheap.hash("locmap-timing-equaliser"))
        yield cheap


def _snapshot(engine: Engine) -> sqlite3.Connection:
    """An in-memory copy of a SQLite engine's database, kept as a template."""
    template = sqlite3.connect(":memory:", check_same_thread=False)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(template)
    finally:
        raw.close()
    return template


def copy_template(template: sqlite3.Connection, engine: Engine) -> None:
    """Replace the database of a SQLite engine (one connection, StaticPool) with a template's."""
    raw = engine.raw_connection()
    try:
        template.backup(raw.driver_connection)
    finally:
        raw.close()


@pytest.fixture(scope="session")
def schema_template():
    """An empty database migrated to the newest revision, built once."""
    from app.storage.db import create_schema, make_engine

    engine = make_engine("sqlite://")
    create_schema(engine)
    template = _snapshot(engine)
    engine.dispose()
    yield template
    template.close()


def add_role_users(engine: Engine) -> dict[str, str]:
    """A user of each role (editors of Thame and of Banbury); returns their API tokens by role."""
    from app.storage.accounts import create_user
    from app.storage.db import session_scope

    tokens = {}
    with session_scope(engine) as session:
        tokens["viewer"] = create_user(session, "vera", "viewer")[1]
        tokens["editor"] = create_user(session, "ed", "editor", ["thame"], password="correct horse battery")[1]
        tokens["other_editor"] = create_user(session, "olive", "editor", ["banbury"])[1]
        tokens["admin"] = create_user(session, "ada", "admin", password="admin password 1")[1]
    return tokens


@pytest.fixture(scope="session")
def service_template(schema_template, cheap_password_hashing):
    """The service's starting database, built once: the six samples and a user of each role.

    Yields ``(template, tokens)``; tokens are stored as digests, so they are
    valid in every copy.
    """
    from app.storage.db import make_engine
    from app.web.main import load_samples_if_empty

    engine = make_engine("sqlite://")
    copy_template(schema_template, engine)
    load_samples_if_empty(engine)
    tokens = add_role_users(engine)
    template = _snapshot(engine)
    engine.dispose()
    yield template, tokens
    template.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request):
    """An empty database with the schema: in-memory SQLite (foreign keys on), and PostgreSQL."""
    from sqlalchemy.pool import StaticPool
    from sqlmodel import SQLModel

    from app.storage.db import make_engine

    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        assert isinstance(engine.pool, StaticPool)
        copy_template(request.getfixturevalue("schema_template"), engine)
    else:
        engine = make_engine(postgres_url())
        SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    from sqlmodel import Session

    with Session(engine) as session:
        yield session


@pytest.fixture
def db_url(tmp_path) -> str:
    """A SQLite file database for command-line tests."""
    return f"sqlite:///{tmp_path / 'locmap.db'}"


# ---------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per module of browser tests (tests/browser_support.py)."""
    from tests.browser_support import chromium

    with chromium() as launched:
        yield launched


# ---------------------------------------------------------------- the web service

ROLES = ("anonymous", "viewer", "editor", "other_editor", "admin")


@pytest.fixture
def service(request, engine):
    """The app on a database of its own holding the samples, with a user of each role.

    Yields ``(client, tokens)``; ``auth(tokens, role)`` gives the Authorization header.
    """
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.config import Settings
    from app.web.deps import get_session
    from app.web.main import create_app

    if engine.dialect.name == "sqlite":
        template, tokens = request.getfixturevalue("service_template")
        copy_template(template, engine)
    else:
        tokens = None
    settings = Settings(database_url="sqlite://", load_samples=True, demo=False)
    app = create_app(settings, engine=engine)

    def session_override():
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app, raise_server_exceptions=False) as client:
        if tokens is None:  # PostgreSQL: the samples were loaded on start; add the users
            tokens = add_role_users(engine)
        client.app_settings = settings
        yield client, tokens


def auth(tokens: dict, role: str) -> dict:
    return {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}


# ---------------------------------------------------------------- reliability figures

RELIABILITY_LINES: list[str] = []


def reliability(text: str) -> None:
    """Record a reliability figure; printed in the test run's summary (and so in CI's log)."""
    RELIABILITY_LINES.append(text)


def pytest_terminal_summary(terminalreporter):
    if RELIABILITY_LINES:
        terminalreporter.section("locmap reliability figures")
        for line in RELIABILITY_LINES:
            terminalreporter.write_line(line)
