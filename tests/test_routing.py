"""Routes end their sessions on their own thread (app.web.routing).

A write refused after taking the locality's write lock must give it up at
once, not when FastAPI tears the request down later on another thread: under
load that wait held every writer behind it (issue 14's mixed load).
"""

from __future__ import annotations

import pytest
from fastapi import Response
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.config import Settings
from app.errors import Conflict
from app.samples import sample_paths
from app.storage import db, store
from app.storage.db import create_schema, make_engine
from app.web.main import create_app
from app.web.routing import SessionRoute, ends_sessions, json_answer
from models import schemas
from models.validation import load_path
from tests.conftest import auth


@pytest.fixture()
def file_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locmap.db'}")
    create_schema(engine)
    with Session(engine) as session:
        store.import_document(session, load_path(sample_paths()[0]))
        session.commit()
    yield engine
    engine.dispose()


def _slug(engine) -> str:
    with Session(engine) as session:
        return store.list_localities(session)[0].id


def _refused_write(session: Session, slug: str) -> None:
    store.lock_locality(session, slug)
    raise Conflict("refused after taking the lock")


def _writer_free() -> bool:
    if db._SQLITE_WRITER.acquire(blocking=False):
        db._SQLITE_WRITER.release()
        return True
    return False


def test_every_route_of_the_service_is_a_session_route():
    app = create_app(Settings(database_url="sqlite://", load_samples=False))
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    assert routes
    assert [r.path for r in routes if not isinstance(r, SessionRoute)] == []


def test_a_write_refused_under_the_lock_gives_it_up_before_the_request_is_torn_down(file_engine):
    slug = _slug(file_engine)
    with Session(file_engine) as session:
        with pytest.raises(Conflict):
            ends_sessions(_refused_write)(session=session, slug=slug)
        assert not session.in_transaction()
        assert _writer_free()


def test_without_the_route_the_refused_write_would_still_hold_the_lock(file_engine):
    slug = _slug(file_engine)
    with Session(file_engine) as session:
        with pytest.raises(Conflict):
            _refused_write(session=session, slug=slug)
        assert session.in_transaction()
        assert not _writer_free()
    assert _writer_free()  # closing the session ended it


def test_a_finished_response_closes_the_session_and_other_answers_keep_it(file_engine):
    slug = _slug(file_engine)

    def answered(session: Session) -> Response:
        store.get_locality(session, slug)
        return Response(b"done")

    def data(session: Session) -> dict:
        store.get_locality(session, slug)
        return {"slug": slug}

    with Session(file_engine) as session:
        ends_sessions(answered)(session=session)
        assert not session.in_transaction()
    with Session(file_engine) as session:
        ends_sessions(data)(session=session)
        assert session.in_transaction()  # FastAPI may still read through it while serialising


def test_json_answer_writes_the_response_model_with_aliases_and_headers():
    answer = json_answer(schemas.MemberPublic, {"person": "p1", "name": "A", "role": "member"}, 201, {"ETag": '"x"'})
    assert answer.status_code == 201
    assert answer.headers["etag"] == '"x"'
    assert answer.media_type == "application/json"
    assert b'"person":"p1"' in answer.body


def test_entity_answers_keep_their_etag_and_shape(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    group = client.get("/api/localities/thame/groups?limit=1", headers=viewer).json()["items"][0]
    one = client.get(f"/api/localities/thame/groups/{group['id']}", headers=viewer)
    assert one.status_code == 200
    assert one.headers["etag"].startswith('"')
    assert one.json() == group
