"""Optimistic concurrency: ETags on reads, If-Match on writes, versioned edit forms.

Two editors who read the same thing and both write it: the second is told
(412 in the API, the form shown again in the browser) and the first's change is kept.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth

THAME = "/api/localities/thame"
NETWORK = f"{THAME}/groups/thame-network"


def sign_in(client, name: str, password: str) -> None:
    """Sign a browser in through the sign-in form (which carries its own token)."""
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/signin").text).group(1)
    client.post("/signin", data={"name": name, "password": password, "csrf": token})


def _headers(tokens, role="editor", **extra):
    return {**auth(tokens, role), **extra}


@pytest.mark.parametrize(
    "path",
    [THAME, f"{THAME}/export", NETWORK, f"{THAME}/people/senco-lws", f"{THAME}/agencies/lord-williams"],
)
def test_every_get_of_a_locality_or_entry_has_an_etag(service, path):
    client, tokens = service
    response = client.get(path, headers=auth(tokens, "viewer"))
    assert response.status_code == 200
    assert re.fullmatch(r'"[^"]+"', response.headers.get("etag", ""))


def test_an_entrys_version_changes_only_when_it_changes(service):
    client, tokens = service
    tag = client.get(NETWORK, headers=auth(tokens, "viewer")).headers["etag"]
    other = client.get(f"{THAME}/groups/thame-partnership-heads", headers=auth(tokens, "viewer")).headers["etag"]
    changed = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "Room 1"})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert client.get(NETWORK, headers=auth(tokens, "viewer")).headers["etag"] == changed.headers["etag"]
    # another group's version is its own: editing one group does not stale the other
    assert (
        client.get(f"{THAME}/groups/thame-partnership-heads", headers=auth(tokens, "viewer")).headers["etag"] == other
    )


def test_a_stale_if_match_on_patch_is_refused_and_the_first_change_kept(service):
    client, tokens = service
    tag = client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    first = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "First's room"})
    assert first.status_code == 200
    second = client.patch(
        NETWORK, headers=_headers(tokens, "admin", **{"If-Match": tag}), json={"venue": "Second's room"}
    )
    assert second.status_code == 412
    assert "changed since" in second.json()["detail"]
    assert second.headers["etag"] == first.headers["etag"]  # the current version, to read again
    assert client.get(NETWORK, headers=auth(tokens, "viewer")).json()["venue"] == "First's room"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", NETWORK, {"venue": "x"}),
        ("DELETE", f"{THAME}/links/" + "x", None),
        ("PATCH", f"{NETWORK}/members/school-nurse", {"role": "member"}),
        ("DELETE", f"{NETWORK}/members/school-nurse", None),
        ("PUT", THAME, "EXPORT"),
        ("DELETE", THAME, None),
    ],
)
def test_an_api_write_without_if_match_is_refused_with_428(service, method, path, body):
    client, tokens = service
    if body == "EXPORT":
        body = client.get(f"{THAME}/export", headers=auth(tokens, "admin")).json()
    response = client.request(method, path, headers=auth(tokens, "admin"), json=body)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]


def test_delete_with_a_stale_if_match_is_refused(service):
    client, tokens = service
    tag = client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "Moved"})
    assert client.delete(NETWORK, headers=_headers(tokens, **{"If-Match": tag})).status_code == 412
    assert client.get(NETWORK, headers=auth(tokens, "viewer")).status_code == 200


def test_member_writes_check_the_groups_version(service):
    client, tokens = service
    members = client.get(f"{NETWORK}/members", headers=auth(tokens, "editor"))
    tag = members.headers["etag"]
    assert tag == client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    person = members.json()[0]["person"]
    client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "Moved"})
    stale = client.delete(f"{NETWORK}/members/{person}", headers=_headers(tokens, **{"If-Match": tag}))
    assert stale.status_code == 412
    fresh = client.delete(
        f"{NETWORK}/members/{person}", headers=_headers(tokens, **{"If-Match": stale.headers["etag"]})
    )
    assert fresh.status_code == 204


def test_a_put_of_a_whole_locality_with_a_stale_version_is_refused(service):
    client, tokens = service
    read = client.get(f"{THAME}/export", headers=auth(tokens, "editor"))
    tag = read.headers["etag"]
    assert tag == client.get(THAME, headers=auth(tokens, "editor")).headers["etag"]
    first = read.json()
    first["locality"]["note"] = "first editor's note"
    answer = client.put(THAME, headers=_headers(tokens, **{"If-Match": tag}), json=first)
    assert answer.status_code == 200 and answer.headers["etag"] != tag
    second = read.json()
    second["locality"]["note"] = "second editor's note"
    refused = client.put(THAME, headers=_headers(tokens, "admin", **{"If-Match": tag}), json=second)
    assert refused.status_code == 412 and "changed since" in refused.json()["detail"]
    assert client.get(f"{THAME}/export", headers=auth(tokens, "viewer")).json()["locality"]["note"] == (
        "first editor's note"
    )


def test_if_match_star_and_a_list_of_tags(service):
    client, tokens = service
    tag = client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    listed = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": f'"old", {tag}'}), json={"hours": 2})
    assert listed.status_code == 200
    assert client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": "*"}), json={"hours": 3}).status_code == 200
    weak = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": "W/" + listed.headers["etag"]}), json={})
    assert weak.status_code == 412  # If-Match compares strongly


def test_the_openapi_schema_documents_412_and_428_on_writes(service):
    client, _ = service
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, method in [
        ("/api/localities/{slug}", "put"),
        ("/api/localities/{slug}", "delete"),
        ("/api/localities/{slug}/groups/{item_id}", "patch"),
        ("/api/localities/{slug}/people/{item_id}", "delete"),
        ("/api/localities/{slug}/groups/{group_id}/members/{person_id}", "patch"),
    ]:
        operation = paths[path][method]
        assert {"412", "428"} <= set(operation["responses"]), (path, method)
        assert any(p["name"].lower() == "if-match" for p in operation["parameters"]), (path, method)


# ---------------------------------------------------------------- two editors in the browser


def _browser(app, password_user=("ed", "correct horse battery")) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    sign_in(client, *password_user)
    return client


def _open_form(client, path) -> dict[str, str]:
    page = client.get(path).text
    return {
        "csrf": re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1),
        "version": re.search(r'name="version" value="([^"]+)"', page).group(1).replace("&#34;", '"'),
    }


GROUP_FORM = {"name": "Thame Network", "type": "network", "membership": "open", "meets": "termly", "hours": "1"}


def test_two_editors_save_the_same_group_form_the_second_is_told(service):
    client, tokens = service
    first, second = _browser(client.app), _browser(client.app, ("ada", "admin password 1"))
    path = "/localities/thame/edit/group/thame-network"
    first_form, second_form = _open_form(first, path), _open_form(second, path)
    saved = first.post(path, data={**first_form, **GROUP_FORM, "venue": "First's room"}, follow_redirects=False)
    assert saved.status_code == 303
    told = second.post(path, data={**second_form, **GROUP_FORM, "venue": "Second's room"}, follow_redirects=False)
    assert told.status_code == 409
    assert "Someone else changed" in told.text
    assert "Second&#39;s room" in told.text  # the second editor's input is kept in the form
    assert "First&#39;s room" in told.text  # and the change they would overwrite is shown
    network = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    assert network["venue"] == "First's room"
    # saving again from the form shown (now at the current version) is a deliberate overwrite
    again = re.search(r'name="version" value="([^"]+)"', told.text).group(1).replace("&#34;", '"')
    resaved = second.post(
        path, data={**second_form, "version": again, **GROUP_FORM, "venue": "Second's room"}, follow_redirects=False
    )
    assert resaved.status_code == 303


def test_a_delete_form_opened_before_a_change_is_told(service):
    client, tokens = service
    first, second = _browser(client.app), _browser(client.app, ("ada", "admin password 1"))
    path = "/localities/thame/edit/group/thame-network"
    first_form, second_form = _open_form(first, path), _open_form(second, path)
    assert first.post(path, data={**first_form, **GROUP_FORM, "venue": "Kept"}, follow_redirects=False).status_code
    told = second.post(f"{path}/delete", data=second_form, follow_redirects=False)
    assert told.status_code == 409 and "Someone else changed" in told.text
    assert client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).status_code == 200


def _holding_an_edit(engine, started, release):
    """Begin an edit of Thame in a session of its own and hold it until ``release`` is set.

    It gives up after 10 s (a request queued behind it then goes on): far longer than a glance takes.
    """
    from sqlmodel import Session

    from app.storage import store

    with Session(engine) as session:
        store.begin_edit(session, "thame")
        started.set()
        release.wait(10)
        session.rollback()


def test_a_stale_patch_is_refused_while_another_edit_holds_the_lock(service, engine):
    import threading

    client, tokens = service
    stale = client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    assert client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": stale}), json={"venue": "Room 1"}).is_success
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_holding_an_edit, args=(engine, started, release))
    holder.start()
    try:
        assert started.wait(30)
        refused = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": stale}), json={"venue": "Room 2"})
        # Answered while the other edit still held the lock: glanced at, not queued behind it.
        assert holder.is_alive()
        assert refused.status_code == 412
    finally:
        release.set()
        holder.join(60)
    assert client.get(NETWORK, headers=auth(tokens, "viewer")).json()["venue"] == "Room 1"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_with_no_other_edit_under_way_the_entry_is_read_once_under_the_lock(service, monkeypatch):
    import app.web.concurrency as concurrency

    client, tokens = service
    glances = []
    glance = concurrency.entry_version
    monkeypatch.setattr(concurrency, "entry_version", lambda *a, **k: glances.append(a[1:]) or glance(*a, **k))
    tag = client.get(NETWORK, headers=auth(tokens, "editor")).headers["etag"]
    changed = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "Room 3"})
    assert changed.status_code == 200 and glances == []
    # A near miss: a stale tag is still refused, from the read under the lock.
    again = client.patch(NETWORK, headers=_headers(tokens, **{"If-Match": tag}), json={"venue": "Room 4"})
    assert again.status_code == 412 and glances == []
    assert client.get(NETWORK, headers=auth(tokens, "viewer")).json()["venue"] == "Room 3"
