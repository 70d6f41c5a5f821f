"""Sessions and sign-in housekeeping: expired sessions purged on a schedule, a sign-in limit shared by workers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.config import Settings
from app.storage.accounts import create_user, digest
from app.storage.db import create_schema, make_engine, session_scope
from app.web.main import create_app
from app.web.sessions import PURGE_INTERVAL, purge_expired_tokens
from models.tables import ApiToken, User


def _add_session(engine, name: str, token: str, expires_in: timedelta) -> None:
    with session_scope(engine) as session:
        user = session.execute(select(User).where(User.name == name)).scalars().one()
        expires = datetime.now(UTC) + expires_in
        session.add(ApiToken(user_pk=user.pk, digest=digest(token), kind="session", expires_at=expires))


def _stored(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.execute(select(ApiToken.digest)).scalars())


def test_an_expired_session_is_gone_after_start_up():
    engine = make_engine("sqlite://")
    create_schema(engine)
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", password="correct horse battery")
    _add_session(engine, "ed", "lm_expired", timedelta(hours=-1))
    _add_session(engine, "ed", "lm_live", timedelta(hours=1))
    app = create_app(Settings(database_url="sqlite://", load_samples=False), engine=engine)
    with TestClient(app):
        stored = _stored(engine)
    assert digest("lm_expired") not in stored
    assert digest("lm_live") in stored


def test_a_sign_in_purges_expired_sessions_at_most_once_an_hour(service):
    client, _ = service
    engine = client.app.state.engine
    credentials = {"name": "ed", "password": "correct horse battery"}
    _add_session(engine, "ed", "lm_stale", timedelta(minutes=-5))
    client.app.state.tokens_purged_at = time.monotonic() - PURGE_INTERVAL - 1
    assert client.post("/auth/login", json=credentials).status_code == 200
    assert digest("lm_stale") not in _stored(engine)
    _add_session(engine, "ed", "lm_stale_again", timedelta(minutes=-5))
    assert client.post("/auth/login", json=credentials).status_code == 200
    assert digest("lm_stale_again") in _stored(engine)  # purged less than an hour ago: left for the next purge


def _wait_until(condition, seconds: float = 20.0) -> bool:
    """Whether ``condition()`` came true within ``seconds`` (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_expired_sessions_are_purged_on_a_schedule_without_any_sign_in():
    engine = make_engine("sqlite://")
    create_schema(engine)
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", password="correct horse battery")
    settings = Settings(database_url="sqlite://", load_samples=False, purge_minutes=0.001)
    with TestClient(create_app(settings, engine=engine)):
        _add_session(engine, "ed", "lm_expired_later", timedelta(seconds=-1))
        _add_session(engine, "ed", "lm_live", timedelta(hours=1))
        assert _wait_until(lambda: digest("lm_expired_later") not in _stored(engine))
        assert digest("lm_live") in _stored(engine)


def _database_file(tmp_path) -> str:
    """A SQLite file database with the schema and a user who may sign in."""
    url = f"sqlite:///{tmp_path / 'locmap.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", password="correct horse battery")
    engine.dispose()
    return url


def _worker(url: str, **settings) -> TestClient:
    """An app of its own on the database at ``url``, as one worker process would have."""
    return TestClient(create_app(Settings(database_url=url, load_samples=False, **settings)))


def test_the_sign_in_limit_holds_across_workers(tmp_path):
    url = _database_file(tmp_path)
    first, second = _worker(url, signin_attempts=5), _worker(url, signin_attempts=5)
    with first, second:
        wrong = {"name": "ed", "password": "wrong"}
        statuses = [(first if i % 2 else second).post("/auth/login", json=wrong).status_code for i in range(7)]
        assert statuses == [401] * 5 + [429, 429]
        right = {"name": "ed", "password": "correct horse battery"}
        assert first.post("/auth/login", json=right).status_code == 429
        assert second.post("/auth/login", json=right).status_code == 429


def test_old_sign_in_attempts_are_purged(tmp_path):
    from models.tables import SignInAttempt

    with _worker(_database_file(tmp_path), signin_window=60.0) as client:
        engine = client.app.state.engine
        with session_scope(engine) as session:
            session.add(SignInAttempt(subject="old", at=datetime.now(UTC) - timedelta(hours=1)))
            session.add(SignInAttempt(subject="recent", at=datetime.now(UTC)))
        purge_expired_tokens(client.app, engine)
        with Session(engine) as session:
            assert set(session.execute(select(SignInAttempt.subject)).scalars()) == {"recent"}


def _served_app(monkeypatch, tmp_path, *options: str):
    """The ASGI app as ``locmap serve OPTIONS`` has uvicorn load it (uvicorn's own middleware included)."""
    import uvicorn

    from app.cli import main

    captured = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(app=app, **kwargs))
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    url = _database_file(tmp_path)
    assert main(["serve", "--db", url, "--no-samples", *options]) == 0
    app = captured.pop("app")
    for ignored in ("host", "port", "log_level", "workers", "factory"):
        captured.pop(ignored, None)
    config = uvicorn.Config(app, **captured)
    config.load()
    return config.loaded_app, app


def _failed_logins(asgi_app, forwarded_for: list[str]) -> list[int]:
    import asyncio

    import httpx

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=asgi_app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as client:
            statuses = []
            for address in forwarded_for:
                response = await client.post(
                    "/auth/login", json={"name": "ed", "password": "wrong"}, headers={"X-Forwarded-For": address}
                )
                statuses.append(response.status_code)
            return statuses

    return asyncio.run(run())


def test_x_forwarded_for_does_not_change_the_limiters_subject_by_default(monkeypatch, tmp_path):
    asgi_app, app = _served_app(monkeypatch, tmp_path)
    with TestClient(app):  # runs the lifespan: the engine
        statuses = _failed_logins(asgi_app, [f"203.0.113.{i}" for i in range(7)])
    assert statuses == [401] * 5 + [429, 429]


def test_forwarded_for_is_trusted_from_the_proxies_the_operator_names(monkeypatch, tmp_path):
    asgi_app, app = _served_app(monkeypatch, tmp_path, "--forwarded-allow-ips", "127.0.0.1")
    with TestClient(app):
        statuses = _failed_logins(asgi_app, [f"203.0.113.{i}" for i in range(7)])
    assert statuses == [401] * 7  # each a different client behind the named proxy
