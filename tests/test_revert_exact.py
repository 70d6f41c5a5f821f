"""Revert restores exactly what a change removed: random edits, reverted newest first, give back the document.

Documents are compared as exported, in order: a restored group comes back
in its place among the groups, its seats in their order and its links in
theirs, not merely with the same contents.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.storage import edits, erasure, store
from app.storage.db import make_engine
from models.tables import AuditLogEntry
from models.validation import DocumentError, validate_data
from tests.conftest import MINIMAL, copy_template

SLUG = "testville"

#: MINIMAL with a third group, person and link, so deletions cascade to several seats and links.
START = copy.deepcopy(MINIMAL)
START["people"].append({"id": "nurse", "name": "School nurse", "role": "nurse", "agency": "shc"})
START["groups"].append(
    {"id": "forum", "name": "Forum", "type": "forum", "members": [{"person": "nurse"}, {"person": "head-a"}]}
)
START["links"] += [
    {"from": "forum", "to": "steering", "kind": "feeds_issues_to"},
    {"from": "steering", "to": "panel", "kind": "refers_cases_to", "note": "casework"},
]

KINDS = ("agency", "person", "group", "link")


@pytest.fixture
def fresh(schema_template):
    """A function making an empty database holding :data:`START` (one per hypothesis example)."""
    engines = []

    def make():
        engine = make_engine("sqlite://")
        copy_template(schema_template, engine)
        with Session(engine) as session:
            store.import_document(session, validate_data(copy.deepcopy(START)))
            session.commit()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def exported(engine) -> dict:
    with Session(engine) as session:
        return store.export_document(session, SLUG).to_data()


def ids(data: dict, kind: str) -> list[str]:
    return [e["id"] for e in data.get(edits.SECTIONS[kind], []) if "id" in e]


def an_edit(draw, data: dict, n: int):
    """One edit, drawn against the locality as it stands: (function of a session) ."""
    people, groups, agencies = ids(data, "person"), ids(data, "group"), ids(data, "agency")
    links = ids(data, "link")
    choice = draw(
        st.sampled_from(
            [
                "create_group",
                "update_group",
                "delete_group",
                "create_person",
                "update_person",
                "delete_person",
                "create_agency",
                "update_agency",
                "delete_agency",
                "create_link",
                "update_link",
                "delete_link",
                "add_seat",
                "update_seat",
                "remove_seat",
            ]
        )
    )
    pick = lambda items: draw(st.sampled_from(items)) if items else "missing"  # noqa: E731
    if choice == "create_group":
        members = draw(st.lists(st.sampled_from(people), unique=True, max_size=3)) if people else []
        row = {"id": f"g{n}", "name": f"Group {n}", "type": "forum", "members": [{"person": p} for p in members]}
        return lambda s: edits.create(s, SLUG, "ed", "group", row)
    if choice == "update_group":
        changes = draw(
            st.sampled_from(
                [
                    {"meets": "weekly"},
                    {"hours": 1.5, "venue": "Hall"},
                    {"name": f"Renamed {n}"},
                    {"meets": None},
                    {
                        "handles": ["behaviour", "attendance"],
                        "contact": "The panel office",
                        "next_meeting": "2025-03-11",
                    },
                    {"handles": None, "meeting_pattern": "Mondays"},
                ]
            )
        )
        return lambda s, g=pick(groups): edits.update(s, SLUG, "ed", "group", g, changes)
    if choice == "create_person":
        row = {"id": f"p{n}", "name": f"Person {n}", "agency": pick(agencies)}
        return lambda s: edits.create(s, SLUG, "ed", "person", row)
    if choice == "update_person":
        changes = draw(st.sampled_from([{"role": "senco"}, {"systems_minder": True}, {"note": f"n{n}"}]))
        return lambda s, p=pick(people): edits.update(s, SLUG, "ed", "person", p, changes)
    if choice == "create_agency":
        row = {"id": f"a{n}", "name": f"Agency {n}", "sector": "health", "school": draw(st.booleans())}
        return lambda s: edits.create(s, SLUG, "ed", "agency", row)
    if choice == "update_agency":
        return lambda s, a=pick(agencies): edits.update(s, SLUG, "ed", "agency", a, {"name": f"Agency {n}"})
    if choice == "create_link":
        row = {"from": pick(groups), "to": pick(groups), "kind": draw(st.sampled_from(["consults", "reports_to"]))}
        return lambda s: edits.create(s, SLUG, "ed", "link", row)
    if choice == "update_link":
        return lambda s, k=pick(links): edits.update(s, SLUG, "ed", "link", k, {"note": f"note {n}"})
    if choice.startswith("delete_"):
        kind = choice.removeprefix("delete_")
        return lambda s, i=pick(ids(data, kind) or links): edits.delete(s, SLUG, "ed", kind, i)
    seats = [(g["id"], m["person"]) for g in data.get("groups", []) for m in g.get("members", [])]
    if choice == "add_seat":
        group, person = pick(groups), pick(people)
        return lambda s: edits.add_seat(s, SLUG, "ed", group, {"person": person, "role": "member"})
    group, person = pick(seats) if seats else ("missing", "missing")
    if choice == "update_seat":
        changes = draw(st.sampled_from([{"attendance": 0.5}, {"role": "chair"}, {"note": "x"}]))
        return lambda s: edits.update_seat(s, SLUG, "ed", group, person, changes)
    return lambda s: edits.remove_seat(s, SLUG, "ed", group, person)


def applied(engine, work) -> bool:
    """Run one edit in its own transaction; refused edits are rolled back and leave no history."""
    with Session(engine) as session:
        try:
            work(session)
        except (Conflict, NotFound, DocumentError):
            session.rollback()
            return False
        session.commit()
        return True


def history_keys(engine) -> list[int]:
    with Session(engine) as session:
        return list(session.execute(select(AuditLogEntry.pk).order_by(AuditLogEntry.pk)).scalars())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_reverted_newest_first_give_back_the_starting_document(fresh, data):
    engine = fresh()
    start = exported(engine)
    for n in range(data.draw(st.integers(min_value=1, max_value=8), label="edits")):
        applied(engine, an_edit(data.draw, exported(engine), n))
    done = history_keys(engine)
    for pk in reversed(done):
        with Session(engine) as session:
            edits.revert(session, SLUG, "ed", pk)
            session.commit()
    assert exported(engine) == start


def run(engine, work):
    with Session(engine) as session:
        out = work(session)
        session.commit()
        return out


def last(engine) -> int:
    return history_keys(engine)[-1]


def test_deleting_a_group_and_reverting_puts_it_back_in_its_place_with_seats_and_links(fresh):
    engine = fresh()
    start = exported(engine)
    run(engine, lambda s: edits.remove_seat(s, SLUG, "ed", "forum", "nurse"))
    run(engine, lambda s: edits.delete(s, SLUG, "ed", "group", "steering"))
    gone = exported(engine)
    assert "steering" not in ids(gone, "group") and not gone.get("links")
    run(engine, lambda s: edits.revert(s, SLUG, "ed", last(engine)))
    run(engine, lambda s: edits.revert(s, SLUG, "ed", last(engine) - 2))
    assert exported(engine) == start


def test_reverting_a_created_group_keeps_its_later_links_for_the_revert_of_that_revert(fresh):
    engine = fresh()
    run(
        engine,
        lambda s: edits.create(
            s, SLUG, "ed", "group", {"id": "mast", "name": "MAST", "type": "multi_agency_support_team"}
        ),
    )
    created = last(engine)
    run(engine, lambda s: edits.create(s, SLUG, "ed", "link", {"from": "mast", "to": "steering", "kind": "reports_to"}))
    with_link = exported(engine)
    run(engine, lambda s: edits.revert(s, SLUG, "ed", created))
    assert "mast" not in ids(exported(engine), "group") and len(exported(engine)["links"]) == 3
    run(engine, lambda s: edits.revert(s, SLUG, "ed", last(engine)))  # the revert, reverted
    assert exported(engine) == with_link


def test_a_change_is_reverted_once_and_a_revert_can_itself_be_reverted(fresh):
    engine = fresh()
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "panel", {"meets": "weekly"}))
    change = last(engine)
    run(engine, lambda s: edits.revert(s, SLUG, "ed", change))
    first = last(engine)
    with pytest.raises(Conflict, match=f"already reverted by change {first}"):
        run(engine, lambda s: edits.revert(s, SLUG, "ed", change))
    with Session(engine) as session:
        assert edits.reverted_by(session, SLUG) == {change: first}
    run(engine, lambda s: edits.revert(s, SLUG, "ed", first))
    with Session(engine) as session:
        assert edits.reverted_by(session, SLUG) == {first: last(engine)}  # the change stands again
    assert {g["id"]: g.get("meets") for g in exported(engine)["groups"]}["panel"] == "weekly"


def test_a_revert_that_a_later_change_overtook_is_refused_in_words(fresh):
    engine = fresh()
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "panel", {"meets": "weekly"}))
    change = last(engine)
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "panel", {"meets": "termly"}))
    with pytest.raises(Conflict, match="changed again since"):
        run(engine, lambda s: edits.revert(s, SLUG, "ed", change))
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "steering", {"venue": "Hall"}))
    venue = last(engine)
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "steering", {"hours": 3}))
    run(engine, lambda s: edits.revert(s, SLUG, "ed", venue))  # other fields changed later: no conflict
    steering = {g["id"]: g for g in exported(engine)["groups"]}["steering"]
    assert "venue" not in steering and steering["hours"] == 3


def test_a_revert_whose_entry_is_gone_says_so(fresh):
    engine = fresh()
    run(engine, lambda s: edits.update(s, SLUG, "ed", "group", "panel", {"meets": "weekly"}))
    change = last(engine)
    run(engine, lambda s: edits.delete(s, SLUG, "ed", "group", "panel"))
    with pytest.raises(Conflict, match="no longer there"):
        run(engine, lambda s: edits.revert(s, SLUG, "ed", change))


def test_an_erasure_is_never_reverted(fresh):
    engine = fresh()
    run(engine, lambda s: erasure.erase_person(s, SLUG, "ed", "nurse"))
    with pytest.raises(Conflict, match="never reverted"):
        run(engine, lambda s: edits.revert(s, SLUG, "ed", last(engine)))


def test_what_a_change_touched_is_recorded_whole(fresh):
    engine = fresh()
    change = run(engine, lambda s: edits.delete(s, SLUG, "ed", "group", "steering"))
    assert [m["person"] for m in change.before["members"]] == ["head-a", "sw"]
    assert {(link["from"], link["to"]) for link in change.before["links"]} == {
        ("panel", "steering"),
        ("forum", "steering"),
        ("steering", "panel"),
    }
    change = run(engine, lambda s: edits.update(s, SLUG, "ed", "person", "nurse", {"role": "senco"}))
    assert edits.changed_fields(change.before, change.after) == ["role"]
