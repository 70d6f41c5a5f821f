"""Expired sign-in sessions are purged: when the service starts, and now and then on a sign-in."""

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
from app.web.sessions import PURGE_INTERVAL
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
