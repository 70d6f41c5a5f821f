"""Printing the map, downloading it as a picture, and the charts as SVG.

The browser cases drive Debian's Chromium; the SVG cases need no browser.
"""

from __future__ import annotations

import copy
import struct
import xml.etree.ElementTree as ET

import pytest

from analysis.audit import audit
from analysis.charts import comparison_figure, profile_bars, svg_bytes
from analysis.settings import DEFAULT_SETTINGS
from models.validation import validate_data
from tests.browser_support import PageWatch, chromium, live_server, sample_database
from tests.conftest import MINIMAL, SAMPLES_DIR, auth

HOSTILE = "--></svg><script>alert(1)</script><text>$\\frac{a}$ & co"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- charts as SVG


def test_svg_charts_escape_names_and_fetch_nothing():
    data = copy.deepcopy(MINIMAL)
    data["locality"]["name"] = HOSTILE
    document = validate_data(data)
    result = audit(document, DEFAULT_SETTINGS)
    for figure in (profile_bars(result, HOSTILE), comparison_figure([result], {result.locality: HOSTILE})):
        svg = svg_bytes(figure)
        root = ET.fromstring(svg)  # well-formed: nothing in a name ended an element early
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not [e for e in root.iter() if e.tag.endswith(("script", "foreignObject"))]
        text = svg.decode()
        assert "<script" not in text and "alert(1)</script>" not in text
        assert "@font-face" not in text and "@import" not in text and "url(http" not in text
        assert 'xlink:href="http' not in text and 'href="http' not in text
        assert not [e for e in root.iter() if e.tag.endswith("}text")], "text must be drawn as paths"


@pytest.mark.parametrize(
    "path",
    ["/api/localities/thame/charts/profile", "/api/localities/thame/charts/load", "/api/compare/chart"],
)
def test_every_chart_route_has_an_svg_sibling(service, path):
    client, tokens = service
    params = [("locality", "thame"), ("locality", "city")] if "compare" in path else []
    png = client.get(path + ".png", params=params, headers=auth(tokens, "viewer"))
    svg = client.get(path + ".svg", params=params, headers=auth(tokens, "viewer"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.headers["etag"] != png.headers["etag"]
    again = client.get(
        path + ".svg", params=params, headers={**auth(tokens, "viewer"), "If-None-Match": svg.headers["etag"]}
    )
    assert again.status_code == 304
    assert client.get(path + ".svg", params=params).status_code in (401, 303)


def test_the_compare_page_offers_the_chart_as_svg(service):
    client, tokens = service
    html = client.get("/compare?locality=thame&locality=city", headers=auth(tokens, "viewer")).text
    assert "/api/compare/chart.svg?locality=thame&amp;locality=city" in html
    assert "/api/compare/chart.png?locality=thame&amp;locality=city" in html


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    url, engine = sample_database(tmp_path_factory.mktemp("print"))
    engine.dispose()
    with live_server(url, demo=True) as (base, _):
        yield base


@pytest.fixture
def standalone(tmp_path):
    from app.cli import main

    target = tmp_path / "thame-map.html"
    assert main(["map", str(SAMPLES_DIR / "thame.yaml"), "-o", str(target)]) == 0
    return target.as_uri()


def open_map(browser, url, offline=False):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, offline=offline)
    page = context.new_page()
    page.watch = PageWatch(page, allowed_host=None if offline else "127.0.0.1")
    page.goto(url)
    page.wait_for_selector("[data-locmap-map][data-ready=true]", timeout=20_000)
    return context, page


#: The canvas's box and its drawing's size, to tell a redraw from a stretch.
CANVAS = """() => {
  const c = document.querySelector('.locmap-canvas canvas');
  const box = c.getBoundingClientRect();
  return {boxWidth: box.width, boxHeight: box.height, width: c.width, height: c.height};
}"""

VISIBLE = "s => [...document.querySelectorAll(s)].some(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')"


@pytest.mark.parametrize("where", ["locality page", "standalone file"])
def test_printing_gives_the_map_the_page_with_its_key(server, browser, standalone, where, tmp_path):
    url = server + "/localities/thame" if where == "locality page" else standalone
    context, page = open_map(browser, url, offline=where == "standalone file")
    screen = page.evaluate(CANVAS)
    page.emulate_media(media="print")
    # As on the way back: the redraw for paper happens at the page's next rendering step, later on a loaded machine.
    page.wait_for_function("w => document.querySelector('.locmap-canvas canvas').width !== w", arg=screen["width"])
    printed = page.evaluate(CANVAS)
    for hidden in (".locmap-toolbar", ".locmap-filters", ".locmap-details", "header.site nav", "form", "button"):
        assert not page.evaluate(VISIBLE, hidden), f"{hidden} shows in print"
    assert page.evaluate(VISIBLE, ".locmap-legend")
    assert page.locator(".locmap-legend").inner_text().count("\n") > 10
    main_width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert printed["boxWidth"] >= 0.9 * main_width, "the map should take the page's width"
    # Redrawn for paper, not stretched: the drawing has the box's shape and more pixels than it shows.
    assert abs(printed["width"] / printed["height"] - printed["boxWidth"] / printed["boxHeight"]) < 0.02
    assert printed["width"] >= printed["boxWidth"] and printed["width"] != screen["width"]
    page.emulate_media(media="screen")
    # The media change reaches the page's listeners at its next rendering step.
    page.wait_for_function("w => document.querySelector('.locmap-canvas canvas').width === w", arg=screen["width"])
    back = page.evaluate(CANVAS)
    assert abs(back["width"] - screen["width"]) <= 1 and abs(back["height"] - screen["height"]) <= 1
    page.emulate_media(media=None)
    page.pdf(path=str(tmp_path / "map.pdf"), format="A4")
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert page.watch.errors == [] and page.watch.foreign == []
    context.close()


@pytest.mark.parametrize("where", ["locality page", "standalone file"])
def test_download_map_as_png_at_print_resolution(server, browser, standalone, where, tmp_path):
    url = server + "/localities/thame" if where == "locality page" else standalone
    context, page = open_map(browser, url, offline=where == "standalone file")
    before = page.evaluate(CANVAS)
    view = page.evaluate(
        "(() => { const n = window.locmapMaps[0].network; return [n.getScale(), n.getViewPosition()]; })()"
    )
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download map as PNG").click()
    download = waiting.value
    assert download.suggested_filename == "thame-people-map.png"
    target = tmp_path / "map.png"
    download.save_as(target)
    width, height = png_size(target.read_bytes())
    assert width == 3000 and 2000 < height < 4000, (width, height)  # the map, a caption above, the key below
    assert target.stat().st_size > 100_000
    # The reader's view is as it was.
    assert page.evaluate(CANVAS) == before
    after = page.evaluate(
        "(() => { const n = window.locmapMaps[0].network; return [n.getScale(), n.getViewPosition()]; })()"
    )
    assert after[0] == pytest.approx(view[0]) and after[1]["x"] == pytest.approx(view[1]["x"], abs=0.5)
    assert page.watch.errors == [] and page.watch.foreign == []
    context.close()
