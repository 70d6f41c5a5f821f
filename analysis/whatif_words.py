"""What-if in words: each change to the profile and the metrics as a line a co-ordinator reads.

The words are the audit's own: the profile's dimension labels and level
words (:mod:`analysis.profile`), and the metrics' labels as the report
prints them, so a what-if never shows a key such as ``local_ownership``
or a bare ``2 → 0.5``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from models.document import LocalityDocument

from .profile import DIMENSION_LABELS, LEVEL_WORDS

#: The levels in order, lowest first: a level's place is its step on the scale.
LEVEL_STEPS: tuple[float, ...] = (0, 0.5, 1, 2)

#: Every figure of the audit in words (those the report lists use the report's labels).
METRIC_WORDS: dict[str, str] = {
    "groups": "Groups (including external)",
    "local_groups": "Groups in the locality",
    "external_groups": "Groups outside the locality",
    "people": "People",
    "people_in_groups": "People on groups",
    "agencies": "Agencies",
    "agencies_in_groups": "Agencies on local groups",
    "links": "Links between groups",
    "memberships": "Seats (memberships)",
    "meetings_per_year": "Meetings a year",
    "meeting_hours_per_year": "Group meeting hours a year",
    "person_hours_per_year": "Hours a year in meetings, everyone together",
    "person_hours_per_year_median": "Hours a year per person (median)",
    "person_hours_per_year_max": "Hours a year per person (most)",
    "meeting_share_max": "Largest share of working time in meetings",
    "membership_density": "Share of possible seats filled",
    "link_density": "Share of possible links made",
    "shared_member_density": "Share of pairs of groups sharing a member",
    "components": "Parts of the system",
    "overlap_index": "Overlap index",
    "agencies_in_principal_group_share": "Share of agencies in the principal group",
    "upstream_downstream_balance": "Upstream-downstream balance (-1 to 1)",
    "systems_minders": "Systems minders",
    "systems_minder_reach": "Systems-minder reach",
    "service_user_reps": "Service-user representatives",
    "single_points_of_failure": "Single points of failure",
}

#: Figures that are shares of a whole, shown as percentages.
SHARES = frozenset(
    {
        "meeting_share_max",
        "membership_density",
        "link_density",
        "shared_member_density",
        "agencies_in_principal_group_share",
        "systems_minder_reach",
    }
)

#: What a figure of None means, by figure.
NO_FIGURE = {"upstream_downstream_balance": "none (no upstream or downstream groups)"}


def profile_line(dimension: str, before: float | None, after: float | None) -> str:
    """One profile change in words.

    Parameters
    ----------
    dimension : str
        A profile dimension (:data:`analysis.profile.DIMENSIONS`).
    before, after : float or None
        Its level before and after the change (None: cannot tell).

    Returns
    -------
    str
        For example "Local ownership: strongly evident → emergent but not
        significant (level 3 → level 1 of 3, down 2 levels)".
    """
    text = f"{DIMENSION_LABELS[dimension]}: {LEVEL_WORDS[before]} → {LEVEL_WORDS[after]}"
    if before is None:
        return f"{text} (the data could not say before)"
    if after is None:
        return f"{text} (the data no longer says)"
    old, new = LEVEL_STEPS.index(before), LEVEL_STEPS.index(after)
    moved = abs(new - old)
    way = "up" if new > old else "down"
    top = len(LEVEL_STEPS) - 1
    return f"{text} (level {old} → level {new} of {top}, {way} {moved} level{'s' if moved != 1 else ''})"


def _figure(name: str, value: float | None) -> str:
    if value is None:
        return NO_FIGURE.get(name, "none")
    if name in SHARES:
        return f"{round(value * 100, 1):g}%"
    return f"{value:g}"


def metric_line(name: str, before: float | None, after: float | None) -> str:
    """One metric change in words: its label, the figures either side and, for counts, how many more or fewer."""
    text = f"{METRIC_WORDS.get(name, name.replace('_', ' ').capitalize())}: {_figure(name, before)} → {_figure(name, after)}"
    counts = all(isinstance(v, int) and not isinstance(v, bool) for v in (before, after))
    if counts and before != after:
        assert isinstance(before, int) and isinstance(after, int)
        return f"{text} ({abs(after - before)} {'more' if after > before else 'fewer'})"
    return text


def key_group_line(before: str | None, after: str | None, names: Mapping[str, str]) -> str | None:
    """The key communication group's change by name, or None when it did not change."""
    if before == after:
        return None
    return f"Key communication group: {names.get(before, before) if before else 'none'} → " + (
        names.get(after, after) if after else "none"
    )


def describe_change(
    document: LocalityDocument,
    *,
    people: Iterable[str] = (),
    groups: Iterable[str] = (),
    agencies: Iterable[str] = (),
    draft_name: str | None = None,
) -> str:
    """What a what-if changes, by name: "without Youth worker (person); with a new group, Forum"."""
    names = {
        "person": {p.id: p.name for p in document.people},
        "group": {g.id: g.name for g in document.groups},
        "agency": {a.id: a.name for a in document.agencies},
    }
    taken = [
        f"{names[kind].get(ident, ident)} ({kind})"
        for kind, idents in (("person", people), ("group", groups), ("agency", agencies))
        for ident in idents
    ]
    parts = [f"without {', '.join(taken)}"] if taken else []
    if draft_name:
        parts.append(f"with a new group, {draft_name}")
    return "; ".join(parts) or "no change"
