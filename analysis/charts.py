"""Charts of audits, drawn with matplotlib's object API (no pyplot state).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`png_bytes`
renders one with the Agg backend, so charts are safe to draw in a web
server's worker threads.  Every name from a locality file goes through
:func:`plain` first, so that ``$...$`` in it is drawn as written, never read
as mathtext (which fails on a ``$\frac{a}$`` and would take the chart down).
"""

from __future__ import annotations

import io
import re
import textwrap

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .audit import Audit
from .findings import Severity
from .profile import DIMENSION_LABELS, DIMENSIONS, LEVEL_WORDS

LEVELS = (0, 0.5, 1, 2)
# Sequential, colour-blind-safe steps from "not evident" to "strongly evident".
LEVEL_COLOURS = ("#f1eef6", "#bdc9e1", "#74a9cf", "#0570b0")
UNKNOWN_COLOUR = "#d9d9d9"
SEVERITY_COLOURS = {"high": "#b2182b", "medium": "#ef8a62", "low": "#fddbc7", "info": "#d1e5f0"}
SHORT_WORDS = {0: "not evident", 0.5: "emergent", 1: "evident", 2: "strong", None: "n/a"}
#: A line of text is this many times its font size tall (matplotlib's default line spacing, with room).
LINE_SPACING = 1.3
#: Characters per line: locality names in the matrix and in the bar panels, people's labels, principles.
MATRIX_NAME_WIDTH, BAR_NAME_WIDTH, LOAD_LABEL_WIDTH, PRINCIPLE_WIDTH = 30, 22, 40, 48


def plain(text: str) -> str:
    """Text drawn exactly as written: every ``$`` escaped, so matplotlib never reads mathtext.

    Parameters
    ----------
    text : str
        A name or label, perhaps holding dollar signs.

    Returns
    -------
    str
        ``text`` with each ``$`` as ``\\$``: with no unescaped dollar sign
        left, matplotlib draws it as plain text and shows each ``\\$`` as ``$``.
    """
    return text.replace("$", r"\$")


def wrapped(text: str, width: int) -> str:
    """``text`` wrapped at spaces into lines of about ``width`` characters, never cut, through :func:`plain`.

    Parameters
    ----------
    text : str
        A name or label.
    width : int
        The longest line wanted, in characters; a longer word keeps its own line whole.

    Returns
    -------
    str
        The lines joined by newlines: joined by spaces again they give
        ``text`` with its runs of whitespace as single spaces.
    """
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return plain("\n".join(lines))


def _lines(labels: list[str]) -> int:
    """The most lines any of ``labels`` takes (at least 1)."""
    return max((label.count("\n") + 1 for label in labels), default=1)


def _row_height(labels: list[str], fontsize: float, least: float, padding: float) -> float:
    """Inches a row of a bar chart or matrix needs for its tallest label: never below ``least``."""
    return max(least, _lines(labels) * fontsize * LINE_SPACING / 72 + padding)


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def draw_profile_matrix(ax, audits: list[Audit], names: dict[str, str] | None = None) -> None:
    """Localities (rows) x profile dimensions (columns), coloured by level."""
    names = names or {}
    grid = np.full((len(audits), len(DIMENSIONS)), np.nan)
    for i, result in enumerate(audits):
        for j, dim in enumerate(DIMENSIONS):
            value = result.profile[dim]["level"]
            if value is not None:
                grid[i, j] = LEVELS.index(value)
    cmap = ListedColormap(LEVEL_COLOURS).with_extremes(bad=UNKNOWN_COLOUR)
    norm = BoundaryNorm(np.arange(-0.5, len(LEVELS) + 0.5), cmap.N)
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    for i, result in enumerate(audits):
        for j, dim in enumerate(DIMENSIONS):
            value = result.profile[dim]["level"]
            dark = value in (1, 2)
            colour = "white" if dark else "#222222"
            ax.text(j, i, plain(SHORT_WORDS[value]), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(len(DIMENSIONS)))
    ax.set_xticklabels([wrapped(DIMENSION_LABELS[d], 14) for d in DIMENSIONS], fontsize=8)
    ax.set_yticks(range(len(audits)))
    ax.set_yticklabels(_names(audits, names, MATRIX_NAME_WIDTH), fontsize=10)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False, length=0)
    ax.set_xticks(np.arange(-0.5, len(DIMENSIONS)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(audits)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=plain(LEVEL_WORDS[v]))
        for v, c in zip(LEVELS, LEVEL_COLOURS, strict=True)
    ]
    handles.append(Patch(facecolor=UNKNOWN_COLOUR, edgecolor="#999999", label=plain(LEVEL_WORDS[None])))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=5, frameon=False, fontsize=8)


def _names(audits: list[Audit], names: dict[str, str] | None, width: int) -> list[str]:
    """Each locality's name (or id), wrapped at ``width`` characters."""
    names = names or {}
    return [wrapped(names.get(a.locality, a.locality), width) for a in audits]


def _matrix_height(audits: list[Audit], names: dict[str, str] | None) -> float:
    """Inches the profile matrix needs: its header and legend, and a row tall enough for each wrapped name."""
    return 1.6 + len(audits) * _row_height(_names(audits, names, MATRIX_NAME_WIDTH), 10, 0.55, 0.2)


def profile_matrix(audits: list[Audit], names: dict[str, str] | None = None) -> Figure:
    """The collaborative-advantage profiles of several localities as a heat-map matrix."""
    figure = _new_figure(13, _matrix_height(audits, names))
    ax = figure.add_subplot()
    draw_profile_matrix(ax, audits, names)
    figure.suptitle("Collaborative-advantage profile", fontsize=12, x=0.01, ha="left")
    return figure


#: (metric, title, format) for the small multiples of the comparison chart.
CHART_METRICS = (
    ("local_groups", "Groups in the locality", "{:.0f}"),
    ("people_in_groups", "People on groups", "{:.0f}"),
    ("meeting_hours_per_year", "Group meeting hours a year", "{:.0f}"),
    ("person_hours_per_year_median", "Median hours a year per person", "{:.0f}"),
    ("overlap_index", "Overlap index (0-1)", "{:.2f}"),
    ("systems_minder_reach", "Systems-minder reach (0-1)", "{:.2f}"),
)


def draw_metrics(axes, audits: list[Audit], names: dict[str, str] | None = None, label_every: int = 1) -> None:
    """Bars of the key metrics, one axes each; y labels only on every ``label_every``-th axes."""
    labels = _names(audits, names, BAR_NAME_WIDTH)
    positions = np.arange(len(audits))
    for index, (ax, (metric, title, fmt)) in enumerate(zip(axes, CHART_METRICS, strict=True)):
        values = [a.metrics.get(metric) or 0 for a in audits]
        bars = ax.barh(positions, values, color="#4a7fb0")
        ax.set_title(plain(title), fontsize=9, loc="left")
        ax.set_yticks(positions)
        ax.set_yticklabels(labels if index % label_every == 0 else [], fontsize=8)
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], fontsize=7, padding=2)
        ax.margins(x=0.18)
        ax.tick_params(axis="x", labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)


def draw_findings(ax, audits: list[Audit], names: dict[str, str] | None = None, show_labels: bool = True) -> None:
    """Stacked bars: findings per locality by severity."""
    labels = _names(audits, names, BAR_NAME_WIDTH) if show_labels else []
    positions = np.arange(len(audits))
    left = np.zeros(len(audits))
    for severity in Severity:
        counts = np.array([sum(1 for f in a.findings if f.severity == severity) for a in audits], dtype=float)
        ax.barh(
            positions,
            counts,
            left=left,
            color=SEVERITY_COLOURS[severity.value],
            label=severity.value,
            edgecolor="white",
        )
        left += counts
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_title("Findings by severity", fontsize=9, loc="left")
    ax.legend(fontsize=7, frameon=False, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def comparison_figure(audits: list[Audit], names: dict[str, str] | None = None) -> Figure:
    """The profile matrix above a panel of key metrics and findings, for several localities.

    Each locality's name is wrapped, never cut; the figure grows with the
    number of localities and with the lines of the longest wrapped name.
    """
    rows = len(audits)
    top_height = _matrix_height(audits, names)
    bar_row = _row_height(_names(audits, names, BAR_NAME_WIDTH), 8, 0.25, 0.08)
    bottom_height = 2 * (1.2 + bar_row * rows)
    figure = _new_figure(14, top_height + bottom_height)
    halves = figure.subfigures(2, 1, height_ratios=[top_height, bottom_height], squeeze=False)
    top, bottom = halves[0, 0], halves[1, 0]
    draw_profile_matrix(top.add_subplot(), audits, names)
    top.suptitle("Collaborative-advantage profile by locality", fontsize=12, x=0.01, ha="left")
    axes = bottom.subplots(2, 4).ravel()
    draw_metrics(axes[:3].tolist() + axes[4:7].tolist(), audits, names, label_every=3)
    draw_findings(axes[3], audits, names, show_labels=False)
    axes[7].axis("off")
    axes[7].text(
        0,
        0.5,
        "Profile levels are derived by\ndocumented rules from each\nlocality's structure and attributes\n(docs/analysis.md), not set by hand.",
        fontsize=8,
        color="#555555",
        va="center",
    )
    bottom.suptitle("Key metrics", fontsize=12, x=0.01, ha="left")
    return figure


def profile_bars(result: Audit, name: str | None = None) -> Figure:
    """One locality's profile as horizontal bars on the four-step scale."""
    title = wrapped(f"Collaborative-advantage profile: {name or result.locality}", 70)
    figure = _new_figure(8, 4.8 + _lines([title]) * 11 * LINE_SPACING / 72)
    ax = figure.add_subplot()
    dims = list(DIMENSIONS)
    values = [result.profile[d]["level"] for d in dims]
    colours = [UNKNOWN_COLOUR if v is None else LEVEL_COLOURS[LEVELS.index(v)] for v in values]
    shown = [0.08 if v is None else max(v, 0.08) for v in values]
    ax.barh(range(len(dims)), shown, color=colours, edgecolor="#777777")
    for i, v in enumerate(values):
        ax.text(shown[i] + 0.04, i, plain(LEVEL_WORDS[v]), va="center", fontsize=8)
    ax.set_yticks(range(len(dims)))
    ax.set_yticklabels([wrapped(DIMENSION_LABELS[d], 40) for d in dims], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 2.9)
    ax.set_xticks(LEVELS)
    ax.set_xticklabels(["0", "0.5", "1", "2"], fontsize=8)
    figure.suptitle(title, fontsize=11, x=0.01, ha="left")  # the figure's width, not the axes': room to wrap
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def findings_chart(result: Audit, name: str | None = None) -> Figure:
    """One locality's findings counted by principle and severity."""
    principles = sorted({f.principle.value for f in result.findings})
    labels = [wrapped(p, PRINCIPLE_WIDTH) for p in principles]
    title = wrapped(f"Findings by principle: {name or result.locality}", 80)
    rows = max(len(principles), 1) * _row_height(labels, 8, 0.45, 0.15)
    figure = _new_figure(9, 0.9 + _lines([title]) * 11 * LINE_SPACING / 72 + rows)
    ax = figure.add_subplot()
    if not principles:
        ax.text(0.5, 0.5, "No findings", ha="center", va="center", fontsize=12)
        ax.axis("off")
    else:
        left = np.zeros(len(principles))
        for severity in Severity:
            counts = np.array(
                [
                    sum(1 for f in result.findings if f.principle.value == p and f.severity == severity)
                    for p in principles
                ],
                dtype=float,
            )
            ax.barh(
                range(len(principles)), counts, left=left, color=SEVERITY_COLOURS[severity.value], label=severity.value
            )
            left += counts
        ax.set_yticks(range(len(principles)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    figure.suptitle(title, fontsize=11, x=0.01, ha="left")  # the figure's width, not the axes': room to wrap
    return figure


def meeting_load_chart(result: Audit, loads: list[tuple[str, float]], name: str | None = None, top: int = 15) -> Figure:
    """Hours a year in meetings for the people who spend most, as (label, hours) pairs."""
    ranked = sorted(loads, key=lambda item: -item[1])[:top]
    labels = [wrapped(label, LOAD_LABEL_WIDTH) for label, _ in ranked]
    title = wrapped(f"Meeting hours a year: {name or result.locality}", 70)
    rows = max(len(ranked), 1) * _row_height(labels, 8, 0.32, 0.08)
    figure = _new_figure(8, 0.9 + _lines([title]) * 11 * LINE_SPACING / 72 + rows)
    ax = figure.add_subplot()
    if ranked:
        ax.barh(range(len(ranked)), [h for _, h in ranked], color="#4a7fb0")
        ax.set_yticks(range(len(ranked)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("hours a year in these meetings", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    else:
        ax.axis("off")
    figure.suptitle(title, fontsize=11, x=0.01, ha="left")  # the figure's width, not the axes': room to wrap
    return figure


def svg_bytes(figure: Figure) -> bytes:
    """Render a figure to SVG: text as paths, no fonts, no links, nothing fetched.

    Parameters
    ----------
    figure : Figure
        A chart from this module (its names already through :func:`plain`).

    Returns
    -------
    bytes
        A standalone SVG document.  Glyphs are drawn as paths
        (``svg.fonttype: "path"``), so no font is named, embedded or fetched
        and no user text appears as markup; metadata is left out so the same
        chart gives the same bytes.
    """
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "locmap"}):
        figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None})
    return stable_svg_ids(buffer.getvalue())


#: The footer's font size in points, and the width of one of its characters in ems (generous for DejaVu Sans).
FOOTER_SIZE, FOOTER_EM = 7, 0.62
#: What joins the parts of a provenance footer; lines of the footer break here first.
FOOTER_SEPARATOR = " · "


def _packed(parts: list[str], width: int) -> list[str]:
    """``parts`` joined by :data:`FOOTER_SEPARATOR` into lines of about ``width``; a long part is wrapped alone."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(FOOTER_SEPARATOR) + len(part) <= width:
            lines[-1] += FOOTER_SEPARATOR + part
        else:
            if lines:
                lines[-1] += FOOTER_SEPARATOR.rstrip()  # the line ends where a part did, saying so
            lines.extend(textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False) or [""])
    return lines


def add_footer(figure: Figure, text: str) -> Figure:
    """Write a provenance line (:mod:`app.formats.provenance`) along the foot of ``figure``.

    Parameters
    ----------
    figure : Figure
        A chart from this module.
    text : str
        The provenance, typically ``Provenance.footer()``.

    Returns
    -------
    Figure
        ``figure``, taller by the footer's wrapped lines, which sit in a strip
        at its foot that the layout keeps free, so the footer never sits on a
        label whatever the figure's size.  The text is through :func:`plain`.
    """
    width, height = figure.get_size_inches()
    per_line = max(40, int(width * 72 / (FOOTER_SIZE * FOOTER_EM)))
    footer = plain("\n".join(_packed(text.split(FOOTER_SEPARATOR), per_line)))
    strip = _lines([footer]) * FOOTER_SIZE * LINE_SPACING / 72 + 0.12
    figure.set_size_inches(width, height + strip)
    share = strip / (height + strip)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, share, 1, 1 - share))  # keep the bottom strip free
    else:
        figure.subplots_adjust(bottom=share + (1 - share) * figure.subplotpars.bottom)
    figure.text(0.01, 0.04 / (height + strip), footer, fontsize=FOOTER_SIZE, color="#555555", ha="left", va="bottom")
    return figure


def pdf_bytes(figure: Figure) -> bytes:
    """Render a figure to PDF (vector), with no creation date so the same chart gives the same bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", facecolor="white", metadata={"CreationDate": None, "Creator": "locmap"})
    return buffer.getvalue()


_CLIP_ID = re.compile(rb'(?<=id=")p[0-9a-f]{10}(?=")|(?<=url\(#)p[0-9a-f]{10}(?=\))')


def stable_svg_ids(svg: bytes) -> bytes:
    """An SVG chart with matplotlib's clip-path ids numbered in order of first use.

    matplotlib names a clip rectangle by a hash of its corners at full
    precision, and a constrained layout can land a last bit apart from one
    run to the next: the same chart, drawn the same to six decimals, gets
    other ids.  Numbering them (``clip1``, ``clip2``, ...) makes the bytes a
    function of the drawing alone, so a chart made twice with
    ``SOURCE_DATE_EPOCH`` set is byte-identical.
    """
    ids: dict[bytes, bytes] = {}
    return _CLIP_ID.sub(lambda m: ids.setdefault(m.group(), b"clip%d" % (len(ids) + 1)), svg)


def png_bytes(figure: Figure, dpi: int = 110) -> bytes:
    """Render a figure to PNG with the Agg backend."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
