"""Audit reports as Markdown or a self-contained HTML page.

The HTML report embeds its charts as data URIs and its styles inline, so it
can be emailed and opened offline; every piece of user text is escaped.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from datetime import date

from analysis.audit import Audit
from analysis.charts import DIMENSION_LABELS, comparison_figure, png_bytes, profile_bars
from analysis.findings import SEVERITY_ORDER, Principle
from analysis.profile import DIMENSIONS, LEVEL_WORDS
from models.document import LocalityDocument

METRIC_LABELS = {
    "groups": "Groups (including external)",
    "local_groups": "Groups in the locality",
    "people_in_groups": "People on groups",
    "agencies_in_groups": "Agencies on groups",
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


def _md(text: object) -> str:
    """Escape text for Markdown tables and paragraphs (no raw HTML gets through)."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _level(value) -> str:
    return f"{LEVEL_WORDS[value]} ({value})" if value is not None else LEVEL_WORDS[None]


def _by_principle(result: Audit) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for finding in result.findings:
        grouped[finding.principle.value].append(finding)
    order = [p.value for p in Principle]
    return {p: sorted(grouped[p], key=lambda f: SEVERITY_ORDER[f.severity]) for p in order if p in grouped}


def _summary(document: LocalityDocument, result: Audit) -> str:
    counts = defaultdict(int)
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


def markdown_report(pairs: list[tuple[LocalityDocument, Audit]], chart_file: str | None = None) -> str:
    """The audit of one or more localities as Markdown; ``chart_file`` names a comparison PNG to link."""
    lines = [f"# Communication-system audit: {', '.join(_md(d.locality.name) for d, _ in pairs)}", ""]
    lines.append(f"Produced by locmap on {date.today().isoformat()}. Rules: see docs/analysis.md.")
    lines.append("")
    if chart_file:
        lines += ["## Comparison", "", f"![Profiles and key metrics]({chart_file})", ""]
    for document, result in pairs:
        heading = "##" if len(pairs) > 1 else "##"
        lines += [f"{heading} {_md(document.locality.name)}", "", _summary(document, result), ""]
        lines += ["### Findings", ""]
        if not result.findings:
            lines += ["No findings.", ""]
        for principle, findings in _by_principle(result).items():
            lines += [f"#### {_md(principle)}", ""]
            for f in findings:
                lines.append(f"- **{f.severity.value.upper()} {f.code}**: {_md(f.message)}")
                lines.append(f"  - *Suggested action:* {_md(f.suggestion)}")
                if f.subjects:
                    lines.append(f"  - *Subjects:* {', '.join('`' + _md(s) + '`' for s in f.subjects)}")
            lines.append("")
        lines += ["### Collaborative-advantage profile", "", "| Dimension | Level | Evidence |", "| --- | --- | --- |"]
        for dim in DIMENSIONS:
            entry = result.profile[dim]
            lines.append(f"| {DIMENSION_LABELS[dim]} | {_level(entry['level'])} | {_md(entry['evidence'])} |")
        lines += ["", "### Metrics", "", "| Measure | Value |", "| --- | --- |"]
        for name, label in METRIC_LABELS.items():
            if name in result.metrics:
                lines.append(f"| {label} | {_md(result.metrics[name])} |")
        brokers = ", ".join(
            f"{_md(next(p.name for p in document.people if p.id == b['person']))} ({b['betweenness']})"
            for b in result.metrics["brokers"]
        )
        lines += [f"| Brokers (betweenness) | {brokers or 'none'} |", ""]
    sources = sorted({s for d, _ in pairs for s in d.locality.sources})
    if sources:
        lines += ["## Sources", ""] + [f"- {_md(s)}" for s in sources] + [""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #0570b0;padding-bottom:.2rem;margin-top:2.2rem}
h3{margin-top:1.6rem}h4{margin:1rem 0 .4rem;color:#334e68}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #d9e2ec;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}.sev{display:inline-block;min-width:4.5rem;font-size:.75rem;font-weight:700;text-transform:uppercase;padding:.1rem .4rem;border-radius:.2rem;margin-right:.4rem}
.high{background:#b2182b;color:#fff}.medium{background:#ef8a62;color:#222}.low{background:#fddbc7;color:#222}.info{background:#d1e5f0;color:#222}
.finding{margin:.5rem 0 .8rem}.suggest{color:#486581;font-size:.92rem;margin-left:5.4rem}code{background:#f0f4f8;padding:0 .2rem}
img{max-width:100%;height:auto;border:1px solid #d9e2ec}.muted{color:#627d98;font-size:.9rem}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def html_report(pairs: list[tuple[LocalityDocument, Audit]]) -> str:
    """The audit as one self-contained HTML page (styles and charts inline, text escaped)."""
    e = html.escape
    names = {d.locality.id: d.locality.name for d, _ in pairs}
    title = f"Communication-system audit: {', '.join(d.locality.name for d, _ in pairs)}"
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(title)}</h1><p class='muted'>Produced by locmap on {date.today().isoformat()}. "
        "The rules behind every finding and level are in docs/analysis.md.</p>",
    ]
    if len(pairs) > 1:
        figure = comparison_figure([a for _, a in pairs], names)
        out += ["<h2>Comparison</h2>", _img(png_bytes(figure), "Profiles and key metrics of the localities")]
    for document, result in pairs:
        out += [f"<h2>{e(document.locality.name)}</h2>", f"<p>{e(_summary(document, result))}</p>", "<h3>Findings</h3>"]
        if not result.findings:
            out.append("<p>No findings.</p>")
        for principle, findings in _by_principle(result).items():
            out.append(f"<h4>{e(principle)}</h4>")
            for f in findings:
                subjects = ", ".join(f"<code>{e(s)}</code>" for s in f.subjects)
                out.append(
                    f"<div class='finding'><span class='sev {f.severity.value}'>{f.severity.value}</span>"
                    f"<strong>{e(f.code)}</strong> {e(f.message)}"
                    f"{' <span class=muted>(' + subjects + ')</span>' if subjects else ''}"
                    f"<div class='suggest'>Suggested action: {e(f.suggestion)}</div></div>"
                )
        out += [
            "<h3>Collaborative-advantage profile</h3>",
            _img(png_bytes(profile_bars(result, document.locality.name)), "Profile chart"),
        ]
        out.append("<table><tr><th>Dimension</th><th>Level</th><th>Evidence</th></tr>")
        for dim in DIMENSIONS:
            entry = result.profile[dim]
            out.append(
                f"<tr><td>{e(DIMENSION_LABELS[dim])}</td><td>{e(_level(entry['level']))}</td><td>{e(entry['evidence'])}</td></tr>"
            )
        out += ["</table>", "<h3>Metrics</h3><table><tr><th>Measure</th><th>Value</th></tr>"]
        for name, label in METRIC_LABELS.items():
            if name in result.metrics:
                out.append(f"<tr><td>{e(label)}</td><td>{e(str(result.metrics[name]))}</td></tr>")
        people = {p.id: p.name for p in document.people}
        brokers = ", ".join(f"{people[b['person']]} ({b['betweenness']})" for b in result.metrics["brokers"])
        out += [f"<tr><td>Brokers (betweenness)</td><td>{e(brokers or 'none')}</td></tr></table>"]
    sources = sorted({s for d, _ in pairs for s in d.locality.sources})
    if sources:
        out += ["<h2>Sources</h2><ul>"] + [f"<li>{e(s)}</li>" for s in sources] + ["</ul>"]
    out.append("</body></html>")
    return "\n".join(out)
