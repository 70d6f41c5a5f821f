"""Charts fit for print: names wrapped and never cut, no text on other text, a provenance footer in every output.

Text is checked two ways: on the figure's own ``Text`` artists (their window
extents from the Agg renderer, for overlaps) and in the SVG drawn with
``svg.fonttype: "none"`` (so text stays text) and the PDF read by
``pdftotext``, for what a reader of the file sees.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import shutil
import subprocess
import xml.etree.ElementTree as ET

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from analysis import charts
from analysis.audit import audit
from app.formats.provenance import of_documents
from models.validation import load_path
from tests.conftest import SAMPLE_PATHS

LONG = "The City (Oxford) Locality Network and Partnership"


@pytest.fixture(scope="module")
def six():
    """The six samples: their documents, audits and names."""
    documents = [load_path(path) for path in SAMPLE_PATHS]
    return documents, [audit(d) for d in documents], {d.locality.id: d.locality.name for d in documents}


@pytest.fixture(scope="module")
def eighteen(six):
    """Eighteen localities (the six samples, three times over), each with a long name of its own."""
    _, audits, _ = six
    many = [dataclasses.replace(audits[i % 6], locality=f"{audits[i % 6].locality}-{i}") for i in range(18)]
    return many, {a.locality: f"{LONG} number {i}" for i, a in enumerate(many)}


def joined(text: str) -> str:
    """Wrapped text as one line again (and ``\\$`` as the ``$`` matplotlib draws)."""
    return " ".join(text.replace(r"\$", "$").split())


def shown_texts(figure) -> list[tuple[Text, object]]:
    """Every non-empty Text artist drawn, with its extent on the canvas; tick labels outside the view are not drawn."""
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    hidden = set()
    for ax in figure.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [
        (t, t.get_window_extent(renderer))
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]


def overlapping(figure) -> list[tuple[str, str]]:
    texts = shown_texts(figure)
    return [(a.get_text(), b.get_text()) for (a, ea), (b, eb) in itertools.combinations(texts, 2) if ea.overlaps(eb)]


def outside(figure) -> list[str]:
    """Texts running past the figure's edges (a cut a reader would see)."""
    width, height = figure.canvas.get_width_height()
    return [
        t.get_text() for t, e in shown_texts(figure) if e.x0 < -1 or e.y0 < -1 or e.x1 > width + 1 or e.y1 > height + 1
    ]


def svg_text(figure) -> str:
    """All the text of the figure's SVG, drawn as text (not paths), in document order, joined by spaces."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    root = ET.fromstring(buffer.getvalue())
    return " ".join(" ".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))


def every_chart(six, eighteen, footer: str) -> dict[str, object]:
    """Each chart of the module, at its hardest: long names, eighteen columns, many labels; footer added."""
    documents, audits, names = six
    many, many_names = eighteen
    long_names = {a.locality: f"{LONG} ({names[a.locality]})" for a in audits}
    loads = [(f"Person {i}, a family support worker at {LONG}", 200.0 - i) for i in range(15)]
    figures = {
        "compare-six": charts.comparison_figure(audits, names),
        "compare-eighteen": charts.comparison_figure(many, many_names),
        "matrix": charts.profile_matrix(audits, long_names),
        "profile": charts.profile_bars(audits[3], LONG),
        "findings": charts.findings_chart(audits[3], LONG),
        "load": charts.meeting_load_chart(audits[3], loads, LONG),
        "load-empty": charts.meeting_load_chart(audits[3], [], LONG),
    }
    return {name: charts.add_footer(figure, footer) for name, figure in figures.items()}


@pytest.fixture(scope="module")
def footer(six) -> str:
    return of_documents(six[0]).footer()


@pytest.fixture(scope="module")
def figures(six, eighteen, footer):
    return every_chart(six, eighteen, footer)


def test_wrapping_keeps_every_word():
    text = "The City (Oxford Excellence Cluster area) Locality Network and Partnership"
    lines = charts.wrapped(text, 22).split("\n")
    assert len(lines) > 2 and all(len(line) <= 22 for line in lines)
    assert joined(charts.wrapped(text, 22)) == text
    # A word longer than the width is kept whole on its line, never broken or cut.
    assert charts.wrapped("Supercalifragilisticexpialidocious forum", 10) == "Supercalifragilisticexpialidocious\nforum"
    assert charts.wrapped("Costs $5 a head", 8) == r"Costs \$5" + "\na head"


def test_every_long_name_of_eighteen_localities_is_shown_whole(figures, eighteen):
    _, names = eighteen
    figure = figures["compare-eighteen"]
    labels = [joined(t.get_text()) for t, _ in shown_texts(figure)]
    for name in names.values():
        # the matrix's row and the two bar panels' labels each show the whole name
        assert labels.count(name) == 3, name
    text = svg_text(figure)
    assert "…" not in text
    for name in names.values():
        assert name in text


def test_the_figure_grows_to_fit_wrapped_names(six, eighteen):
    _, audits, names = six
    many, many_names = eighteen
    short = charts.comparison_figure(audits, {a.locality: a.locality.title() for a in audits}).get_figheight()
    wide = charts.comparison_figure(audits, names).get_figheight()  # "The City (Oxford Excellence Cluster area)"
    tall = charts.comparison_figure(many, many_names).get_figheight()
    assert short < wide < tall
    assert (
        charts.profile_matrix(audits, names).get_figheight()
        < charts.profile_matrix(audits, {a.locality: LONG * 2 for a in audits}).get_figheight()
    )


@pytest.mark.parametrize(
    "name", ["compare-six", "compare-eighteen", "matrix", "profile", "findings", "load", "load-empty"]
)
def test_no_text_sits_on_other_text_or_runs_off_the_page(figures, name):
    assert overlapping(figures[name]) == []
    assert outside(figures[name]) == []


@pytest.mark.parametrize(
    "name", ["compare-six", "compare-eighteen", "matrix", "profile", "findings", "load", "load-empty"]
)
def test_every_chart_carries_the_footer_in_svg_and_pdf(figures, footer, name):
    figure = figures[name]
    texts = shown_texts(figure)
    foot = [t for t, _ in texts if joined(t.get_text()) == joined(footer)]
    assert len(foot) == 1
    # the footer sits below everything else on the chart
    below = foot[0].get_window_extent()
    assert all(extent.y0 >= below.y1 for t, extent in texts if t is not foot[0])
    assert joined(footer) in joined(svg_text(figure))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    pdf = subprocess.run(["pdftotext", "-", "-"], input=charts.pdf_bytes(figure), capture_output=True, check=True)
    assert joined(footer) in joined(pdf.stdout.decode())


def test_the_footer_wraps_on_a_narrow_chart_and_keeps_clear(six):
    _, audits, _ = six
    figure = charts.meeting_load_chart(audits[0], [("one person", 10.0)], "Thame")
    height = figure.get_figheight()
    long_footer = " · ".join(f"input {i}: {LONG} sha256:0123456789ab" for i in range(8))
    charts.add_footer(figure, long_footer)
    foot = next(t for t, _ in shown_texts(figure) if "input 0" in t.get_text())
    assert foot.get_text().count("\n") >= 3 and figure.get_figheight() > height + 0.4
    assert overlapping(figure) == [] and outside(figure) == []
