"""Meeting load: the share of working time people spend in these meetings."""

from __future__ import annotations

from dataclasses import dataclass

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
    out = {}
    for g in graphs.document.groups:
        meetings = g.yearly_meetings or 0.0
        hours = g.hours if g.hours is not None else settings.default_meeting_hours
        out[g.id] = (meetings, meetings * hours, g.hours is None and meetings > 0)
    return out


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
    """
    per_group = group_hours_per_year(graphs, settings)
    loads = []
    for p in graphs.document.people:
        meetings = hours = 0.0
        assumed = p.hours_per_week is None
        for group_id in graphs.groups_of[p.id]:
            seat = graphs.membership.edges[f"person:{p.id}", f"group:{group_id}"]
            count, group_hours, length_assumed = per_group[group_id]
            meetings += count * seat["attendance"]
            hours += group_hours * seat["attendance"]
            assumed = assumed or length_assumed
        weekly = p.hours_per_week if p.hours_per_week is not None else settings.default_hours_per_week
        loads.append(MeetingLoad(p.id, meetings, hours, hours / (weekly * settings.working_weeks), assumed))
    return loads
