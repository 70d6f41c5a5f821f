"""One self-contained HTML file holding a locality's map (``locmap map``).

The page is the locality page's own map partial (``app/web/templates/_map.html``)
inside ``templates/standalone.html``, with vis-network, map.css, map.js and
the data inlined and a Content-Security-Policy that fetches nothing, so the
file works from ``file://`` with networking off.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from app.maps.aggregate import AGGREGATIONS
from app.maps.elements import plural
from app.maps.payload import map_json, map_payload
from models.document import LocalityDocument

#: The web service's pages and static files, whose map partial and scripts
#: the standalone file shares (read as files, not imported).
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_DIR = WEB_DIR / "static"
VIS_DIR = STATIC_DIR / "vendor" / "vis-network"

#: Inline scripts and styles only; nothing may be fetched.
STANDALONE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's minified script and stylesheet, from the vendored copy."""
    return (
        (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        (VIS_DIR / "vis-network.min.css").read_text(encoding="utf-8"),
    )


def _inline_script(text: str) -> str:
    """Script text that cannot end its ``<script>`` element early.

    ``</script`` and ``<!--`` only occur in JavaScript inside strings, regular
    expressions or comments, where ``<\\/script`` and ``\\x3C!--`` mean the
    same; a file holding them is rewritten rather than trusted.
    """
    lowered = text.lower()
    if "</script" not in lowered and "<!--" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        if text.startswith("<!--", i):
            out.append("\\x3C!--")
            i += 4
        elif text[i] == "<" and text[i + 1 : i + 8].lower() == "/script":
            out.append("<\\/")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _inline_style(text: str) -> str:
    """Stylesheet text that cannot end its ``<style>`` element early."""
    if "</style" in text.lower():
        raise ValueError("stylesheet contains '</style'")
    return text


def _escape(value: object) -> object:
    """Escape as :func:`html.escape` does (``&quot;``, ``&#x27;``), as the file always has."""
    if isinstance(value, Markup) or value is None:
        return value
    return Markup(html.escape(str(value)))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
            jinja2.FileSystemLoader(WEB_DIR / "templates"),
        ]
    )
    env = jinja2.Environment(loader=loader, autoescape=True, finalize=_escape, undefined=jinja2.StrictUndefined)
    # |tojson writes the data as the pages' map_json does: compact, with <, >,
    # & and U+2028/9 escaped.
    env.policies["json.dumps_function"] = lambda obj, **_: map_json(obj)
    return env


def _summary(counts: dict, view: str) -> str:
    summary = f"{plural(counts['groups'], 'group')}, {plural(counts['links'], 'link')}"
    if view in AGGREGATIONS:
        summary = f"{summary}, summarised by {'agency' if view == 'agency' else 'kind of group'}"
    elif view == "people":
        summary = f"{plural(counts['people'], 'person', 'people')} on {summary}"
    return summary


def standalone_map_html(document: LocalityDocument, view: str = "people") -> str:
    """One self-contained HTML file holding the map of one view of a locality.

    Everything is inlined (vis-network, styles, map.js, the data), and the
    Content-Security-Policy forbids fetching anything, so the file opens
    from disk with networking off and sends nothing anywhere.

    Parameters
    ----------
    document : LocalityDocument
        A validated locality.
    view : str
        ``"people"``, ``"groups"``, or a summary (``"agency"``, ``"kind"``)
        drawn as the page draws it, as for :func:`~app.maps.payload.map_payload`.
    """
    payload = map_payload(document, view)
    vis_js, vis_css = vis_assets()
    return (
        _environment()
        .get_template("standalone.html")
        .render(
            csp=STANDALONE_CSP,
            locality=document.locality,
            summary=_summary(payload["counts"], view),
            vis_css=Markup(_inline_style(vis_css)),
            map_css=Markup(_inline_style((STATIC_DIR / "map.css").read_text(encoding="utf-8"))),
            vis_js=Markup(_inline_script(vis_js)),
            map_js=Markup(_inline_script((STATIC_DIR / "map.js").read_text(encoding="utf-8"))),
            map_payload=payload,
            map_view=view,
            map_views_urls={},
            map_standalone=True,
        )
    )
