"""The audit reads a member census: findings on groups, evidence on two levels, two rows of its own.

Every census here is built by hand with :func:`analysis.census.tally` on the
Thame sample, so each case says exactly how many answered what.
"""

from __future__ import annotations

import json

import pytest

from analysis.audit import CODES, audit
from analysis.census import BallotFacts, CensusSummary, LinkFacts, tally
from analysis.census_findings import CENSUS_CODES, census_dict
from analysis.findings import Basis, Principle, Severity
from analysis.profile import DIMENSIONS
from analysis.settings import DEFAULT_SETTINGS
from models.validation import load_path
from tests.conftest import SAMPLES_DIR

THAME = load_path(SAMPLES_DIR / "thame.yaml")
NETWORK = "thame-network"
STEERING = "thame-network-steering-group"


def census(
    ratings: list[dict[str, dict[str, int]]],
    *,
    balances: list[int | None] | None = None,
    agencies: list[str | None] | None = None,
    k: int = 3,
    number: int = 2,
) -> CensusSummary:
    """One respondent per entry of ``ratings`` (their ratings by group), answering the balance as ``balances``."""
    n = len(ratings)
    balances = balances if balances is not None else [None] * n
    agencies = agencies if agencies is not None else ["lord-williams"] * n
    links = [LinkFacts(f"p{i}", agencies[i], tuple(ratings[i]), True) for i in range(n)]
    ballots = [BallotFacts(agencies[i], balances[i], None, ratings[i]) for i in range(n)]
    return tally(
        links,
        ballots,
        number=number,
        opened_at="2025-01-06T09:00:00",
        closed_at="2025-02-03T17:00:00",
        min_respondents=k,
    )


def on(group: str, statement: str, steps: list[int]) -> list[dict[str, dict[str, int]]]:
    """Respondents each rating ``group`` on one statement."""
    return [{group: {statement: step}} for step in steps]


def census_findings(summary: CensusSummary, settings=DEFAULT_SETTINGS):
    return [f for f in audit(THAME, settings, census=summary).findings if f.code in CENSUS_CODES]


# ---------------------------------------------------------------- findings


CASES = [
    ("CENSUS_UNCLEAR_PURPOSE", "purpose", Principle.inclusive_access, "do not know what 'Thame Network' is for"),
    (
        "CENSUS_UNCLEAR_CONNECTIONS",
        "connections",
        Principle.inclusive_access,
        "do not know how 'Thame Network' connects to the other meetings",
    ),
    (
        "CENSUS_NOT_ACTED_ON",
        "acted_on",
        Principle.appreciative_system,
        "do not find that issues raised in 'Thame Network' are acted on",
    ),
    (
        "CENSUS_NOT_WORTH_TIME",
        "worth",
        Principle.meetings_culture,
        "do not find 'Thame Network' worth the time it takes",
    ),
]


@pytest.mark.parametrize(("code", "statement", "principle", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_clear_majority_falling_short_raises_the_finding_with_its_numbers(code, statement, principle, words):
    found = census_findings(census(on(NETWORK, statement, [0, 1, 1, 3])))
    assert [f.code for f in found] == [code]
    f = found[0]
    assert f.subjects == (NETWORK,) and f.basis == Basis.census and f.principle == principle
    assert f"3 of 4 respondents to census 2 say they {words}" in f.message
    assert "75%, against more than 50%" in f.message
    assert f.evidence == {
        "census": 2,
        "statement": statement,
        "respondents": 4,
        "not_holding": 3,
        "share": 0.75,
        "threshold": 0.5,
    }
    assert f.as_dict()["basis"] == "census"


@pytest.mark.parametrize(("code", "statement"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_exactly_half_falling_short_is_not_most(code, statement):
    assert census_findings(census(on(NETWORK, statement, [0, 1, 2, 3]))) == []
    # One more answer below "evident" tips it.
    assert [f.code for f in census_findings(census(on(NETWORK, statement, [0, 1, 1, 2, 3])))] == [code]


def test_two_raters_give_no_finding_however_they_answer():
    two = census(on(NETWORK, "purpose", [0, 0]))
    assert not two.groups[NETWORK].shown
    assert census_findings(two) == []
    # The same two answers raise it where the threshold rule allows two: it is the suppression that holds it back.
    assert [f.code for f in census_findings(census(on(NETWORK, "purpose", [0, 0]), k=2))] == ["CENSUS_UNCLEAR_PURPOSE"]


def test_a_statement_answered_by_fewer_than_k_raises_nothing_though_the_group_is_shown():
    ratings = [{NETWORK: {"purpose": 3, "worth": 0}}, {NETWORK: {"purpose": 3, "worth": 0}}, {NETWORK: {"purpose": 3}}]
    summary = census(ratings)
    assert summary.groups[NETWORK].shown and "worth" not in summary.groups[NETWORK].tallies  # held back
    assert census_findings(summary) == []


def test_only_groups_still_in_the_locality_are_named():
    summary = census(on("a-group-since-deleted", "worth", [0, 0, 0]) + on(STEERING, "worth", [0, 0, 1]))
    assert [(f.code, f.subjects) for f in census_findings(summary)] == [("CENSUS_NOT_WORTH_TIME", (STEERING,))]


def test_the_majority_is_a_setting():
    summary = census(on(NETWORK, "acted_on", [0, 1, 1, 3]))
    assert census_findings(summary, DEFAULT_SETTINGS.with_values(census_majority=0.8)) == []
    assert len(census_findings(summary, DEFAULT_SETTINGS.with_values(census_majority=0.7))) == 1


def test_census_findings_sort_after_the_structural_codes_and_by_severity():
    assert CODES[-len(CENSUS_CODES) :] == CENSUS_CODES
    ratings = [{NETWORK: {"purpose": 0, "connections": 0, "acted_on": 0, "worth": 0}}] * 3
    result = audit(THAME, census=census(ratings))
    found = [f for f in result.findings if f.basis == Basis.census]
    assert {f.code for f in found} == set(CENSUS_CODES)
    connections = next(f for f in found if f.code == "CENSUS_UNCLEAR_CONNECTIONS")
    assert connections.severity == Severity.low
    assert result.findings.index(connections) > max(
        result.findings.index(f) for f in found if f.severity == Severity.medium
    )


# ---------------------------------------------------------------- the two census rows


def test_without_a_census_the_two_rows_cannot_tell_and_say_what_to_record():
    profile = audit(THAME).profile
    for row in ("achieving_advantage", "experiencing_inertia"):
        entry = profile[row]
        assert entry["level"] is None and entry["margin"] is None and entry["basis"] == "declared"
        assert "Open a member census and close it" in entry["evidence"]


def test_a_balance_below_k_cannot_tell():
    summary = census(on(NETWORK, "purpose", [3, 3, 3]), balances=[2, 2, None])
    assert summary.balance is None
    entry = audit(THAME, census=summary).profile["achieving_advantage"]
    assert entry["level"] is None
    assert "census 2 had fewer than 3 answers" in entry["evidence"]


def rows(balances: list[int], agencies: list[str | None] | None = None) -> dict:
    summary = census(on(NETWORK, "purpose", [3] * len(balances)), balances=balances, agencies=agencies)
    profile = audit(THAME, census=summary).profile
    return {row: profile[row] for row in ("achieving_advantage", "experiencing_inertia")}


def test_the_rows_are_rated_from_the_balance_with_their_margin():
    got = rows([2, 2, 1, 0, -1])  # 60% lean to advantage, 20% to inertia
    advantage, inertia = got["achieving_advantage"], got["experiencing_inertia"]
    assert advantage["level"] == 1 and inertia["level"] == 0.5
    assert advantage["basis"] == inertia["basis"] == "census"
    assert "Census 2: 3 of 5 respondents say" in advantage["evidence"]
    assert "60% (evident from 50%; strongly evident from 75%)" in advantage["evidence"]
    assert advantage["margin"] == {
        "figure": "share of census respondents leaning to collaborative advantage",
        "value": 0.6,
        "cutoff": 0.5,
        "next_level": 2,
        "next_cutoff": 0.75,
    }
    assert "1 of 5 respondents" in inertia["evidence"] and inertia["margin"]["next_cutoff"] == 0.25


def test_strongly_evident_inertia_needs_most_respondents_leaning_to_it():
    assert rows([-2, -1, -1, 2])["experiencing_inertia"]["level"] == 2  # 3 of 4
    assert rows([2, 2, 2, 1, 0])["achieving_advantage"]["level"] == 2
    assert rows([2, 2, 1, 0, -2])["achieving_advantage"]["level"] == 1  # 60%: below three in four
    assert rows([0, 0, 0])["experiencing_inertia"]["level"] == 0
    even = rows([2, 1, -1, -2])  # half each way: "most people" on neither side
    assert even["experiencing_inertia"]["level"] == 1 and even["achieving_advantage"]["level"] == 1
    assert (
        "strongly evident also needs more to lean to inertia than to advantage"
        in even["experiencing_inertia"]["evidence"]
    )
    assert even["experiencing_inertia"]["margin"]["next_cutoff"] is None


def test_the_rows_name_each_agency_shown():
    got = rows([2, 2, 1, -1, -2, -2], agencies=["lord-williams"] * 3 + ["bodyzone"] * 3)
    assert "By agency: Thame Bodyzone 0%, Lord Williams's School 100%." in got["achieving_advantage"]["evidence"]


# ---------------------------------------------------------------- census evidence on structural levels


def test_inclusive_access_and_appreciative_system_cite_the_census_but_keep_their_level():
    ratings = (
        on(NETWORK, "purpose", [3, 3, 0]) + on(NETWORK, "connections", [3, 0, 0]) + on(STEERING, "acted_on", [1, 2, 3])
    )
    summary = census(ratings)
    plain, read = audit(THAME).profile, audit(THAME, census=summary).profile
    for row in ("inclusive_access", "appreciative_system"):
        assert {k: read[row][k] for k in ("level", "basis", "margin")} == {
            k: plain[row][k] for k in ("level", "basis", "margin")
        }
        assert read[row]["evidence"].startswith(plain[row]["evidence"] + " Census 2 (9 respondents; ")
    access = read["inclusive_access"]
    assert "67% of 3 answers say they know what their meetings are for" in access["evidence"]
    assert "33% of 3 answers say they know how their meetings connect to the others" in access["evidence"]
    assert access["census"] == {
        "census": 2,
        "respondents": 9,
        "statement": "purpose",
        "holds": 0.667,
        "statements": {"purpose": {"holds": 0.667, "answers": 3}, "connections": {"holds": 0.333, "answers": 3}},
    }
    assert read["appreciative_system"]["census"]["statement"] == "acted_on"
    assert read["appreciative_system"]["census"]["holds"] == 0.667


def test_groups_held_back_add_no_score_to_the_levels():
    read = audit(THAME, census=census(on(NETWORK, "purpose", [0, 0]))).profile
    assert "census" not in read["inclusive_access"]
    assert "no group was rated by 3 or more respondents" in read["inclusive_access"]["evidence"]


# ---------------------------------------------------------------- without a census, and the census as JSON


def test_an_audit_without_a_census_is_unchanged():
    plain = audit(THAME).as_dict()
    assert audit(THAME, census=None).as_dict() == plain
    assert "census" not in plain and list(plain["profile"]) == list(DIMENSIONS)
    assert all(set(entry) == {"level", "evidence", "basis", "margin"} for entry in plain["profile"].values())
    assert not any("ensus" in entry["evidence"] for k, entry in plain["profile"].items() if k in DIMENSIONS[:11])
    assert not {f["code"] for f in plain["findings"]} & set(CENSUS_CODES)


def test_the_census_dict_holds_aggregates_only_and_suppresses_small_groups():
    ratings = on(NETWORK, "worth", [0, 1, 3]) + on(STEERING, "worth", [0, 0])
    summary = census(ratings, balances=[2, 1, -1, 0, None], agencies=["lord-williams"] * 3 + [None, None])
    result = audit(THAME, census=summary)
    data = result.as_dict()["census"]
    assert data is result.census == census_dict(summary)
    assert set(data) == {
        "number",
        "opened_at",
        "closed_at",
        "min_respondents",
        "invited",
        "answered",
        "raters",
        "groups",
        "balance",
        "balance_by_agency",
        "worry_to",
    }
    assert (data["number"], data["min_respondents"], data["invited"], data["answered"], data["raters"]) == (
        2,
        3,
        5,
        5,
        5,
    )
    assert data["groups"][NETWORK] == {
        "invited": 3,
        "answered": 3,
        "raters": 3,
        "scores": {"worth": {"holds": 0.333, "mean": 1.333, "answers": 3}},
    }
    assert data["groups"][STEERING]["scores"] is None  # two raters: no score
    assert data["balance"] == {
        "answers": 4,
        "advantage": 0.5,
        "inertia": 0.25,
        "counts": {"2": 1, "1": 1, "0": 1, "-1": 1, "-2": 0},
    }
    # Three from one school; the one with no agency is too few to pool alone, so the school joins the pool,
    # which is then the locality's total: nothing by agency is shown.
    assert list(data["balance_by_agency"]) == []
    json.dumps(data)
