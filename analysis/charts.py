"""Charts of audits, drawn with matplotlib's object API (no pyplot state).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`png_bytes`
renders one with the Agg backend, so charts are safe to draw in a web
server's worker threads.  Every name from a locality file goes through
:func:`plain` first, so that ``$...$`` in it is drawn as written, never read
as mathtext (which fails on a ``$\frac{a}$`` and would take the chart down).
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
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


def _short(text: str, width: int) -> str:
    return plain(textwrap.shorten(text, width, placeholder="…"))


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
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
    for i, result in enumerate(audits):
        for j, dim in enumerate(DIMENSIONS):
            value = result.profile[dim]["level"]
            dark = value in (1, 2)
            ax.text(
                j, i, SHORT_WORDS[value], ha="center", va="center", fontsize=8, color="white" if dark else "#222222"
            )
    ax.set_xticks(range(len(DIMENSIONS)))
    ax.set_xticklabels([textwrap.fill(DIMENSION_LABELS[d], 14) for d in DIMENSIONS], fontsize=8)
    ax.set_yticks(range(len(audits)))
    ax.set_yticklabels([plain(names.get(a.locality, a.locality)) for a in audits], fontsize=10)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False, length=0)
    ax.set_xticks(np.arange(-0.5, len(DIMENSIONS)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(audits)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=LEVEL_WORDS[v])
        for v, c in zip(LEVELS, LEVEL_COLOURS, strict=True)
    ]
    handles.append(Patch(facecolor=UNKNOWN_COLOUR, edgecolor="#999999", label=LEVEL_WORDS[None]))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=5, frameon=False, fontsize=8)


def profile_matrix(audits: list[Audit], names: dict[str, str] | None = None) -> Figure:
    """The collaborative-advantage profiles of several localities as a heat-map matrix."""
    figure = _new_figure(13, 1.6 + 0.55 * len(audits))
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
    names = names or {}
    labels = [_short(names.get(a.locality, a.locality), 24) for a in audits]
    positions = np.arange(len(audits))
    for index, (ax, (metric, title, fmt)) in enumerate(zip(axes, CHART_METRICS, strict=True)):
        values = [a.metrics.get(metric) or 0 for a in audits]
        bars = ax.barh(positions, values, color="#4a7fb0")
        ax.set_title(title, fontsize=9, loc="left")
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
    names = names or {}
    labels = [_short(names.get(a.locality, a.locality), 24) for a in audits] if show_labels else []
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
    """The profile matrix above a panel of key metrics and findings, for several localities."""
    rows = len(audits)
    figure = _new_figure(14, 3.2 + 0.55 * rows + 2 * (1.2 + 0.25 * rows))
    halves = figure.subfigures(2, 1, height_ratios=[1.6 + 0.55 * rows, 2 * (1.2 + 0.25 * rows)], squeeze=False)
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
    figure = _new_figure(8, 5)
    ax = figure.add_subplot()
    dims = list(DIMENSIONS)
    values = [result.profile[d]["level"] for d in dims]
    colours = [UNKNOWN_COLOUR if v is None else LEVEL_COLOURS[LEVELS.index(v)] for v in values]
    shown = [0.08 if v is None else max(v, 0.08) for v in values]
    ax.barh(range(len(dims)), shown, color=colours, edgecolor="#777777")
    for i, v in enumerate(values):
        ax.text(shown[i] + 0.04, i, LEVEL_WORDS[v], va="center", fontsize=8)
    ax.set_yticks(range(len(dims)))
    ax.set_yticklabels([DIMENSION_LABELS[d] for d in dims], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 2.9)
    ax.set_xticks(LEVELS)
    ax.set_xticklabels(["0", "0.5", "1", "2"], fontsize=8)
    ax.set_title(plain(f"Collaborative-advantage profile: {name or result.locality}"), fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def findings_chart(result: Audit, name: str | None = None) -> Figure:
    """One locality's findings counted by principle and severity."""
    principles = sorted({f.principle.value for f in result.findings})
    figure = _new_figure(9, 1.2 + 0.45 * max(len(principles), 1))
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
        ax.set_yticklabels([textwrap.fill(p, 48) for p in principles], fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    ax.set_title(plain(f"Findings by principle: {name or result.locality}"), fontsize=11, loc="left")
    return figure


def meeting_load_chart(result: Audit, loads: list[tuple[str, float]], name: str | None = None, top: int = 15) -> Figure:
    """Hours a year in meetings for the people who spend most, as (label, hours) pairs."""
    ranked = sorted(loads, key=lambda item: -item[1])[:top]
    figure = _new_figure(8, 1.2 + 0.32 * max(len(ranked), 1))
    ax = figure.add_subplot()
    if ranked:
        ax.barh(range(len(ranked)), [h for _, h in ranked], color="#4a7fb0")
        ax.set_yticks(range(len(ranked)))
        ax.set_yticklabels([_short(label, 45) for label, _ in ranked], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("hours a year in these meetings", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    else:
        ax.axis("off")
    ax.set_title(plain(f"Meeting hours a year: {name or result.locality}"), fontsize=11, loc="left")
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
    return buffer.getvalue()


def add_footer(figure: Figure, text: str) -> Figure:
    """Write a provenance line (:mod:`app.formats.provenance`) along the foot of ``figure``.

    The figure is given room at the bottom for it, so it never sits on a
    label; the text is through :func:`plain` like every other text here.
    """
    engine = figure.get_layout_engine()
    if engine is not None and engine.adjust_compatible is False:
        engine.set(rect=(0, 0.05, 1, 0.95))  # constrained layout: keep the bottom strip free
    else:
        figure.subplots_adjust(bottom=max(figure.subplotpars.bottom, 0.12))
    figure.text(0.01, 0.01, plain(text), fontsize=6.5, color="#555555", ha="left", va="bottom", wrap=True)
    return figure


def pdf_bytes(figure: Figure) -> bytes:
    """Render a figure to PDF (vector), with no creation date so the same chart gives the same bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", facecolor="white", metadata={"CreationDate": None, "Creator": "locmap"})
    return buffer.getvalue()


def png_bytes(figure: Figure, dpi: int = 110) -> bytes:
    """Render a figure to PNG with the Agg backend."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
