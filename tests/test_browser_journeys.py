"""Issue 12's "Done when", played end to end in a real browser: each user's task, without typing an address.

Playwright drives Debian's Chromium against one live service for the module (see
tests/browser_support.py). Each journey types only the service's own address, to open
the home page; after that it clicks links and buttons and fills forms, as a person would.
Files are fetched through the pages' download links; what they hold is the check that a
change came back exactly.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from models.vocab import MEETINGS_PER_YEAR, Meets
from tests.browser_support import live_server, sample_database, watched_page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SNAPSHOT = "before the new forum"
FORUM = "Thame Parents' Forum"


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """The samples, a snapshot of Thame, Thame's editor and a viewer (a researcher); not a demo."""
    from app.storage import store
    from app.storage.accounts import create_user
    from app.storage.db import session_scope

    url, engine = sample_database(tmp_path_factory.mktemp("journeys"))
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", ["thame"], password=PASSWORD)
        create_user(session, "rita", "viewer", password=PASSWORD)
        store.take_snapshot(session, "thame", SNAPSHOT, "ada")
    engine.dispose()
    with live_server(url, demo=False) as (base, _):
        yield base


@pytest.fixture
def page(browser, tmp_path):
    with watched_page(browser, accept_downloads=True) as page:
        page.set_default_timeout(15_000)  # a missing element fails the step soon, not after 30 s
        page.saved = tmp_path  # where downloads are kept, under the names the service gives them
        yield page


# ---------------------------------------------------------------- steps a person takes


def sign_in_from_home(page, base: str, name: str) -> None:
    """Open the home page (the one address typed) and sign in on the form it sends us to."""
    page.goto(base + "/")
    page.wait_for_url("**/signin*")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert name in page.locator("header .who").inner_text()


def open_locality(page, name: str = "Thame") -> None:
    """From any page: the breadcrumb (or the home page's list) to a locality's page."""
    crumbs = page.locator("nav.crumbs")
    if crumbs.count() and crumbs.get_by_role("link", name=name, exact=True).count():
        crumbs.get_by_role("link", name=name, exact=True).click()
    else:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Localities").click()
        page.locator("main").get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == name


def download(page, label: str) -> Path:
    """Click a link of the locality page's downloads menu; the file the browser saved."""
    menu = page.locator("#downloads")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    with page.expect_download() as info:
        menu.get_by_role("link", name=label, exact=True).click()
    path = page.saved / info.value.suggested_filename
    info.value.save_as(path)
    assert path.stat().st_size > 0, label
    return path


def figure(page, words: str) -> str:
    """A figure of the locality page's summary, e.g. figure(page, "links")."""
    for box in page.locator("section.figures > div").all():
        shown = box.locator(".fig").inner_text()
        if box.inner_text().strip()[len(shown) :].strip().startswith(words):
            return shown
    raise AssertionError(f"no figure for {words!r} in {page.locator('section.figures').inner_text()!r}")


def flash(page) -> str:
    return page.locator("p.flash").inner_text()


# ---------------------------------------------------------------- the journeys


def test_an_editor_adds_a_group_with_members_and_a_link_deletes_it_and_reverts_exactly(server, page):
    base = server
    sign_in_from_home(page, base, "ed")
    open_locality(page)
    findings = page.locator("#findings").inner_text()
    assert "NO_LINK_TO_CENTRE" in findings
    links_before = int(figure(page, "links"))
    groups_before = int(figure(page, "local groups"))

    # The group and its members, from the group form; the id follows the name.
    page.get_by_role("link", name="Edit this locality").click()
    page.get_by_role("link", name="Add a group").click()
    page.wait_for_load_state("load")  # the form's scripts have run (a busy machine is slow to run them)
    page.fill("#f-name", FORUM)
    assert page.input_value("#f-id") == "thame-parents-forum"
    page.select_option("#f-type", "forum")
    page.select_option("#f-meets", "half_termly")
    page.select_option("#m-person-1", "la-county-officer")
    page.select_option("#m-role-1", "chair")
    page.select_option("#m-person-2", "school-nurse")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/groups/thame-parents-forum")
    assert flash(page) == f"Added the group {FORUM} with 2 members."

    # A link to another group, from the group page.
    page.get_by_role("link", name="Add a link").click()
    page.select_option("#f-from", "thame-network")
    page.select_option("#f-kind", "feeds_issues_to")
    page.select_option("#f-to", "thame-parents-forum")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/groups/thame-network")
    assert "Added the link" in flash(page)
    assert FORUM in page.locator("#links").inner_text()

    # The audit changes: the forum's chair sits on the county group, so the Network reaches the centre.
    open_locality(page)
    assert int(figure(page, "links")) == links_before + 1
    assert int(figure(page, "local groups")) == groups_before + 1
    assert FORUM in page.locator("#groups").inner_text()
    assert "NO_LINK_TO_CENTRE" not in page.locator("#findings").inner_text()
    with_forum = locality_of(download(page, "locmap file (JSON)"))
    forum = next(g for g in with_forum["groups"] if g["id"] == "thame-parents-forum")
    assert [m["person"] for m in forum["members"]] == ["la-county-officer", "school-nurse"]
    assert {"from": "thame-network", "to": "thame-parents-forum", "kind": "feeds_issues_to"}.items() <= next(
        link for link in with_forum["links"] if link["to"] == "thame-parents-forum"
    ).items()

    # Delete it, on the page that asks first and says what goes.
    page.locator("#groups").get_by_role("link", name=FORUM).click()
    page.get_by_role("link", name="Edit this group").click()
    page.get_by_role("link", name="Delete this group…").click()
    assert page.locator("h1").inner_text() == f"Delete the group {FORUM}?"
    assert "its 2 members' seats and 1 link" in page.locator("main").inner_text()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url("**/localities/thame/edit")
    assert flash(page).startswith(f"Deleted the group {FORUM} (2 seats, 1 link).")
    open_locality(page)
    assert FORUM not in page.locator("#groups").inner_text()
    assert "NO_LINK_TO_CENTRE" in page.locator("#findings").inner_text()
    without = json.loads(download(page, "locmap file (JSON)").read_text())
    assert "thame-parents-forum" not in json.dumps(without)  # the group, its seats and its link went

    # Revert the deletion from the history, after its confirmation.
    page.get_by_role("link", name="History").first.click()
    deletion = page.locator("#history tbody tr").first
    assert f"Group: {FORUM} deleted" in deletion.inner_text()
    deletion.get_by_role("link", name="Revert…").click()
    assert page.locator("#plan").inner_text() == f"This restores the group {FORUM} with 2 members and 1 link."
    page.get_by_role("button", name=re.compile(r"^Revert change \d+$")).click()
    assert flash(page).startswith(f"Restored the group {FORUM}")
    reverted = page.locator("#history tbody tr").nth(1).inner_text()  # newest first: the revert, the deletion
    assert f"Group: {FORUM} deleted" in reverted and "Reverted by change" in reverted and "Revert…" not in reverted

    # Exactly what was there, links included, and the audit as it was with the forum.
    open_locality(page)
    assert "NO_LINK_TO_CENTRE" not in page.locator("#findings").inner_text()
    assert int(figure(page, "links")) == links_before + 1
    assert locality_of(download(page, "locmap file (JSON)")) == with_forum


def test_an_editor_runs_a_what_if_from_the_locality_page(server, page):
    base = server
    sign_in_from_home(page, base, "ed")
    open_locality(page)
    page.locator("#findings").get_by_role("link", name="What if…").click()
    assert page.locator("h1").inner_text() == "What if…"
    page.select_option("#f-group", "thame-network")
    page.get_by_role("button", name="Run the what-if").click()
    result = page.locator("#result")
    assert result.locator("h2").inner_text() == "What if: without Thame Network (group)"
    appeared = result.locator("h3:text-matches('^Findings that appear') + ul.findings").inner_text()
    assert "NO_KEY_COMMUNICATION_GROUP" in appeared  # the Network was the key group
    profile = page.locator("#profile-changes").inner_text()
    assert "Upstream and downstream conversations: strongly evident → " in profile  # in the audit's words
    assert "upstream_downstream" not in profile and "_" not in profile  # never a dimension key
    figures = page.locator("#metric-changes").inner_text()
    assert "Key communication group: Thame Network → none" in figures and "_" not in figures
    # Nothing was saved: the locality page still shows the Network, and as the key group.
    open_locality(page)
    assert "Thame Network" in page.locator("#groups").inner_text()
    assert figure(page, "key communication group") == "Thame Network"


def locality_of(path) -> dict:
    """A downloaded JSON file's locality, without its provenance (which names the revision it was made at)."""
    data = json.loads(path.read_text())
    data.pop("provenance")
    return data


def test_an_editor_downloads_every_format_from_the_locality_page(server, page):
    base = server
    sign_in_from_home(page, base, "ed")
    open_locality(page, "Banbury")
    links = page.locator("#downloads li a").all_inner_texts()
    assert len(links) == 8, links

    as_yaml = yaml.safe_load(download(page, "locmap file (YAML)").read_text())
    as_json = json.loads(download(page, "locmap file (JSON)").read_text())
    assert as_json.pop("provenance")["sources"][0]["locality"] == "banbury"  # YAML holds it as comments
    assert as_yaml["format"] == as_json["format"] == "locmap/1"
    assert as_yaml["locality"]["name"] == as_json["locality"]["name"] == "Banbury"
    assert as_yaml == as_json

    from openpyxl import load_workbook

    workbook = download(page, "Spreadsheet (XLSX)")
    assert workbook.name == "banbury.xlsx"
    book = load_workbook(workbook)
    assert {"groups", "people"} <= {name.lower() for name in book.sheetnames}, book.sheetnames
    with zipfile.ZipFile(download(page, "Spreadsheet as CSV files (zip)")) as csvs:
        names = csvs.namelist()
        assert any(n.endswith("groups.csv") for n in names), names
        assert all(csvs.read(n) for n in names)

    groups = len(as_json["groups"])
    gexf = ElementTree.parse(download(page, "Network for Gephi (GEXF)")).getroot()
    assert gexf.tag.endswith("gexf") and len(gexf.findall(".//{*}node")) >= groups
    graphml = ElementTree.parse(download(page, "Network for Cytoscape (GraphML)")).getroot()
    assert graphml.tag.endswith("graphml") and len(graphml.findall(".//{*}node")) >= groups
    kumu = json.loads(download(page, "Network for Kumu (JSON)").read_text())
    assert kumu["elements"] and kumu["connections"]

    report = download(page, "Audit report (HTML)").read_text()
    assert report.lstrip().lower().startswith("<!doctype html") and "Banbury" in report
    assert "What the audit finds" in report or "Findings" in report


def test_an_editor_uploads_a_changed_workbook(server, page, tmp_path):
    from openpyxl import load_workbook

    base = server
    sign_in_from_home(page, base, "ed")
    open_locality(page)
    meetings_before = float(figure(page, "meetings a year"))
    book = load_workbook(download(page, "Spreadsheet (XLSX)"))
    sheet = next(book[name] for name in book.sheetnames if name.lower() == "groups")
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("id")].value == "thame-partnership-heads")
    assert row[header.index("meets")].value == "half_termly"
    row[header.index("meets")].value = "monthly"
    row[header.index("venue")].value = "The Barns Centre, Thame"
    changed = tmp_path / "thame-changed.xlsx"
    book.save(changed)

    page.get_by_role("link", name="Upload a changed file").click()
    assert page.locator("h1").inner_text() == "Upload a locality"
    page.set_input_files("#file", str(changed))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/localities/thame")
    assert flash(page).startswith("Uploaded thame-changed.xlsx: Thame replaced")
    heads = page.locator("#groups tr", has=page.get_by_role("link", name="Thame Partnership heads group"))
    assert "monthly" in heads.inner_text()
    more = (MEETINGS_PER_YEAR[Meets.monthly] or 0) - (MEETINGS_PER_YEAR[Meets.half_termly] or 0)
    assert float(figure(page, "meetings a year")) == meetings_before + more
    heads.get_by_role("link", name="Thame Partnership heads group").click()
    assert "The Barns Centre, Thame" in page.locator("dl.facts").inner_text()
    open_locality(page)
    stored = yaml.safe_load(download(page, "locmap file (YAML)").read_text())
    group = next(g for g in stored["groups"] if g["id"] == "thame-partnership-heads")
    assert (group["meets"], group["venue"]) == ("monthly", "The Barns Centre, Thame")


def test_a_researcher_compares_two_localities_and_a_snapshot_in_one_chart(server, page):
    base = server
    sign_in_from_home(page, base, "rita")
    assert page.get_by_role("link", name="Upload").count() == 0  # a viewer is not offered it
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compare").click()
    page.wait_for_url("**/compare")
    for box in page.locator("input[name=locality]").all():
        box.uncheck()
    page.get_by_label("Thame", exact=True).check()
    page.get_by_label("Banbury", exact=True).check()
    page.get_by_label(f"Thame at '{SNAPSHOT}'", exact=False).check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare?*")
    profile = page.locator("section:has(h2:text('Collaborative-advantage profile'))")
    headers = profile.locator("thead th").all_inner_texts()
    assert headers[1:3] == ["Banbury", "Thame"] and SNAPSHOT in headers[3] and len(headers) == 4
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    alt = chart.get_attribute("alt")
    assert "Banbury" in alt and "Thame" in alt and SNAPSHOT in alt
    src = chart.get_attribute("src")
    assert "locality=banbury" in src and "locality=thame" in src and "snapshot=" in src
    # The snapshot is drawn, not only named: the chart differs from the one of the two localities alone.
    three = page.request.get(page.url.split("/compare")[0] + src)
    two = page.request.get(page.url.split("/compare")[0] + re.sub(r"&?snapshot=\d+", "", src))
    assert three.ok and two.ok and three.headers["content-type"] == "image/png"
    assert three.body() != two.body(), "the chart with the snapshot is the chart without it"
