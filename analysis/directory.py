"""Directories for new staff: who meets where, and who sits where by job role.

The evaluation found that "new members of the locality need to be actively
initiated into the communication system" (Glenny 2005, 3.2); Thame's web
directory and Abingdon's co-ordinator's directory were the localities' own
answers.  Two directories answer the questions a new member of staff asks:

- :func:`who_meets_where`: each group of a locality, strategic groups first,
  then upstream and school-facing groups, then casework, then the rest: what
  it is for, what it handles, when it meets, how to bring an item and who
  sits on it by role;
- :func:`role_directory`: for each job role, the people in it and the
  meetings they attend with hours a year, in one locality or across many
  ("which meetings do SENCOs attend?").

People appear as the file names them (the samples name posts, not people),
but names are still personal data: the pages show them to the readers who
may see the people lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.document import Group, LocalityDocument
from models.vocab import CONCERN_LABELS, MEETINGS_PER_YEAR, Focus, MemberRole, job_role_words

from .attendance import attendance
from .graphs import LocalityGraphs, build_graphs
from .load import group_hours_per_year
from .settings import DEFAULT_SETTINGS, AuditSettings

#: The directory's sections, in the order a new member of staff reads them.
SECTION_LABELS: dict[str, str] = {
    "strategic": "Strategic groups",
    "both": "Networks and forums: school and casework concerns together",
    "upstream": "Upstream and school-facing groups",
    "casework": "Casework groups",
    "other": "Other groups",
}

#: Spellings of a job role that mean one role, after :func:`role_key` has
#: folded case, accents and punctuation ("SENCo" and "senco" need no entry).
ROLE_ALIASES: dict[str, str] = {
    "special_educational_needs_coordinator": "senco",
    "sen_coordinator": "senco",
    "headteacher": "head_teacher",
    "home_school_link_worker": "hsclw",
    "home_school_community_link_worker": "hsclw",
    "hslw": "hsclw",
    "esw": "education_social_worker",
}

#: Words of role codes written in capitals ("la_lead_officer" reads "LA lead officer").
#: Seats in the order a directory lists them: who runs the group first.
SEAT_ORDER = {"chair": 0, "coordinator": 1, "secretary": 2, "key_worker": 3, "representative": 4, "consultant": 5}
SEAT_ORDER |= {role.value: len(SEAT_ORDER) for role in MemberRole if role.value not in SEAT_ORDER}

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def role_key(role: str | None) -> str | None:
    """The one spelling of a job role that every spelling of it shares.

    Parameters
    ----------
    role : str or None
        A person's ``role`` as written: ``"SENCo"``, ``"senco"``,
        ``"Head teacher"``, ``"special educational needs co-ordinator"``.

    Returns
    -------
    str or None
        Lower case, accents dropped, every run of other characters one
        ``_``, "co-ordinator" spelt "coordinator", then :data:`ROLE_ALIASES`
        applied: all of the examples above but the last two give ``senco``
        or ``head_teacher``.  None for no role or a blank one.  A different
        role stays different: "senior teacher" is ``senior_teacher``.
    """
    if role is None:
        return None
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", role) if not unicodedata.combining(ch))
    key = _NOT_WORD.sub("_", bare.casefold()).strip("_").replace("co_ordinator", "coordinator")
    return ROLE_ALIASES.get(key, key) or None


def role_label(key: str | None) -> str:
    """A role key in words: ``la_lead_officer`` reads "LA lead officer", None "Role not recorded"."""
    return "Role not recorded" if key is None else job_role_words(key)


def meets_words(group: Group) -> str | None:
    """How often a group meets, in words ("termly, about 3 a year"), or None when the file does not say."""
    if group.meetings_per_year is not None:
        count = f"{group.meetings_per_year:g} times a year"
        return f"{group.meets.value.replace('_', ' ')}, {count}" if group.meets else count
    if group.meets is None:
        return None
    implied = MEETINGS_PER_YEAR[group.meets]
    words = group.meets.value.replace("_", " ")
    return f"{words}, about {implied:g} a year" if implied else words


@dataclass(frozen=True)
class Seat:
    """One person's seat on one group, as the directories list it."""

    person: str
    name: str
    role: str | None
    seat_role: str
    attendance: float
    #: Hours a year in this group's meetings (its hours times attendance); None when its frequency is unknown.
    hours_per_year: float | None
    #: True when the meeting's length was assumed.
    hours_assumed: bool

    @property
    def role_label(self) -> str:
        return role_label(self.role)


@dataclass(frozen=True)
class GroupEntry:
    """One group in "who meets where": everything a newcomer needs to use it."""

    id: str
    name: str
    type: str
    section: str
    purpose: str | None
    handles: tuple[str, ...]
    meets: str | None
    meeting_pattern: str | None
    next_meeting: str | None
    venue: str | None
    contact: str | None
    external: bool
    hours_per_year: float | None
    seats: tuple[Seat, ...]


@dataclass(frozen=True)
class DirectorySection:
    key: str
    label: str
    groups: tuple[GroupEntry, ...]


def section_of(graphs: LocalityGraphs, group_id: str) -> str:
    """Which section of :data:`SECTION_LABELS` a group is listed in: the first that fits it.

    Strategic groups (focus ``strategic``), then the networks and forums
    that host both conversations (focus ``both``: where a newcomer meets
    most of the locality, report 3.3), then upstream groups and groups
    sitting in or working with a school, then casework groups (panels,
    MASTs, focus ``downstream``); groups of no stated focus are "other".
    """
    focus = graphs.focus(group_id)
    if focus == Focus.strategic:
        return "strategic"
    if focus == Focus.both:
        return "both"
    if focus == Focus.upstream or graphs.is_school_facing(group_id):
        return "upstream"
    if graphs.is_casework(group_id):
        return "casework"
    return "other"


def _seats(graphs: LocalityGraphs, group: Group, year: tuple[float, float, bool]) -> tuple[Seat, ...]:
    """A group's seats, who runs it first, then by job role in words and name."""
    known = group.yearly_meetings is not None
    seats = []
    for m in group.members:
        person = graphs.people[m.person]
        share = attendance(m)
        hours = year[1] * share if known else None
        seats.append(Seat(person.id, person.name, role_key(person.role), m.role.value, share, hours, year[2]))
    return tuple(sorted(seats, key=lambda s: (SEAT_ORDER[s.seat_role], s.role_label.casefold(), s.name.casefold())))


def who_meets_where(document: LocalityDocument, settings: AuditSettings = DEFAULT_SETTINGS) -> list[DirectorySection]:
    """The "who meets where" directory of a locality, section by section.

    Parameters
    ----------
    document : LocalityDocument
    settings : AuditSettings, optional
        Gives the length assumed for a meeting whose ``hours`` is not stated.

    Returns
    -------
    list of DirectorySection
        The sections of :data:`SECTION_LABELS` that hold a group, in that
        order; in each, its groups in file order (:func:`section_of`), each
        with its concerns in words (``handles`` through
        :data:`models.vocab.CONCERN_LABELS`) and its seats, chair and
        co-ordinators first.  A field the file leaves out is None (an empty
        tuple for ``handles``): the pages say "not recorded".
    """
    graphs = build_graphs(document)
    years = group_hours_per_year(graphs, settings)
    found: dict[str, list[GroupEntry]] = {key: [] for key in SECTION_LABELS}
    for g in document.groups:
        section = section_of(graphs, g.id)
        entry = GroupEntry(
            id=g.id,
            name=g.name,
            type=g.type.value,
            section=section,
            purpose=g.purpose,
            handles=tuple(CONCERN_LABELS[c.value] for c in g.handles),
            meets=meets_words(g),
            meeting_pattern=g.meeting_pattern,
            next_meeting=g.next_meeting,
            venue=g.venue,
            contact=g.contact,
            external=g.external,
            hours_per_year=years[g.id][1] if g.yearly_meetings is not None else None,
            seats=_seats(graphs, g, years[g.id]),
        )
        found[section].append(entry)
    return [DirectorySection(key, SECTION_LABELS[key], tuple(found[key])) for key in SECTION_LABELS if found[key]]


@dataclass(frozen=True)
class RoleRow:
    """One line of the role directory: a person in a role, and one meeting they attend (or none)."""

    locality: str
    locality_name: str
    person: str
    name: str
    #: The group, or None for a person who sits on no group.
    group: str | None
    group_name: str | None
    seat_role: str | None
    hours_per_year: float | None
    hours_assumed: bool


@dataclass(frozen=True)
class RoleEntry:
    """Everyone in one job role and the meetings they attend."""

    role: str | None
    rows: tuple[RoleRow, ...]

    @property
    def label(self) -> str:
        return role_label(self.role)

    @property
    def people(self) -> int:
        return len({(r.locality, r.person) for r in self.rows})


def _role_rows(document: LocalityDocument, settings: AuditSettings) -> dict[str | None, list[RoleRow]]:
    """Each role's rows in one locality: people in file order, each with their groups in file order."""
    graphs = build_graphs(document)
    years = group_hours_per_year(graphs, settings)
    info = document.locality
    out: dict[str | None, list[RoleRow]] = {}
    for person in document.people:
        rows = out.setdefault(role_key(person.role), [])
        seated = graphs.groups_of[person.id]
        for group_id in seated:
            g = graphs.groups[group_id]
            m = graphs.seat(person.id, group_id)
            _, hours, assumed = years[group_id]
            known = g.yearly_meetings is not None
            hours_of = hours * attendance(m) if known else None
            rows.append(
                RoleRow(info.id, info.name, person.id, person.name, g.id, g.name, m.role.value, hours_of, assumed)
            )
        if not seated:
            rows.append(RoleRow(info.id, info.name, person.id, person.name, None, None, None, None, False))
    return out


def role_directory(
    documents: Iterable[LocalityDocument], role: str | None = None, settings: AuditSettings = DEFAULT_SETTINGS
) -> list[RoleEntry]:
    """Who holds each job role, and the meetings they attend with hours a year.

    Parameters
    ----------
    documents : iterable of LocalityDocument
        One locality, or several for a directory across them.
    role : str, optional
        Only this role, in any spelling :func:`role_key` folds together
        (``"SENCo"`` finds ``senco``).
    settings : AuditSettings, optional
        Gives the length assumed for a meeting whose ``hours`` is not stated.

    Returns
    -------
    list of RoleEntry
        One per role held, ordered by the role in words, people of no
        recorded role last; each role's rows by locality (in the order
        given), then person and group in file order.  A person on no group
        has one row with no group.  Hours a year are the group's meeting
        hours times the seat's attendance, None where the group's frequency
        is not recorded.
    """
    wanted = role_key(role) if role is not None else None
    merged: dict[str | None, list[RoleRow]] = {}
    for document in documents:
        for key, rows in _role_rows(document, settings).items():
            if role is None or key == wanted:
                merged.setdefault(key, []).extend(rows)
    entries = [RoleEntry(key, tuple(rows)) for key, rows in merged.items()]
    return sorted(entries, key=lambda e: (e.role is None, e.label.casefold()))
