"""A researcher's task in a real browser: compare two localities and a snapshot, without typing an address.

Playwright drives Debian's Chromium against a live service (see tests/browser_support.py);
every request a page makes must stay on 127.0.0.1.
"""

from __future__ import annotations

import pytest

from tests.browser_support import live_server, sample_database, watched_page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """The samples, a snapshot of Thame, and a viewer (a researcher), on a service that is not a demo."""
    from app.storage import store
    from app.storage.accounts import create_user
    from app.storage.db import session_scope

    url, engine = sample_database(tmp_path_factory.mktemp("research"))
    with session_scope(engine) as session:
        create_user(session, "rita", "viewer", password=PASSWORD)
        store.take_snapshot(session, "thame", "before the new forum", "ada")
    engine.dispose()
    with live_server(url, demo=False) as (base, app):
        yield base


@pytest.fixture
def page(browser):
    with watched_page(browser, 1366, 900) as page:
        yield page


def test_a_researcher_compares_two_localities_and_a_snapshot_by_clicking(server, page):
    page.goto(server + "/")  # the one address typed: the service's own
    page.fill("#name", "rita")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compare").click()
    page.wait_for_url("**/compare")
    for box in page.locator("input[name=locality]").all():
        box.uncheck()
    page.get_by_label("Thame", exact=True).check()
    page.get_by_label("Banbury", exact=True).check()
    page.get_by_label("Thame at 'before the new forum'", exact=False).check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare?*")
    headers = page.locator("section:has(h2:text('Collaborative-advantage profile')) thead th").all_inner_texts()
    assert len(headers) == 4 and headers[1:3] == ["Banbury", "Thame"]  # "Condition", then three columns
    assert "before the new forum" in headers[3]
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    assert "before the new forum" in chart.get_attribute("alt")
    assert "snapshot=" in chart.get_attribute("src")
