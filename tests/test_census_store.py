"""The member census in storage: links, answers kept apart from identity, suppression, corrections, erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlmodel import Session

from app.errors import Conflict, UserError
from app.samples import sample_paths
from app.storage import census, edits, erasure, store
from models.census import CensusAnswers
from models.tables import CensusBallot, CensusLink, utcnow
from models.validation import load_path


def group_names(document) -> dict[str, str]:
    return {g.id: g.name for g in document.groups}


def thame(session: Session) -> None:
    path = next(p for p in sample_paths() if p.stem == "thame")
    store.import_document(session, load_path(path))
    session.commit()


@pytest.fixture
def opened(session):
    thame(session)
    c = census.open_census(session, "thame", "ed", days=28)
    session.commit()
    return c


def respondents(session, c, n):
    """The first ``n`` invited people, as respondents holding their links."""
    people = census.invited(session, c)[:n]
    return [census.visit(session, "thame", p.path.rsplit("/", 1)[1]) for p in people]


def answer(session, who, **ratings):
    doc = store.export_document(session, "thame")
    group = who.link.groups[0]
    data = CensusAnswers.model_validate(
        {
            "seats": [{"group": group, "status": "attend", "attendance": 0.5, "hours": 2}],
            "ratings": [{"group": group, **ratings}],
            "balance": 1,
            "worry_to": group,
        }
    )
    census.save_answers(session, who, data, group_names(doc))
    session.commit()
    return group


def test_open_issues_one_link_per_seated_person_and_only_one_census_at_a_time(session, opened):
    doc = store.export_document(session, "thame")
    seated = {m.person for g in doc.groups for m in g.members}
    listed = census.invited(session, opened)
    assert {p.person for p in listed} == seated
    assert len({p.path for p in listed}) == len(listed)  # every link its own
    assert all(p.path.startswith("/localities/thame/census/") for p in listed)
    with pytest.raises(Conflict, match="still open"):
        census.open_census(session, "thame", "ed", days=28)
    session.rollback()


def test_a_link_is_refused_for_another_locality_after_expiry_and_once_closed(session, opened):
    token = census.invited(session, opened)[0].path.rsplit("/", 1)[1]
    with pytest.raises(census.CensusRefused, match="another locality"):
        census.visit(session, "bicester", token)
    with pytest.raises(census.CensusRefused, match="expired"):
        census.visit(session, "thame", token, now=utcnow() + timedelta(days=29))
    with pytest.raises(census.CensusRefused, match="not known"):
        census.visit(session, "thame", token[:-1] + ("A" if token[-1] != "A" else "B"))
    census.close(session, "thame")
    session.commit()
    with pytest.raises(census.CensusRefused, match="closed"):
        census.visit(session, "thame", token)


def test_ratings_are_kept_apart_from_who_gave_them(session, opened):
    (who,) = respondents(session, opened, 1)
    answer(session, who, purpose=3, worth=0)
    ballot_columns = {c["name"] for c in inspect(session.get_bind()).get_columns("census_ballot")}
    assert not ballot_columns & {"person_id", "link_pk", "census_link_pk", "answered_at", "token", "digest"}
    ballot = session.execute(select(CensusBallot)).scalars().one()
    link = session.get(CensusLink, who.link.pk)
    assert ballot.key not in (link.token, link.digest)
    assert "ratings" not in (link.answers or {})
    # The respondent, holding the token, finds their own ratings again.
    mine = census.answers_of(session, census.visit(session, "thame", who.token))
    assert mine.ratings[0].purpose == 3 and mine.ratings[0].worth == 0


def test_answers_can_be_changed_until_close_and_replace_the_earlier_ones(session, opened):
    (who,) = respondents(session, opened, 1)
    answer(session, who, purpose=0)
    answer(session, who, purpose=2)
    assert len(session.execute(select(CensusBallot)).scalars().all()) == 1
    assert census.answers_of(session, who).ratings[0].purpose == 2


def test_answers_naming_groups_the_respondent_is_not_on_are_refused_and_nothing_is_kept(session, opened):
    (who,) = respondents(session, opened, 1)
    other = next(g.id for g in store.export_document(session, "thame").groups if g.id not in who.link.groups)
    bad = CensusAnswers.model_validate({"ratings": [{"group": other, "purpose": 1}]})
    with pytest.raises(UserError, match="rate only the groups you attend"):
        census.save_answers(session, who, bad, group_names(store.export_document(session, "thame")))
    session.rollback()
    assert session.execute(select(CensusBallot)).first() is None


def test_fewer_than_three_respondents_give_no_score(session, opened):
    people = respondents(session, opened, 8)
    by_group: dict[str, list] = {}
    for who in people:
        by_group.setdefault(who.link.groups[0], []).append(who)
    group, members = max(by_group.items(), key=lambda kv: len(kv[1]))
    assert len(members) >= 3
    for who in members[:3]:
        answer(session, who, purpose=0)
    census.close(session, "thame")
    session.commit()
    three = census.summary(session, opened, 3)
    assert three.groups[group].tallies["purpose"].counts == (3, 0, 0, 0)
    assert three.balance is not None and three.balance.answers == 3
    four = census.summary(session, opened, 4)
    assert four.groups[group].raters == 3 and not four.groups[group].shown
    assert four.balance is None and four.worry_to == {} and four.balance_by_agency == {}


def test_an_open_census_shows_response_counts_and_no_scores(session, opened):
    people = respondents(session, opened, 8)
    for who in people:
        answer(session, who, purpose=3)
    live = census.summary(session, opened, 3)
    assert live.answered == 8
    assert all(not g.shown for g in live.groups.values()) and live.balance is None and live.worry_to == {}


def test_corrections_apply_as_one_change_and_revert_exactly(session, opened):
    (who,) = respondents(session, opened, 1)
    before = store.export_document(session, "thame").to_data()
    group = who.link.groups[0]
    data = CensusAnswers.model_validate(
        {"seats": [{"group": group, "status": "left"}], "missing": [{"name": "Thame Youth Forum"}]}
    )
    census.save_answers(session, who, data, group_names(store.export_document(session, "thame")))
    session.commit()
    proposed = census.proposed(session, opened)
    assert {c.kind for c in proposed} == {"left", "new_group"}
    census.apply(session, "thame", "ed", opened)
    session.commit()
    after = store.export_document(session, "thame")
    assert who.link.person_id not in {m.person for m in next(g for g in after.groups if g.id == group).members}
    assert any(g.name == "Thame Youth Forum" and g.type.value == "other" for g in after.groups)
    assert census.proposed(session, opened) == []  # applied: nothing left to propose
    entry = edits.history(session, "thame", limit=1)[0]
    assert entry.action == census.APPLY_ACTION
    edits.revert(session, "thame", "ed", entry.pk)
    session.commit()
    assert store.export_document(session, "thame").to_data() == before


def test_erasing_a_person_removes_their_answers_and_ballot_and_voids_their_link(session, opened):
    (who,) = respondents(session, opened, 1)
    answer(session, who, purpose=1)
    erasure.erase_person(session, "thame", "admin", who.link.person_id)
    session.commit()
    assert session.execute(select(CensusBallot)).first() is None
    assert session.execute(select(CensusLink).where(CensusLink.person_id == who.link.person_id)).first() is None
    with pytest.raises(census.CensusRefused, match="not known"):
        census.visit(session, "thame", who.token)


def test_a_statement_fewer_than_three_answered_is_held_back_in_a_group_that_is_shown(session, opened):
    people = respondents(session, opened, 8)
    group = "thame-network"
    on_it = [who for who in people if group in who.link.groups][:3]
    assert len(on_it) == 3
    for i, who in enumerate(on_it):
        doc = store.export_document(session, "thame")
        ratings = {"group": group, "purpose": 2} | ({"worth": 0} if i < 2 else {})
        census.save_answers(session, who, CensusAnswers.model_validate({"ratings": [ratings]}), group_names(doc))
        session.commit()
    census.close(session, "thame")
    session.commit()
    shown = census.summary(session, opened, 3).groups[group]
    assert shown.shown and set(shown.tallies) == {"purpose"}  # two said how worth it is: held back
