"""A new member of staff asks where a worry goes, in a real browser (Playwright driving Debian's Chromium).

Line numbers cite ../shared/seeds/004_9d3d462b1681b467.txt (Glenny 2005).
"""

from __future__ import annotations

import pytest

from tests.browser_support import live_server, sample_database, watched_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    url, engine = sample_database(tmp_path_factory.mktemp("routes"))
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base, app


@pytest.fixture
def page(browser):
    with watched_page(browser, 1280, 900, java_script_enabled=False) as page:
        yield page


def test_emotional_difficulties_at_lord_williams_in_thame(server, page, tmp_path_factory):
    # Appendix 2f: the Network meets "for agencies to get together and raise and discuss issues"
    # (line 667), "a place to discuss and try to resolve interagency issues" (line 679); Thame has no
    # panel or MAST, so the answer is the Network, and the gap with the audit's finding.
    base, _ = server
    page.goto(f"{base}/localities/thame")
    page.get_by_role("link", name="Where does a worry go?").click()
    page.get_by_label("Where is the worry raised?").select_option(label="Lord Williams's School")
    page.get_by_label("What kind of worry?").select_option(label="Emotional and mental health")
    page.get_by_role("button", name="Show the route").click()  # a GET form: no script needed
    answer = page.locator("#answer")
    assert "Emotional and mental health, raised at Lord Williams's School" in answer.inner_text()
    network = answer.get_by_role("link", name="Thame Network")
    assert network.count() >= 1
    assert "staff of lord williams's school sit on it" in answer.inner_text().lower()
    gap = page.locator("#gap")
    assert "This is a gap" in gap.inner_text()
    assert "SENCO, Lord Williams" not in page.content()  # roles, never people's names
    shots = tmp_path_factory.mktemp("route-shots")
    page.screenshot(path=str(shots / "thame-route.png"), full_page=True)
    gap.get_by_role("link", name="MISSING_DOWNSTREAM_PATH").click()
    assert page.url.endswith("/localities/thame#finding-missing_downstream_path")
    page.wait_for_load_state("load")  # the address changes before the finding's page has arrived
    assert page.locator("#finding-missing_downstream_path").count() == 1
    page.go_back()
    network.first.click()
    assert page.url.endswith("/localities/thame/groups/thame-network")


def test_a_school_page_opens_the_form_with_the_school_chosen(server, page):
    base, _ = server
    page.goto(f"{base}/localities/city/agencies/leys-primary-a")
    page.get_by_role("link", name="Where does a worry about a child here go?").click()
    assert page.get_by_label("Where is the worry raised?").input_value() == "leys-primary-a"
    page.get_by_label("What kind of worry?").select_option(label="Behaviour")
    page.get_by_role("button", name="Show the route").click()
    steps = page.locator("#answer .route").first.locator("article.route-step h3 a")
    assert steps.all_inner_texts()[-1] == "City Multi-agency Support Team (MAST)"
