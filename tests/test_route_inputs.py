"""Route inputs: numbers out of range answer 404/422 in plain words, uploads are refused
before their body is read, and the schema declares what downloads really send."""

from __future__ import annotations

import re

import pytest

from app.formats.exchange import OUTPUTS
from tests.conftest import SAMPLES_DIR, auth

THAME = "/api/localities/thame"
HUGE = str(2**63)
HUGER = "9" * 40


def sign_in(client, name: str, password: str) -> None:
    """Sign a browser in through the sign-in form (which carries its own token)."""
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/signin").text).group(1)
    client.post("/signin", data={"name": name, "password": password, "csrf": token})


@pytest.mark.parametrize("number", [HUGE, HUGER, "0", "-1"])
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("POST", THAME + "/history/{n}/revert"),
        ("GET", THAME + "/snapshots/{n}"),
        ("POST", "/localities/thame/history/{n}/revert"),
    ],
)
def test_out_of_range_ids_in_paths_are_refused_plainly(service, method, template, number):
    client, tokens = service
    sign_in(client, "ed", "correct horse battery")
    response = client.request(method, template.format(n=number), headers=auth(tokens, "editor"))
    assert response.status_code in (404, 422), response.text
    assert "internal error" not in response.text


@pytest.mark.parametrize("ref", [HUGE, HUGER, "0", "²"])
def test_out_of_range_diff_from_is_a_404(service, ref):
    client, tokens = service
    response = client.get(f"{THAME}/diff", params={"from": ref}, headers=auth(tokens, "viewer"))
    assert response.status_code == 404, response.text
    assert "snapshot" in response.json()["detail"]


@pytest.mark.parametrize("number", [HUGE, HUGER, "0", "-3"])
def test_the_compare_pages_snapshot_out_of_range_is_refused(service, number):
    client, tokens = service
    response = client.get("/compare", params={"locality": "thame", "snapshot": number}, headers=auth(tokens, "viewer"))
    assert response.status_code in (404, 422), response.text
    assert "internal error" not in response.text and "snapshot" in response.text


def test_reverting_an_entry_whose_target_is_gone_says_so(service):
    client, tokens = service
    headers = auth(tokens, "admin")
    created = client.post(
        f"{THAME}/agencies", headers=headers, json={"id": "gone-agency", "name": "Gone", "sector": "other"}
    )
    assert created.status_code == 201
    tag = client.get(f"{THAME}/agencies/gone-agency", headers=headers).headers.get("etag", "*")
    client.patch(f"{THAME}/agencies/gone-agency", headers={**headers, "If-Match": tag}, json={"name": "Renamed"})
    history = client.get(f"{THAME}/history", headers=headers).json()
    update = next(e for e in history if e["action"] == "update" and e["entity_id"] == "gone-agency")
    tag = client.get(f"{THAME}/agencies/gone-agency", headers=headers).headers.get("etag", "*")
    assert client.delete(f"{THAME}/agencies/gone-agency", headers={**headers, "If-Match": tag}).status_code == 204
    response = client.post(f"{THAME}/history/{update['id']}/revert", headers=headers)
    assert response.status_code == 409, response.text
    assert "gone-agency" in response.json()["detail"] and "no longer" in response.json()["detail"]
    sign_in(client, "ada", "admin password 1")
    page = client.get("/localities/thame/edit").text
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    answer = client.post(f"/localities/thame/history/{update['id']}/revert", data={"csrf": token})
    assert answer.status_code == 409 and "no longer" in answer.text


# ---------------------------------------------------------------- uploads: who may, before the body


class Unread:
    """A request body that fails the test if anything reads it."""

    def __iter__(self):
        raise AssertionError("the body was read before the permission check")
        yield b""  # pragma: no cover


def test_a_viewer_importing_is_refused_before_the_body_is_read(service):
    client, tokens = service
    response = client.post(
        "/api/localities/import", params={"format": "yaml"}, content=Unread(), headers=auth(tokens, "viewer")
    )
    assert response.status_code == 403 and "may not" in response.json()["detail"]


def test_a_viewer_uploading_a_page_form_is_refused_before_the_body_is_read(service):
    client, tokens = service
    response = client.post(
        "/upload",
        content=Unread(),
        headers={**auth(tokens, "viewer"), "content-type": "multipart/form-data; boundary=x"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_a_browser_upload_needs_the_csrf_token_before_the_body(service):
    client, tokens = service
    sign_in(client, "ed", "correct horse battery")
    response = client.post("/upload", content=Unread(), headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 403 and "expired" in response.text
    response = client.post(
        "/api/localities/import", params={"format": "yaml"}, content=Unread()
    )  # the session cookie, no token
    assert response.status_code == 403


def test_a_browser_upload_with_the_token_works(service):
    client, tokens = service
    sign_in(client, "ed", "correct horse battery")
    page = client.get("/upload").text
    action = re.search(r'<form[^>]*action="([^"]+)"[^>]*enctype', page).group(1).replace("&amp;", "&")
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    response = client.post(
        action,
        data={"csrf": token},
        files={"file": ("thame.yaml", (SAMPLES_DIR / "thame.yaml").read_bytes())},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/localities/thame"


def test_downloads_declare_the_media_types_they_send(service):
    client, tokens = service
    operation = client.get("/api/openapi.json").json()["paths"]["/api/localities/{slug}/download/{fmt}"]["get"]
    declared = set(operation["responses"]["200"]["content"])
    sent = {media for _, media in OUTPUTS.values()}
    assert sent <= declared
    assert "application/octet-stream" not in declared - sent
    for fmt in ("xlsx", "yaml", "gexf"):
        media = client.get(f"{THAME}/download/{fmt}", headers=auth(tokens, "viewer")).headers["content-type"]
        assert media.split(";")[0] in declared
