"""The printable "who meets where" directory in a real browser: printed to PDF through Chromium (issue 13, part 4).

Line numbers cite ../shared/seeds/004_9d3d462b1681b467.txt (Glenny 2005):
"new members of the locality need to be actively initiated into the
communication system" (3.2); Thame's newly appointed SENCo found their way
through the Network's web directory (line 679).  The directory is for an
induction pack: one A4 page, nothing but the directory on it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from models.validation import load_path
from tests.browser_support import live_server, sample_database, watched_page
from tests.conftest import SAMPLES_DIR

pytestmark = pytest.mark.browser

THAME_GROUPS = [g.name for g in load_path(SAMPLES_DIR / "thame.yaml").groups]
#: Words of the site's header and footer, which a printed directory must not carry.
NAVIGATION = ("Skip to content", "Search groups", "Sign in", "Compare", "locmap maps and audits")


@pytest.fixture(scope="module")
def base(tmp_path_factory, browser):
    url, engine = sample_database(tmp_path_factory.mktemp("directory"))
    engine.dispose()
    with live_server(url, demo=True) as (address, _):
        yield address


@pytest.fixture
def page(browser):
    with watched_page(browser, 1280, 900) as page:
        yield page


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote: its page objects (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_thame_directory_prints_on_one_a4_page_without_navigation(page, base, tmp_path):
    page.goto(f"{base}/localities/thame/directory")
    page.emulate_media(media="print")
    for name in THAME_GROUPS:
        assert page.get_by_role("heading", name=name, exact=False).first.is_visible(), name
    assert not page.locator("header.site").is_visible() and not page.locator("footer.site").is_visible()
    assert not page.locator(".crumbs").is_visible() and not page.get_by_text("Print or save as PDF").is_visible()
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf[:5] == b"%PDF-"
    pages = pdf_pages(pdf)
    assert pages >= 1, "no page objects read from the PDF: the page count would be meaningless"
    assert pages == 1, (
        f"the Thame directory printed on {pages} A4 pages: its six groups and fifteen Network members "
        "no longer fit two columns of 7.6 pt type (app/web/static/directory.css, @media print)"
    )
    if shutil.which("pdftotext"):  # poppler-utils, where installed: read what was printed
        (tmp_path / "thame.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "thame.pdf"), "-"], capture_output=True, text=True).stdout
        flat = " ".join(text.split())
        for name in THAME_GROUPS:
            assert name in flat, name
        for words in NAVIGATION:
            assert words not in flat, words


def test_the_printed_groups_fit_inside_the_first_a4_page(page, base):
    # Without a PDF reader, the layout itself: at A4's printable width every group ends above A4's printable height.
    page.set_viewport_size({"width": 718, "height": 1046})  # A4 less 11 mm and 10 mm margins, in CSS pixels
    page.goto(f"{base}/localities/thame/directory")
    page.emulate_media(media="print")
    bottoms = page.eval_on_selector_all(".dir-group", "els => els.map(e => e.getBoundingClientRect().bottom)")
    assert len(bottoms) == len(THAME_GROUPS)
    assert max(bottoms) <= 1046, f"the last group ends at {max(bottoms):.0f} px, below the first page"


def test_the_print_button_prints_and_the_page_is_whole_without_it(browser, base):
    context = browser.new_context(java_script_enabled=False)
    bare = context.new_page()
    bare.goto(f"{base}/localities/thame/directory")
    assert not bare.get_by_text("Print or save as PDF").is_visible()  # no script, no button that does nothing
    assert all(bare.get_by_role("heading", name=n).first.is_visible() for n in THAME_GROUPS)
    context.close()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/localities/thame/directory")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("window.printed === true")
    context.close()


def test_the_role_directory_is_reached_from_the_home_page(page, base):
    page.goto(base)
    page.get_by_role("link", name="Who sits where, by role").click()
    page.get_by_label("Job role").fill("SENCo")
    page.get_by_role("button", name="Show").click()
    assert page.url.endswith("/roles?role=SENCo")
    table = page.locator("table.roles")
    assert table.get_by_role("link", name="SENCO (newly appointed), Thame primary school A").count() == 2
    assert table.get_by_role("link", name="Thame Network", exact=True).count() == 3
