"""The trend page in a real browser: it fits a desktop and a phone, its chart loads, and a step's diff link works.

Playwright drives Debian's Chromium against a live service (see tests/browser_support.py);
every request a page makes must stay on 127.0.0.1.  Screenshots of the page
at both widths are written to the test's temporary folder, for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.browser_support import live_server, sample_database, watched_page

pytestmark = pytest.mark.browser

#: Thame's upward link, which resolves NO_LINK_TO_CENTRE between the two snapshots.
TO_CENTRE = {"from": "thame-network", "to": "county-iss-steering-group", "kind": "reports_to"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """The samples; Thame with a snapshot, its link to the centre, and a second snapshot; a demo service."""
    from app.storage import edits, store
    from app.storage.db import session_scope

    url, engine = sample_database(tmp_path_factory.mktemp("trend"))
    with session_scope(engine) as session:
        store.take_snapshot(session, "thame", "before the link to the centre", "ada")
    with session_scope(engine) as session:
        edits.create(session, "thame", "ada", "link", TO_CENTRE)
    with session_scope(engine) as session:
        store.take_snapshot(session, "thame", "after the link to the centre", "ada")
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def chart_loaded(page) -> None:
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())


@pytest.mark.parametrize("width, height", [(1366, 900), (360, 740)])
def test_the_trend_page_fits_the_screen_and_its_chart_loads(server, browser, tmp_path, width, height):
    with watched_page(browser, width, height) as page:
        page.goto(server + "/localities/thame")
        page.get_by_role("link", name="How it changed over time").click()
        page.wait_for_url("**/localities/thame/trend")
        assert page.get_by_role("heading", name="How Thame changed", level=1).is_visible()
        headers = page.locator("#series table").first.locator("thead th").all_inner_texts()
        assert [h.split(" (")[0] for h in headers] == [
            "Measure",
            "1. 'before the link to the centre'",
            "2. 'after the link to the centre'",
            "3. now",
        ]
        chart_loaded(page)
        assert fits(page), f"the trend page is wider than {width} px"
        page.screenshot(path=str(tmp_path / f"trend-{width}.png"), full_page=True)


def test_a_step_links_to_its_diff(server, browser):
    with watched_page(browser, 360, 740) as page:
        page.goto(server + "/localities/thame/trend")
        page.get_by_role("link", name="What changed in detail: groups, members and links, from 1 to 2").click()
        page.wait_for_url("**/localities/thame/diff?from=*&to=*")
        assert page.get_by_role("heading", name="What changed in Thame", level=1).is_visible()
        assert "New link: Thame Network reports to" in page.locator("#changes").inner_text()
        resolved = page.locator("#findings").inner_text()
        assert "No route from 'Thame Network'" in resolved  # NO_LINK_TO_CENTRE, resolved by the link
        assert fits(page)


def test_the_form_compares_any_two_points(server, browser):
    with watched_page(browser) as page:
        page.goto(server + "/localities/thame/trend")
        page.select_option("#trend-from", index=0)
        page.select_option("#trend-to", value="current")
        page.get_by_role("button", name="Show what changed").click()
        page.wait_for_url("**/localities/thame/diff?from=*&to=current")
        assert "New link: Thame Network reports to" in page.locator("#changes").inner_text()


def test_printed_the_page_keeps_the_chart_changes_and_tables_without_the_controls(server, browser):
    with watched_page(browser) as page:
        page.goto(server + "/localities/thame/trend")
        chart_loaded(page)
        page.emulate_media(media="print")
        assert not page.locator("#pick").is_visible() and not page.locator(".chart-formats").is_visible()
        for kept in ("img.chart", "#changes", "#series"):
            assert page.locator(kept).is_visible(), kept
