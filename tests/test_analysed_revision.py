"""A change to how a group is reached (venue, contact, when it meets in words) leaves every analysis standing.

Such a change makes a new revision but keeps the locality's analysed
revision, and the audits, maps, charts and comparisons are keyed by that
(:meth:`app.web.cache.Version.for_analysis`): nothing is recomputed, in any
worker, and their ETags still hold.  The pages that show those fields (the
group's page, the route, the directory) follow the revision itself.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from analysis.audit import audit
from app.maps import map_payload
from app.storage import edits
from app.web.cache import Version
from models.document import DESCRIPTIVE_GROUP_FIELDS
from models.tables import Locality
from models.validation import load_path
from tests.conftest import SAMPLE_SLUGS, SAMPLES_DIR, auth

NEW_VALUES = {
    "venue": "The library, upstairs",
    "contact": "ISS office, 01234 567890",
    "meeting_pattern": "first Monday of each month, 12:30",
    "next_meeting": "2027-01-04",
    "handles_other": "bereavement",
}


def test_every_descriptive_field_has_a_value_to_try():
    assert set(NEW_VALUES) == DESCRIPTIVE_GROUP_FIELDS


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_no_analysis_reads_a_descriptive_field(slug):
    # If an audit check, the map or a chart ever reads one of them, it must leave the set.
    document = load_path(SAMPLES_DIR / f"{slug}.yaml")
    changed = document.model_copy(
        update={"groups": [g.model_copy(update=NEW_VALUES) for g in document.groups]}, deep=True
    )
    assert changed != document
    assert audit(changed).as_dict() == audit(document).as_dict()
    for view in ("people", "groups"):
        assert map_payload(changed, view) == map_payload(document, view)


def _revisions(engine, slug: str = "thame") -> tuple[int, int]:
    with Session(engine) as session:
        row = session.execute(select(Locality.revision, Locality.analysed_revision).where(Locality.id == slug)).one()
    return row.revision, row.analysed_revision


def _patch(client, headers, group: str, fields: dict):
    response = client.patch(f"/api/localities/thame/groups/{group}", headers={**headers, "If-Match": "*"}, json=fields)
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
def editor(service):
    client, tokens = service
    return client, auth(tokens, "editor"), client.app.state.engine


@pytest.mark.parametrize(
    ("fields", "analysed_moves"),
    [
        ({"venue": "Room 4"}, False),
        ({"contact": "ISS office", "next_meeting": "2027-02-01"}, False),
        ({"meets": "monthly"}, True),
        ({"venue": "Room 5", "meets": "weekly"}, True),  # a near miss: one analysed field among them
        ({"name": "Thame Network (renamed)"}, True),
    ],
)
def test_only_a_change_an_analysis_can_see_moves_the_analysed_revision(editor, fields, analysed_moves):
    client, headers, engine = editor
    revision, analysed = _revisions(engine)
    _patch(client, headers, "thame-network", fields)
    assert _revisions(engine) == (revision + 1, revision + 1 if analysed_moves else analysed)


def test_descriptive_only_reads_the_change_as_logged():
    venue = edits.Change("update", "group", "g", {"venue": "a", "name": "G"}, {"venue": "b", "name": "G"})
    assert edits.descriptive_only(venue)
    renamed = edits.Change("update", "group", "g", {"venue": "a", "name": "G"}, {"venue": "b", "name": "H"})
    assert not edits.descriptive_only(renamed)
    person = edits.Change("update", "person", "p", {"venue": "a"}, {"venue": "b"})
    assert not edits.descriptive_only(person)
    assert not edits.descriptive_only(edits.Change("create", "group", "g", None, {"venue": "b"}))


def test_the_analysed_version_of_a_descriptive_change_is_the_one_before():
    before = Version(7, "t", 0, 7)
    after = Version(8, "t", 0, 7)
    assert after.for_analysis() == before.for_analysis() == before
    assert Version(9, "t", 0, 9).for_analysis() == Version(9, "t", 0, 9)
    assert Version(3, "t").for_analysis() == Version(3, "t")  # analysed revision not known: every revision


ANALYSES = [
    "/api/localities/thame/audit",
    "/api/localities/thame/charts/profile.svg",
    "/localities/thame",
    "/localities/thame/map.json?view=groups",
]


@pytest.mark.parametrize("path", ANALYSES)
def test_after_a_venue_change_the_analyses_keep_their_etag_and_are_not_recomputed(editor, path):
    client, headers, _ = editor
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    cache = client.app.state.audit_cache
    misses = cache.misses
    _patch(client, headers, "thame-network", {"venue": "Room 9"})
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert cache.misses == misses


@pytest.mark.parametrize("path", ANALYSES)
def test_after_a_change_to_how_often_a_group_meets_they_are_computed_afresh(editor, path):
    client, headers, _ = editor
    first = client.get(path, headers=headers)
    _patch(client, headers, "thame-network", {"meets": "monthly"})
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]


def test_the_pages_that_show_a_venue_show_the_new_one_at_once(editor):
    client, headers, _ = editor
    for path in ("/localities/thame/groups/thame-network", "/localities/thame/directory"):
        assert client.get(path, headers=headers).status_code == 200  # cached at the old revision
    _patch(client, headers, "thame-network", {"venue": "The Old Grammar School hall", "contact": "Network office"})
    for path in ("/localities/thame/groups/thame-network", "/localities/thame/directory"):
        page = client.get(path, headers=headers).text
        assert "The Old Grammar School hall" in page, path
    # The Thame Network takes no declared concern, so the route from its school ends there (inferred).
    route = client.get("/localities/thame/route?from=lord-williams&concern=behaviour", headers=headers)
    assert route.status_code == 200 and "Network office" in route.text


def test_migration_0006_starts_every_locality_analysed_at_its_revision(tmp_path):
    from alembic import command
    from sqlalchemy import inspect, text

    from app.storage.db import make_engine
    from app.storage.migrate import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
        connection.execute(
            text(
                "INSERT INTO locality (pk, id, name, authority, boundary, devolved_funding, sources, revision, "
                "created_at, updated_at, shown_from) VALUES (1, 'old', 'Old', 'Shire', 'clear', 'none', '[]', 7, "
                "'2024-01-01 00:00:00', '2024-01-01 00:00:00', 0)"
            )
        )
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
    assert _revisions(engine, "old") == (7, 7)  # what was cached before may have seen every change
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
    assert "analysed_revision" not in {c["name"] for c in inspect(engine).get_columns("locality")}
    engine.dispose()


WRITES = [  # each checked under the lock, its change begun by the check: one revision, not two
    ("patch", "/api/localities/thame/groups/county-iss-steering-group/members/la-county-officer", {"role": "chair"}),
    ("delete", "/api/localities/thame/groups/county-iss-steering-group/members/la-county-officer", None),
    ("delete", "/api/localities/thame/groups/thame-network-steering-group", None),
    ("delete", "/api/localities/thame/people/la-county-officer", None),  # an erasure
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_conditional_write_makes_one_revision_an_analysis_can_see(editor, method, path, body):
    client, headers, engine = editor
    revision, _ = _revisions(engine)
    response = client.request(method, path, headers={**headers, "If-Match": "*"}, json=body)
    assert response.status_code in (200, 204), response.text
    assert _revisions(engine) == (revision + 1, revision + 1)


@pytest.mark.parametrize("fields", [{"venue": "Room 6"}, {"meets": "weekly"}, {"hours": 2.5, "venue": "Room 7"}])
def test_a_patch_updates_the_locality_row_once_whether_or_not_an_analysis_sees_it(editor, fields):
    # The If-Match check begins the change: one UPDATE locks the locality and moves both revisions it should.
    from sqlalchemy import event

    client, headers, engine = editor
    updates = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE LOCALITY "):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        _patch(client, headers, "thame-network", fields)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(updates) == 1, updates
