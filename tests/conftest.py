"""Shared fixtures: an in-memory database per test and small hand-built localities."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from app.storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "sample_localities"
SAMPLE_SLUGS = ["abingdon", "banbury", "bicester", "city", "kidlington", "thame"]
SAMPLE_PATHS = [SAMPLES_DIR / f"{slug}.yaml" for slug in SAMPLE_SLUGS]

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
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    """An empty database with the schema: in-memory SQLite (foreign keys on), and PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        assert isinstance(engine.pool, StaticPool)
    else:
        engine = make_engine(postgres_url())
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session


@pytest.fixture
def db_url(tmp_path) -> str:
    """A SQLite file database for command-line tests."""
    return f"sqlite:///{tmp_path / 'locmap.db'}"


# ---------------------------------------------------------------- the web service

ROLES = ("anonymous", "viewer", "editor", "other_editor", "admin")


@pytest.fixture
def service(engine):
    """The app on an in-memory database holding the samples, with a user of each role.

    Yields ``(client, tokens)``; ``headers(role)`` gives the Authorization header.
    """
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.storage.accounts import create_user
    from app.storage.db import session_scope
    from app.web.deps import get_session
    from app.web.main import create_app

    settings = Settings(database_url="sqlite://", load_samples=True, demo=False)
    app = create_app(settings, engine=engine)

    def session_override():
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app, raise_server_exceptions=False) as client:
        tokens = {}
        with session_scope(engine) as session:
            tokens["viewer"] = create_user(session, "vera", "viewer")[1]
            tokens["editor"] = create_user(session, "ed", "editor", ["thame"], password="correct horse battery")[1]
            tokens["other_editor"] = create_user(session, "olive", "editor", ["banbury"])[1]
            tokens["admin"] = create_user(session, "ada", "admin", password="admin password 1")[1]
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
