"""Editing in the browser (forms, CSRF, errors by field, history, revert), snapshots and diffs."""

from __future__ import annotations

import json
import re

import pytest

from app.cli import main
from tests.conftest import SAMPLES_DIR, auth
from tests.test_csrf import sign_in_form


@pytest.fixture
def editor(service):
    """A browser signed in as Thame's editor, with the page's CSRF token."""
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    page = client.get("/localities/thame/edit").text
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    return client, tokens, token


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="e-([a-z_]+)">([^<]+)</p>', html))


def test_forms_need_the_sessions_csrf_token(editor):
    client, _, token = editor
    form = {"id": "x-agency", "name": "X", "sector": "other"}
    assert client.post("/localities/thame/edit/agency/new", data=form, follow_redirects=False).status_code == 403
    assert (
        client.post(
            "/localities/thame/edit/agency/new", data={**form, "csrf": "0" * 64}, follow_redirects=False
        ).status_code
        == 403
    )
    response = client.post("/localities/thame/edit/agency/new", data={**form, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/localities/thame/agencies/x-agency"


def test_errors_are_shown_next_to_their_fields_and_nothing_is_saved(editor):
    client, tokens, token = editor
    response = client.post(
        "/localities/thame/edit/group/new",
        data={"csrf": token, "id": "Bad Id", "name": "", "type": "forum", "hours": "two", "school": "thame-network"},
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert set(errors) == {"id", "name", "hours"}
    assert errors["hours"] == "Not a number: &#39;two&#39;."
    assert 'value="Bad Id"' in response.text  # what was typed is kept
    response = client.post(
        "/localities/thame/edit/person/new", data={"csrf": token, "id": "p-new", "name": "New", "agency": "nowhere"}
    )
    assert response.status_code == 422 and field_errors(response.text) == {"agency": "unknown agency &#39;nowhere&#39;"}
    people = client.get("/api/localities/thame/people", headers=auth(tokens, "viewer")).json()["items"]
    assert "p-new" not in [p["id"] for p in people]


def test_duplicate_id_is_a_field_error(editor):
    client, _, token = editor
    response = client.post(
        "/localities/thame/edit/group/new", data={"csrf": token, "id": "thame-network", "name": "Dup", "type": "forum"}
    )
    assert response.status_code == 409 and "already exists" in field_errors(response.text)["id"]


def test_edit_and_revert_through_the_history(editor):
    client, tokens, token = editor
    response = client.post(
        "/localities/thame/edit/group/thame-network",
        data={
            "csrf": token,
            "name": "Thame Network",
            "type": "network",
            "membership": "open",
            "meets": "half_termly",
            "hours": "1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    network = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    assert network["meets"] == "half_termly" and len(network["members"]) == 15  # seats kept
    assert network["purpose"] is None  # cleared in the form, so cleared here
    history = client.get("/localities/thame/history").text
    assert "meets: termly → half termly" in history and re.search(r"purpose: [^<]+ → \(none\)", history)
    change = re.search(r"/localities/thame/history/(\d+)/revert", history).group(1)
    assert (
        client.post(
            f"/localities/thame/history/{change}/revert", data={"csrf": token}, follow_redirects=False
        ).status_code
        == 303
    )
    network = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    assert network["meets"] == "termly" and network["purpose"]
    assert f"reverted change {change}" in client.get("/localities/thame/history").text


def _revision(client, tokens) -> int:
    return client.get("/api/localities/thame", headers=auth(tokens, "viewer")).json()["revision"]


def test_a_form_save_and_a_form_delete_each_make_one_revision(editor):
    # The form's version check begins the change: the edit neither locks nor bumps again.
    client, tokens, token = editor
    revision = _revision(client, tokens)
    form = {"csrf": token, "name": "Thame Network", "type": "network", "membership": "open", "meets": "monthly"}
    assert client.post("/localities/thame/edit/group/thame-network", data=form, follow_redirects=False).is_redirect
    assert _revision(client, tokens) == revision + 1
    deleted = client.post(
        "/localities/thame/edit/link/" + _a_link_id(client, tokens) + "/delete",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert deleted.status_code == 303, deleted.text
    assert _revision(client, tokens) == revision + 2


def _a_link_id(client, tokens) -> str:
    return client.get("/api/localities/thame/links", headers=auth(tokens, "viewer")).json()["items"][0]["id"]


def test_members_added_and_removed_from_the_group_page(editor):
    client, tokens, token = editor
    page = client.get("/localities/thame/groups/thame-partnership-heads").text
    assert 'action="/localities/thame/groups/thame-partnership-heads/members"' in page
    client.post(
        "/localities/thame/groups/thame-partnership-heads/members",
        data={"csrf": token, "person": "school-nurse", "role": "consultant"},
    )
    members = client.get(
        "/api/localities/thame/groups/thame-partnership-heads/members", headers=auth(tokens, "viewer")
    ).json()
    assert members[-1]["person"] == "school-nurse" and members[-1]["role"] == "consultant"
    response = client.post(
        "/localities/thame/groups/thame-partnership-heads/members",
        data={"csrf": token, "person": "school-nurse"},
        follow_redirects=False,
    )
    assert "already+a+member" in response.headers["location"] or "already%20a%20member" in response.headers["location"]
    client.post("/localities/thame/groups/thame-partnership-heads/members/school-nurse/remove", data={"csrf": token})
    members = client.get(
        "/api/localities/thame/groups/thame-partnership-heads/members", headers=auth(tokens, "viewer")
    ).json()
    assert "school-nurse" not in [m["person"] for m in members]


def test_viewers_see_no_editing_controls(service):
    client, tokens = service
    html = client.get("/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).text
    assert "Add member" not in html and "Remove" not in html
    html = client.get("/localities/thame", headers=auth(tokens, "other_editor")).text
    assert "Edit this locality" not in html


def test_reverting_a_change_others_depend_on_is_refused_with_the_reason(editor):
    client, tokens, token = editor
    admin = auth(tokens, "admin")
    client.post("/api/localities/thame/groups", headers=admin, json={"id": "g-new", "name": "New", "type": "forum"})
    created = client.get("/api/localities/thame/history", headers=admin).json()[0]["id"]
    client.post(
        "/api/localities/thame/links", headers=admin, json={"from": "g-new", "to": "thame-network", "kind": "consults"}
    )
    response = client.post(f"/api/localities/thame/history/{created}/revert", headers=admin)
    assert response.status_code == 201  # deleting the group takes its link with it
    response = client.post(f"/api/localities/thame/history/{created}/revert", headers=admin)
    assert response.status_code == 409 and "already reverted" in response.text  # reverted once: said plainly


def test_snapshots_and_diff_over_the_api(service):
    client, tokens = service
    admin = auth(tokens, "admin")
    snap = client.post("/api/localities/thame/snapshots", headers=admin, json={"label": "before the link"}).json()
    client.post(
        "/api/localities/thame/links",
        headers=admin,
        json={"from": "thame-network", "to": "county-iss-steering-group", "kind": "reports_to"},
    )
    diff = client.get("/api/localities/thame/diff", headers=admin, params={"from": snap["id"]}).json()
    assert diff["structure"]["links"]["added"] == ["thame-network--reports_to--county-iss-steering-group"]
    assert "NO_LINK_TO_CENTRE" in {f["code"] for f in diff["findings"]["resolved"]}
    assert diff["profile"]["links_to_centre"] == {"before": 0, "after": 1}
    by_label = client.get("/api/localities/thame/diff", headers=admin, params={"from": "before the link"}).json()
    assert by_label == diff
    old = client.get(f"/api/localities/thame/snapshots/{snap['id']}", headers=admin).json()
    assert len(old["links"]) == 6
    assert client.get("/api/localities/thame/diff", headers=admin, params={"from": "nope"}).status_code == 404


def test_snapshot_and_diff_commands(capsys, db_url, tmp_path):
    assert main(["import", "--samples", "--db", db_url]) == 0
    assert main(["snapshot", "thame", "--label", "start", "--db", db_url]) == 0
    assert "refer to it as thame@1" in capsys.readouterr().out
    import yaml

    data = yaml.safe_load((SAMPLES_DIR / "thame.yaml").read_text())
    next(g for g in data["groups"] if g["id"] == "thame-network")["meets"] = "half_termly"
    (tmp_path / "thame.yaml").write_text(yaml.safe_dump(data))
    assert main(["import", str(tmp_path / "thame.yaml"), "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["diff", "thame@start", "thame", "--json", "--db", db_url]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["structure"]["groups"]["changed"] == {"thame-network": {"meets": ["termly", "half_termly"]}}
    assert main(["diff", "thame@9", "thame", "--db", db_url]) == 3
    assert "no snapshot '9'" in capsys.readouterr().err
    assert main(["snapshot", "thame", "--label", "", "--db", db_url]) != 0
