"""The member census's scores as a chart (matplotlib's object API, no pyplot).

One horizontal bar per group and statement: the share of the group's
respondents answering "mostly" or "yes, clearly" (the report's "evident" or
"strongly evident").  Only groups the summary shows are drawn, so a chart
never holds a figure from fewer respondents than the census's threshold;
the groups held back are named by :func:`held_back_words`, which the page
writes along the chart's foot (:func:`analysis.charts.add_footer`) and beside
the table that sets the same figures out, the chart's accessible equivalent.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from models.vocab import STATEMENTS

from .census import CensusSummary, GroupCensus
from .charts import plain, wrapped

#: One colour per statement, in the order asked (colour-blind-safe, after Okabe and Ito).
STATEMENT_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7")
#: Short names of the statements for the legend.
STATEMENT_SHORT = {
    "purpose": "knows what it is for",
    "connections": "knows how it connects",
    "acted_on": "issues are acted on",
    "worth": "worth the time",
}
#: Characters per line of a group's name beside its bars.
GROUP_NAME_WIDTH = 28
#: Inches per statement bar, and between groups.
BAR_INCHES, GAP_INCHES = 0.22, 0.3


def shown_groups(summary: CensusSummary) -> list[GroupCensus]:
    """The groups with scores, in the census's order."""
    return [g for g in summary.groups.values() if g.shown]


def held_back_words(summary: CensusSummary, names: Mapping[str, str]) -> str | None:
    """The sentence naming the groups held back (rated by fewer than the threshold), or None."""
    held = [names.get(g.group, g.group) for g in summary.groups.values() if not g.shown]
    if not held:
        return None
    k = summary.min_respondents
    return f"No score (fewer than {k} respondents): " + ", ".join(held) + "."


def scores_figure(summary: CensusSummary, names: Mapping[str, str], title: str | None = None) -> Figure:
    """The share agreeing with each statement, for every group the summary shows.

    Parameters
    ----------
    summary : CensusSummary
        From :func:`analysis.census.tally` (small numbers already held back).
    names : mapping of str to str
        Group names by id (an id stands for a group no longer listed).
    title : str, optional
        The chart's title; by default "Member census N".

    Returns
    -------
    Figure
        Bars from 0 to 100 %, each labelled with its share and how many
        answered; give it a footer naming the groups held back
        (:func:`held_back_words`) with :func:`analysis.charts.add_footer`.
    """
    groups = shown_groups(summary)
    rows = max(1, len(groups))
    height = 1.6 + rows * (len(STATEMENTS) * BAR_INCHES + GAP_INCHES)
    figure = Figure(figsize=(8.5, height), dpi=100, layout="constrained")
    figure.patch.set_facecolor("white")
    ax = figure.add_subplot()
    if groups:
        _draw_bars(ax, groups, names)
    else:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            plain(f"No group has {summary.min_respondents} or more respondents yet: no scores to draw."),
            ha="center",
            va="center",
            fontsize=10,
            transform=ax.transAxes,
        )
    heading = title or f"Member census {summary.number}"
    figure.suptitle(plain(heading + ': share answering "mostly" or "yes, clearly"'), fontsize=11, x=0.01, ha="left")
    return figure


def _draw_bars(ax, groups: list[GroupCensus], names: Mapping[str, str]) -> None:
    """Bars grouped by group (top to bottom in the census's order), one per statement."""
    per = len(STATEMENTS)
    centres = np.arange(len(groups)) * (per + 1.0)
    for i, statement in enumerate(STATEMENTS):
        ys = centres + i - (per - 1) / 2
        shares = [_share(g, statement) for g in groups]
        ax.barh(
            ys,
            [s if s is not None else 0 for s in shares],
            height=0.85,
            color=STATEMENT_COLOURS[i],
            label=plain(STATEMENT_SHORT[statement]),
        )
        for y, g, share in zip(ys, groups, shares, strict=True):
            ax.text(
                min(share or 0, 1) + 0.01,
                y,
                plain(_bar_label(g, statement)),
                va="center",
                fontsize=7,
                color="#1f2933",
            )
    ax.set_yticks(centres)
    ax.set_yticklabels([wrapped(names.get(g.group, g.group), GROUP_NAME_WIDTH) for g in groups], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.22)  # room for the last label
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#d9e2ec", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)


def _share(group: GroupCensus, statement: str) -> float | None:
    tally = group.tallies.get(statement)
    return tally.holds if tally is not None else None


def _bar_label(group: GroupCensus, statement: str) -> str:
    tally = group.tallies.get(statement)
    if tally is None or tally.holds is None:
        return "no answers"
    return f"{tally.holds:.0%} of {tally.answers}"
