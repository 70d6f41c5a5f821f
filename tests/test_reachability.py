"""Every capability one click away, and one way to count (issue 12, items 3 and 7).

From the locality page every link resolves for the roles that see it; each
download link gives its format; snapshots and their diff are pages; the
compare chart charts snapshot columns; and the home page, ``locmap list``,
the locality page and the audit count groups, people and agencies alike,
saying what each figure counts.
"""

from __future__ import annotations

import copy
import html as htmllib
import json
import re
from typing import get_args

import pytest

from app.formats.exchange import OUTPUTS
from app.web.api.localities import DOWNLOADS
from models.validation import load_path
from tests.conftest import MINIMAL, SAMPLE_PATHS, auth

#: The formats the API offers, as the locality page names them.
FORMAT_WORDS = {
    "yaml": "locmap file (YAML)",
    "json": "locmap file (JSON)",
    "xlsx": "Spreadsheet (XLSX)",
    "zip": "Spreadsheet as CSV files (zip)",
    "gexf": "Network for Gephi (GEXF)",
    "graphml": "Network for Cytoscape (GraphML)",
    "kumu": "Network for Kumu (JSON)",
}


def anchors(html: str) -> dict[str, str]:
    """Each link's text (tags stripped, entities read) to its address."""
    return {
        htmllib.unescape(re.sub(r"<[^>]+>", "", text)).strip(): htmllib.unescape(href)
        for href, text in re.findall(r'<a [^>]*?href="([^"]+)"[^>]*>(.*?)</a>', html, flags=re.S)
    }


def text_of(html: str) -> str:
    """The page's words, tags out and white space collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html)))


def take_snapshot(client, tokens, slug: str = "thame", label: str = "before the new forum") -> int:
    response = client.post(f"/api/localities/{slug}/snapshots", json={"label": label}, headers=auth(tokens, "admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


# ---------------------------------------------------------------- the locality page's links


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_link_on_the_locality_page_resolves_for_its_reader(service, role):
    client, tokens = service
    take_snapshot(client, tokens)
    headers = auth(tokens, role)
    page = client.get("/localities/thame", headers=headers)
    assert page.status_code == 200
    targets = {href.split("#")[0] for href in anchors(page.text).values() if href.startswith("/")}
    targets.discard("")
    assert "/localities/thame/snapshots" in targets and "/api/localities/thame/download/xlsx" in targets
    broken = {}
    for href in sorted(targets):
        response = client.get(href, headers=headers)
        if response.status_code != 200:
            broken[href] = response.status_code
    assert broken == {}


def test_each_download_link_names_its_format_and_gives_its_media_type(service):
    client, tokens = service
    page = client.get("/localities/thame", headers=auth(tokens, "viewer")).text
    links = anchors(page)
    assert set(FORMAT_WORDS) == set(get_args(DOWNLOADS))  # every format the API offers
    for fmt, words in FORMAT_WORDS.items():
        assert links[words] == f"/api/localities/thame/download/{fmt}", words
        response = client.get(links[words], headers=auth(tokens, "viewer"))
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == OUTPUTS[fmt][1], fmt
        assert "attachment" in response.headers["content-disposition"]
    report = client.get(links["Audit report (HTML)"], headers=auth(tokens, "viewer"))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "attachment" in report.headers["content-disposition"] and "Thame" in report.text
    # The page says plainly what the files hold: the API gives every reader names and roles.
    assert "people's names and job roles" in text_of(page)


def test_downloads_and_report_refuse_whoever_may_not_read(service):
    client, _ = service
    for href in ("/api/localities/thame/download/xlsx", "/localities/thame/report.html"):
        response = client.get(href, follow_redirects=False)
        assert response.status_code in (401, 303), href


def test_the_upload_link_is_offered_to_editors_and_admins_only(service):
    client, tokens = service
    for role, offered in (("viewer", False), ("editor", True), ("other_editor", True), ("admin", True)):
        home = anchors(client.get("/", headers=auth(tokens, role)).text)
        assert ("/upload" in home.values()) is offered, role
    assert "/upload" in anchors(client.get("/localities/thame", headers=auth(tokens, "editor")).text).values()
    assert "/upload" not in anchors(client.get("/localities/thame", headers=auth(tokens, "viewer")).text).values()


# ---------------------------------------------------------------- snapshots and diff


def test_snapshots_page_lists_them_and_offers_taking_one_to_editors(service):
    client, tokens = service
    number = take_snapshot(client, tokens)
    viewer = client.get("/localities/thame/snapshots", headers=auth(tokens, "viewer"))
    assert viewer.status_code == 200
    words = text_of(viewer.text)
    assert "before the new forum" in words and "Take a snapshot" not in words
    links = anchors(viewer.text)
    assert links["What changed since"] == f"/localities/thame/diff?from={number}&to=current"
    editor = client.get("/localities/thame/snapshots", headers=auth(tokens, "editor")).text
    assert 'action="/localities/thame/snapshots"' in editor and 'name="csrf"' in editor
    assert "Take a snapshot" in text_of(editor)
    assert client.get("/localities/nowhere/snapshots", headers=auth(tokens, "viewer")).status_code == 404


def test_diff_page_says_in_words_what_changed_since_a_snapshot(service):
    client, tokens = service
    number = take_snapshot(client, tokens)
    editor = auth(tokens, "admin")
    group = {"id": "thame-youth-forum", "name": "Thame youth forum", "type": "forum", "meets": "termly"}
    assert client.post("/api/localities/thame/groups", json=group, headers=editor).status_code == 201
    seat = {"person": "thame-coordinator"}
    document = client.get("/api/localities/thame/export", headers=editor).json()
    seat["person"] = document["people"][0]["id"]
    name = document["people"][0]["name"]
    response = client.post("/api/localities/thame/groups/thame-youth-forum/members", json=seat, headers=editor)
    assert response.status_code == 201, response.text
    page = client.get(f"/localities/thame/diff?from={number}&to=current", headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Groups added: Thame youth forum" in words
    assert f"{name} joined Thame youth forum" in words
    assert "Findings that appeared" in words and "Findings resolved" in words
    assert "thame-youth-forum" not in words  # names, never ids
    # Two snapshots compare as well, and an unknown one is a plain 404.
    later = take_snapshot(client, tokens, label="after the new forum")
    both = client.get(f"/localities/thame/diff?from={number}&to={later}", headers=auth(tokens, "viewer"))
    assert both.status_code == 200 and "Groups added: Thame youth forum" in text_of(both.text)
    missing = client.get("/localities/thame/diff?from=999999&to=current", headers=auth(tokens, "viewer"))
    assert missing.status_code == 404 and "no snapshot" in missing.text


def test_snapshots_are_reached_by_clicks_from_the_locality_page(service):
    client, tokens = service
    number = take_snapshot(client, tokens)
    viewer = auth(tokens, "viewer")
    locality = anchors(client.get("/localities/thame", headers=viewer).text)
    snapshots = client.get(locality["Snapshots and what changed"], headers=viewer).text
    diff = client.get(anchors(snapshots)["What changed since"], headers=viewer)
    assert diff.status_code == 200
    compare = anchors(snapshots)["Set beside now on the compare page"]
    assert compare == f"/compare?locality=thame&snapshot={number}"


# ---------------------------------------------------------------- the compare page and chart


def test_compare_chart_charts_the_snapshot_columns(service, monkeypatch):
    from app.web.api import analysis as api

    drawn = []
    original = api.comparison_figure

    def recording(audits, names=None):
        figure = original(audits, names)
        drawn.append([t.get_text() for ax in figure.get_axes() for t in ax.get_yticklabels() + ax.get_xticklabels()])
        return figure

    monkeypatch.setattr(api, "comparison_figure", recording)
    client, tokens = service
    number = take_snapshot(client, tokens)
    page = client.get(f"/compare?locality=thame&locality=city&snapshot={number}", headers=auth(tokens, "viewer"))
    chart = re.search(r'<img class="chart" src="([^"]+)"', page.text).group(1)
    assert f"snapshot={number}" in htmllib.unescape(chart)
    response = client.get(htmllib.unescape(chart), headers=auth(tokens, "viewer"))
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    labels = " ".join(" ".join(label.split()) for label in drawn[-1])  # names are wrapped, never cut
    assert "Thame" in labels and "City" in labels and "before the new forum" in labels


def test_compare_chart_refuses_an_unknown_snapshot_in_words(service):
    client, tokens = service
    response = client.get("/api/compare/chart.png?locality=thame&snapshot=999999", headers=auth(tokens, "viewer"))
    assert response.status_code == 404 and "no snapshot 999999" in response.text


def test_compare_form_names_snapshots_by_locality_name(service):
    client, tokens = service
    number = take_snapshot(client, tokens)
    page = client.get("/compare", headers=auth(tokens, "viewer")).text
    assert f'name="snapshot" value="{number}"' in page
    assert "Thame at 'before the new forum'" in text_of(page)


# ---------------------------------------------------------------- one way to count

#: A locality whose outside group seats an agency found on no local group.
OUTSIDE = copy.deepcopy(MINIMAL)
OUTSIDE["locality"].update(id="outside", name="Outside")
OUTSIDE["agencies"].append({"id": "county", "name": "County Council", "sector": "local_authority"})
OUTSIDE["people"].append({"id": "officer", "name": "County officer", "role": "manager", "agency": "county"})
OUTSIDE["groups"].append(
    {"id": "county-group", "name": "County group", "type": "strategic_centre", "external": True,
     "members": [{"person": "officer"}]}
)  # fmt: skip


def expected_counts(data: dict) -> dict:
    """The figures counted by hand from a file: the definition the four places must share."""
    groups = data["groups"]
    local = [g for g in groups if not g.get("external")]
    agency_of = {p["id"]: p.get("agency") for p in data["people"]}
    on_local = {agency_of[m["person"]] for g in local for m in g.get("members", [])} - {None}
    seated = {m["person"] for g in groups for m in g.get("members", [])}
    return {
        "groups": len(groups),
        "local_groups": len(local),
        "external_groups": len(groups) - len(local),
        "people": len(data["people"]),
        "people_in_groups": len(seated),
        "agencies": len(data["agencies"]),
        "agencies_in_groups": len(on_local),
        "links": len(data["links"]),
    }


def phrases(c: dict) -> list[str]:
    """What each figure counts, in the words every place uses."""
    groups = f"{c['local_groups']} local group{'s' * (c['local_groups'] != 1)}"
    if c["external_groups"]:
        groups += f" and {c['external_groups']} outside the locality"
    agencies = f"{c['agencies_in_groups']} agencies on local groups"
    if c["agencies_in_groups"] != c["agencies"]:
        agencies += f" ({c['agencies']} in the file)"
    people = f"{c['people_in_groups']} people on groups"
    if c["people_in_groups"] != c["people"]:
        people += f" ({c['people']} in the file)"
    return [groups, people, agencies]


def sample_data() -> list[dict]:
    return [load_path(path).to_data() for path in SAMPLE_PATHS] + [OUTSIDE]


@pytest.mark.parametrize("data", sample_data(), ids=lambda d: d["locality"]["id"])
def test_home_list_locality_page_and_audit_count_alike(service, capsys, tmp_path, data):
    from app.cli import main

    client, tokens = service
    slug = data["locality"]["id"]
    if slug == "outside":
        assert client.post("/api/localities", json=data, headers=auth(tokens, "admin")).status_code == 201
    expected = expected_counts(data)
    headers = auth(tokens, "viewer")
    metrics = client.get(f"/api/localities/{slug}/audit", headers=headers).json()["metrics"]
    assert {k: metrics[k] for k in expected} == expected
    locality = text_of(client.get(f"/localities/{slug}", headers=headers).text)
    home = client.get("/", headers=headers).text
    row = text_of(re.search(rf'<tr>\s*<th scope="row"><a href="/localities/{slug}">.*?</tr>', home, re.S).group(0))
    for phrase in phrases(expected):
        assert phrase in locality, phrase
        assert phrase in row, phrase
    # locmap list, on a database holding the same file
    db = f"sqlite:///{tmp_path / 'list.db'}"
    source = tmp_path / f"{slug}.json"
    source.write_text(json.dumps(data))
    assert main(["import", str(source), "--db", db]) == 0
    capsys.readouterr()
    assert main(["list", "--db", db, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert {k: listed[k] for k in expected} == expected
    assert main(["list", "--db", db]) == 0
    table = capsys.readouterr().out
    assert "local groups" in table and "outside the locality" in table and "on local groups" in table


def test_the_locality_page_says_boundary_and_funding_in_words():
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.main import create_app

    with TestClient(create_app(Settings(database_url="sqlite://", demo=True, load_samples=True))) as client:
        city = client.get("/localities/city").text
        thame = client.get("/localities/thame").text
    assert "unclear boundary · substantial devolved funding" in city
    assert "clear boundary · project funding only" in thame and "devolved funding project" not in thame
