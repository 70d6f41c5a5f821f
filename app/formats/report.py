"""Audit reports as Markdown or a self-contained HTML page.

Both are rendered from the same sections by the Jinja templates
``templates/report.md`` and ``templates/report.html``, and both open with
their provenance (:mod:`app.formats.provenance`: version, inputs, settings,
time).  The HTML report holds its charts as inline SVG (text drawn as paths,
so printable at any size and nothing fetched), each with the provenance
footer, and its styles inline, so it can be emailed and opened offline; every piece of user text is escaped (autoescape in HTML,
the ``md`` and ``code`` filters in Markdown), so no name or note can form a
link, an image or markup; the one link the Markdown report makes, to its
comparison chart, must be relative or http(s).
"""

from __future__ import annotations

import functools
import html
import re
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from analysis.audit import Audit
from analysis.charts import add_footer, comparison_figure, profile_bars, svg_bytes
from analysis.findings import SEVERITY_ORDER, Finding, Principle
from analysis.profile import DIMENSION_LABELS, DIMENSIONS, LEVEL_WORDS
from analysis.settings import DEFAULT_SETTINGS
from app.formats.provenance import Provenance, of_documents
from models.document import LocalityDocument

METRIC_LABELS = {
    "groups": "Groups (including external)",
    "local_groups": "Groups in the locality",
    "people_in_groups": "People on groups",
    "agencies_in_groups": "Agencies on local groups",
    "links": "Links between groups",
    "memberships": "Seats (memberships)",
    "meetings_per_year": "Meetings a year",
    "meeting_hours_per_year": "Group meeting hours a year",
    "person_hours_per_year_median": "Hours a year per person (median)",
    "person_hours_per_year_max": "Hours a year per person (most)",
    "meeting_share_max": "Largest share of working time in meetings",
    "components": "Parts of the system",
    "overlap_index": "Overlap index",
    "agencies_in_principal_group_share": "Share of agencies in the principal group",
    "upstream_downstream_balance": "Upstream-downstream balance (-1 to 1)",
    "systems_minders": "Systems minders",
    "systems_minder_reach": "Systems-minder reach",
    "service_user_reps": "Service-user representatives",
    "single_points_of_failure": "Single points of failure",
}


#: Markdown's inline punctuation: brackets (links, images), emphasis, code, tables, strikethrough.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
#: What turns a line into a heading, a list item or a rule when it starts one.
_MD_LINE_START = re.compile(r"^(#{1,6}|[-+=]+|\d{1,9}[.)])(?=\s|$)")


def _escape_marker(match: re.Match) -> str:
    marker = match.group(0)
    return f"{marker[:-1]}\\{marker[-1]}" if marker[0].isdigit() else f"\\{marker}"


def _md(text: object) -> str:
    """Escape text for Markdown tables and paragraphs: it can form no link, image, HTML or markup.

    HTML is escaped (so no tag or ``<...>`` autolink gets through), every
    bracket, emphasis, code and table character is backslash-escaped, and so
    is a leading heading or list marker, since the text may start a line.
    """
    text = html.escape(" ".join(str(text).split()), quote=False)
    return _MD_LINE_START.sub(_escape_marker, _MD_INLINE.sub(r"\\\1", text), count=1)


def _code(text: object) -> str:
    """Text as a Markdown code span (an id: backticks, which no id holds, become quotes)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def _link_target(target: str) -> str | None:
    """A link's target if it is relative or http(s), percent-encoded for Markdown; else None."""
    if urllib.parse.urlsplit(target).scheme.lower() not in ("", "http", "https"):
        return None
    return urllib.parse.quote(target, safe="/:?#&=%@+~,;")


def _level(value) -> str:
    return f"{LEVEL_WORDS[value]} ({value})" if value is not None else LEVEL_WORDS[None]


def _by_principle(result: Audit) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for finding in result.findings:
        grouped[finding.principle.value].append(finding)
    order = [p.value for p in Principle]
    return {p: sorted(grouped[p], key=lambda f: SEVERITY_ORDER[f.severity]) for p in order if p in grouped}


def _summary(document: LocalityDocument, result: Audit) -> str:
    counts: dict[str, int] = defaultdict(int)
    for f in result.findings:
        counts[f.severity.value] += 1
    m = result.metrics
    key = m["key_group"]
    key_name = next((g.name for g in document.groups if g.id == key), None)
    key_text = f"its key communication group is '{key_name}'" if key_name else "it has no key communication group"
    return (
        f"{document.locality.name} has {m['local_groups']} groups with {m['people_in_groups']} people from "
        f"{m['agencies_in_groups']} agencies, meeting about {m['meetings_per_year']:g} times a year; {key_text}. "
        f"The audit raises {counts['high']} high, {counts['medium']} medium, {counts['low']} low and "
        f"{counts['info']} informational findings."
    )


@dataclass(frozen=True)
class _ProfileRow:
    label: str
    level: str
    evidence: str


@dataclass(frozen=True)
class _Section:
    """What both reports show of one locality, in plain text (the templates escape it)."""

    name: str
    summary: str
    findings: dict[str, list[Finding]]
    profile: list[_ProfileRow]
    metrics: list[tuple[str, object]]
    brokers: str
    profile_chart: Markup | None = None


def _section(document: LocalityDocument, result: Audit, profile_chart: Markup | None = None) -> _Section:
    people = {p.id: p.name for p in document.people}
    brokers = ", ".join(f"{people[b['person']]} ({b['betweenness']})" for b in result.metrics["brokers"])
    return _Section(
        name=document.locality.name,
        summary=_summary(document, result),
        findings=_by_principle(result),
        profile=[
            _ProfileRow(DIMENSION_LABELS[dim], _level(result.profile[dim]["level"]), result.profile[dim]["evidence"])
            for dim in DIMENSIONS
        ],
        metrics=[(label, result.metrics[name]) for name, label in METRIC_LABELS.items() if name in result.metrics],
        brokers=brokers or "none",
        profile_chart=profile_chart,
    )


def _sources(pairs: list[tuple[LocalityDocument, Audit]]) -> list[str]:
    return sorted({s for d, _ in pairs for s in d.locality.sources})


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("app.formats", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = _md
    environment.filters["code"] = _code
    return environment


def _render(template: str, **context: object) -> str:
    text = _environment().get_template(template).render(**context)
    return text.rstrip("\n") + "\n"


def _provenance(pairs: list[tuple[LocalityDocument, Audit]], given: Provenance | None) -> Provenance:
    """The report's provenance: as given (a stored locality's callers name its revision), else of the files."""
    if given is not None:
        return given
    return of_documents([d for d, _ in pairs], pairs[0][1].settings if pairs else DEFAULT_SETTINGS)


def markdown_report(
    pairs: list[tuple[LocalityDocument, Audit]], chart_file: str | None = None, provenance: Provenance | None = None
) -> str:
    """The audit of one or more localities as Markdown; ``chart_file`` names a comparison PNG to link."""
    sections = [_section(document, result) for document, result in pairs]
    chart = _link_target(chart_file) if chart_file else None
    made = _provenance(pairs, provenance)
    return _render("report.md", sections=sections, chart_file=chart, sources=_sources(pairs), provenance=made)


#: Everything before the ``<svg`` element (XML declaration, doctype); every comment (they repeat the
#: text) and the RDF metadata block (it names vocabularies by URL).
_SVG_PROLOG = re.compile(rb"\A.*?(?=<svg\b)", re.DOTALL)
_SVG_COMMENT = re.compile(rb"<!--.*?-->\s*|<metadata>.*?</metadata>\s*", re.DOTALL)
#: The root's namespace declarations: HTML's parser puts ``<svg>`` and ``xlink:href`` in their namespaces itself.
_SVG_NAMESPACES = re.compile(rb'\s+xmlns(?::xlink)?="[^"]*"')


def inline_svg(figure, footer: str) -> Markup:
    """A chart as an ``<svg>`` element to place in HTML, with the provenance ``footer`` drawn at its foot.

    Text is drawn as paths (:func:`analysis.charts.svg_bytes`), so no name
    appears as markup; matplotlib's comments (which repeat the text), its
    metadata and the root's namespace declarations (HTML implies them) are
    left out, so the page names no URL.
    """
    svg = _SVG_COMMENT.sub(b"", _SVG_PROLOG.sub(b"", svg_bytes(add_footer(figure, footer)), count=1))
    root, _, rest = svg.partition(b">")
    svg = _SVG_NAMESPACES.sub(b"", root) + b">" + rest
    return Markup(svg.decode("utf-8"))  # trusted: matplotlib draws every text as paths


def html_report(pairs: list[tuple[LocalityDocument, Audit]], provenance: Provenance | None = None) -> str:
    """The audit as one self-contained HTML page (styles and SVG charts inline, text escaped).

    ``provenance`` defaults to the documents' own (content hashes, the
    audit's settings); a stored locality's callers pass its revision.
    """
    made = _provenance(pairs, provenance)
    footer = made.footer()
    comparison_chart = None
    if len(pairs) > 1:
        names = {d.locality.id: d.locality.name for d, _ in pairs}
        comparison_chart = inline_svg(comparison_figure([a for _, a in pairs], names), footer)
    sections = [
        _section(document, result, inline_svg(profile_bars(result, document.locality.name), footer))
        for document, result in pairs
    ]
    title = f"Communication-system audit: {', '.join(d.locality.name for d, _ in pairs)}"
    context = {"comparison_chart": comparison_chart, "sections": sections, "sources": _sources(pairs)}
    return _render("report.html", title=title, provenance=made, **context)
