"""Tests run in parallel (pytest-xdist, as CI does) share nothing: databases, ports, default paths."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests import browser_support
from tests.conftest import postgres_url, worker_url


def test_each_worker_names_its_own_postgresql_database():
    url = "postgresql+psycopg://locmap_ci:secret@127.0.0.1:5432/locmap_dev?connect_timeout=5"
    assert (
        worker_url(url, "gw1")
        == "postgresql+psycopg://locmap_ci:secret@127.0.0.1:5432/locmap_dev_gw1?connect_timeout=5"
    )
    assert worker_url(url, "gw0") != worker_url(url, "gw1")
    assert worker_url(url, None) == url  # a plain run uses the database it was given


@pytest.mark.postgres
def test_a_worker_database_is_created_and_is_not_the_shared_one(monkeypatch):
    import psycopg
    from sqlalchemy.engine import make_url

    monkeypatch.setenv("PYTEST_XDIST_WORKER", os.environ.get("PYTEST_XDIST_WORKER", "gw0"))
    own = make_url(postgres_url())
    shared = make_url(os.environ["LOCMAP_TEST_POSTGRES_URL"])
    assert own.database == f"{shared.database}_{os.environ['PYTEST_XDIST_WORKER']}"
    connect = own.translate_connect_args(username="user", database="dbname")
    with psycopg.connect(**connect) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (own.database,)


def test_a_live_server_does_not_depend_on_a_port_released_before_it_binds(tmp_path, monkeypatch):
    """Another worker may take a port between a free_port() and the bind: the server keeps its own socket."""
    import urllib.request

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        monkeypatch.setattr(browser_support, "free_port", lambda: taken.getsockname()[1])
        with browser_support.live_server(f"sqlite:///{tmp_path / 'locmap.db'}") as (base, _):
            with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
                assert response.status == 200
            assert not base.endswith(f":{taken.getsockname()[1]}")
    finally:
        taken.close()


def test_the_default_database_is_in_the_sessions_own_folder():
    from app.config import default_database_url

    path = Path(default_database_url().removeprefix("sqlite:///"))
    assert not path.is_relative_to(Path.home())
    assert Path(os.environ["XDG_DATA_HOME"]) in path.parents
