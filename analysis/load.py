"""Meeting load: the share of working time people spend in these meetings."""

from __future__ import annotations

from dataclasses import dataclass

from models.document import Group

from .graphs import LocalityGraphs
from .settings import AuditSettings


@dataclass(frozen=True)
class MeetingLoad:
    person: str
    meetings_per_year: float
    hours_per_year: float
    share: float
    #: True where a figure was assumed: hours a week, or a meeting's length.
    assumed: bool


def group_hours_per_year(graphs: LocalityGraphs, settings: AuditSettings) -> dict[str, tuple[float, float, bool]]:
    """For each group: (meetings a year, hours a year, whether a length was assumed).

    A group with no stated frequency counts as meeting 0 times: it adds no
    load rather than a guessed one.
    """
    return {g.id: group_year(g, settings) for g in graphs.document.groups}


def group_year(group: Group, settings: AuditSettings) -> tuple[float, float, bool]:
    """One group's (meetings a year, hours a year, whether its meeting length was assumed)."""
    meetings = group.yearly_meetings or 0.0
    hours = group.hours if group.hours is not None else settings.default_meeting_hours
    return meetings, meetings * hours, group.hours is None and meetings > 0


def meeting_loads(graphs: LocalityGraphs, settings: AuditSettings) -> list[MeetingLoad]:
    """Hours a year each person spends in the locality's meetings, and the share of working time.

    Notes
    -----
    ``hours = sum over seats of meetings_per_year x hours x attendance``
    (attendance defaults to 1), against ``hours_per_week x working_weeks``.
    The Association of Headteachers and Deputes in Scotland (AHDS) reports a
    "meetings culture" in which educational psychologists "can spend 50% or
    more of their limited time in schools in multi-agency meetings"; the
    report's section 3.2 records respondents' complaints of a "plethora of
    meetings".

    References
    ----------
    AHDS, *Delivery of Integrated Children's Services in Schools* (position
    paper).  Glenny (2005), section 3.2.

    One pass over the document's seats, group by group in file order (so
    each person's sums are added in the order of their seats), O(seats).
    """
    per_group = group_hours_per_year(graphs, settings)
    meetings_of = dict.fromkeys(graphs.people, 0.0)
    hours_of = dict.fromkeys(graphs.people, 0.0)
    length_assumed_for: set[str] = set()
    for g in graphs.document.groups:
        count, group_hours, length_assumed = per_group[g.id]
        for person, share in graphs.seat_weights[g.id].items():
            meetings_of[person] += count * share
            hours_of[person] += group_hours * share
            if length_assumed:
                length_assumed_for.add(person)
    loads = []
    for p in graphs.document.people:
        meetings, hours = meetings_of[p.id], hours_of[p.id]
        assumed = p.hours_per_week is None or p.id in length_assumed_for
        weekly = p.hours_per_week if p.hours_per_week is not None else settings.default_hours_per_week
        loads.append(MeetingLoad(p.id, meetings, hours, hours / (weekly * settings.working_weeks), assumed))
    return loads
