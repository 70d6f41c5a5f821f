"""The "who meets where" map data (app/maps), without a browser."""

from __future__ import annotations

import json
import re
from collections import Counter

import jinja2
import pytest

from analysis.graphs import build_graphs, group_projection
from app.maps import VIEWS, layout, map_json, map_payload, standalone, standalone_map_html, styles, vis_assets
from models.validation import load_path, validate_data

from .conftest import ROOT, SAMPLE_PATHS

WEB_DIR = ROOT / "app" / "web"
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def samples():
    return {path.stem: load_path(path) for path in SAMPLE_PATHS}


@pytest.fixture
def hostile(minimal):
    """A locality whose names try to break out of HTML, attributes and scripts."""
    minimal["locality"]["name"] = f"{HOSTILE_SCRIPT} href Town"
    minimal["locality"]["authority"] = HOSTILE_IMG
    minimal["agencies"][0]["name"] = HOSTILE_IMG
    minimal["agencies"][1]["name"] = "Care <!-- & </script> -->"
    minimal["people"][0]["name"] = HOSTILE_SCRIPT
    minimal["people"][1]["name"] = f"{HOSTILE_IMG} href=javascript:alert(1)"
    minimal["groups"][0]["name"] = f"Steering {HOSTILE_SCRIPT}"
    minimal["groups"][1]["name"] = f"Panel {HOSTILE_IMG}"
    return validate_data(minimal)


def _by_id(payload):
    return {n["id"]: n for n in payload["nodes"]}


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=[p.stem for p in SAMPLE_PATHS])
def test_people_view_counts(path):
    doc = load_path(path)
    payload = map_payload(doc, "people")
    seated = {m.person for g in doc.groups for m in g.members}
    seats = sum(len(g.members) for g in doc.groups)
    kinds = Counter(n["kind"] for n in payload["nodes"])
    assert kinds == Counter({"group": len(doc.groups), "person": len(seated)})
    assert {n["ref"] for n in payload["nodes"] if n["kind"] == "person"} == seated
    edge_kinds = Counter(e["kind"] for e in payload["edges"])
    assert edge_kinds == Counter({"member": seats, "link": len(doc.links)})
    counts = payload["counts"]
    assert counts["nodes"] == len(doc.groups) + len(seated)
    assert counts["edges"] == seats + len(doc.links)
    assert counts["people"] == len(seated)
    assert counts["people_not_on_groups"] == len(doc.people) - len(seated)
    assert payload["view"] == "people"
    assert payload["locality"] == {"id": doc.locality.id, "name": doc.locality.name}


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=[p.stem for p in SAMPLE_PATHS])
def test_groups_view_counts(path):
    doc = load_path(path)
    payload = map_payload(doc, "groups")
    shared = [(u, v, w) for u, v, w in group_projection(build_graphs(doc)).edges(data="weight") if w > 0]
    assert {n["kind"] for n in payload["nodes"]} == {"group"}
    assert len(payload["nodes"]) == len(doc.groups)
    edge_kinds = Counter(e["kind"] for e in payload["edges"])
    assert edge_kinds["link"] == len(doc.links)
    assert edge_kinds["shared"] == len(shared)
    assert "member" not in edge_kinds
    nodes = _by_id(payload)
    got = {
        frozenset((nodes[e["from"]]["ref"], nodes[e["to"]]["ref"])): e["shared"]
        for e in payload["edges"]
        if e["kind"] == "shared"
    }
    assert got == {frozenset((u, v)): w for u, v, w in shared}
    for edge in payload["edges"]:
        if edge["kind"] == "shared":
            assert edge["arrows"]["to"]["enabled"] is False
            assert f"share {edge['shared']} member" in edge["tooltip"]


def test_unknown_view_is_refused(samples):
    with pytest.raises(ValueError, match="view"):
        map_payload(samples["thame"], "agencies")


# ---------------------------------------------------------------- ids and links


@pytest.mark.parametrize("view", VIEWS)
def test_ids_are_opaque(samples, view):
    for doc in samples.values():
        payload = map_payload(doc, view)
        file_ids = {doc.locality.id}
        names = {doc.locality.name}
        for section in (doc.agencies, doc.people, doc.groups):
            file_ids |= {x.id for x in section}
            names |= {x.name for x in section}
        file_ids |= {link.id for link in doc.links}
        node_ids = [n["id"] for n in payload["nodes"]]
        edge_ids = [e["id"] for e in payload["edges"]]
        assert len(set(node_ids)) == len(node_ids)
        assert len(set(edge_ids)) == len(edge_ids)
        for ident in node_ids + edge_ids:
            assert re.fullmatch(r"[gpe][0-9]+", ident)
            assert ident not in file_ids and ident not in names
        for node in payload["nodes"]:
            assert node["id"][0] == {"group": "g", "person": "p"}[node["kind"]]


@pytest.mark.parametrize("view", VIEWS)
def test_every_link_is_drawn_with_its_kind(samples, view):
    for doc in samples.values():
        payload = map_payload(doc, view)
        nodes = _by_id(payload)
        drawn = Counter(
            (nodes[e["from"]]["ref"], nodes[e["to"]]["ref"], e["link_kind"])
            for e in payload["edges"]
            if e["kind"] == "link"
        )
        assert drawn == Counter((link.from_, link.to, link.kind.value) for link in doc.links)
        for edge in payload["edges"]:
            if edge["kind"] == "link":
                assert edge["arrows"]["to"]["enabled"] is True
                assert edge["color"]["color"] == styles.LINK_COLOURS[edge["link_kind"]]


def test_parallel_links_of_different_kinds_are_bent_apart(samples):
    doc = samples["banbury"]
    pairs = Counter((link.from_, link.to) for link in doc.links)
    (source, target), n = pairs.most_common(1)[0]
    assert n >= 2, "banbury has two links of different kinds between the same groups"
    payload = map_payload(doc, "groups")
    nodes = _by_id(payload)
    parallel = [
        e
        for e in payload["edges"]
        if e["kind"] == "link" and (nodes[e["from"]]["ref"], nodes[e["to"]]["ref"]) == (source, target)
    ]
    assert len(parallel) == n
    assert len({e["link_kind"] for e in parallel}) == n
    assert len({e["smooth"]["roundness"] for e in parallel}) == n
    assert all(e["smooth"]["enabled"] for e in parallel)


def test_link_tooltip_in_words(samples):
    payload = map_payload(samples["thame"], "groups")
    tips = {e["tooltip"] for e in payload["edges"] if e["kind"] == "link"}
    assert "Thame Network feeds issues to Thame Network steering group" in tips
    assert "Thame Network steering group oversees Thame Network" in tips


# ---------------------------------------------------------------- node attributes


def test_group_and_person_attributes(samples):
    doc = samples["thame"]
    payload = map_payload(doc, "people")
    groups = {n["ref"]: n for n in payload["nodes"] if n["kind"] == "group"}
    people = {n["ref"]: n for n in payload["nodes"] if n["kind"] == "person"}
    network = groups["thame-network"]
    assert network["type"] == "network" and network["focus"] == "both"
    assert network["shape"] == "ellipse"
    assert network["tooltip"] == "Thame Network — network, upstream and downstream, meets termly, 15 members"
    centre = groups["county-iss-steering-group"]
    assert centre["external"] is True
    assert centre["shapeProperties"]["borderDashes"]
    assert "outside the locality" in centre["tooltip"]
    assert not groups["thame-network"].get("shapeProperties", {}).get("borderDashes")
    senco = people["senco-lws"]
    assert senco["sector"] == "education"
    assert senco["agency"] == "Lord Williams's School"
    assert senco["color"]["background"] == styles.SECTOR_COLOURS["education"]
    one_seat = min(people.values(), key=lambda n: n["seats"])
    most_seats = max(people.values(), key=lambda n: n["seats"])
    assert most_seats["size"] > one_seat["size"]
    for edge in payload["edges"]:
        if edge["kind"] == "member":
            assert edge["arrows"]["to"]["enabled"] is False
            assert edge["role"]


def test_person_without_agency_has_sector_none(minimal):
    minimal["people"][0].pop("agency")
    payload = map_payload(validate_data(minimal), "people")
    person = next(n for n in payload["nodes"] if n["ref"] == "head-a")
    assert person["sector"] == "none" and person["agency"] == ""
    assert "none" in {s["value"] for s in payload["filters"]["sectors"]}


@pytest.mark.parametrize("view", VIEWS)
def test_tooltips_are_plain_text_and_no_html_titles(samples, hostile, view):
    for doc in [*samples.values(), hostile]:
        payload = map_payload(doc, view)
        for item in payload["nodes"] + payload["edges"]:
            assert isinstance(item["tooltip"], str) and item["tooltip"]
            assert "title" not in item
    payload = map_payload(hostile, "people")
    # The name is carried as text, unchanged: map.js sets it with textContent.
    assert any(HOSTILE_SCRIPT in n["tooltip"] for n in payload["nodes"])


def test_legend_and_filters(samples):
    payload = map_payload(samples["city"], "people")
    doc = samples["city"]
    legend, filters = payload["legend"], payload["filters"]
    assert {t["value"] for t in filters["group_types"]} == {g.type.value for g in doc.groups}
    assert {k["value"] for k in filters["link_kinds"]} == {link.kind.value for link in doc.links}
    assert {s["value"] for s in filters["sectors"]} == {n["sector"] for n in payload["nodes"] if n["kind"] == "person"}
    assert all(
        item["label"] and item["count"] > 0 for key in ("group_types", "link_kinds", "sectors") for item in filters[key]
    )
    labels = {k["value"]: k["label"] for k in legend["link_kinds"]}
    assert labels.get("refers_cases_to") == "Refers cases to"
    assert all(f["color"].startswith("#") for f in legend["focus"])
    groups_payload = map_payload(doc, "groups")
    assert groups_payload["filters"]["sectors"] == []
    assert [e["value"] for e in groups_payload["filters"]["edges"]] == ["shared"]


def test_colour_palettes_are_distinct():
    for table in (styles.FOCUS_COLOURS, styles.SECTOR_COLOURS, styles.LINK_COLOURS):
        values = [v.lower() for v in table.values()]
        assert len(set(values)) == len(values)


# ---------------------------------------------------------------- layout


def test_small_maps_use_vis_physics(samples):
    payload = map_payload(samples["thame"], "people")
    assert payload["layout"] == "physics"
    assert payload["options"]["physics"]["enabled"] is True
    assert payload["options"]["physics"]["stabilization"]["iterations"] <= 500
    assert all("x" not in n for n in payload["nodes"])


def test_large_maps_are_laid_out_here_deterministically(samples):
    doc = samples["thame"]
    first = map_payload(doc, "people", layout_threshold=5)
    assert first["layout"] == "precomputed"
    assert first["options"]["physics"]["enabled"] is False
    coords = [(n["x"], n["y"]) for n in first["nodes"]]
    assert all(isinstance(x, int) and isinstance(y, int) for x, y in coords)
    assert max(max(abs(x), abs(y)) for x, y in coords) == pytest.approx(1000, abs=1)
    assert len(set(coords)) == len(coords)
    again = map_payload(doc, "people", layout_threshold=5)
    assert [(n["x"], n["y"]) for n in again["nodes"]] == coords
    other = map_payload(doc, "people", layout_threshold=5, seed=8)
    assert [(n["x"], n["y"]) for n in other["nodes"]] != coords


def test_big_layout_uses_block_fruchterman_reingold():
    edges = [(i, (i * 7 + 3) % 600, 1.0) for i in range(600)]
    pos = layout.positions([f"n{i}" for i in range(600)], [(f"n{u}", f"n{v}", w) for u, v, w in edges], seed=3)
    assert len(pos) == 600
    assert pos == layout.positions([f"n{i}" for i in range(600)], [(f"n{u}", f"n{v}", w) for u, v, w in edges], seed=3)
    # Big maps spread wider than +-1000 px so labels have room when zoomed in.
    assert max(max(abs(x), abs(y)) for x, y in pos.values()) == pytest.approx(1000 * (600 / 400) ** 0.5, abs=1)


def test_big_people_maps_place_people_by_their_groups(minimal):
    n = layout.SATELLITE_LAYOUT_MIN
    minimal["people"] = [{"id": f"person-{i}", "name": f"Person {i}", "agency": "shc"} for i in range(n)]
    minimal["groups"] = [
        {
            "id": f"group-{j}",
            "name": f"Group {j}",
            "type": "network",
            "members": [{"person": f"person-{i}"} for i in range(n) if i % 25 == j],
        }
        for j in range(25)
    ]
    minimal["links"] = [{"from": f"group-{j}", "to": f"group-{j + 1}", "kind": "reports_to"} for j in range(24)]
    payload = map_payload(validate_data(minimal), "people")
    assert payload["layout"] == "precomputed"
    groups = {n["ref"]: (n["x"], n["y"]) for n in payload["nodes"] if n["kind"] == "group"}
    for node in payload["nodes"]:
        if node["kind"] != "person":
            continue
        own = groups[f"group-{int(node['ref'].split('-')[1]) % 25}"]
        nearest = min(groups.values(), key=lambda g: (g[0] - node["x"]) ** 2 + (g[1] - node["y"]) ** 2)
        assert nearest == own
    assert payload == map_payload(validate_data(minimal), "people")


# ---------------------------------------------------------------- urls


def test_urls_only_with_a_link_base(samples):
    doc = samples["thame"]
    assert all("url" not in n for n in map_payload(doc, "people")["nodes"])
    payload = map_payload(doc, "people", link_base="/localities/thame")
    for node in payload["nodes"]:
        section = "groups" if node["kind"] == "group" else "people"
        assert node["url"] == f"/localities/thame/{section}/{node['ref']}"


def test_urls_quote_refs(samples):
    doc = samples["thame"].model_copy(deep=True)
    unlinked = next(g for g in doc.groups if all(g.id not in (link.from_, link.to) for link in doc.links))
    unlinked.id = "a b/../?x=<y>#z"
    payload = map_payload(doc, "groups", link_base="/localities/thame/")
    node = next(n for n in payload["nodes"] if n["ref"] == unlinked.id)
    assert node["url"] == "/localities/thame/groups/a%20b%2F..%2F%3Fx%3D%3Cy%3E%23z"


# ---------------------------------------------------------------- JSON and HTML


def test_map_json_is_safe_in_a_script_block(hostile):
    data = {"a": "</script><!-- <script>", "b": "x & y > z", "c": "line\u2028para\u2029end"}
    text = map_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == data
    payload = map_payload(hostile, "people")
    text = map_json(payload)
    assert "<" not in text and ">" not in text
    assert json.loads(text) == payload


def test_vis_assets_are_bundled():
    js, css = vis_assets()
    assert "vis-network" in js[:2000] and len(js) > 100_000
    assert ".vis-network" in css
    assert "</script" not in js.lower() and "</style" not in css.lower()


def test_map_js_never_parses_data_as_html():
    js = (WEB_DIR / "static" / "map.js").read_text(encoding="utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert forbidden not in js
    assert "</script" not in js.lower() and "<!--" not in js
    css = (WEB_DIR / "static" / "map.css").read_text(encoding="utf-8")
    assert "</style" not in css.lower() and "@import" not in css and "url(" not in css


def _tags(html_text: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*>", html_text, flags=re.IGNORECASE)


@pytest.mark.parametrize("view", VIEWS)
def test_standalone_html_is_self_contained(samples, view):
    doc = samples["thame"]
    page = standalone_map_html(doc, view)
    assert page.startswith("<!DOCTYPE html>")
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;; '
        'script-src &#x27;unsafe-inline&#x27;; style-src &#x27;unsafe-inline&#x27;; img-src data:">' in page
    )
    assert "Open offline; no data leaves this file." in page
    assert "<h1>Thame " in page
    # Nothing is fetched: no external scripts, stylesheets, images or frames.
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, flags=re.IGNORECASE)
    assert not _tags(page, "link")
    assert not re.search(r"<(img|iframe|object|embed)\b", page, flags=re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", page, flags=re.IGNORECASE)
    assert len(re.findall(r"</script>", page)) == 3
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, flags=re.DOTALL)
    payload = json.loads(data.group(1))
    assert payload["view"] == view
    assert len(payload["nodes"]) == map_payload(doc, view)["counts"]["nodes"]
    assert 'data-locmap-map data-payload="map-data"' in page


def test_standalone_html_escapes_user_text(hostile):
    page = standalone_map_html(hostile, "people")
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; href Town" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    body = page.split("<body", 1)[1]
    # User text never reaches an attribute: every attribute value in the body is ours.
    for tag in re.findall(r"<[a-z][^>]*>", body.split('<script type="application/json"', 1)[0]):
        assert "alert" not in tag and "href" not in tag
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, flags=re.DOTALL).group(1)
    assert "<" not in data and ">" not in data
    assert json.loads(data)["locality"]["name"] == f"{HOSTILE_SCRIPT} href Town"


def test_inline_script_escaping():
    text = 'var a = "</script><!-- x"; var b = "</SCRIPT >";'
    safe = standalone._inline_script(text)
    assert "</script" not in safe.lower() and "<!--" not in safe
    assert standalone._inline_script("var a = 1 < 2;") == "var a = 1 < 2;"


# ---------------------------------------------------------------- the partial


def test_map_partial_renders(samples):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(WEB_DIR / "templates")), autoescape=True)
    payload = map_payload(samples["thame"], "groups", link_base="/localities/thame")
    html_text = env.get_template("_map.html").render(
        map_payload=payload,
        map_view="groups",
        map_views_urls={"people": "/localities/thame?map=people", "groups": "/localities/thame?map=groups"},
    )
    assert '<div class="locmap-map" data-locmap-map data-payload="map-data"' in html_text
    assert '<a href="/localities/thame?map=groups" aria-current="page">' in html_text
    assert '<a href="/localities/thame?map=people">' in html_text
    assert '<script src="/static/vendor/vis-network/vis-network.min.js"></script>' in html_text
    assert '<script src="/static/map.js"></script>' in html_text
    assert (
        'href="/static/vendor/vis-network/vis-network.min.css"' in html_text and 'href="/static/map.css"' in html_text
    )
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html_text, flags=re.DOTALL)
    assert json.loads(data.group(1)) == payload
    # No inline script or style the site's CSP would block.
    assert not re.search(r"<script>(?!\s*</script>)", html_text)
    assert "<style" not in html_text and " style=" not in html_text
