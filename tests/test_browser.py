"""The pages and the interactive map in a real browser: Playwright driving Debian's Chromium.

The service runs on 127.0.0.1 in a thread; every request a page makes is
checked to stay on 127.0.0.1 (others are aborted and fail the test).
"""

from __future__ import annotations

import copy

import pytest

from tests.browser_support import PageWatch, live_server, sample_database, watched_page
from tests.conftest import MINIMAL, SAMPLES_DIR

pytestmark = pytest.mark.browser

EVIL = copy.deepcopy(MINIMAL)
EVIL["locality"].update(id="evil", name="<script>alert(1)</script>")
EVIL["agencies"][0]["name"] = '"><img src=x onerror=alert(1)>'
EVIL["people"][0]["name"] = '"><img src=x onerror=alert(1)>'
EVIL["people"][1]["name"] = "href"
EVIL["groups"][0]["name"] = "<script>alert(1)</script>"
EVIL["groups"][0]["purpose"] = '"><img src=x onerror=alert(1)>'
EVIL["groups"][1]["name"] = "href"


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    from app.storage import store
    from app.storage.accounts import create_user
    from app.storage.db import session_scope
    from models.validation import validate_data

    url, engine = sample_database(tmp_path_factory.mktemp("browser"))
    with session_scope(engine) as session:
        store.import_document(session, validate_data(EVIL))
        create_user(session, "ed", "editor", ["thame"], password="correct horse battery")
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base, app


@pytest.fixture
def page(browser):
    with watched_page(browser) as page:
        yield page


def wait_for_map(page):
    page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=20_000)
    return page.locator("[data-locmap-map]")


def visible_nodes(page) -> int:
    return int(page.locator("[data-locmap-map]").get_attribute("data-visible-nodes"))


def click_node(page, ref: str) -> str:
    """Click the map's node for a file id where it is drawn on the canvas; returns the node id."""
    point = page.evaluate(
        """(ref) => {
          const m = window.locmapMaps[0];
          const node = m.nodes.get({filter: n => n.ref === ref})[0];
          const pos = m.network.getPosition(node.id);
          const dom = m.network.canvasToDOM(pos);
          const rect = m.container.querySelector('canvas').getBoundingClientRect();
          return {id: node.id, x: rect.left + dom.x, y: rect.top + dom.y};
        }""",
        ref,
    )
    page.mouse.click(point["x"], point["y"])
    return point["id"]


def test_from_home_to_a_locality_its_map_filters_and_a_group(server, page):
    base, _ = server
    page.goto(base + "/")
    page.get_by_role("link", name="Thame", exact=True).click()
    page.wait_for_url(base + "/localities/thame")
    container = wait_for_map(page)
    # Thame: 6 groups and 18 people who sit on them.
    assert container.get_attribute("data-total-nodes") == "24"
    assert visible_nodes(page) == 24
    drawn = page.evaluate("window.locmapMaps[0].network.body.nodeIndices.length")
    assert drawn == 24
    page.locator("input[type=checkbox][data-filter=sector][value=education]").uncheck()
    assert visible_nodes(page) < 24
    page.locator("[data-action=show-all]").click()
    assert visible_nodes(page) == 24

    node_id = click_node(page, "thame-network-steering-group")
    details = page.locator(".locmap-details")
    assert details.get_attribute("data-node") == node_id
    assert "Thame Network steering group" in details.locator(".locmap-details-title").inner_text()
    neighbours = details.inner_text()
    for member in (
        "SENCO, Lord Williams's School",
        "School Counsellor, Lord Williams's School",
        "School nurse, Bodyzone (Thame)",
    ):
        assert member in neighbours
    assert (
        details.locator("a.locmap-open-page").get_attribute("href")
        == "/localities/thame/groups/thame-network-steering-group"
    )


def test_search_highlights_a_person(server, page):
    base, _ = server
    page.goto(base + "/localities/thame")
    wait_for_map(page)
    page.locator("input[data-locmap-search]").fill("SENCO, Lord Williams's School")
    page.locator("input[data-locmap-search]").press("Enter")
    page.wait_for_function("document.querySelector('[data-locmap-map]').dataset.selected !== ''")
    selected = page.evaluate(
        "window.locmapMaps[0].nodes.get(document.querySelector('[data-locmap-map]').dataset.selected).ref"
    )
    assert selected == "senco-lws"


def test_groups_view_and_link_filter(server, page):
    base, _ = server
    page.goto(base + "/localities/city?view=groups")
    container = wait_for_map(page)
    assert container.get_attribute("data-total-nodes") == "10"
    edges_before = int(container.get_attribute("data-visible-edges"))
    page.locator("input[type=checkbox][data-filter=link_kind][value=feeds_issues_to]").uncheck()
    assert int(container.get_attribute("data-visible-edges")) < edges_before


def test_a_person_page_lists_their_meetings(server, page):
    base, _ = server
    page.goto(base + "/localities/thame/groups/thame-network")
    page.get_by_role("link", name="School Counsellor, Lord Williams's School").click()
    rows = page.locator("#meetings tbody tr")
    assert rows.count() == 3
    assert "Thame Bodyzone young people's evaluation group" in page.locator("#meetings").inner_text()
    assert "hours" in page.locator("#meetings tfoot").inner_text()


def test_hostile_names_render_as_text_everywhere(server, page):
    base, _ = server
    for path in (
        "/",
        "/localities/evil",
        "/localities/evil?view=groups",
        "/localities/evil/groups/steering",
        "/localities/evil/groups/panel",
        "/localities/evil/people/head-a",
        "/localities/evil/agencies/school-a",
        "/search?q=alert",
    ):
        page.goto(base + path)
        if (
            path.startswith("/localities/evil")
            and "/groups/" not in path
            and "/people/" not in path
            and "/agencies/" not in path
        ):
            wait_for_map(page)
            page.locator("input[data-locmap-search]").fill('"><img src=x onerror=alert(1)>')
            page.locator("input[data-locmap-search]").press("Enter")
        assert page.locator("img[src=x]").count() == 0, path
        injected = page.evaluate(
            "[...document.scripts].filter(s => s.textContent.includes('alert(1)') && s.type !== 'application/json').length"
        )
        assert injected == 0, path
    assert page.watch.dialogs == []
    page.goto(base + "/localities/evil/groups/steering")
    assert page.locator("h1").inner_text() == "<script>alert(1)</script>"


def test_sign_in_through_the_form(server, browser):
    base, app = server
    app.state.settings.demo = False
    try:
        context = browser.new_context()
        page = context.new_page()
        watch = PageWatch(page)
        page.goto(base + "/localities/thame/groups/thame-network")
        page.wait_for_url("**/signin?next=*")
        page.fill("#name", "ed")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/localities/thame/groups/thame-network")
        assert page.locator("h1").inner_text() == "Thame Network"
        assert "ed" in page.locator("header .who").inner_text()
        cookie = next(c for c in context.cookies() if c["name"] == "locmap_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert watch.errors == [] and watch.foreign == []
        context.close()
    finally:
        app.state.settings.demo = True


def test_standalone_map_works_offline_from_a_file(browser, tmp_path):
    from app.cli import main

    target = tmp_path / "thame-map.html"
    assert main(["map", str(SAMPLES_DIR / "thame.yaml"), "-o", str(target)]) == 0
    context = browser.new_context(offline=True)
    page = context.new_page()
    watch = PageWatch(page, allowed_host=None)
    page.goto(target.as_uri())
    container = wait_for_map(page)
    assert container.get_attribute("data-total-nodes") == "24"
    assert visible_nodes(page) == 24
    scrolled = page.evaluate("window.scrollY")
    click_node(page, "thame-network")
    # The map runs below the window's edge here: focusing it on the press must not scroll the page
    # under the pointer (the click then landed on a membership line instead of the node).
    assert page.evaluate("window.scrollY") == scrolled
    assert "Thame Network" in page.locator(".locmap-details-title").inner_text()
    assert watch.errors == [] and watch.foreign == []
    assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in watch.requests)
    context.close()


def test_screenshots_for_review(server, page, tmp_path_factory):
    """Not an assertion of looks: saves the pages a person would see, for a human to review."""
    base, _ = server
    folder = tmp_path_factory.mktemp("screenshots")
    for name, path in (
        ("home", "/"),
        ("locality", "/localities/thame"),
        ("group", "/localities/thame/groups/thame-network"),
        ("person", "/localities/thame/people/senco-lws"),
    ):
        page.goto(base + path)
        if name == "locality":
            wait_for_map(page)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 10_000


def sign_in(page, base, name="ed", password="correct horse battery"):
    page.goto(base + "/signin")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_an_editor_adds_a_group_a_member_and_a_link_sees_the_change_and_reverts_it(server, page):
    base, _ = server
    sign_in(page, base)
    page.goto(base + "/localities/thame")
    wait_for_map(page)
    nodes_before = int(page.locator("[data-locmap-map]").get_attribute("data-total-nodes"))
    assert "NO_LINK_TO_CENTRE" in page.locator("#findings").inner_text()

    # Add a group.
    page.get_by_role("link", name="Edit this locality").click()
    page.get_by_role("link", name="Add a group").click()
    page.wait_for_load_state("load")  # the form's scripts have run (a busy machine is slow to run them)
    page.fill("#f-id", "thame-forum")
    page.fill("#f-name", "Thame children's forum")
    page.select_option("#f-type", "forum")
    page.select_option("#f-membership", "open")
    page.select_option("#f-meets", "half_termly")
    page.fill("#f-hours", "1.5")
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/localities/thame/groups/thame-forum")
    assert page.locator("h1").inner_text() == "Thame children's forum"

    # Add a member: the county officer, who also sits on the county steering group.
    page.select_option("#add-person", "la-county-officer")
    page.select_option("#add-role", "chair")
    page.get_by_role("button", name="Add member").click()
    page.wait_for_url("**/groups/thame-forum#members")
    assert "County ISS lead officer" in page.locator("#members").inner_text()

    # Link it: the Network feeds issues to the forum.
    page.goto(base + "/localities/thame/edit/link/new")
    page.select_option("#f-from", "thame-network")
    page.select_option("#f-kind", "feeds_issues_to")
    page.select_option("#f-to", "thame-forum")
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/localities/thame/groups/thame-network")
    assert "Thame children's forum" in page.locator("#links").inner_text()

    # The map and the audit change.
    page.goto(base + "/localities/thame")
    wait_for_map(page)
    assert int(page.locator("[data-locmap-map]").get_attribute("data-total-nodes")) == nodes_before + 1
    findings = page.locator("#findings").inner_text()
    assert "NO_LINK_TO_CENTRE" not in findings  # the forum reaches the centre through its chair

    # Revert the newest change (the link), and the one before (the member), each after its confirmation.
    page.goto(base + "/localities/thame/history")
    rows = page.locator("#history tbody tr")
    assert "Link:" in rows.nth(0).inner_text() and "added" in rows.nth(0).inner_text()
    for row in (rows.nth(0), page.locator("#history tbody tr").filter(has_text="County ISS lead officer").first):
        row.get_by_role("link", name="Revert…").click()
        page.get_by_role("button", name="Revert change").click()
        page.wait_for_url(base + "/localities/thame/history")
    assert page.locator("#history tbody tr").nth(0).get_by_role("link", name="Revert…").count() == 1
    assert page.locator("#history .muted", has_text="Reverted by").count() == 2
    page.goto(base + "/localities/thame")
    wait_for_map(page)
    assert "NO_LINK_TO_CENTRE" in page.locator("#findings").inner_text()
    page.goto(base + "/localities/thame/groups/thame-network")
    assert "Thame children's forum" not in page.locator("#links").inner_text()


def test_validation_errors_appear_next_to_the_field(server, page):
    base, _ = server
    sign_in(page, base)
    page.goto(base + "/localities/thame/edit/person/new")
    page.fill("#f-id", "Not An Id")
    page.fill("#f-hours_per_week", "lots")
    page.click("form.form button[type=submit]")
    assert page.locator("#e-id").is_visible() and page.locator("#e-name").inner_text() == "Name is required."
    assert page.locator("#e-hours_per_week").inner_text() == "Not a number: 'lots'."
    assert page.locator("#f-id").input_value() == "Not An Id"
    # The re-shown form answers 422 (Unprocessable Entity), which Chromium logs; nothing else may.
    expected = "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    assert page.watch.errors == [expected]
    page.watch.errors.clear()
