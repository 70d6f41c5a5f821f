"""Storing localities: round trips, replacement, all-or-nothing writes and cascades."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.storage import store
from app.storage.db import make_engine, session_scope
from models.tables import Agency, Group, GroupLink, Locality, Membership, Person
from models.validation import canonical, load_path, validate_data
from tests.conftest import SAMPLE_PATHS

ALL_TABLES = (Locality, Agency, Person, Group, Membership, GroupLink)


def row_counts(session: Session) -> dict[str, int]:
    return {t.__name__: session.execute(select(func.count()).select_from(t)).scalar_one() for t in ALL_TABLES}


def test_foreign_keys_and_wal_are_on_for_every_connection(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    engine.dispose()


def test_import_then_export_round_trips(session, minimal):
    document = validate_data(minimal)
    store.import_document(session, document)
    session.commit()
    assert canonical(store.export_document(session, "testville")) == canonical(document)


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=lambda p: p.stem)
def test_every_sample_round_trips(session, path):
    document = load_path(path)
    store.import_document(session, document)
    session.commit()
    exported = store.export_document(session, document.locality.id)
    assert canonical(exported) == canonical(document)
    # ... and the order the file was written in is kept.
    assert [g.id for g in exported.groups] == [g.id for g in document.groups]
    assert [[m.person for m in g.members] for g in exported.groups] == [
        [m.person for m in g.members] for g in document.groups
    ]


def test_reimport_replaces_the_locality(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    minimal["groups"].pop()  # drop the panel and its link
    minimal["links"] = []
    store.import_document(session, validate_data(minimal))
    session.commit()
    counts = row_counts(session)
    assert counts["Locality"] == 1 and counts["Group"] == 1 and counts["GroupLink"] == 0
    assert session.execute(select(Locality.revision)).scalar_one() == 2


def test_import_without_replace_refuses_an_existing_id(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    with pytest.raises(Conflict):
        store.import_document(session, validate_data(minimal), replace=False)


def test_a_failure_part_way_leaves_the_database_unchanged(engine, minimal, monkeypatch):
    with session_scope(engine) as session:
        store.import_document(session, validate_data(minimal))
    with Session(engine) as session:
        before = row_counts(session)
        before_doc = canonical(store.export_document(session, "testville"))

    minimal["groups"].append({"id": "extra", "name": "Extra", "type": "forum", "members": [{"person": "sw"}]})
    original_insert = store.insert

    def failing_insert(table):  # fail when the links are written, after groups and members
        if table is GroupLink:
            raise RuntimeError("disk full")
        return original_insert(table)

    monkeypatch.setattr(store, "insert", failing_insert)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        store.import_document(session, validate_data(minimal))
    with Session(engine) as session:
        assert row_counts(session) == before
        assert canonical(store.export_document(session, "testville")) == before_doc


def test_deleting_a_locality_cascades(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    store.delete_locality(session, "testville")
    session.commit()
    assert set(row_counts(session).values()) == {0}


def test_deleting_a_person_removes_their_memberships(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    session.execute(Person.__table__.delete().where(Person.id == "sw"))  # plain SQL: the foreign keys must do it
    session.commit()
    assert row_counts(session)["Membership"] == 1
    document = store.export_document(session, "testville")
    assert [[m.person for m in g.members] for g in document.groups] == [["head-a"], []]


def test_deleting_a_group_removes_its_memberships_and_links(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    session.execute(Group.__table__.delete().where(Group.id == "panel"))
    session.commit()
    counts = row_counts(session)
    assert counts["GroupLink"] == 0 and counts["Membership"] == 2 and counts["Group"] == 1


def test_deleting_an_agency_keeps_its_people_without_an_agency(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    session.execute(Agency.__table__.delete().where(Agency.id == "shc"))
    session.commit()
    document = store.export_document(session, "testville")
    assert [p.agency for p in document.people] == ["school-a", None]


def test_foreign_keys_refuse_dangling_rows(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    session.add(Membership(group_pk=9999, person_pk=9999))
    with pytest.raises(IntegrityError):
        session.commit()


def test_orm_delete_of_a_locality_cascades_too(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    session.delete(store.get_locality(session, "testville"))
    session.commit()
    assert set(row_counts(session).values()) == {0}


def test_list_counts(session, minimal):
    store.import_document(session, validate_data(minimal))
    session.commit()
    (summary,) = store.list_localities(session)
    assert (summary.groups, summary.people, summary.agencies, summary.links, summary.memberships) == (2, 2, 2, 1, 3)


def test_unknown_locality(session):
    with pytest.raises(NotFound):
        store.export_document(session, "nowhere")
