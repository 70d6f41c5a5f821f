"""The history page in people's words, and revert after a confirmation that says what it will do."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.web.pages.history import FIELD_WORDS, value_words
from tests.conftest import auth
from tests.test_csrf import sign_in_form


@pytest.fixture
def editor(service):
    """A browser signed in as Thame's editor, with the page's CSRF token."""
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    page = client.get("/localities/thame/edit").text
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    return client, tokens, token


def text(html: str) -> str:
    """A page's words, tags taken out."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def changed(client, tokens, method: str, path: str, **body):
    """A PATCH or DELETE over the API as admin, with the entry's ETag as If-Match."""
    admin = auth(tokens, "admin")
    tag = client.get(path, headers=admin).headers["ETag"]
    return client.request(method, path, headers={**admin, "If-Match": tag}, **body)


def newest(client, tokens) -> int:
    return client.get("/api/localities/thame/history", headers=auth(tokens, "admin")).json()[0]["id"]


def history_row(client, number: int) -> str:
    page = client.get("/localities/thame/history").text
    return text(re.search(rf'<tr id="change-{number}">(.*?)</tr>', page, re.S).group(1))


def test_history_names_things_and_lists_only_what_changed(editor):
    client, tokens, _ = editor
    admin = auth(tokens, "admin")
    network = "/api/localities/thame/groups/thame-network"
    assert changed(client, tokens, "PATCH", network, json={"meets": "weekly"}).is_success
    row = history_row(client, newest(client, tokens))
    assert "Group: Thame Network changed" in row and "meets: termly → weekly" in row
    assert "external" not in row and "thame-network" not in row
    link = {"from": "thame-network", "to": "county-iss-steering-group", "kind": "consults"}
    assert client.post("/api/localities/thame/links", headers=admin, json=link).status_code == 201
    row = history_row(client, newest(client, tokens))
    steering = client.get("/api/localities/thame/groups/county-iss-steering-group", headers=admin).json()["name"]
    assert f"Link: Thame Network consults {steering} added" in row and "--" not in row


def test_revert_asks_first_then_says_what_it_restored(editor):
    client, tokens, token = editor
    admin = auth(tokens, "admin")
    before = client.get("/api/localities/thame/export", headers=admin).json()
    group = next(g for g in before["groups"] if len(g.get("members", [])) >= 2)
    links = [link for link in before["links"] if group["id"] in (link["from"], link["to"])]
    assert links, "the test needs a group with links"
    assert changed(client, tokens, "DELETE", f"/api/localities/thame/groups/{group['id']}").status_code == 204
    deletion = newest(client, tokens)
    assert f'href="/localities/thame/history/{deletion}/revert"' in client.get("/localities/thame/history").text
    confirm = client.get(f"/localities/thame/history/{deletion}/revert")
    assert confirm.status_code == 200
    plan = text(re.search(r'<p class="lead" id="plan">(.*?)</p>', confirm.text, re.S).group(1))
    members, count = len(group["members"]), len(links)
    assert plan == (
        f"This restores the group {group['name']} with {members} members and {count} link{'s' if count > 1 else ''}."
    )
    assert client.get("/api/localities/thame/export", headers=admin).json() != before  # asking changed nothing
    done = client.post(f"/localities/thame/history/{deletion}/revert", data={"csrf": token})
    assert done.status_code == 200 and f"Restored the group {group['name']}" in text(done.text)
    assert client.get("/api/localities/thame/export", headers=admin).json() == before  # exactly, in order
    row = history_row(client, deletion)
    assert f"Reverted by change {deletion + 1}" in row and "Revert…" not in row


def test_a_second_revert_and_a_revert_of_what_is_gone_are_refused_in_words(editor):
    client, tokens, token = editor
    admin = auth(tokens, "admin")
    network = "/api/localities/thame/groups/thame-network"
    assert changed(client, tokens, "PATCH", network, json={"venue": "Hall"}).is_success
    change = newest(client, tokens)
    assert client.post(f"/api/localities/thame/history/{change}/revert", headers=admin).status_code == 201
    again = client.post(f"/api/localities/thame/history/{change}/revert", headers=admin)
    assert again.status_code == 409 and again.json()["detail"].startswith(f"Change {change} was already reverted")
    page = client.post(f"/localities/thame/history/{change}/revert", data={"csrf": token})
    assert page.status_code == 409 and "already reverted" in text(page.text) and "Back to the history" in page.text
    missing = client.get("/localities/thame/history/999999/revert")
    assert missing.status_code == 404 and "has no change number 999999" in text(missing.text)
    assert client.post("/api/localities/thame/history/999999/revert", headers=admin).status_code == 404
    assert changed(client, tokens, "PATCH", network, json={"venue": "Barn"}).is_success
    venue = newest(client, tokens)
    assert changed(client, tokens, "DELETE", network).status_code == 204
    gone = client.get(f"/localities/thame/history/{venue}/revert")
    assert gone.status_code == 409 and "no longer there" in text(gone.text)
    assert 'action="/localities/thame/history' not in gone.text  # no button to press


def test_an_erasure_says_it_is_never_reverted(editor):
    client, tokens, _ = editor
    admin = auth(tokens, "admin")
    assert changed(client, tokens, "DELETE", "/api/localities/thame/people/school-nurse").status_code == 200
    row = history_row(client, newest(client, tokens))
    assert "never reverted" in row and "Revert…" not in row
    refused = client.post(f"/api/localities/thame/history/{newest(client, tokens)}/revert", headers=admin)
    assert refused.status_code == 409 and "never reverted" in refused.json()["detail"]


def test_a_groups_concerns_and_contact_read_as_the_form_words_them():
    assert FIELD_WORDS["handles"] == "concerns it takes" and FIELD_WORDS["contact"] == "how to bring an item"
    handles = value_words("handles", ["emotional_mental_health", "behaviour"], None)
    assert handles == "Emotional and mental health, Behaviour"
    # Free text that might name someone is said to have been written, not shown.
    assert value_words("meeting_pattern", "At Jo's, Fridays", None) == "a text"
