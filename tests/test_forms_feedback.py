"""Safe actions and clear feedback in the edit forms: deletions asked first, naming what goes; a flash
line after every change, shown once, to its author only and never from a cache; every problem in
plain words next to its field; ids made from names; job roles offered; members chosen in the group form;
the upload page only for those who may upload."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES_DIR, auth
from tests.test_csrf import sign_in_form
from tests.test_editing import field_errors

THAME = "/localities/thame"
API = "/api/localities/thame"
MACHINE_WORDS = ("String should", "Input should", "Value error", "pattern", "^[a-z", "literal_error", "Field required")


def _signed_in(app, name="ed", password="correct horse battery") -> tuple[TestClient, str]:
    client = TestClient(app, raise_server_exceptions=False)
    client.post("/signin", data=sign_in_form(client, name=name, password=password))
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get(f"{THAME}/edit").text).group(1)
    return client, token


@pytest.fixture
def ed(service):
    client, tokens = service
    browser, token = _signed_in(client.app)
    return browser, tokens, token


def _flash(page: str) -> str | None:
    found = re.search(r'<p class="flash" role="status">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def _hidden(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def _plain(page: str) -> None:
    for words in MACHINE_WORDS:
        assert words not in page.replace("meeting_pattern", ""), words  # the field's name is no regex pattern


# ---------------------------------------------------------------- deletions are asked first


def test_deleting_a_group_is_asked_first_naming_its_seats_and_links(ed):
    client, tokens, _ = ed
    group = client.get(f"{API}/groups/thame-network", headers=auth(tokens, "viewer")).json()
    links = client.get(f"{API}/links", headers=auth(tokens, "viewer")).json()["items"]
    touching = [link for link in links if "thame-network" in (link["from"], link["to"])]
    edit = client.get(f"{THAME}/edit/group/thame-network").text
    assert f'href="{THAME}/edit/group/thame-network/delete"' in edit
    assert f'action="{THAME}/edit/group/thame-network/delete"' not in edit  # no one-click deletion
    page = client.get(f"{THAME}/edit/group/thame-network/delete")
    assert page.status_code == 200
    text = html.unescape(page.text)
    seats = len(group["members"])
    assert "Delete the group Thame Network?" in text
    assert f"its {seats} members' seats and {len(touching)} links" in text
    assert "revert this from" in text
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S)
    assert form.group(1) == f"{THAME}/edit/group/thame-network/delete"
    assert _hidden(form.group(2), "csrf") and _hidden(form.group(2), "version")
    assert client.get(f"{API}/groups/thame-network", headers=auth(tokens, "viewer")).status_code == 200

    done = client.post(
        form.group(1), data={"csrf": _hidden(form.group(2), "csrf"), "version": _hidden(form.group(2), "version")}
    )
    assert done.status_code == 200 and done.url.path == f"{THAME}/edit"
    assert _flash(done.text) == (
        f"Deleted the group Thame Network ({seats} seats, {len(touching)} links). "
        "You can revert this from the locality's History."
    )
    assert client.get(f"{API}/groups/thame-network", headers=auth(tokens, "viewer")).status_code == 404


def test_a_person_is_told_delete_from_erase_and_may_be_deleted_revertibly(ed):
    client, tokens, _ = ed
    page = client.get(f"{THAME}/edit/person/school-nurse/delete").text
    text = html.unescape(page)
    assert "An erasure cannot be undone." in text and "Delete or erase School nurse" in text
    assert 'name="how" value="delete"' in page and 'name="how" value="erase"' in page
    done = client.post(
        f"{THAME}/edit/person/school-nurse/delete",
        data={"csrf": _hidden(page, "csrf"), "version": _hidden(page, "version"), "how": "delete"},
    )
    assert "Deleted School nurse" in _flash(done.text)
    entries = client.get(f"{API}/history", headers=auth(tokens, "editor")).json()
    assert any(e.get("action") == "delete" and e.get("entity") == "person" for e in entries)


def test_an_agency_still_named_cannot_be_deleted_and_the_page_says_why(ed):
    client, tokens, _ = ed
    people = client.get(f"{API}/people", headers=auth(tokens, "viewer")).json()["items"]
    agency = next(p["agency"] for p in people if p.get("agency"))
    page = client.get(f"{THAME}/edit/agency/{agency}/delete").text
    assert "cannot be deleted while" in html.unescape(page)
    assert '<form method="post"' not in page


def test_removing_a_member_is_asked_first(ed):
    client, tokens, token = ed
    path = f"{THAME}/groups/thame-network"
    members = client.get(f"{API}/groups/thame-network/members", headers=auth(tokens, "viewer")).json()
    person = members[0]["person"]
    group_page = client.get(path).text
    assert f'href="{path}/members/{person}/remove"' in group_page
    assert f'action="{path}/members/{person}/remove"' not in group_page
    ask = client.get(f"{path}/members/{person}/remove")
    assert ask.status_code == 200 and "Remove " in ask.text and f'action="{path}/members/{person}/remove"' in ask.text
    done = client.post(f"{path}/members/{person}/remove", data={"csrf": token})
    assert _flash(done.text).startswith("Removed ") and " from Thame Network." in _flash(done.text)


# ---------------------------------------------------------------- flash messages


def test_a_save_says_what_changed_once_and_only_to_its_author(ed, service):
    client, tokens, _ = ed
    other, _ = _signed_in(client.app, "ada", "admin password 1")
    path = f"{THAME}/edit/group/thame-network"
    form = client.get(path).text
    before = client.get(f"{API}/groups/thame-network", headers=auth(tokens, "viewer")).json()
    new_meets = "fortnightly" if before.get("meets") != "fortnightly" else "monthly"
    posted = {"csrf": _hidden(form, "csrf"), "version": _hidden(form, "version"), "name": "Thame Network"}
    posted |= {"type": before["type"], "meets": new_meets, "membership": before.get("membership", "")}
    for key in ("hours", "meetings_per_year", "venue", "purpose", "note", "focus", "school", "handles_other"):
        if before.get(key) is not None:
            posted[key] = str(before[key])
    for key in ("contact", "meeting_pattern", "next_meeting", "handles"):
        if before.get(key):
            posted[key] = before[key]
    if before.get("area"):
        posted["area"] = ", ".join(before["area"])
    if before.get("external"):
        posted["external"] = "on"
    saved = client.post(path, data=posted, follow_redirects=False)
    assert saved.status_code == 303 and "locmap_flash" in saved.headers["set-cookie"]
    assert other.get(saved.headers["location"]).text.count('class="flash"') == 0  # not another user's
    landed = client.get(saved.headers["location"])
    old = before.get("meets") or "none"
    assert _flash(landed.text) == f"Saved Thame Network: meets changed from {old} to {new_meets}."
    assert landed.headers["cache-control"] == "no-store" and "etag" not in landed.headers
    assert _flash(client.get(saved.headers["location"]).text) is None  # once


def test_a_flash_cookie_carried_to_another_session_shows_nothing(ed):
    client, _, token = ed
    done = client.post(
        f"{THAME}/edit/agency/new",
        data={"csrf": token, "name": "Flash Agency", "sector": "other"},
        follow_redirects=False,
    )
    stolen = done.cookies.get("locmap_flash") or client.cookies.get("locmap_flash")
    other, _ = _signed_in(client.app, "ada", "admin password 1")
    other.cookies.set("locmap_flash", stolen)
    assert _flash(other.get(done.headers["location"]).text) is None
    assert _flash(client.get(done.headers["location"]).text) == "Added the agency Flash Agency."


def test_an_upload_flash_is_shown_on_the_cached_locality_page_but_never_cached(service):
    client, tokens = service
    admin, token = _signed_in(client.app, "ada", "admin password 1")
    reader, _ = _signed_in(client.app, "ada", "admin password 1")
    warm = reader.get(THAME)  # the page is in the cache, and the reader holds its ETag
    files = {"file": ("thame.yaml", (SAMPLES_DIR / "thame.yaml").read_bytes())}
    done = admin.post(f"/upload?csrf={token}", data={"csrf": token}, files=files, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == THAME
    landed = admin.get(THAME, headers={"If-None-Match": warm.headers["etag"]})
    assert landed.status_code == 200
    assert _flash(landed.text).startswith("Uploaded thame.yaml: Thame replaced")
    assert _flash(admin.get(THAME).text) is None
    assert _flash(reader.get(THAME).text) is None  # the cached page holds only the marker
    assert "<!--locmap:flash-->" in reader.get(THAME).text


def test_member_added_from_the_group_page_is_said(ed):
    client, _, token = ed
    done = client.post(
        f"{THAME}/groups/thame-partnership-heads/members",
        data={"csrf": token, "person": "school-nurse", "role": "chair"},
    )
    assert _flash(done.text).startswith("Added School nurse") and " as chair." in _flash(done.text)


# ---------------------------------------------------------------- problems in plain words, on the form


def _post(client, token, what, **fields):
    return client.post(f"{THAME}/edit/{what}/new", data={"csrf": token, **fields})


def test_an_id_problem_says_what_an_id_may_hold(ed):
    client, _, token = ed
    response = _post(client, token, "group", id="Bad Id", name="Bad", type="forum")
    assert response.status_code == 422
    assert html.unescape(field_errors(response.text)["id"]).startswith(
        "An id may hold only lower-case letters, digits, '-' and '_'"
    )
    assert "like thame-mast" in field_errors(response.text)["id"]
    _plain(response.text)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "", "type": "forum"}, "name", "Name is required."),
        ({"name": "X", "type": "forum", "hours": "two"}, "hours", "Not a number: &#39;two&#39;."),
        ({"name": "X", "type": "forum", "hours": "30"}, "hours", "Hours a meeting must be at most 24."),
        ({"name": "X", "type": "forum", "hours": "0"}, "hours", "Hours a meeting must be more than 0."),
        ({"name": "X", "type": "forum", "meets": "hourly"}, "meets", "Choose one of: "),
        ({"name": "X", "type": "forum", "area": "Oxford City"}, "area", "Each area is a locality id"),
        ({"name": "X", "type": "forum", "school": "nowhere"}, "school", "unknown agency"),
    ],
)
def test_each_problem_is_named_in_words_next_to_its_field(ed, fields, field, words):
    client, _, token = ed
    response = _post(client, token, "group", **fields)
    assert response.status_code == 422
    assert words in field_errors(response.text)[field]
    _plain(response.text)


def test_a_choice_problem_offers_the_choices_by_their_words(ed):
    client, _, token = ed
    response = _post(client, token, "link", **{"from": "thame-network", "kind": "passes_notes_to", "to": "thame-mast"})
    assert (
        "reports to" in field_errors(response.text)["kind"] and "reports_to" not in field_errors(response.text)["kind"]
    )


def test_a_duplicate_link_is_answered_on_the_form(ed, service):
    client, tokens, token = ed
    link = client.get(f"{API}/links", headers=auth(tokens, "viewer")).json()["items"][0]
    response = _post(client, token, "link", **{"from": link["from"], "kind": link["kind"], "to": link["to"]})
    assert response.status_code == 409
    assert "There is already a link" in html.unescape(field_errors(response.text)["to"])
    assert "problem" in response.text and 'class="field-error"' in response.text
    _plain(response.text)


def test_a_link_to_a_missing_group_is_named(ed):
    client, _, token = ed
    response = _post(client, token, "link", **{"from": "thame-network", "kind": "reports_to", "to": "thame-network"})
    assert response.status_code == 422 and "itself" in field_errors(response.text)["to"]


def test_a_taken_id_names_its_holder(ed):
    client, _, token = ed
    response = _post(client, token, "group", id="thame-network", name="Again", type="forum")
    assert response.status_code == 409
    assert (
        "already exists" in field_errors(response.text)["id"] and "Thame Network" in field_errors(response.text)["id"]
    )


# ---------------------------------------------------------------- ids from names, roles, members


def test_an_id_left_blank_is_made_from_the_name(ed):
    client, _, token = ed
    form = client.get(f"{THAME}/edit/group/new").text
    assert 'data-slug-from="f-name"' in form and '<script src="/static/slug.js" defer></script>' in form
    assert client.get("/static/slug.js").status_code == 200
    first = _post(client, token, "group", name="Thame Parents' Forum (North)", type="forum")
    assert first.url.path == f"{THAME}/groups/thame-parents-forum-north"
    second = _post(client, token, "group", name="Thame parents forum north", type="forum")
    assert second.url.path == f"{THAME}/groups/thame-parents-forum-north-2"


def test_job_roles_are_offered_in_words_and_stored_as_codes(ed):
    client, tokens, token = ed
    form = client.get(f"{THAME}/edit/person/new").text
    assert 'list="dl-role"' in form
    offered = re.findall(
        r'<option value="([^"]+)"></option>', re.search(r'<datalist id="dl-role">(.*?)</datalist>', form, re.S).group(1)
    )
    assert "Head teacher" in offered and "SENCO" in offered and "head_teacher" not in offered
    _post(client, token, "person", name="Head, Larkrise", role="Head teacher")
    _post(client, token, "person", name="Head of Year 7, Lord Williams's", role="Head of Year 7")
    people = {p["id"]: p for p in client.get(f"{API}/people", headers=auth(tokens, "viewer")).json()["items"]}
    assert people["head-larkrise"]["role"] == "head_teacher"
    assert people["head-of-year-7-lord-williams-s"]["role"] == "Head of Year 7"
    assert 'value="Head teacher"' in client.get(f"{THAME}/edit/person/head-larkrise").text


def test_members_are_chosen_in_the_group_form(ed):
    client, tokens, token = ed
    people = [p["id"] for p in client.get(f"{API}/people", headers=auth(tokens, "viewer")).json()["items"]]
    first, second, newcomer = people[:3]
    form = client.get(f"{THAME}/edit/group/new").text
    assert 'name="member_person"' in form and 'name="member_role"' in form
    done = client.post(
        f"{THAME}/edit/group/new",
        data={
            "csrf": token,
            "name": "Thame Parents Forum",
            "type": "forum",
            "member_person": [first, "", second],
            "member_role": ["chair", "member", "member"],
        },
    )
    assert _flash(done.text) == "Added the group Thame Parents Forum with 2 members."
    group = client.get(f"{API}/groups/thame-parents-forum", headers=auth(tokens, "viewer")).json()
    assert [(m["person"], m["role"]) for m in group["members"]] == [(first, "chair"), (second, "member")]
    path = f"{THAME}/edit/group/thame-parents-forum"
    posted = {"csrf": token, "name": "Thame Parents Forum", "type": "forum", "member_role": "member"}
    added = client.post(
        path, data={**posted, "version": _hidden(client.get(path).text, "version"), "member_person": newcomer}
    )
    assert _flash(added.text) == "Saved Thame Parents Forum: 1 member added."
    again = client.post(
        path, data={**posted, "version": _hidden(client.get(path).text, "version"), "member_person": first}
    )
    assert again.status_code == 422
    assert "already sits on this group" in html.unescape(field_errors(again.text)["members"])


# ---------------------------------------------------------------- upload


def test_anonymous_demo_visitors_are_sent_to_sign_in_before_the_upload_form(service):
    client, _ = service
    client.app.state.settings.demo = True
    try:
        anonymous = TestClient(client.app, raise_server_exceptions=False)
        answer = anonymous.get("/upload", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] in (
            "/signin?next=/upload",
            "/signin?next=%2Fupload",
        )
    finally:
        client.app.state.settings.demo = False
