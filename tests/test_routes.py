"""Concern routes: "a worry about a child at this school, of this kind: where does it go?"

Small hand-built localities with known answers first (a school whose SCT refers
to a panel that takes behaviour; a near miss where the panel does not take the
concern; a locality where no group takes cases; words that name no concern),
then the command, the page and the six samples.  Line numbers cite
../shared/seeds/004_9d3d462b1681b467.txt (Glenny 2005).
"""

from __future__ import annotations

import json

import pytest

from analysis.graphs import build_graphs
from analysis.routes import RouteQuestionError, concern_route, parse_concern, resolve_start
from models.validation import load_path, validate_data
from models.vocab import GROUP_TYPE_LABELS, Concern
from tests.conftest import LOCMAP_SCRIPT, SAMPLES_DIR, auth
from tests.test_audit_checks import data, group, person

SCHOOL_STAFF = [
    person("senco-a", "school-a", role="senco", name="Ada Lovelace"),
    person("head-a", "school-a", role="head_teacher", name="Grace Hopper"),
    person("sw", "shc", role="social_worker", name="Mary Seacole"),
    person("sw2", "shc", role="social_worker", name="Florence Nightingale"),
    person("ep", "la", role="educational_psychologist", name="Alan Turing"),
]


def sct_and_panel(handles=("behaviour",), **panel_fields) -> dict:
    """School A's SCT refers cases to a panel; the panel's ``handles`` as given."""
    sct = group(
        "sct-a",
        "school_consultation_team",
        ["senco-a", "head-a", "ep"],
        name="School A consultation team",
        school="school-a",
        meets="half_termly",
    )
    panel = group(
        "panel",
        "panel",
        [("sw", "chair"), "sw2", "ep"],
        name="Locality panel",
        purpose="Complex cases at tier 3/4.",
        meets="monthly",
        meeting_pattern="first Tuesday of the month, 13:00-15:00",
        next_meeting="2005-10-04",
        contact="Panel clerk, Locality Office, 01865 000000",
        **({"handles": list(handles)} if handles is not None else {}),
        **panel_fields,
    )
    return data(people=SCHOOL_STAFF, groups=[sct, panel], links=[("sct-a", "refers_cases_to", "panel")])


def route(doc: dict, start: str, concern: str):
    return concern_route(build_graphs(validate_data(doc)), start, concern)


# ------------------------------------------------------------------ known answers


def test_a_school_reaches_the_panel_that_takes_its_concern_through_its_sct():
    answer = route(sct_and_panel(), "school-a", "behaviour")
    assert answer.gap is None and answer.cannot_tell is None
    assert [[s.group for s in r.steps] for r in answer.routes] == [["sct-a", "panel"]]
    sct, panel = answer.routes[0].steps
    assert sct.arrives == "sits in School A"
    assert panel.arrives == "School A consultation team refers cases to it"
    assert panel.type_words == GROUP_TYPE_LABELS["panel"]
    assert panel.takes is True and not answer.routes[0].inferred
    assert panel.members_in_words == "2 social workers, 1 educational psychologist"
    assert panel.meets_in_words.startswith("monthly")
    assert panel.meeting_pattern == "first Tuesday of the month, 13:00-15:00"
    assert panel.next_meeting == "2005-10-04"
    assert panel.contact == "Panel clerk, Locality Office, 01865 000000"


def test_the_answer_names_roles_never_people():
    answer = route(sct_and_panel(), "school-a", "behaviour")
    text = json.dumps(answer.as_dict())
    for p in SCHOOL_STAFF:
        assert p["name"] not in text
    assert "1 SENCO" in text


def test_a_concern_is_asked_in_the_words_people_use():
    assert parse_concern("emotional") == Concern.emotional_mental_health
    assert parse_concern("emotional difficulties") == Concern.emotional_mental_health
    assert parse_concern("Emotional and mental health") == Concern.emotional_mental_health
    assert parse_concern("child_protection") == Concern.child_protection
    assert parse_concern("Youth offending") == Concern.offending  # the longer phrase wins over "youth"


def test_near_miss_the_panel_does_not_take_the_concern():
    answer = route(sct_and_panel(handles=("attendance",)), "school-a", "behaviour")
    assert answer.routes == ()
    assert answer.gap is not None
    assert "no route" in answer.gap.message.lower() and "this is a gap" in answer.gap.message
    assert "Locality panel" in answer.gap.message and "does not take" in answer.gap.message
    assert [s.group for s in answer.passed] == ["panel"]
    assert "handles" in answer.gap.fact
    # No group says it takes behaviour: the answer cannot tell where it goes.
    assert answer.cannot_tell is not None and "handles" in answer.cannot_tell


def test_a_panel_that_does_not_say_what_it_handles_is_a_possible_route_marked_as_inference():
    answer = route(sct_and_panel(handles=None), "school-a", "behaviour")
    assert [[s.group for s in r.steps] for r in answer.routes] == [["sct-a", "panel"]]
    assert answer.routes[0].inferred
    assert answer.routes[0].steps[-1].takes is None
    assert "does not say what it handles" in answer.routes[0].steps[-1].takes_in_words
    assert "cannot tell" in answer.cannot_tell and "handles" in answer.cannot_tell


def test_a_locality_where_no_group_takes_cases_is_a_gap_citing_the_finding():
    forum = group("forum", "forum", ["senco-a", "head-a"], name="Schools forum")
    doc = data(people=SCHOOL_STAFF[:2], groups=[forum])
    answer = route(doc, "school-a", "behaviour")
    assert answer.routes == ()
    assert answer.gap is not None and "no route: this is a gap" in answer.gap.message.lower()
    assert answer.gap.finding_code == "MISSING_DOWNSTREAM_PATH"
    assert answer.gap.finding_subjects == ()
    assert "No group in the locality takes cases" in answer.gap.finding_message
    assert answer.gap.finding_anchor == "finding-missing_downstream_path"
    assert "refers_cases_to" in answer.gap.fact or "panel" in answer.gap.fact


def test_a_school_with_no_route_cites_its_own_finding():
    forum = group("forum", "forum", ["senco-b"], name="Schools forum")
    panel = group("panel", "panel", ["sw", "sw2"], name="Locality panel", handles=["behaviour"])
    doc = data(
        people=[person("senco-b", "school-b", role="senco"), *SCHOOL_STAFF[2:4]],
        groups=[forum, panel],
        links=[],
    )
    answer = route(doc, "school-b", "behaviour")
    assert answer.gap is not None and answer.gap.finding_code == "MISSING_DOWNSTREAM_PATH"
    assert answer.gap.finding_subjects == ("school-b",)
    assert answer.gap.finding_anchor == "finding-missing_downstream_path-agency-school-b"
    # The group that does take behaviour is named as where a route could go.
    assert answer.elsewhere == ("panel",)


def test_a_route_from_a_group_starts_at_that_group():
    answer = route(sct_and_panel(), "sct-a", "behaviour")
    assert [[s.group for s in r.steps] for r in answer.routes] == [["sct-a", "panel"]]
    assert answer.start_kind == "group"


def test_unknown_words_say_what_is_wrong_and_offer_the_choices():
    graphs = build_graphs(validate_data(sct_and_panel()))
    with pytest.raises(RouteQuestionError) as concern_error:
        parse_concern("astrology")
    assert concern_error.value.field == "concern"
    assert "'astrology' is not a kind of concern" in str(concern_error.value)
    assert "Behaviour" in str(concern_error.value)
    with pytest.raises(RouteQuestionError) as start_error:
        resolve_start(graphs, "Shcool A")
    assert start_error.value.field == "from"
    assert "'Shcool A' is not a school or group of Testville" in str(start_error.value)
    assert "School A" in start_error.value.suggestions
    assert resolve_start(graphs, "school a") == ("school", "school-a")
    assert resolve_start(graphs, "group:sct-a") == ("group", "sct-a")


# ------------------------------------------------------------------ the samples


@pytest.fixture(scope="module")
def samples():
    return {slug: build_graphs(load_path(SAMPLES_DIR / f"{slug}.yaml")) for slug in ("abingdon", "bicester", "city")}


def ends(answer) -> set[str]:
    return {r.steps[-1].group for r in answer.routes}


@pytest.mark.parametrize(("slug", "panel"), [("bicester", "bicester-iss-forum"), ("abingdon", "abingdon-panel")])
def test_bicester_and_abingdon_schools_route_to_their_panels(samples, slug, panel):
    # 4.1, line 246: "In Abingdon and Bicester the group took the form of a multi-agency panel for the
    # referral of complex cases"; 4.2 iii (line 256): "Over 95% of referrals are from schools".
    graphs = samples[slug]
    for school in sorted(graphs.schools):
        answer = concern_route(graphs, school, "behaviour")
        assert panel in ends(answer), (school, answer.as_dict())


def test_city_schools_with_an_sct_route_to_the_mast(samples):
    # 4.1, line 246: "In the City the group was designed as a team ... (MAST)"; line 608: MAST referrals
    # "come through the commissioning function of the School Consultation Teams".
    answer = concern_route(samples["city"], "leys-primary-a", "behaviour")
    assert [s.group for s in answer.routes[0].steps] == ["sct-leys-primary-a", "mast"]
    assert answer.gap is None


def test_thame_emotional_difficulties_at_lord_williams_go_to_the_network_and_are_a_gap():
    # Appendix 2f: the Network is a lunchtime meeting "for agencies to get together and raise and
    # discuss issues" (line 667), "a place to discuss and try to resolve interagency issues" (line 679);
    # Thame has no panel or MAST, so who takes a case on is not recorded (the audit's finding).
    graphs = build_graphs(load_path(SAMPLES_DIR / "thame.yaml"))
    answer = concern_route(graphs, "Lord Williams's School", "emotional difficulties")
    assert answer.concern == Concern.emotional_mental_health
    assert ends(answer) == {"thame-network"}
    assert answer.gap is not None and answer.gap.finding_code == "MISSING_DOWNSTREAM_PATH"
    assert answer.gap.finding_subjects == ()
    assert "No group takes cases as its business" in answer.gap.finding_message


# ------------------------------------------------------------------ the command


def run_cli(*args: str):
    import subprocess

    return subprocess.run([str(LOCMAP_SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_the_command_answers_in_words_and_as_json():
    thame = str(SAMPLES_DIR / "thame.yaml")
    done = run_cli("route", thame, "--from", "lord-williams", "--concern", "emotional")
    assert done.returncode == 0, done.stderr
    assert "Thame Network" in done.stdout and "gap" in done.stdout
    assert "SENCO, Lord Williams" not in done.stdout  # roles, never people's names
    as_json = run_cli("route", thame, "--from", "lord-williams", "--concern", "emotional", "--json")
    answer = json.loads(as_json.stdout)
    assert answer["concern"] == "emotional_mental_health"
    assert answer["routes"][0]["steps"][-1]["group"] == "thame-network"


def test_the_command_takes_a_sample_slug_and_refuses_unknown_words_plainly(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    done = run_cli("route", "city", "--from", "leys-primary-a", "--concern", "behaviour", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "MAST" in done.stdout
    bad = run_cli("route", "city", "--from", "Leys primery A", "--concern", "behaviour", "--db", db)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "is not a school or group of The City" in bad.stderr and "Leys" in bad.stderr
    worse = run_cli("route", "city", "--from", "leys-primary-a", "--concern", "astrology", "--db", db)
    assert worse.returncode != 0 and "is not a kind of concern" in worse.stderr


# ------------------------------------------------------------------ the page


def test_the_page_asks_and_answers_without_javascript(service):
    client, tokens = service
    headers = auth(tokens, "viewer")
    blank = client.get("/localities/thame/route", headers=headers)
    assert blank.status_code == 200
    assert 'name="from"' in blank.text and 'name="concern"' in blank.text
    assert "Lord Williams" in blank.text and "Emotional and mental health" in blank.text
    asked = client.get(
        "/localities/thame/route",
        params={"from": "lord-williams", "concern": "emotional_mental_health"},
        headers=headers,
    )
    assert asked.status_code == 200
    assert 'href="/localities/thame/groups/thame-network"' in asked.text
    assert "/localities/thame#finding-missing_downstream_path" in asked.text
    assert "SENCO, Lord Williams" not in asked.text


def test_the_page_answers_bad_input_on_the_form(service):
    client, tokens = service
    headers = auth(tokens, "viewer")
    bad = client.get("/localities/thame/route", params={"from": "nowhere", "concern": "astrology"}, headers=headers)
    assert bad.status_code == 400
    assert "is not a school or group of Thame" in bad.text
    assert "is not a kind of concern" in bad.text
    assert 'name="from"' in bad.text  # the form again, with the problems beside it
    assert "Traceback" not in bad.text and "pattern" not in bad.text


def test_the_locality_and_school_pages_link_to_the_route_page(service):
    client, tokens = service
    headers = auth(tokens, "viewer")
    locality = client.get("/localities/thame", headers=headers)
    assert 'href="/localities/thame/route"' in locality.text and "Where does a worry go?" in locality.text
    assert 'id="finding-missing_downstream_path"' in locality.text
    school = client.get("/localities/thame/agencies/lord-williams", headers=headers)
    assert 'href="/localities/thame/route?from=lord-williams"' in school.text
    other = client.get("/localities/thame/agencies/youth-service", headers=headers)
    assert "/route?from=" not in other.text
