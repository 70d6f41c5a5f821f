"""The member census in the browser: the editors' pages and the respondent's own page (no script, no sign-in)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.storage import census
from models.tables import CensusBallot, utcnow
from tests.conftest import auth
from tests.test_csrf import sign_in_form

CENSUS = "/localities/thame/census"


@pytest.fixture
def editor(service):
    """A browser signed in as Thame's editor, with its CSRF token."""
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get(CENSUS).text).group(1)
    return client, tokens, token


@pytest.fixture
def opened(editor):
    """Thame with census 1 open through the page; yields the editor's client, tokens, CSRF token."""
    client, tokens, token = editor
    response = client.post(CENSUS, data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == CENSUS
    return client, tokens, token


@pytest.fixture
def respondent(service):
    """A second browser with no cookies: a respondent opening their personal link."""
    client, _ = service
    return TestClient(client.app, raise_server_exceptions=False)


def invited(client) -> list[census.InvitedPerson]:
    """Thame's newest census's invited people, with their links, as the storage lists them."""
    with Session(client.app.state.engine) as session:
        return census.invited(session, census.get(session, "thame"))


def ballots(client) -> int:
    with Session(client.app.state.engine) as session:
        return session.execute(select(func.count()).select_from(CensusBallot)).scalar_one()


def on_group(client, group: str) -> list[census.InvitedPerson]:
    return [p for p in invited(client) if group in p.groups]


def row(html: str, ident: str) -> str:
    return re.search(rf'<tr id="{ident}">(.*?)</tr>', html, re.S).group(1)


def checked(html: str, name: str) -> str | None:
    """The value of the checked radio button named ``name``, if any."""
    found = re.search(rf'<input type="radio" name="{re.escape(name)}" value="([^"]*)" checked>', html)
    return found.group(1) if found else None


# ---------------------------------------------------------------- editors


def test_an_editor_opens_a_census_from_the_page_and_viewers_cannot(service, editor):
    client, tokens, token = editor
    page = client.get(CENSUS).text
    assert '<button type="submit">Open a census</button>' in page and "Census 1" not in page
    viewer = client.get(CENSUS, headers=auth(tokens, "viewer"))
    assert viewer.status_code == 403
    assert client.get(CENSUS, headers=auth(tokens, "other_editor")).status_code == 403
    done = client.post(CENSUS, data={"csrf": token})
    assert "Opened census 1: a personal link for each of the 18 people" in done.text
    assert "Census 1" in done.text and "0 of 18 (0%)" in done.text
    assert "Open a census</button>" not in done.text  # one open at a time
    again = client.post(CENSUS, data={"csrf": token})
    assert again.status_code == 409 and "still open" in again.text


def test_the_links_page_and_csv_list_every_seated_person_with_their_full_link(opened):
    client, tokens, _ = opened
    document = client.get("/api/localities/thame/export", headers=auth(tokens, "viewer")).json()
    seated = {m["person"] for g in document["groups"] for m in g["members"]}
    names = {p["id"]: p["name"] for p in document["people"]}
    page = client.get(f"{CENSUS}/1/links")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    urls = re.findall(r"<code>(http://testserver/localities/thame/census/[A-Za-z0-9_-]{32})</code>", page.text)
    assert len(urls) == len(set(urls)) == len(seated)
    for person in seated:
        assert f'<th scope="row">{names[person]}</th>'.replace("'", "&#39;") in page.text
    rows = list(csv.DictReader(io.StringIO(client.get(f"{CENSUS}/1/links.csv").text)))
    assert {r["link"] for r in rows} == set(urls) and {r["answered"] for r in rows} == {"no"}


def test_the_csv_cannot_carry_a_formula(editor):
    client, tokens, token = editor
    path = "/api/localities/thame/people/hslw"
    renamed = client.patch(path, json={"name": "=HYPERLINK(1)"}, headers={**auth(tokens, "editor"), "If-Match": "*"})
    assert renamed.status_code == 200
    client.post(CENSUS, data={"csrf": token})
    text = client.get(f"{CENSUS}/1/links.csv").text
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


# ---------------------------------------------------------------- the respondent's page


def test_the_respondent_page_shows_their_groups_and_what_is_done_with_answers(opened, respondent):
    client, _, _ = opened
    person = on_group(client, "thame-partnership-heads")[0]
    page = respondent.get(person.path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "same-origin" and page.headers["cache-control"] == "no-store"
    assert "set-cookie" not in page.headers  # the token is the credential; nothing is kept in the browser
    html = page.text
    assert '<h2 id="h-thame-partnership-heads">Thame Partnership heads group</h2>' in html
    for group in person.groups:
        assert f'id="group-{group}"' in html
    assert "kept apart from your name" in html and "at least 3 people" in html
    assert "To have your answers erased" in html and "until the census closes, on " in html
    assert html.count(person.path.rsplit("/", 1)[1]) == 1  # only in the form's own action
    assert "<script" not in html
    assert '<button type="submit" class="wide">Save my answers</button>' in html


def test_answers_are_saved_and_shown_again_to_their_respondent(opened, respondent):
    client, _, _ = opened
    person = on_group(client, "thame-network")[0]
    form = {
        "seat.thame-network.status": "attend",
        "seat.thame-network.attendance": "0.75",
        "seat.thame-network.hours": "1.5",
        "rate.thame-network.purpose": "3",
        "rate.thame-network.worth": "0",
        "missing.0.name": "Thame Youth Forum",
        "balance": "-1",
        "worry_to": "person",
    }
    saved = respondent.post(person.path, data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{person.path}?saved=1"
    html = respondent.get(saved.headers["location"]).text
    assert "your answers are saved" in html
    assert checked(html, "seat.thame-network.status") == "attend"
    assert checked(html, "seat.thame-network.attendance") == "0.75"
    assert 'name="seat.thame-network.hours" min="0.25" max="12" step="0.25" inputmode="decimal" value="1.5"' in html
    assert checked(html, "rate.thame-network.purpose") == "3" and checked(html, "rate.thame-network.worth") == "0"
    assert checked(html, "rate.thame-network.acted_on") == ""  # "no answer"
    assert 'value="Thame Youth Forum"' in html and checked(html, "balance") == "-1"
    assert '<option value="person" selected>' in html
    assert ballots(client) == 1
    assert "1 of 18 (6%)" in client.get(CENSUS).text


def test_the_respondent_page_never_shows_another_respondents_answers(opened, respondent):
    client, _, _ = opened
    first, second = on_group(client, "thame-network")[:2]
    respondent.post(
        first.path,
        data={"seat.thame-network.hours": "7.25", "rate.thame-network.purpose": "1", "worry_to": "unsure"},
    )
    html = respondent.get(second.path).text
    assert "7.25" not in html and checked(html, "rate.thame-network.purpose") == ""
    assert '<option value="unsure" selected>' not in html


def test_a_tampered_rating_of_a_group_not_theirs_is_refused_and_nothing_saved(opened, respondent):
    client, _, _ = opened
    person = next(p for p in invited(client) if "thame-partnership-heads" not in p.groups)
    form = {"rate.thame-partnership-heads.purpose": "3", "balance": "2"}
    response = respondent.post(person.path, data=form)
    assert response.status_code == 422
    assert "Some answers need putting right" in response.text and "Nothing has been saved yet" in response.text
    assert "Rate only the groups you attend; &#39;thame-partnership-heads&#39; is not among them" in response.text
    assert checked(response.text, "balance") == "2"  # what they gave is kept
    assert ballots(client) == 0
    assert checked(respondent.get(person.path).text, "balance") == ""


def test_hours_out_of_range_are_shown_beside_the_field_keeping_what_was_typed(opened, respondent):
    client, _, _ = opened
    person = on_group(client, "thame-network")[0]
    form = {"seat.thame-network.hours": "30", "rate.thame-network.purpose": "2"}
    response = respondent.post(person.path, data=form)
    assert response.status_code == 422
    error = '<p class="field-error" id="e-seat-thame-network-hours">How long the meetings of Thame Network last'
    assert error in response.text and 'value="30"' in response.text
    assert (
        respondent.post(person.path, data={"missing.0.group": "thame-network", "missing.0.name": "x"}).status_code
        == 422
    )
    assert ballots(client) == 0


def test_refusals_say_why_with_their_status_and_change_nothing(opened, respondent):
    client, _, token = opened
    person = invited(client)[0]
    secret = person.path.rsplit("/", 1)[1]
    other = respondent.get(f"/localities/bicester/census/{secret}")
    assert other.status_code == 403 and "belongs to another locality" in other.text
    assert respondent.post(f"/localities/bicester/census/{secret}", data={"balance": "1"}).status_code == 403
    unknown = respondent.get("/localities/thame/census/" + "A" * 32)
    assert unknown.status_code == 404 and "This link is not known" in unknown.text
    assert "Nothing has been saved or changed" in unknown.text and unknown.headers["referrer-policy"] == "same-origin"
    with Session(client.app.state.engine) as session:
        census.get(session, "thame").expires_at = utcnow() - timedelta(days=1)
        session.commit()
    expired = respondent.get(person.path)
    assert expired.status_code == 410 and "This link expired on" in expired.text
    with Session(client.app.state.engine) as session:
        census.get(session, "thame").expires_at = utcnow() + timedelta(days=1)
        session.commit()
    ask = client.get(f"{CENSUS}/1/close")
    assert '<button type="submit" class="danger">Close the census</button>' in ask.text
    closed = client.post(f"{CENSUS}/1/close", data={"csrf": token})
    assert "Closed census 1: every personal link has stopped working" in closed.text
    refused = respondent.post(person.path, data={"balance": "1"})
    assert refused.status_code == 410 and "This census closed on" in refused.text
    assert ballots(client) == 0
    assert "Member census 1, closed on" in client.get("/localities/thame").text


def test_a_respondents_form_is_taken_from_this_site_and_refused_from_another(opened, respondent):
    client, _, _ = opened
    person = on_group(client, "thame-network")[0]
    form = {"balance": "1"}
    own = {"Origin": str(respondent.base_url).rstrip("/")}
    assert respondent.post(person.path, data=form, headers=own, follow_redirects=False).status_code == 303
    for headers in ({"Origin": "https://elsewhere.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        assert respondent.post(person.path, data=form, headers=headers).status_code == 403, headers


# ---------------------------------------------------------------- results, corrections, charts


def rate_network(respondent, people, step: int) -> None:
    for person in people:
        form = {"rate.thame-network.purpose": str(step), "balance": "1"}
        assert respondent.post(person.path, data=form, follow_redirects=False).status_code == 303


def test_two_respondents_give_no_score_and_three_do(opened, respondent):
    client, _, _ = opened
    people = on_group(client, "thame-network")
    rate_network(respondent, people[:2], 3)
    html = client.get(CENSUS).text
    assert 'id="scores-wait"' in html and 'id="scores"' not in html  # open: counts only, no scores yet
    rate_network(respondent, people[2:3], 2)
    assert 'id="scores"' not in client.get(CENSUS).text
    assert client.post(f"{CENSUS}/1/close", data={"csrf": opened[2]}).status_code == 200
    html = client.get(CENSUS).text
    network = row(html, "score-thame-network")
    assert "no score" not in network and '100% <span class="muted small">of 3</span>' in network
    assert '<th scope="row">The whole locality</th><td class="num">3</td><td class="num">100%</td>' in html
    assert 'alt="Bar chart of census 1' in html


def test_the_chosen_corrections_are_applied_as_one_change_in_the_history(opened, respondent):
    client, tokens, token = opened
    person = on_group(client, "thame-network-steering-group")[0]
    form = {"seat.thame-network-steering-group.status": "left", "missing.0.name": "Thame Youth Forum"}
    respondent.post(person.path, data=form)
    page = client.get(CENSUS).text
    chosen = re.findall(r'<input type="checkbox" name="chosen" value="([^"]+)" checked>', page)
    assert len(chosen) == 2 and "a meeting the map does not show" in page
    left = next(c for c in chosen if c.startswith("left:"))
    none = client.post(f"{CENSUS}/1/apply", data={"csrf": token})
    assert none.status_code == 422 and "tick at least one" in none.text
    done = client.post(f"{CENSUS}/1/apply", data={"csrf": token, "chosen": [left]}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/localities/thame/history"
    history = client.get("/localities/thame/history").text
    assert re.search(r"Applied 1 correction from census 1 as change \d+, which can be reverted", history)
    assert "corrected from the member census" in history
    group = client.get(
        "/api/localities/thame/groups/thame-network-steering-group", headers=auth(tokens, "viewer")
    ).json()
    assert person.person not in {m["person"] for m in group["members"]}
    assert "Thame Youth Forum" not in client.get("/api/localities/thame/export", headers=auth(tokens, "viewer")).text


def test_the_charts_are_images_for_editors_only(opened, respondent):
    client, tokens, _ = opened
    rate_network(respondent, on_group(client, "thame-network")[:3], 1)
    svg = client.get(f"{CENSUS}/1/chart.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml")
    png = client.get(f"{CENSUS}/1/chart.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert client.get(f"{CENSUS}/1/chart.svg", headers=auth(tokens, "viewer")).status_code == 403
    assert respondent.get(f"{CENSUS}/1/chart.svg", follow_redirects=False).status_code == 303


def test_earlier_censuses_are_listed_with_links_to_their_results(opened):
    client, _, token = opened
    client.post(f"{CENSUS}/1/close", data={"csrf": token})
    client.post(CENSUS, data={"csrf": token})
    html = client.get(CENSUS).text
    assert "Census 2" in html and f'<a href="{CENSUS}?census=1">Census 1</a>' in html
    first = client.get(f"{CENSUS}?census=1").text
    assert "Results of census 1</h2>" in first and "closed on" in first
    assert client.get(f"{CENSUS}?census=9").status_code == 404


def test_the_compare_page_sets_the_census_beside_other_localities_in_aggregate(opened, respondent):
    client, _, token = opened
    assert 'id="compare-census"' not in client.get("/compare?locality=thame&locality=bicester").text
    people = on_group(client, "thame-network")
    rate_network(respondent, people[:3], 0)
    assert client.post(f"{CENSUS}/1/close", data={"csrf": token}).status_code == 200
    html = client.get("/compare?locality=thame&locality=bicester").text
    section = html.split('id="compare-census"', 1)[1].split("</section>", 1)[0]
    assert "Response rate" in section and "Lean to collaborative inertia" in section
    assert '<td class="num">3</td>' in section  # three answered in Thame
    assert "–" in section  # Bicester has no census: held back, not zero
    for person in people:
        assert person.name not in section
