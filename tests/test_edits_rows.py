"""Entry edits row by row: the same stored documents, the same refusals, exact reverts, and O(1) statements.

The whole-document path (:func:`app.storage.edits.edit`) is the reference:
it re-validates the whole locality, so whatever the row-level path accepts,
refuses and stores must match it, edit by edit.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from sqlalchemy import event, select
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.storage import edits, store
from app.storage.db import make_engine
from app.synth import synth_locality
from models.tables import AuditLogEntry, Locality
from models.validation import DocumentError, canonical, load_path, validate_data
from tests.conftest import MINIMAL, SAMPLES_DIR, copy_template

SLUG = "thame"


@pytest.fixture
def twin(schema_template):
    """Two databases holding the same sample: one edited row by row, one as a whole document."""
    engines = [make_engine("sqlite://"), make_engine("sqlite://")]
    document = load_path(SAMPLES_DIR / "thame.yaml")
    for engine in engines:
        copy_template(schema_template, engine)
        with Session(engine) as session:
            store.import_document(session, document)
            session.commit()
    yield engines
    for engine in engines:
        engine.dispose()


def outcome(engine, work: Callable[[Session], object]):
    """Run one edit in its own transaction: ('ok',) or what refused it, in words."""
    with Session(engine) as session:
        try:
            work(session)
        except DocumentError as exc:
            session.rollback()
            return ("problems", [(p.loc, p.msg) for p in exc.problems])
        except (Conflict, NotFound) as exc:
            session.rollback()
            return (type(exc).__name__, str(exc))
        session.commit()
        return ("ok",)


def stored(engine) -> tuple[dict, int]:
    with Session(engine) as session:
        revision = session.execute(select(Locality.revision).where(Locality.id == SLUG)).scalar_one()
        return store.export_document(session, SLUG).to_data(), revision


def both(twin, row_edit, document_mutation) -> tuple:
    """Apply an edit on both paths; they must answer and store alike."""
    rows_engine, document_engine = twin
    by_rows = outcome(rows_engine, lambda s: row_edit(s))
    by_document = outcome(document_engine, lambda s: edits.edit(s, SLUG, "ed", document_mutation))
    assert by_rows == by_document
    assert stored(rows_engine) == stored(document_engine)
    return by_rows


# ---------------------------------------------------------------- the operations, on both paths


def create(kind, row):
    return lambda s: edits.create(s, SLUG, "ed", kind, row), edits.create_entry(kind, row)


def update(kind, ident, changes):
    return lambda s: edits.update(s, SLUG, "ed", kind, ident, changes), edits.update_entry(kind, ident, changes)


def update_as_api(kind, ident, changes):
    """An update as the API makes it: the entry read under the lock first, then only the columns that differ written."""

    def row_edit(s):
        begun = store.begin_edit_of(s, SLUG, kind, ident, analysed=False)
        return edits.update(s, SLUG, "ed", kind, ident, changes, begun)

    return row_edit, edits.update_entry(kind, ident, changes)


def delete(kind, ident):
    return lambda s: edits.delete(s, SLUG, "ed", kind, ident), edits.delete_entry(kind, ident)


def add_member(group, member):
    return lambda s: edits.add_seat(s, SLUG, "ed", group, member), edits.add_member(group, member)


def update_member(group, person, changes):
    return (
        lambda s: edits.update_seat(s, SLUG, "ed", group, person, changes),
        edits.update_member(group, person, changes),
    )


def remove_member(group, person):
    return lambda s: edits.remove_seat(s, SLUG, "ed", group, person), edits.remove_member(group, person)


def new_link(source: str, target: str, kind: str, n: int | None = None) -> dict:
    """A link as the API sends it: with its id, the default one or (with ``n``) another."""
    ident = f"link-{n}" if n is not None and n % 2 else f"{source}--{kind}--{target}"
    return {"id": ident, "from": source, "to": target, "kind": kind}


def random_edit(rng: random.Random, data: dict, n: int):
    """One plausible edit of the document ``data``, sometimes a bad one."""
    agencies = [a["id"] for a in data["agencies"]] + ["ghost-agency"]
    people = [p["id"] for p in data["people"]] + ["ghost-person"]
    groups = [g["id"] for g in data["groups"]] + ["ghost-group"]
    links = [link["id"] for link in data["links"]]
    group = rng.choice(groups)
    choices = [
        lambda: update("group", group, {"meets": rng.choice(["weekly", "termly", "monthly", "often"])}),
        lambda: update("group", group, {"hours": rng.choice([1, 2.5, None, -1]), "venue": rng.choice(["Hall", None])}),
        lambda: update("group", group, {"school": rng.choice(agencies)}),
        lambda: update_as_api(
            "group", group, {"hours": rng.choice([1, 2.5, None]), "venue": rng.choice(["Hall", None])}
        ),
        lambda: update_as_api("group", group, {"school": rng.choice(agencies), "meets": rng.choice(["weekly", None])}),
        lambda: update_as_api("person", rng.choice(people), {"agency": rng.choice(agencies), "hours_per_week": 2}),
        lambda: update_as_api("agency", rng.choice(agencies), {"school": rng.choice([True, False])}),
        lambda: update("person", rng.choice(people), {"agency": rng.choice(agencies), "role": "senco"}),
        lambda: update("agency", rng.choice(agencies), {"school": rng.choice([True, False]), "name": " Renamed "}),
        lambda: create("agency", {"id": f"a-{n}", "name": f"Agency {n}", "sector": "health"}),
        lambda: create("person", {"id": f"p-{n}", "name": f"Person {n}", "agency": rng.choice(agencies)}),
        lambda: create(
            "group",
            {"id": f"g-{n}", "name": f"Group {n}", "type": "forum", "members": [{"person": rng.choice(people)}]},
        ),
        lambda: create("link", new_link(group, rng.choice(groups), rng.choice(["consults", "reports_to"]), n)),
        lambda: delete("link", rng.choice(links or ["no-link"])),
        lambda: delete("group", group),
        lambda: delete("person", rng.choice(people)),
        lambda: delete("agency", rng.choice(agencies)),
        lambda: add_member(group, {"person": rng.choice(people), "role": rng.choice(["member", "chair", "boss"])}),
        lambda: update_member(group, rng.choice(people), {"attendance": rng.choice([0.5, 2, None])}),
        lambda: remove_member(group, rng.choice(people)),
    ]
    return rng.choice(choices)()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_row_and_document_paths_store_the_same_documents(twin, seed):
    rng = random.Random(seed)
    outcomes = []
    for n in range(60):
        data, _ = stored(twin[0])
        outcomes.append(both(twin, *random_edit(rng, data, n))[0])
    # The sequence exercised both acceptance and refusal.
    assert "ok" in outcomes and {"problems", "Conflict", "NotFound"} & set(outcomes)


BAD_EDITS = [
    update("person", "senco-lws", {"agency": "no-such-agency"}),
    update("person", "senco-lws", {"agency": "Bad Id", "hours_per_week": 200}),
    update("group", "thame-network", {"school": "nowhere"}),
    update("group", "thame-network", {"school": "oxfordshire-cc"}),
    update("group", "thame-network", {"name": " ", "hours": 0, "type": "party"}),
    update("link", "thame-network--feeds_issues_to--thame-network-steering-group", {"kind": "gossips"}),
    update(
        "link",
        "thame-network-steering-group--oversees--thame-network",
        {"from": "thame-network", "to": "thame-network-steering-group", "kind": "feeds_issues_to"},
    ),
    create("group", {"id": "thame-network", "name": "Again", "type": "forum"}),
    create("group", {"id": "new", "name": "New", "type": "forum", "members": [{"person": "x"}, {"person": "x"}]}),
    create("link", new_link("thame-network", "thame-network", "consults")),
    create("link", new_link("ghost", "thame-network", "consults")),
    create("link", new_link("thame-network", "thame-network-steering-group", "feeds_issues_to", 1)),
    create("person", {"id": "Bad", "name": "\u202eevil", "agency": "ghost"}),
    delete("agency", "lord-williams"),
    delete("group", "ghost"),
    add_member("thame-network", {"person": "ghost", "role": "boss"}),
    add_member("thame-network", {"person": "school-nurse"}),
    add_member("ghost", {"person": "school-nurse"}),
    update_member("thame-network", "school-nurse", {"attendance": 2, "role": "king"}),
    update_member("thame-network", "ghost", {"attendance": 0.5}),
    remove_member("bodyzone-group", "ghost"),
]


@pytest.mark.parametrize("edit", BAD_EDITS, ids=range(len(BAD_EDITS)))
def test_bad_edits_are_refused_alike(twin, edit):
    answer = both(twin, *edit)
    assert answer[0] != "ok"


def test_unmarking_a_school_that_groups_sit_in_is_refused_alike(twin):
    for group in ("thame-network", "bodyzone-group"):
        assert both(twin, *update("group", group, {"school": "lord-williams"})) == ("ok",)
    refused = both(twin, *update("agency", "lord-williams", {"school": False}))
    assert refused[0] == "problems" and len(refused[1]) == 2


def test_a_bad_patch_over_the_api_lists_the_whole_document_problems(api_client, twin):
    client, headers = api_client
    conditional = {**headers, "If-Match": "*"}
    response = client.patch(
        "/api/localities/thame/groups/thame-network", headers=conditional, json={"school": "bodyzone"}
    )
    with Session(twin[1]) as session, pytest.raises(DocumentError) as refused:
        edits.edit(session, SLUG, "ed", edits.update_entry("group", "thame-network", {"school": "bodyzone"}))
    expected = [{"loc": p.loc, "msg": p.msg} for p in refused.value.problems]
    assert response.status_code == 422 and response.json()["detail"] == expected


@pytest.fixture
def api_client(service):
    from tests.conftest import auth

    client, tokens = service
    return client, auth(tokens, "editor")


# ---------------------------------------------------------------- history


def last_entry(session) -> int:
    return session.execute(select(AuditLogEntry.pk).order_by(AuditLogEntry.pk.desc()).limit(1)).scalar_one()


@pytest.mark.parametrize(("kind", "ident"), [("group", "thame-network"), ("person", "school-nurse")])
def test_deleting_then_reverting_restores_seats_and_links_exactly(twin, kind, ident):
    engine = twin[0]
    before, _ = stored(engine)
    with Session(engine) as session:
        change = edits.delete(session, SLUG, "ed", kind, ident)
        session.commit()
        assert change.before.get("links" if kind == "group" else "seats")  # what went with it is in the log
    gone, _ = stored(engine)
    assert ident not in str(gone["groups"] if kind == "person" else gone["links"])
    with Session(engine) as session:
        edits.revert(session, SLUG, "ed", last_entry(session))
        session.commit()
    after, _ = stored(engine)
    assert canonical(validate_data(after)) == canonical(validate_data(before))
    members = {g["id"]: [m["person"] for m in g.get("members", [])] for g in before["groups"]}
    restored = {g["id"]: [m["person"] for m in g.get("members", [])] for g in after["groups"]}
    assert restored[ident] == members[ident] if kind == "group" else set(restored) == set(members)


def test_reverting_an_update_and_a_seat_change(twin):
    engine = twin[0]
    before, _ = stored(engine)
    for work in (
        lambda s: edits.update(s, SLUG, "ed", "group", "thame-network", {"meets": "weekly", "venue": "Hall"}),
        lambda s: edits.update_seat(s, SLUG, "ed", "thame-network", "school-nurse", {"attendance": 0.25}),
        lambda s: edits.remove_seat(s, SLUG, "ed", "bodyzone-group", "school-nurse"),
    ):
        with Session(engine) as session:
            work(session)
            session.commit()
            edits.revert(session, SLUG, "ed", last_entry(session))
            session.commit()
    after, _ = stored(engine)
    assert canonical(validate_data(after)) == canonical(validate_data(before))


# ---------------------------------------------------------------- cost


def sent_by(engine, work) -> list[str]:
    """The SQL statements one edit sends, in its own transaction."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as session:
            work(session)
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return sent


def statements(engine, work) -> int:
    """How many SQL statements one edit sends."""
    return len(sent_by(engine, work))


def edit_costs(schema_template, document) -> tuple[int, ...]:
    """Statements sent by a PATCH of a group, adding a member, reading a group and a page of people."""
    engine = make_engine("sqlite://")
    copy_template(schema_template, engine)
    with Session(engine) as session:
        store.import_document(session, document)
        session.commit()
    slug = document.locality.id
    group = next(g for g in document.groups[len(document.groups) // 2 :] if g.school is None)
    outsider = next(p.id for p in document.people if p.id not in {m.person for m in group.members})
    meets = "monthly" if group.meets == "weekly" else "weekly"  # a real change, which the analyses must see
    costs = (
        statements(engine, lambda s: edits.update(s, slug, "ed", "group", group.id, {"meets": meets})),
        statements(engine, lambda s: edits.add_seat(s, slug, "ed", group.id, {"person": outsider})),
        statements(engine, lambda s: store.read_entry(s, slug, "group", group.id)),
        statements(engine, lambda s: store.read_page(s, slug, "person", 10, 20)),
    )
    engine.dispose()
    return costs


def test_an_edit_sends_as_many_statements_on_a_large_locality_as_on_a_sample(schema_template):
    small = load_path(SAMPLES_DIR / "city.yaml")
    large = synth_locality("large", random.Random(5), groups=400, people=3000)
    assert sum(len(g.members) for g in large.groups) > 20 * sum(len(g.members) for g in small.groups)
    counts = [edit_costs(schema_template, document) for document in (small, large)]
    assert counts[0] == counts[1]
    assert max(counts[0]) < 20


def _updates_sent(engine, work) -> list[str]:
    """The UPDATE statements of entry tables one edit sends (the locality row's left out)."""
    return [sql for sql in sent_by(engine, work) if sql.startswith("UPDATE") and not sql.startswith("UPDATE locality ")]


def _as_api(kind, ident, changes):
    return update_as_api(kind, ident, changes)[0]


def test_an_update_read_under_the_lock_writes_only_the_columns_that_differ(twin):
    engine = twin[0]
    venue = _updates_sent(engine, _as_api("group", "thame-network", {"venue": "Room 9", "name": "Thame Network"}))
    assert len(venue) == 1 and "SET venue=?" in venue[0] and "name" not in venue[0].split("WHERE")[0]
    school = _updates_sent(engine, _as_api("group", "thame-network", {"school": "lord-williams"}))
    assert len(school) == 1 and "SET school_pk=?" in school[0]
    # A near miss: a change to what is stored already writes no row, and the entry reads as before.
    assert _updates_sent(engine, _as_api("group", "thame-network", {"venue": "Room 9"})) == []
    with Session(engine) as session:
        entry = store.read_entry(session, SLUG, "group", "thame-network")[1]
    assert (entry["venue"], entry["school"]) == ("Room 9", "lord-williams")
    # Without the entry read under the lock, the whole row is written.
    whole = _updates_sent(engine, lambda s: edits.update(s, SLUG, "ed", "group", "thame-network", {"venue": "Hall"}))
    assert len(whole) == 1 and "name=?" in whole[0] and "venue=?" in whole[0]


def test_minimal_locality_edits_through_rows(session, minimal):
    """A smoke check on the conftest locality: ids, references and cascades through the row path."""
    store.import_document(session, validate_data(MINIMAL))
    session.commit()
    edits.create(session, "testville", None, "link", new_link("steering", "panel", "consults"))
    change = edits.delete(session, "testville", None, "group", "panel")
    assert [link["from"] for link in change.before["links"]] == ["panel", "steering"]
    session.commit()
    assert store.read_page(session, "testville", "link", 0, 10) == ([], 0)
