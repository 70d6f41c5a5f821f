"""The trend of a locality as one figure of small multiples (matplotlib's object API, no pyplot).

Findings by severity as stacked bars, the headline figures as lines, and
the collaborative-advantage profile as a heat strip (rows are the profile's
dimensions, columns the points), in the level colours and words of
:mod:`analysis.charts`.  Points are numbered oldest first; the findings
panel and the heat strip name each in full, wrapped, never cut.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .charts import CHART_METRICS, LEVEL_COLOURS, LEVELS, SEVERITY_COLOURS, SHORT_WORDS, UNKNOWN_COLOUR, plain
from .findings import Severity
from .profile import LEVEL_WORDS
from .trend import MISSING_WORDS, Series, Trend

#: A cell of the heat strip whose dimension the audit at that point does not hold.
MISSING_COLOUR = "#fbfbfb"
#: Characters per line of a point's name, and of a dimension's.
POINT_WIDTH, DIMENSION_WIDTH = 16, 30
LINE_COLOUR = "#4a7fb0"


def wrap(text: str, width: int) -> str:
    """``text`` in lines of about ``width`` characters, broken at spaces only (a long word keeps its line), through :func:`plain`."""
    return plain("\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)))


def point_names(result: Trend) -> list[str]:
    """Each point as "2. before the new forum" with its date below, wrapped."""
    names = []
    for number, point in enumerate(result.points, start=1):
        when = f"\n{point.when()}" if point.taken_at else ""
        names.append(wrap(f"{number}. {point.label}", POINT_WIDTH) + when)
    return names


def trend_figure(result: Trend, name: str | None = None) -> Figure:
    """The locality's findings, headline figures and profile at each point, oldest first.

    Parameters
    ----------
    result : Trend
        From :func:`analysis.trend.trend`.
    name : str, optional
        The locality's name for the title (else its id).

    Returns
    -------
    Figure
        Three rows of panels sharing the points along their x axes; give
        it a provenance line with :func:`analysis.charts.add_footer`.
    """
    count = len(result.points)
    labels = point_names(result)
    label_lines = max(label.count("\n") + 1 for label in labels)
    width = max(11.0, 4.5 + 1.3 * count)  # room for every point's name, however many
    heights = [2.4 + 0.16 * label_lines, 4.2, 0.4 * len(result.of_kind("profile")) + 1.2 + 0.16 * label_lines]
    figure = Figure(figsize=(width, sum(heights) + 0.6), dpi=100, layout="constrained")
    figure.patch.set_facecolor("white")
    top, middle, bottom = figure.subfigures(3, 1, height_ratios=heights, squeeze=False)[:, 0]
    draw_findings(top.add_subplot(), result, labels)
    top.suptitle("Findings at each point, by severity", fontsize=11, x=0.01, ha="left")
    draw_headline_figures(middle.subplots(2, 3).ravel(), result)
    middle.suptitle("Headline figures (points numbered as above)", fontsize=11, x=0.01, ha="left")
    draw_profile_strip(bottom.add_subplot(), result, labels)
    bottom.suptitle("Collaborative-advantage profile", fontsize=11, x=0.01, ha="left")
    title = plain(f"How {name or result.locality} changed: {count} point{'s' if count != 1 else ''}, oldest first")
    figure.suptitle(title, fontsize=13, x=0.01, ha="left")
    return figure


def _tidy(ax, count: int) -> None:
    ax.set_xlim(-0.5, count - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def draw_findings(ax, result: Trend, labels: list[str]) -> None:
    """Stacked bars of the findings at each point by severity, the total above each bar."""
    count = len(result.points)
    positions = np.arange(count)
    bottom = np.zeros(count)
    for severity in Severity:
        values = np.array(result.get("severity", severity.value).values, dtype=float)
        colour = SEVERITY_COLOURS[severity.value]
        ax.bar(positions, values, bottom=bottom, color=colour, edgecolor="white", label=severity.value, width=0.6)
        bottom += values
    totals = result.get("findings", "total").values
    for x, total in zip(positions, totals, strict=True):
        ax.text(x, float(total or 0), f"{total:g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions)
    ax.set_xticklabels(labels, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(1.0, float(max(totals, key=lambda v: v or 0) or 0)) * 1.2)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7, frameon=False, ncol=4, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _tidy(ax, count)


def draw_headline_figures(axes, result: Trend) -> None:
    """One line per headline figure (:data:`analysis.charts.CHART_METRICS`); a missing point is a gap."""
    count = len(result.points)
    numbers = [str(i) for i in range(1, count + 1)]
    for ax, (metric, title, fmt) in zip(axes, CHART_METRICS, strict=True):
        ax.set_title(plain(title), fontsize=9, loc="left")
        try:
            series = result.get("metric", metric)
        except KeyError:
            series = None
        if series is not None:
            _draw_line(ax, series, fmt)
        ax.set_xticks(range(count))
        ax.set_xticklabels(numbers, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        _tidy(ax, count)


def _draw_line(ax, series: Series, fmt: str) -> None:
    """One figure's line from zero up (a change is never magnified by the axis); a missing point says so."""
    values = np.array(
        [v if here and v is not None else np.nan for v, here in zip(series.values, series.present, strict=True)]
    )
    ax.plot(range(len(values)), values, marker="o", color=LINE_COLOUR, linewidth=1.6, markersize=4)
    shown = values[~np.isnan(values)]
    low, high = (min(0.0, shown.min()), shown.max()) if shown.size else (0.0, 0.0)
    ax.set_ylim(low, max(high, 1.0) * 1.25)
    if fmt == "{:.0f}":  # a count or whole hours: no ticks between whole numbers
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for x, value in enumerate(values):
        if np.isnan(value):  # said at the foot of the panel, where no line is
            ax.text(
                x, 0.04, MISSING_WORDS, transform=ax.get_xaxis_transform(), ha="center", fontsize=7, color="#777777"
            )
            continue
        ax.annotate(
            plain(fmt.format(value)), (x, value), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7
        )


def draw_profile_strip(ax, result: Trend, labels: list[str]) -> None:
    """Profile dimensions (rows) x points (columns), coloured and labelled by level; missing cells say so."""
    rows = result.of_kind("profile")
    steps = len(LEVELS)  # then "cannot tell", then "missing"
    grid = np.array([[_cell(s, i, steps) for i in range(len(result.points))] for s in rows], dtype=float)
    cmap = ListedColormap([*LEVEL_COLOURS, UNKNOWN_COLOUR, MISSING_COLOUR])
    ax.imshow(grid, cmap=cmap, norm=BoundaryNorm(np.arange(-0.5, steps + 2), cmap.N), aspect="auto")
    for r, s in enumerate(rows):
        for i in range(len(result.points)):
            text = MISSING_WORDS if not s.present[i] else SHORT_WORDS.get(s.values[i], str(s.values[i]))
            dark = s.present[i] and s.values[i] in (1, 2)
            ax.text(i, r, plain(text), ha="center", va="center", fontsize=7, color="white" if dark else "#222222")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(s.label, DIMENSION_WIDTH) for s in rows], fontsize=8)
    ax.set_xticks(range(len(result.points)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_xticks(np.arange(-0.5, len(result.points)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.legend(handles=_level_key(), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)


def _cell(series: Series, index: int, steps: int) -> int:
    """The colour index of one cell: its level's step, then "cannot tell", then missing."""
    if not series.present[index]:
        return steps + 1
    value = series.values[index]
    return LEVELS.index(value) if value in LEVELS else steps


def _level_key() -> list[Patch]:
    colours = [*LEVEL_COLOURS, UNKNOWN_COLOUR, MISSING_COLOUR]
    words = [*(LEVEL_WORDS[v] for v in LEVELS), LEVEL_WORDS[None], f"{MISSING_WORDS} (not in that version)"]
    return [Patch(facecolor=c, edgecolor="#999999", label=plain(w)) for c, w in zip(colours, words, strict=True)]
