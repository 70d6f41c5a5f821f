"""Every page fits the screen: no horizontal overflow at 360, 768 and 1366 px, in Chromium.

The table below names a URL for every page template; a template without one
fails the test, so a new page cannot be left out of the walk.  A failure
names the page, the width and the widest element sticking out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import live_server, sample_database
from tests.conftest import SAMPLES_DIR

pytestmark = pytest.mark.browser

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "web" / "templates"
WIDTHS = (360, 768, 1366)
EDITOR = ("ed", "correct horse battery")

#: Template -> the pages that render it, as (path, signed in as the editor?).
#: "{link}", "{snapshot}", "{entry}" (a history entry), "{token}" (a personal link of the open census)
#: and "{closed}" (one of the closed census) are filled in from the database.
PAGES: dict[str, list[tuple[str, bool]]] = {
    "home.html": [("/", False), ("/", True)],
    "locality.html": [("/localities/thame", False), ("/localities/thame", True)],
    "group.html": [("/localities/thame/groups/thame-network", True)],
    "person.html": [("/localities/thame/people/senco-lws", True)],
    "agency.html": [("/localities/thame/agencies/lord-williams", True)],
    "search.html": [("/search?q=school", True)],
    "directory.html": [("/localities/thame/directory", False), ("/localities/thame/directory", True)],
    "roles.html": [("/roles", True), ("/localities/thame/roles?role=senco", False)],
    "route.html": [("/localities/city/route?from=leys-primary-a&concern=behaviour", False)],
    "compare.html": [("/compare", True), ("/compare?locality=thame&snapshot={snapshot}", True)],
    "signin.html": [("/signin", False), ("/signin", True)],
    "upload.html": [("/upload", True)],
    "edit_overview.html": [("/localities/thame/edit", True)],
    "edit_entry.html": [
        ("/localities/thame/edit/group/new", True),
        ("/localities/thame/edit/group/thame-network", True),
        ("/localities/thame/edit/person/senco-lws", True),
        ("/localities/thame/edit/agency/lord-williams", True),
        ("/localities/thame/edit/link/{link}", True),
    ],
    "history.html": [("/localities/thame/history", True)],
    "confirm.html": [
        ("/localities/thame/edit/group/thame-network/delete", True),
        ("/localities/thame/edit/person/senco-lws/delete", True),
        ("/localities/thame/groups/thame-network/members/senco-lws/remove", True),
    ],
    "whatif.html": [
        ("/localities/thame/whatif", True),
        ("/localities/thame/whatif?run=1&person=senco-lws&group=thame-network", True),
    ],
    "snapshots.html": [("/localities/thame/snapshots", True)],
    "diff.html": [("/localities/thame/diff?from={snapshot}&to=current", True)],
    "trend.html": [("/localities/thame/trend", False), ("/localities/thame/trend", True)],
    "revert_confirm.html": [("/localities/thame/history/{entry}/revert", True)],
    "error.html": [("/localities/nowhere", True), ("/localities/thame/groups/nothing-here", True)],
    "census.html": [("/localities/thame/census", True), ("/localities/thame/census?census=1", True)],
    "census_links.html": [("/localities/thame/census/2/links", True)],
    "census_close.html": [("/localities/thame/census/2/close", True)],
    "respond.html": [("/localities/thame/census/{token}", False)],
    "respond_refused.html": [("/localities/thame/census/{closed}", False)],
}

#: Templates that answer with an error status by design.
REFUSALS = ("error.html", "respond_refused.html")

#: The widest element (outside any scrolling box) whose right edge passes the
#: viewport, the outermost of equals: the one to fix.
WIDEST_OUTSIDE = """() => {
  const limit = window.innerWidth;
  if (document.documentElement.scrollWidth <= limit) return null;
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  let worst = null;
  for (const e of document.body.querySelectorAll('*')) {
    const box = e.getBoundingClientRect();
    if (box.right <= limit + 0.5 || clipped(e)) continue;
    if (!worst || box.width > worst.width + 0.5) {
      worst = {e: e, width: box.width};
    }
  }
  const e = worst ? worst.e : document.body;
  const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return {scrollWidth: document.documentElement.scrollWidth, element: name,
          width: Math.round(worst ? worst.width : 0), text: (e.textContent || '').trim().slice(0, 60)};
}"""


def page_templates() -> list[str]:
    """The templates that are whole pages: not partials (``_*.html``) and not the base."""
    return sorted(p.name for p in TEMPLATES.glob("*.html") if not p.name.startswith("_") and p.name != "base.html")


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """The six samples, an editor of Thame, one recorded change and one snapshot."""
    from sqlmodel import select

    from app.storage import edits, store
    from app.storage.accounts import create_user
    from app.storage.db import session_scope
    from models.tables import AuditLogEntry

    url, engine = sample_database(tmp_path_factory.mktemp("layout"))
    with session_scope(engine) as session:
        create_user(session, EDITOR[0], "editor", ["thame"], password=EDITOR[1])
        edits.update(session, "thame", EDITOR[0], "group", "thame-network", {"meets": "monthly"})
        snapshot = store.take_snapshot(session, "thame", "before the new forum", EDITOR[0]).pk
        link = store.export_document(session, "thame").links[0].id
        entry = session.exec(select(AuditLogEntry.pk).order_by(AuditLogEntry.pk.desc())).first()
    closed, token = censuses_of_thame(engine)
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base, {"snapshot": snapshot, "link": link, "entry": entry, "token": token, "closed": closed}


def censuses_of_thame(engine) -> tuple[str, str]:
    """Census 1 of Thame answered by three on the Thame Network and closed; census 2 open.

    Returns a token of each (the closed one's is refused, the open one's opens a respondent's page).
    """
    from app.storage import census, store
    from app.storage.db import session_scope
    from models.census import CensusAnswers

    with session_scope(engine) as session:
        first = census.open_census(session, "thame", EDITOR[0], days=28)
        tokens = [p.path.rsplit("/", 1)[1] for p in census.invited(session, first) if "thame-network" in p.groups]
        document = store.export_document(session, "thame")
        answers = CensusAnswers.model_validate(
            {
                "ratings": [{"group": "thame-network", "purpose": 1, "worth": 2}],
                "balance": -1,
                "worry_to": "thame-network",
            }
        )
        for token in tokens[:3]:
            census.save_answers(
                session, census.visit(session, "thame", token), answers, {g.id: g.name for g in document.groups}
            )
    with session_scope(engine) as session:
        census.close(session, "thame")
    with session_scope(engine) as session:
        second = census.open_census(session, "thame", EDITOR[0], days=28)
        token = census.invited(session, second)[0].path.rsplit("/", 1)[1]
    return tokens[0], token


def sign_in(page, base):
    page.goto(base + "/signin")
    page.fill("#name", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert any(c["name"] == "locmap_session" for c in page.context.cookies()), "the editor could not sign in"


def overflow(page) -> str | None:
    """None when the page fits its viewport, else what sticks out."""
    if page.locator("[data-locmap-map]").count():
        page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=20_000)
    found = page.evaluate(WIDEST_OUTSIDE)
    if found is None:
        return None
    return (
        f"{found['scrollWidth']} px wide: widest element sticking out is "
        f"<{found['element']}> ({found['width']} px, {found['text']!r})"
    )


def test_every_page_template_has_a_url_in_the_table():
    missing = [name for name in page_templates() if name not in PAGES]
    assert missing == [], f"page templates with no URL in tests/test_browser_layout.py PAGES: {missing}"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_screen(server, browser, width):
    base, ids = server
    problems = []
    for signed_in in (False, True):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        if signed_in:
            sign_in(page, base)
        for template, pages in PAGES.items():
            for path, as_editor in pages:
                if as_editor != signed_in:
                    continue
                answer = page.goto(base + path.format(**ids))
                if (answer.status >= 400) != (template in REFUSALS):
                    problems.append(f"{template} {path}: answered {answer.status}, so the page was not walked")
                    continue
                found = overflow(page)
                if found:
                    who = "editor" if signed_in else "anonymous"
                    problems.append(f"{template} {path} at {width} px ({who}): {found}")
        context.close()
        assert errors == [], f"script errors: {errors}"
    assert problems == [], "pages wider than the screen:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_standalone_map_fits_the_screen(browser, tmp_path, width):
    from app.cli import main

    target = tmp_path / "thame-map.html"
    assert main(["map", str(SAMPLES_DIR / "thame.yaml"), "-o", str(target)]) == 0
    context = browser.new_context(viewport={"width": width, "height": 800}, offline=True)
    page = context.new_page()
    page.goto(target.as_uri())
    found = overflow(page)
    context.close()
    assert found is None, f"the standalone map at {width} px: {found}"


def test_on_a_phone_the_map_comes_first_and_the_filters_fold_away(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(base + "/localities/thame")
    page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=20_000)
    canvas = page.locator(".locmap-canvas").bounding_box()
    filters = page.locator(".locmap-filters")
    assert filters.evaluate("e => e.tagName") == "DETAILS"
    assert filters.evaluate("e => e.open") is False, "the filters should start folded on a phone"
    assert canvas["y"] < filters.bounding_box()["y"], "the map should come before the filters"
    assert canvas["height"] >= 0.6 * 740, f"the map is only {canvas['height']} px tall"
    assert canvas["width"] >= 300
    filters.locator("summary").click()
    assert page.locator("input[data-filter=sector]").first.is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/localities/thame")
    page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=20_000)
    assert page.locator(".locmap-filters").evaluate("e => e.open") is True, "on a wide screen the filters are open"
    context.close()


def test_the_header_search_box_is_whole_on_a_phone(server, browser):
    base, _ = server
    for width in (360, 390):
        context = browser.new_context(viewport={"width": width, "height": 740})
        page = context.new_page()
        page.goto(base + "/")
        box = page.locator("#site-search").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the search box is cut off at {width} px: {box}"
        assert box["width"] >= 200, f"the search box is only {box['width']} px wide at {width} px"
        context.close()
