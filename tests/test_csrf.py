"""Cross-site request forgery beyond SameSite: tokens, ``Origin`` and ``Sec-Fetch-Site``.

SameSite ignores ports, so a page on the same host and another port is "same
site" and the browser sends it the session cookie.  Every unsafe request
signed in by that cookie must carry the session's token and come from this
origin; the sign-in and sign-out forms carry a token too (no login CSRF).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import SAMPLES_DIR, auth

THAME_YAML = (SAMPLES_DIR / "thame.yaml").read_bytes()
OTHER_PORT = "http://testserver:8081"
ED = {"name": "ed", "password": "correct horse battery"}


def form_token(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', html).group(1)


def sign_in_form(client, **fields) -> dict:
    """``fields`` with the sign-in page's token (its cookie is kept by ``client``)."""
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/signin").text)
    return {**fields, "csrf": found.group(1)} if found else fields


@pytest.fixture
def browser(service):
    """A client signed in through the sign-in form, with the session's CSRF token."""
    client, tokens = service
    response = client.post("/signin", data=sign_in_form(client, **ED), follow_redirects=False)
    assert response.status_code == 303
    token = client.get("/auth/me").json().get("csrf_token")
    return client, tokens, token


def _renamed_thame() -> bytes:
    return THAME_YAML.replace(b"id: thame\n", b"id: forged\n", 1)


def test_a_form_post_from_another_port_imports_nothing(browser):
    client, tokens, _ = browser
    for headers in (
        {"Origin": OTHER_PORT, "Content-Type": "text/plain"},
        {"Sec-Fetch-Site": "same-site", "Content-Type": "text/plain"},
        {"Content-Type": "text/plain"},  # no Origin (an old browser): still no token
    ):
        response = client.post("/api/localities/import", params={"format": "yaml"}, content=THAME_YAML, headers=headers)
        assert response.status_code == 403, headers
    assert client.get("/api/localities/thame", headers=auth(tokens, "admin")).json()["revision"] == 1


def test_a_cookie_signed_write_needs_the_sessions_token_in_a_header(browser):
    client, _, token = browser
    change = {"venue": "Lord Williams's"}
    path = "/api/localities/thame/groups/thame-network"
    version = {"If-Match": client.get(path).headers["etag"]}
    refused = client.patch(path, json=change, headers=version)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    assert client.patch(path, json=change, headers={**version, "X-CSRF-Token": "0" * 64}).status_code == 403
    cross = {**version, "X-CSRF-Token": token, "Origin": OTHER_PORT}
    assert client.patch(path, json=change, headers=cross).status_code == 403
    sent = {**version, "X-CSRF-Token": token, "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.patch(path, json=change, headers=sent).status_code == 200


def test_bearer_requests_need_neither_token_nor_origin(service):
    client, tokens = service
    path = "/api/localities/thame/groups/thame-network"
    headers = {**auth(tokens, "editor"), "Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}
    headers["If-Match"] = client.get(path, headers=auth(tokens, "editor")).headers["etag"]
    response = client.patch(path, json={"venue": "Hall"}, headers=headers)
    assert response.status_code == 200


def test_a_page_form_from_another_port_is_refused_even_with_the_token(browser):
    client, _, token = browser
    form = {"id": "x-agency", "name": "X", "sector": "other", "csrf": token}
    for headers in ({"Origin": OTHER_PORT}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/localities/thame/edit/agency/new", data=form, headers=headers, follow_redirects=False)
        assert response.status_code == 403, headers
    response = client.post(
        "/localities/thame/edit/agency/new", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert response.status_code == 303


def test_the_sign_in_form_carries_a_token_bound_to_a_cookie(service):
    client, _ = service
    response = client.get("/signin")
    assert "locmap_signin" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
    token = form_token(response.text)
    assert form_token(client.get("/signin").text) == token  # the same browser keeps its token


def test_login_csrf_a_foreign_page_cannot_sign_the_victim_in(service):
    client, _ = service
    refused = client.post("/signin", data=ED, follow_redirects=False)
    assert refused.status_code == 403 and "locmap_session" not in refused.headers.get("set-cookie", "")
    form = sign_in_form(client, **ED)
    assert client.post("/signin", data={**form, "csrf": "0" * 64}, follow_redirects=False).status_code == 403
    cross = client.post("/signin", data=form, headers={"Origin": OTHER_PORT}, follow_redirects=False)
    assert cross.status_code == 403
    client.cookies.delete("locmap_signin")  # a token without its cookie (fetched by the attacker)
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 403
    assert client.get("/auth/me").status_code == 401


def test_sign_out_needs_the_token(browser):
    client, _, token = browser
    assert client.get("/signout").status_code == 405
    assert client.post("/signout", follow_redirects=False).status_code == 403
    assert client.post("/auth/logout").status_code == 403
    assert client.get("/auth/me").json()["name"] == "ed"  # still signed in
    page = client.get("/signin").text
    assert 'action="/signout"' in page and form_token(page) == token
    assert client.post("/signout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/auth/me").status_code == 401


def test_a_sign_in_rotates_the_session(browser):
    client, _, _ = browser
    before = client.cookies["locmap_session"]
    response = client.post("/signin", data=sign_in_form(client, **ED), follow_redirects=False)
    assert response.status_code == 303
    after = client.cookies["locmap_session"]
    assert after != before and client.get("/auth/me").json()["name"] == "ed"
    client.cookies.clear()
    client.cookies.set("locmap_session", before)
    assert client.get("/auth/me").status_code == 401  # the pre-sign-in session is discarded
