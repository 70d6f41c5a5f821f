"""Maps people can read at every size, in Chromium: the layered layout, neighbourhoods and a big locality."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import live_server, sample_database, watched_page

SHOTS = Path(os.environ.get("LOCMAP_SHOTS", "/tmp/h5/shots"))


@pytest.fixture(scope="module")
def largest():
    from app.synth import synth

    return max(synth("county", 1), key=lambda d: sum(len(g.members) for g in d.groups))


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser, largest):
    from app.storage import store
    from app.storage.db import session_scope

    url, engine = sample_database(tmp_path_factory.mktemp("maps"))
    with session_scope(engine) as session:
        store.import_document(session, largest)
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base


@pytest.fixture
def page(browser):
    with watched_page(browser, 1366, 900) as page:
        yield page


def wait_for_map(page):
    page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=30_000)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#map").screenshot(path=str(SHOTS / name))


def drawn(page) -> list[dict]:
    """Every node drawn, with its file id, level and position on the canvas."""
    return page.evaluate(
        """() => {
          const m = window.locmapMaps[0];
          const at = m.network.getPositions();
          return m.nodes.get({filter: n => !n.hidden}).map(n => ({
            ref: n.ref, kind: n.kind, level: n.level, y: at[n.id].y}));
        }"""
    )


def test_the_layered_layout_puts_strategy_above_casework_and_is_remembered(server, page):
    page.goto(server + "/localities/city?view=groups#map")
    wait_for_map(page)
    page.select_option("select[data-choice=layout]", "layered")
    page.wait_for_function("() => window.locmapMaps.length && window.locmapMaps[0].payload.layout === 'layered'")
    wait_for_map(page)
    assert "layout=layered" in page.url
    nodes = drawn(page)
    assert {n["level"] for n in nodes} >= {1, 2, 3}
    for upper in nodes:
        for lower in nodes:
            if upper["level"] < lower["level"]:
                assert upper["y"] < lower["y"], (upper, lower)
    shot(page, "city-layered-groups.png")
    page.reload()  # the address keeps the layout
    wait_for_map(page)
    assert page.evaluate("() => window.locmapMaps[0].payload.layout") == "layered"


def test_a_group_page_maps_only_its_neighbourhood(server, page):
    from app.maps.ego import ego_document
    from app.samples import sample_paths
    from models.validation import load_path

    thame = load_path(next(p for p in sample_paths() if p.stem == "thame"))
    near, _ = ego_document(thame, "group:thame-network")
    page.goto(server + "/localities/thame/groups/thame-network")
    wait_for_map(page)
    refs = {(n["kind"], n["ref"]) for n in drawn(page)}
    expected = {("group", g.id) for g in near.groups} | {("person", p.id) for p in near.people}
    assert refs == expected and len(near.groups) < len(thame.groups)
    assert "neighbourhood of" in page.locator(".locmap-notices").inner_text()


def test_the_abingdon_coordinators_neighbourhood(server, page):
    page.goto(server + "/localities/abingdon/people/coordinator")
    wait_for_map(page)
    refs = {n["ref"] for n in drawn(page) if n["kind"] == "person"}
    assert "coordinator" in refs
    shot(page, "abingdon-coordinator-ego.png")


def test_the_largest_county_locality_opens_readable(server, page, largest):
    page.goto(server + f"/localities/{largest.locality.id}#map")
    wait_for_map(page)
    payload = page.evaluate(
        "() => ({view: window.locmapMaps[0].payload.view, top: window.locmapMaps[0].payload.nodes.filter(n => n.top_label).length})"
    )
    assert payload["view"] == "groups" and payload["top"] > 0
    assert page.locator(".locmap-views a[aria-current=page]").inner_text() == "Groups and their links"
    assert "too many to read at once" in page.locator(".locmap-notices").inner_text()
    shot(page, "county-largest-fit.png")


def named_boxes(page) -> list[dict]:
    """The names map.js keeps on the map, with the lines vis drew and each node's box on screen."""
    return page.evaluate(
        """() => {
          const m = window.locmapMaps[0];
          return m.named().map(id => {
            const node = m.network.body.nodes[id];
            const box = m.network.getBoundingBox(id);
            const a = m.network.canvasToDOM({x: box.left, y: box.top});
            const b = m.network.canvasToDOM({x: box.right, y: box.bottom});
            const lines = (node.labelModule.lines || []).map(l => l.blocks.map(x => x.text).join(''));
            return {id, label: m.payload.nodes.find(n => n.id === id).label, lines,
                    left: a.x, top: a.y, right: b.x, bottom: b.y};
          });
        }"""
    )


def test_the_largest_localitys_names_are_whole_words_that_do_not_cover_each_other(server, page, largest):
    page.goto(server + f"/localities/{largest.locality.id}#map")
    wait_for_map(page)
    named = named_boxes(page)
    assert 6 <= len(named) <= page.evaluate("() => window.locmapMaps[0].payload.label_count")
    for n in named:
        # vis wrapped between words only: the drawn lines hold the name's words, whole and in order
        assert " ".join(n["lines"]).split() == n["label"].split(), n
        # and a name never blows its shape up past a readable size (the screenshot's giant ellipses)
        assert n["right"] - n["left"] < 240 and n["bottom"] - n["top"] < 110, n
    for i, a in enumerate(named):
        for b in named[i + 1 :]:
            apart = (
                a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            )
            assert apart, repr((a, b))
    shot(page, "county-largest-fit.png")


def test_the_view_links_keep_the_maps_choices_where_they_apply(server, page):
    page.goto(server + "/localities/city?view=groups#map")
    wait_for_map(page)
    page.select_option("select[data-choice=layout]", "layered")
    wait_for_map(page)
    page.select_option("select[data-choice=measure]", "seats")
    page.wait_for_function("() => window.locmapMaps.length && window.locmapMaps[0].payload.legend.measure")
    wait_for_map(page)
    links = {a.inner_text(): a.get_attribute("href") for a in page.locator(".locmap-views a").all()}
    groups, people = links["Groups and their links"], links["People and groups"]
    assert "layout=layered" in groups and "measure=seats" in groups and "view=groups" in groups
    assert "measure=seats" in people and "layout" not in people and "view=people" in people
    page.click("text=People and groups")
    wait_for_map(page)
    assert page.evaluate("() => window.locmapMaps[0].payload.legend.measure.value") == "seats"
