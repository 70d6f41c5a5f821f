"""The server-rendered pages (no browser): content, links, access, escaping."""

from __future__ import annotations

import copy
import re

import pytest

from tests.conftest import MINIMAL, auth
from tests.test_csrf import form_token, sign_in_form

EVIL_NAMES = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "href")


@pytest.fixture
def site(service):
    """A client signed in as a viewer through the browser sign-in form."""
    client, tokens = service
    response = client.post(
        "/signin",
        data=sign_in_form(client, name="ed", password="correct horse battery", next="/"),
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client, tokens


def links(html: str) -> dict[str, str]:
    """Anchor text to href, for following pages by the names a person would look for."""
    return {
        re.sub(r"<[^>]+>", "", text).strip(): href for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', html)
    }


def test_anonymous_visitors_are_sent_to_sign_in(service):
    client, _ = service
    response = client.get("/localities/thame/groups/thame-network", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Flocalities%2Fthame%2Fgroups%2Fthame-network"
    assert client.get("/signin").status_code == 200


def test_sign_in_form_errors_and_safe_redirects(service):
    client, _ = service
    bad = client.post("/signin", data=sign_in_form(client, name="ed", password="nope"))
    assert bad.status_code == 401 and "Unknown name or wrong password" in bad.text
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/signin",
            data=sign_in_form(client, name="ed", password="correct horse battery", next=target),
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
    response = client.post("/signout", data={"csrf": form_token(client.get("/signin").text)}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_home_lists_localities_by_name_with_figures(site):
    client, _ = site
    html = client.get("/").text
    anchors = links(html)
    assert anchors["Thame"] == "/localities/thame" and anchors["Abingdon"] == "/localities/abingdon"
    assert anchors["Thame Network"] == "/localities/thame/groups/thame-network"  # the key group
    assert "Sign out" in html and "ed" in html


def test_click_through_from_home_to_group_to_person(site):
    client, _ = site
    locality = client.get(links(client.get("/").text)["Thame"]).text
    assert "What the audit finds" in locality and "NO_LINK_TO_CENTRE" in locality
    assert 'type="application/json" id="map-data">null<' in locality  # the map's data is fetched, not inline
    assert 'data-locmap-map-url="/localities/thame/map.json?view=people"' in locality
    group = client.get(links(locality)["Thame Network"]).text
    assert "<strong>feeds issues to</strong>" in group and "Members (15)" in group
    person = client.get(links(group)["SENCO, Lord Williams&#39;s School"]).text
    assert "Who meets where: 3 groups" in person
    assert "Thame Network steering group" in person and "Colleagues met there" in person
    assert re.search(r"In all</th><td class=\"num\">\d+ hours", person)


def test_group_links_in_words(site):
    client, _ = site
    html = client.get("/localities/city/groups/sct-leys-primary-a").text
    assert re.search(r"<strong>refers cases to</strong> <a href=\"/localities/city/groups/mast\">", html)
    assert re.search(r"<strong>commissions</strong> <a href=\"/localities/city/groups/mast\">", html)
    html = client.get("/localities/bicester/groups/bicester-steering-group").text
    assert re.search(r"Bicester ISS forum</a> <strong>reports to</strong> this group", html)


def test_agency_page_shows_presence_and_absence(site):
    client, _ = site
    html = client.get("/localities/thame/agencies/lord-williams").text
    present = html.split('id="present"')[1].split("</section>")[0]
    absent = html.split('id="absent"')[1].split("</section>")[0]
    assert "Thame Network" in present and "Thame Bodyzone" in present
    assert "Oxfordshire ISS Steering Group" not in absent  # outside the locality: not counted as absence


def test_search_and_compare(site):
    client, _ = site
    html = client.get("/search", params={"q": "senco"}).text
    assert "/localities/thame/people/senco-lws" in html and "/localities/city/people/senco-leys-a" in html
    assert "0 results" in client.get("/search", params={"q": "zzzz-nothing"}).text
    html = client.get("/compare", params=[("locality", "thame"), ("locality", "abingdon")]).text
    assert "/api/compare/chart.png?locality=thame&amp;locality=abingdon" in html
    assert "Systems minding" in html and "strongly evident" in html


def test_pages_for_unknown_things_are_html_404s(site):
    client, _ = site
    for path in ("/localities/nowhere", "/localities/thame/groups/nowhere", "/localities/thame/people/x", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html"), path
        assert "Not found" in response.text
    response = client.get("/localities/thame", params={"view": "<x>"})
    assert response.status_code == 422 and "&lt;x&gt;" not in response.text or "<x>" not in response.text


def test_pages_carry_a_content_security_policy(site):
    client, _ = site
    response = client.get("/localities/thame")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script>(?!\s*$)", response.text)  # no inline scripts, only src= and JSON data
    assert not re.search(r'(src|href)="(https?:)?//', response.text)  # nothing from elsewhere


def test_vendor_assets_are_served_locally(site):
    client, _ = site
    js = client.get("/static/vendor/vis-network/vis-network.min.js")
    assert (
        js.status_code == 200 and js.headers["content-type"].startswith("text/javascript") and len(js.content) > 100_000
    )
    assert client.get("/static/vendor/vis-network/vis-network.min.css").status_code == 200
    assert client.get("/static/vendor/other.js").status_code == 404
    assert client.get("/static/site.css").status_code == 200


def test_hostile_names_are_escaped_on_every_page(service):
    client, tokens = service
    evil = copy.deepcopy(MINIMAL)
    evil["locality"]["id"] = "evil"
    evil["locality"]["name"] = EVIL_NAMES[0]
    evil["agencies"][0]["name"] = EVIL_NAMES[1]
    evil["people"][0]["name"] = EVIL_NAMES[1]
    evil["people"][1]["name"] = EVIL_NAMES[2]
    evil["groups"][0]["name"] = EVIL_NAMES[0]
    evil["groups"][0]["purpose"] = EVIL_NAMES[1]
    evil["groups"][1]["name"] = EVIL_NAMES[2]
    assert client.post("/api/localities", json=evil, headers=auth(tokens, "admin")).status_code == 201
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    paths = [
        "/",
        "/localities/evil",
        "/localities/evil?view=groups",
        "/localities/evil/groups/steering",
        "/localities/evil/groups/panel",
        "/localities/evil/people/head-a",
        "/localities/evil/people/sw",
        "/localities/evil/agencies/school-a",
        "/search?q=script",
        "/search?q=img",
        "/compare?locality=evil",
    ]
    for path in paths:
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'onerror=alert(1)>"' not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "\\u003cscript\\u003e" in html, path
