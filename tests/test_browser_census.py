"""The member census in a real browser, from opening it to the audit that reads it.

An editor opens a census of Thame, five people answer through their personal
links (one on a 360 px phone, none with any script: the respondent's page has
none), the editor closes the census, applies the proposed corrections, and the
locality page shows the census findings and the two rows rated from it.
Another locality's link, an expired link and a closed census's link are
refused in words and change nothing.  Playwright drives Debian's Chromium
against a live service (tests/browser_support.py); screenshots go to the
test's temporary folder, for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.browser_support import live_server, sample_database, watched_page
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser

STEERING = "thame-network-steering-group"
#: Thame's steering group (Appendix 2d): every one of them also sits on the Thame Network.
RESPONDENTS = ("senco-lws", "counsellor-lws", "hslw", "school-nurse", "social-worker")
#: Everyone on one of Thame's groups or more, each of whom gets a link.
SEATED = 18
#: Who answers on a phone-width page.
ON_A_PHONE = "school-nurse"
#: Who says they have left the steering group: the correction the editor applies.
LEAVER = "social-worker"


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """The samples; an editor of Thame; Bicester's census open, City's expired (both opened in storage)."""
    from app.storage import census
    from app.storage.accounts import create_user
    from app.storage.db import session_scope

    url, engine = sample_database(tmp_path_factory.mktemp("census"))
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", ["thame"], password="correct horse battery")
        bicester = census.open_census(session, "bicester", "admin", days=28)
        city = census.open_census(session, "city", "admin", days=28)
        city.expires_at = city.opened_at - timedelta(minutes=1)
        tokens = {
            "bicester": census.invited(session, bicester)[0].path.rsplit("/", 1)[1],
            "city": census.invited(session, city)[0].path.rsplit("/", 1)[1],
        }
    with live_server(url, demo=True) as (base, app):
        yield base, engine, tokens
    engine.dispose()


def ballots(engine) -> int:
    from models.tables import CensusBallot

    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(CensusBallot)).scalar_one()


def expected_only(page, status: int) -> None:
    """The refusal's own status is the page's only console error (Chromium logs every 4xx document)."""
    assert set(page.watch.errors) <= {
        f"Failed to load resource: the server responded with a status of {status} ({REASONS[status]})"
    }
    page.watch.errors.clear()


REASONS = {403: "Forbidden", 410: "Gone"}


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def person_names() -> dict[str, str]:
    from models.validation import load_path

    return {p.id: p.name for p in load_path("sample_localities/thame.yaml").people}


def links_by_name(page) -> dict[str, str]:
    """The printable list's rows: each person's name and their personal link."""
    rows = page.locator("#links tbody tr")
    return {
        rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).locator("code").inner_text().strip()
        for i in range(rows.count())
    }


def answer(page, person: str) -> None:
    """Fill in one respondent's page: purpose unclear for most, inertia for most, one seat left."""
    clear = person == "senco-lws"
    page.check(f'input[name="seat.{STEERING}.status"][value="{"left" if person == LEAVER else "attend"}"]')
    page.check(f'input[name="seat.{STEERING}.attendance"][value="0.75"]')
    page.fill(f'input[name="seat.{STEERING}.hours"]', "1.5")
    page.check(f'input[name="rate.{STEERING}.purpose"][value="{3 if clear else 0}"]')
    page.check(f'input[name="rate.{STEERING}.acted_on"][value="2"]')
    page.check(f'input[name="balance"][value="{1 if clear else -1}"]')
    page.select_option("#f-worry_to", "thame-network")
    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_url("**?saved=1")
    assert "Thank you: your answers are saved" in page.locator("main").inner_text()


def test_a_census_of_thame_from_opening_to_the_audit(server, browser, tmp_path):
    base, engine, _ = server
    names = person_names()
    with watched_page(browser) as editor:
        sign_in(editor, base)
        editor.goto(base + "/localities/thame")
        editor.get_by_role("link", name="Member census").click()
        editor.get_by_role("button", name="Open a census").click()
        editor.wait_for_url("**/localities/thame/census")
        editor.get_by_role("link", name="Print the personal links").click()
        editor.wait_for_url("**/census/1/links")
        links = links_by_name(editor)
        assert len(links) == SEATED and len(set(links.values())) == SEATED  # everyone seated, each their own link
        editor.screenshot(path=str(tmp_path / "census-links.png"), full_page=True)

        for person in RESPONDENTS:
            width, height = (360, 740) if person == ON_A_PHONE else (1366, 900)
            with watched_page(browser, width, height, java_script_enabled=False) as page:
                page.goto(links[names[person]])
                assert page.get_by_role("heading", name="What this is, and who sees what").is_visible()
                answer(page, person)
                if person == ON_A_PHONE:
                    assert fits(page), "the respondent's page is wider than a 360 px phone"
                    page.screenshot(path=str(tmp_path / "census-phone.png"), full_page=True)
                # Back again: their own answers, prefilled, and only theirs.
                page.goto(links[names[person]])
                assert page.is_checked(
                    f'input[name="rate.{STEERING}.purpose"][value="{3 if person == "senco-lws" else 0}"]'
                )
        assert ballots(engine) == 5

        editor.goto(base + "/localities/thame/census")
        assert f"5 of {SEATED}" in editor.locator("main").inner_text()
        assert editor.locator("#scores").count() == 0  # open: no scores yet
        editor.get_by_role("link", name="Close the census…").click()
        editor.get_by_role("button", name="Close the census").click()
        editor.wait_for_url("**/localities/thame/census**")
        scores = editor.locator(f"#score-{STEERING}").inner_text()
        assert "20%" in scores  # purpose: 1 of 5 say they know what it is for
        corrections = editor.locator("#corrections").inner_text()
        assert f"{names[LEAVER]} has left" in corrections
        editor.screenshot(path=str(tmp_path / "census-results.png"), full_page=True)
        editor.get_by_role("button", name="Apply the chosen corrections").click()
        editor.wait_for_url("**/localities/thame/history")
        assert "corrected from the member census's answers" in editor.locator("main").inner_text()

        editor.goto(base + "/localities/thame")
        findings = editor.locator("#findings").inner_text()
        assert "CENSUS_UNCLEAR_PURPOSE" in findings and "4 of 5 respondents" in findings
        assert (
            "from the member census's answers"
            in editor.locator("#findings li", has_text="CENSUS_UNCLEAR_PURPOSE").inner_text()
        )
        profile = editor.locator("#profile")
        inertia = profile.locator("tr", has_text="Experiencing collaborative inertia").inner_text()
        advantage = profile.locator("tr", has_text="Achieving collaborative advantage").inner_text()
        assert "cannot tell" not in inertia and "cannot tell" not in advantage
        assert "strongly evident" in inertia and "from the member census" in inertia  # 4 of 5 lean to inertia (5.1)
        steering_group = editor.locator("#groups tr", has_text="Thame Network Steering Group").inner_text()
        assert steering_group.split()[-1] == "4"  # the leaver's seat is gone

        # A closed census's link: refused in words, nothing saved.
        with watched_page(browser, java_script_enabled=False) as page:
            response = page.goto(links[names["hslw"]])
            assert response.status == 410 and "This census closed on" in page.locator("main").inner_text()
            assert page.locator("form").count() == 0
            expected_only(page, 410)
        assert ballots(engine) == 5


@pytest.mark.parametrize(
    "locality, token, status, words",
    [
        ("thame", "bicester", 403, "This link belongs to another locality's census"),
        ("city", "city", 410, "This link expired on"),
    ],
)
def test_another_localitys_link_and_an_expired_link_are_refused_and_change_nothing(
    server, browser, locality, token, status, words
):
    base, engine, tokens = server
    before = ballots(engine)
    with watched_page(browser, 360, 740, java_script_enabled=False) as page:
        response = page.goto(f"{base}/localities/{locality}/census/{tokens[token]}")
        assert response.status == status
        assert words in page.locator("main").inner_text()
        assert page.locator("form").count() == 0
        posted = page.request.post(
            f"{base}/localities/{locality}/census/{tokens[token]}", form={"balance": "2"}, max_redirects=0
        )
        assert posted.status == status
        expected_only(page, status)
    assert ballots(engine) == before
