"""What-if in the browser: the page, its answers in the audit's words, saving and applying a what-if."""

from __future__ import annotations

import html as markup
import re
from urllib.parse import urlencode

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PageWatch, live_server, require_browser
from tests.conftest import auth
from tests.test_csrf import sign_in_form

WHATIF = "/localities/abingdon/whatif"
COORDINATOR_LEAVES = {"run": "1", "person": "coordinator"}
#: A forum of three existing people, reporting to the steering group and fed by the panel.
NEW_FORUM = [
    ("run", "1"),
    ("draft_name", "Abingdon children's forum"),
    ("draft_type", "forum"),
    ("draft_member", "coordinator"),
    ("draft_member", "head-primary-a"),
    ("draft_member", "youth-worker"),
    ("link_kind_1", "reports_to"),
    ("link_group_1", "abingdon-steering-group"),
    ("link_way_1", "out"),
    ("link_kind_2", "feeds_issues_to"),
    ("link_group_2", "abingdon-panel"),
    ("link_way_2", "in"),
]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', html).group(1)


def hidden(html: str, form_action: str) -> dict[str, list[str]]:
    """The hidden fields of the form posting to ``form_action``, as a form to send."""
    form = re.search(rf'<form[^>]*action="{re.escape(form_action)}".*?</form>', html, re.S).group(0)
    fields = re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">', form)
    form_data: dict[str, list[str]] = {}
    for name, value in fields:
        form_data.setdefault(name, []).append(markup.unescape(value))
    return form_data


@pytest.fixture
def editor(service):
    """A browser signed in as Abingdon's editor (an admin: the fixture's editor has Thame only)."""
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ada", password="admin password 1"))
    return client, tokens


@pytest.fixture
def thame_editor(service):
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    return client, tokens


def revision(client, tokens, slug="abingdon") -> int:
    return client.get(f"/api/localities/{slug}", headers=auth(tokens, "admin")).json()["revision"]


def test_the_form_lists_people_groups_and_agencies_by_name(service):
    client, tokens = service
    page = client.get(WHATIF, headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    assert '<option value="coordinator">Co-ordinator, Abingdon ISS pilot</option>' in page.text
    assert '<option value="abingdon-panel">Abingdon multi-agency panel</option>' in page.text
    assert '<option value="youth-service">Oxfordshire Youth Service</option>' in page.text
    assert ">reports to<" in page.text and ">Forum<" in page.text
    assert "Findings that appear" not in page.text


def test_the_locality_page_links_to_the_what_if(service):
    client, tokens = service
    page = client.get("/localities/abingdon", headers=auth(tokens, "viewer")).text
    assert f'href="{WHATIF}"' in page


def test_taking_the_coordinator_away_in_the_audits_words_and_nothing_saved(service):
    client, tokens = service
    before = revision(client, tokens)
    page = client.get(WHATIF, params=COORDINATOR_LEAVES, headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    text = page.text
    assert "Findings that appear" in text and "Findings resolved" in text
    assert "ISOLATED_GROUP" in text and "SINGLE_POINT_OF_FAILURE" in text
    assert "Abingdon services day" in text  # subjects by name
    assert "Strong project management" in text and "not evident" in text
    assert "Strong project management: evident → not evident (level 2 → level 0 of 3, down 2 levels)" in text
    assert "Parts of the system: 1 → 2 (1 more)" in text
    assert "without Co-ordinator, Abingdon ISS pilot (person)" in text
    for key in ("strong_project_management", "people_in_groups", "components:"):
        assert key not in text
    # A viewer may run what-ifs but is offered neither saving nor applying.
    assert "Save as a snapshot" not in text and "Apply this change" not in text
    assert revision(client, tokens) == before


def test_a_draft_group_with_members_and_links(service):
    client, tokens = service
    page = client.get(WHATIF + "?" + urlencode(NEW_FORUM), headers=auth(tokens, "viewer"))
    assert page.status_code == 200, page.text
    resolved = page.text.split("Findings resolved", 1)[1]
    assert "NO_KEY_COMMUNICATION_GROUP" in resolved
    assert "Key communication group: none → Abingdon ISS pilot steering group" in page.text
    assert "with a new group, Abingdon children&#39;s forum" in page.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"run": "1", "person": "nobody"}, "person", "There is no person &#39;nobody&#39; in Abingdon"),
        ({"run": "1", "group": "nowhere"}, "group", "There is no group &#39;nowhere&#39; in Abingdon"),
        ({"run": "1", "draft_member": "coordinator"}, "draft_name", "The new group needs a name."),
        (
            {"run": "1", "draft_name": "Forum", "link_kind_1": "reports_to", "link_group_1": "nowhere"},
            "link_1",
            "Link 1: there is no group &#39;nowhere&#39; in Abingdon",
        ),
        (
            {"run": "1", "draft_name": "Forum", "link_group_1": "abingdon-panel"},
            "link_1",
            "Link 1: choose both the kind of link and the group.",
        ),
        ({"run": "1", "draft_name": "Forum", "draft_type": "club"}, "draft_type", "Choose the kind of group"),
        ({"run": "1"}, "change", "Choose a person, group or agency to take away, or describe a new group"),
    ],
)
def test_bad_input_is_answered_on_the_form(service, params, field, message):
    client, tokens = service
    page = client.get(WHATIF, params=params, headers=auth(tokens, "viewer"))
    assert page.status_code == 422
    assert f'<p class="field-error" id="e-{field}">' in page.text
    assert message in page.text
    assert '<form class="card form"' in page.text  # the form, again
    assert "Findings that appear" not in page.text and "Traceback" not in page.text


def test_an_editor_saves_a_what_if_as_a_snapshot(editor):
    client, tokens = editor
    before = revision(client, tokens)
    page = client.get(WHATIF, params=COORDINATOR_LEAVES).text
    assert "Save as a snapshot" in page and "Apply this change" in page
    fields = hidden(page, f"{WHATIF}/snapshot")
    assert fields["csrf"] == [csrf_of(page)] and fields["person"] == ["coordinator"]
    saved = client.post(f"{WHATIF}/snapshot", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    landing = client.get(saved.headers["location"]).text
    assert "Saved a snapshot" in landing
    snapshots = client.get("/api/localities/abingdon/snapshots", headers=auth(tokens, "admin")).json()
    label = snapshots[-1]["label"]
    assert label == "What if: without Co-ordinator, Abingdon ISS pilot (person)"
    number = snapshots[-1]["id"]
    taken = client.get(f"/api/localities/abingdon/snapshots/{number}", headers=auth(tokens, "admin")).json()
    assert "coordinator" not in {p["id"] for p in taken["people"]}
    assert revision(client, tokens) == before  # the locality itself is untouched


def test_an_editor_applies_a_draft_group_as_edits_that_revert(editor):
    client, tokens = editor
    admin = auth(tokens, "admin")
    original = client.get("/api/localities/abingdon/export", headers=admin).json()
    history_before = len(client.get("/api/localities/abingdon/history", headers=admin).json())
    page = client.get(WHATIF + "?" + urlencode(NEW_FORUM)).text
    applied = client.post(f"{WHATIF}/apply", data=hidden(page, f"{WHATIF}/apply"), follow_redirects=False)
    assert applied.status_code == 303
    assert "Applied" in client.get(applied.headers["location"]).text
    findings = {f["code"] for f in client.get("/api/localities/abingdon/audit", headers=admin).json()["findings"]}
    assert "NO_KEY_COMMUNICATION_GROUP" not in findings
    entries = client.get("/api/localities/abingdon/history", headers=admin).json()
    added = entries[: len(entries) - history_before]
    assert [(e["action"], e["entity"]) for e in added] == [("create", "link"), ("create", "link"), ("create", "group")]
    for entry in added:  # newest first
        reverted = client.post(f"/api/localities/abingdon/history/{entry['id']}/revert", headers=admin)
        assert reverted.status_code < 300, reverted.text
    assert client.get("/api/localities/abingdon/export", headers=admin).json() == original


def test_applying_a_removal_deletes_the_person_as_an_edit(editor):
    client, tokens = editor
    page = client.get(WHATIF, params=COORDINATOR_LEAVES).text
    applied = client.post(f"{WHATIF}/apply", data=hidden(page, f"{WHATIF}/apply"), follow_redirects=False)
    assert applied.status_code == 303
    people = client.get("/api/localities/abingdon/export", headers=auth(tokens, "admin")).json()["people"]
    assert "coordinator" not in {p["id"] for p in people}
    entry = client.get("/api/localities/abingdon/history", headers=auth(tokens, "admin")).json()[0]
    assert (entry["action"], entry["entity"], entry["entity_id"]) == ("delete", "person", "coordinator")


def test_a_stale_what_if_is_not_applied(editor):
    client, tokens = editor
    page = client.get(WHATIF, params=COORDINATOR_LEAVES).text
    fields = hidden(page, f"{WHATIF}/apply")
    touched = client.patch(
        "/api/localities/abingdon/groups/abingdon-panel",
        json={"venue": "Elsewhere"},
        headers={**auth(tokens, "admin"), "If-Match": "*"},
    )
    assert touched.status_code == 200
    before = revision(client, tokens)
    refused = client.post(f"{WHATIF}/apply", data=fields, follow_redirects=False)
    assert refused.status_code == 409
    assert "changed Abingdon after you ran this what-if" in refused.text
    assert "Apply this change" in refused.text  # run again on the locality as it is now
    assert revision(client, tokens) == before


def test_saving_and_applying_need_the_forms_token(editor):
    client, tokens = editor
    page = client.get(WHATIF, params=COORDINATOR_LEAVES).text
    fields = {k: v for k, v in hidden(page, f"{WHATIF}/apply").items() if k != "csrf"}
    before = revision(client, tokens)
    for action in ("apply", "snapshot"):
        assert client.post(f"{WHATIF}/{action}", data=fields, follow_redirects=False).status_code == 403
    assert revision(client, tokens) == before


def test_viewers_and_other_editors_are_refused_with_a_plain_page(thame_editor):
    client, tokens = thame_editor  # Thame's editor, on Abingdon
    page = client.get(WHATIF, params=COORDINATOR_LEAVES).text
    assert "Apply this change" not in page
    token = csrf_of(client.get("/localities/thame/edit").text)  # a good token: refused for the role, not the form
    for headers in ({}, auth(tokens, "viewer")):
        for action in ("apply", "snapshot"):
            refused = client.post(f"{WHATIF}/{action}", data={"csrf": token, **COORDINATOR_LEAVES}, headers=headers)
            assert refused.status_code == 403
            assert "Only an editor of Abingdon may" in refused.text and "Traceback" not in refused.text


def test_demo_visitors_run_what_ifs_but_may_not_save_them(service):
    client, _ = service
    client.app.state.settings.demo = True
    try:
        page = client.get(WHATIF, params=COORDINATOR_LEAVES)
        assert page.status_code == 200 and "ISOLATED_GROUP" in page.text
        assert "Save as a snapshot" not in page.text
        refused = client.post(f"{WHATIF}/snapshot", data=COORDINATOR_LEAVES, follow_redirects=False)
        assert refused.status_code == 403
    finally:
        client.app.state.settings.demo = False


# ---------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_a_what_if_run_from_the_locality_page_by_clicking(tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    from app.storage.accounts import create_user
    from app.storage.db import create_schema, make_engine, session_scope
    from app.web.main import load_samples_if_empty

    url = f"sqlite:///{tmp_path / 'locmap.db'}"
    engine = make_engine(url)
    create_schema(engine)
    load_samples_if_empty(engine)
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", ["thame"], password="correct horse battery")
    engine.dispose()
    with live_server(url, demo=True) as (base, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        watch = PageWatch(page)
        page.goto(base + "/signin")
        page.fill("#name", "ed")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.get_by_role("link", name="Thame", exact=True).click()
        page.wait_for_url(base + "/localities/thame")
        page.get_by_role("link", name="What if…").click()
        page.wait_for_url(base + "/localities/thame/whatif")
        page.get_by_label("People to take away").select_option(label="County ISS lead officer")
        page.get_by_role("button", name="Run the what-if").click()
        page.wait_for_url("**/localities/thame/whatif?*")
        result = page.locator("#result").inner_text()
        assert "without County ISS lead officer (person)" in result
        assert "Findings that appear" in result and "Findings resolved" in result
        assert "_" not in page.locator("#profile-changes").inner_text()
        page.get_by_role("button", name="Save as a snapshot").click()
        page.wait_for_url("**/localities/thame/edit*")
        assert "Saved a snapshot" in page.content()
        assert "What if: without County ISS lead officer (person)" in page.locator("#snapshots").inner_text()
        browser.close()
    assert watch.errors == [] and watch.foreign == []


def test_applying_an_agency_removal_matches_the_what_if(service):
    client, tokens = service
    admin = auth(tokens, "admin")
    client.post("/signin", data=sign_in_form(client, name="ada", password="admin password 1"))
    url = "/localities/banbury/whatif"
    page = client.get(url, params={"run": "1", "agency": "banbury-secondary"}).text
    predicted = re.findall(r"<strong class=\"code\">([A-Z_]+)</strong>", page.split("Findings resolved")[0])
    applied = client.post(f"{url}/apply", data=hidden(page, f"{url}/apply"), follow_redirects=False)
    assert applied.status_code == 303
    stored = client.get("/api/localities/banbury/export", headers=admin).json()
    assert "banbury-secondary" not in {a["id"] for a in stored["agencies"]}
    assert all(p.get("agency") != "banbury-secondary" for p in stored["people"])
    assert all(g.get("school") != "banbury-secondary" for g in stored["groups"])
    codes = [f["code"] for f in client.get("/api/localities/banbury/audit", headers=admin).json()["findings"]]
    assert set(predicted) <= set(codes)
