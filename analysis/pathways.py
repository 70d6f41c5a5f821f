"""Routes through the system: the key communication group, and the paths
cases, issues and feedback can travel (report sections 3.3-3.8, 5.3).

Routes follow the directed group links.  Kinds are grouped by direction:
cases travel ``refers_cases_to``, ``commissions``, ``oversees`` and
``feeds_issues_to`` towards casework; feedback travels ``reports_to`` and
``feeds_issues_to`` towards strategy; a locality reaches the centre along
``reports_to``, ``feeds_issues_to`` and ``consults``.  Each check finds
what it needs with one breadth-first search over the link graph, forward
or reverse and from one or several groups at once, so each is linear in
the groups and links, O(V + E), at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from models.vocab import Focus, LinkKind, MembershipRule

from .graphs import CASE_KINDS, FEEDBACK_KINDS, UPWARD_KINDS, LocalityGraphs
from .kernels import reach
from .settings import AuditSettings


def reachable_sets(view: nx.DiGraph) -> dict[str, set[str]]:
    """For each node, every node reachable from it (itself excluded) by directed paths.

    Computed on the condensation (the DAG of strongly connected components),
    visiting components in reverse topological order so each set is built
    from its successors' sets.  The sets can hold O(V^2) entries in all, so
    the audit does not use this: each of its checks needs reachability to
    or from a few groups only, found by one targeted search
    (:func:`analysis.kernels.reach`).
    """
    condensed = nx.condensation(view)
    members = nx.get_node_attributes(condensed, "members")
    below: dict[int, set[str]] = {}
    for c in reversed(list(nx.topological_sort(condensed))):
        found: set[str] = set()
        for succ in condensed.successors(c):
            found |= members[succ] | below[succ]
        below[c] = found
    mapping = condensed.graph["mapping"]
    return {n: below[mapping[n]] | (members[mapping[n]] - {n}) for n in view}


@dataclass(frozen=True)
class GroupStanding:
    """How a group measures against recommendation (ii)'s key communication group."""

    group: str
    strategic: bool
    inclusive: bool
    hosts_upstream: bool
    hosts_downstream: bool
    sectors: int
    meets_often_enough: bool = True

    @property
    def is_key(self) -> bool:
        return (
            self.strategic
            and self.inclusive
            and self.hosts_upstream
            and self.hosts_downstream
            and self.meets_often_enough
        )

    @property
    def score(self) -> tuple:
        return (
            self.is_key,
            self.strategic,
            self.hosts_upstream + self.hosts_downstream,
            self.inclusive,
            self.meets_often_enough,
            self.sectors,
        )


def locality_sectors(graphs: LocalityGraphs) -> set[str]:
    """Sectors of agencies that have at least one person on a local group."""
    out = set()
    for group_id in graphs.local_groups:
        out |= graphs.sectors_in(group_id)
    return out


def group_standings(graphs: LocalityGraphs, settings: AuditSettings) -> list[GroupStanding]:
    """Measure every local group against the key communication group of recommendation (ii).

    Notes
    -----
    A group is

    *strategic* when its focus is strategic or both (steering groups, forums,
    networks, core groups, hubs) or it oversees or commissions another group,
    unless it is itself a casework or school-facing group;
    *inclusive* when its membership is open, or it seats people from at least
    ``inclusive_sector_share`` of the sectors present in the locality (and at
    least ``inclusive_min_sectors``);
    a host of *upstream* conversations when its focus is upstream or both or
    an upstream, both-focus or school-facing group feeds it issues or reports
    to it; of *downstream* conversations when its focus is downstream or both,
    a casework group reports or feeds issues to it, or it oversees,
    commissions or refers cases to one.

    The key communication group is a group that is all four, and meets at
    least ``key_group_min_meetings`` times a year: "a key
    communication group ... with strategic responsibilities ... inclusive in
    membership and ... facilitating the opportunities for 'upstream' and
    'downstream' conversations" (Glenny 2005, 5.3 recommendation ii).
    """
    all_sectors = locality_sectors(graphs)
    needed = max(settings.inclusive_min_sectors, settings.inclusive_sector_share * len(all_sectors))
    out = []
    for group_id in graphs.local_groups:
        g = graphs.groups[group_id]
        focus = g.effective_focus
        out_kinds = {k for _, _, k in graphs.links.out_edges(group_id, keys=True)}
        # SCTs commission support as part of their job (Appendix ONE): that is
        # not strategic responsibility for the locality.
        frontline = graphs.is_casework(group_id) or graphs.is_school_facing(group_id)
        strategic = not frontline and (
            focus in (Focus.strategic, Focus.both) or bool(out_kinds & {LinkKind.oversees, LinkKind.commissions})
        )
        sectors = graphs.sectors_in(group_id)
        inclusive = g.membership == MembershipRule.open or len(sectors) >= needed
        upstream = focus in (Focus.upstream, Focus.both)
        downstream = focus in (Focus.downstream, Focus.both)
        for source, _, kind in graphs.links.in_edges(group_id, keys=True):
            if kind not in (LinkKind.feeds_issues_to, LinkKind.reports_to, LinkKind.refers_cases_to):
                continue
            if graphs.groups[source].external:
                continue
            source_focus = graphs.focus(source)
            if source_focus in (Focus.upstream, Focus.both) or graphs.is_school_facing(source):
                upstream = True
            if graphs.is_casework(source) or source_focus == Focus.both:
                downstream = True
        for _, target, kind in graphs.links.out_edges(group_id, keys=True):
            if kind in (LinkKind.oversees, LinkKind.commissions, LinkKind.refers_cases_to) and graphs.is_casework(
                target
            ):
                downstream = True
        yearly = g.yearly_meetings
        often = yearly is None or yearly >= settings.key_group_min_meetings
        out.append(GroupStanding(group_id, strategic, inclusive, upstream, downstream, len(sectors), often))
    return out


def key_group(standings: list[GroupStanding]) -> str | None:
    """The key communication group, or None; the best-scoring if several qualify."""
    keys = [s for s in standings if s.is_key]
    return max(keys, key=lambda s: s.score).group if keys else None


def principal_group(standings: list[GroupStanding]) -> str | None:
    """The key group or, failing one, the best strategic group: the group the
    rest of the system should feed and through which it reaches the centre."""
    strategic = [s for s in standings if s.strategic]
    if not strategic:
        return None
    return max(strategic, key=lambda s: s.score).group


def missing_upstream_paths(graphs: LocalityGraphs, skip: set[str] = frozenset()) -> list[str]:
    """Casework groups that nothing upstream refers cases to.

    Notes
    -----
    A casework (downstream) group is reachable from upstream when an
    upstream, both-focus or school-facing group refers cases to it or
    commissions it, or when a school sits on it: in the pilots "20 out of 21
    referrals were from schools" (3.4), made directly by their staff.
    """
    out = []
    for group_id in graphs.local_groups:
        if not graphs.is_casework(group_id) or group_id in skip:
            continue
        fed = any(
            kind in (LinkKind.refers_cases_to, LinkKind.commissions)
            and (graphs.focus(src) in (Focus.upstream, Focus.both) or graphs.is_school_facing(src))
            for src, _, kind in graphs.links.in_edges(group_id, keys=True)
        )
        school_seated = any(graphs.agency_of.get(p) in graphs.schools for p in graphs.members_of[group_id])
        if not fed and not school_seated:
            out.append(group_id)
    return out


@dataclass(frozen=True)
class DownstreamGap:
    subject: str
    kind: str  # "group" or "school"


def missing_downstream_paths(graphs: LocalityGraphs, skip: set[str] = frozenset()) -> list[DownstreamGap]:
    """Upstream or school-facing groups, and schools, with no route to casework.

    Notes
    -----
    A group has a route when a directed path of case-carrying links
    (refers_cases_to, commissions, oversees, feeds_issues_to, consults) leads
    from it to a group where cases are discussed: a casework group, or a
    group hosting both upstream and downstream conversations, as the Thame
    and Kidlington Networks did (3.3).  A school has a route when one of its
    people sits on such a group or on a group with a route.  Where nothing
    can take a case, every upstream group is without a route: children of
    concern have nowhere to go (report 3.4, 5.2).

    The groups with a route are found by one breadth-first search backwards
    along case-carrying links from all casework groups at once, O(V + E).
    """
    casework = {g for g in graphs.local_groups if graphs.hosts_casework(g)}
    leads_to_casework = reach(graphs.links.pred, CASE_KINDS, casework)
    has_route = {g: g in casework or g in leads_to_casework for g in graphs.local_groups}
    out = []
    for group_id in graphs.local_groups:
        g = graphs.groups[group_id]
        upstream = g.effective_focus == Focus.upstream or graphs.is_school_facing(group_id)
        if upstream and not has_route[group_id] and group_id not in skip:
            out.append(DownstreamGap(group_id, "group"))
    for agency in graphs.document.agencies:
        if not agency.school:
            continue
        seats = [g for p in graphs.people_by_agency[agency.id] for g in graphs.groups_of[p]]
        seats += graphs.school_groups.get(agency.id, [])
        local_seats = [g for g in seats if g in has_route]
        if local_seats and not any(has_route[g] for g in local_seats):
            out.append(DownstreamGap(agency.id, "school"))
    return out


@dataclass(frozen=True)
class FeedbackGap:
    group: str
    target: str
    #: People who sit on both the group and the target: an informal route.
    informal_via: tuple[str, ...]


def missing_feedback_paths(
    graphs: LocalityGraphs, target: str | None, skip: set[str] = frozenset()
) -> list[FeedbackGap]:
    """Casework and consultation groups whose issues cannot reach the key group.

    Notes
    -----
    The appreciative system (Vickers 1965; report 3.8) depends on "good
    quality feedback from the ground": issues met in casework (panels, MASTs)
    and consultation (SCTs) must travel, along ``reports_to`` and
    ``feeds_issues_to`` links, to the group that can act on them.  The
    groups with a route are found by one breadth-first search backwards
    along those links from the target, O(V + E).
    """
    if target is None:
        return []
    feeds_target = reach(graphs.links.pred, FEEDBACK_KINDS, [target])
    out = []
    target_members = set(graphs.members_of[target])
    for group_id in graphs.local_groups:
        if group_id == target or group_id in skip:
            continue
        g = graphs.groups[group_id]
        if not (graphs.is_casework(group_id) or g.type.value == "school_consultation_team"):
            continue
        if group_id in feeds_target:
            continue
        via = tuple(p for p in graphs.members_of[group_id] if p in target_members)
        out.append(FeedbackGap(group_id, target, via))
    return out


@dataclass(frozen=True)
class CentreLink:
    """How the locality's principal group reaches a local-authority-wide group."""

    from_group: str | None
    centres: tuple[str, ...]
    by_link: tuple[str, ...]
    by_member: tuple[str, ...]
    #: Shared members who attend under half the meetings of either group.
    weak_members: tuple[str, ...]
    #: Groups the principal group reaches by upward links, whose members sit on the centre.
    via_groups: tuple[str, ...]
    #: Local groups (other than the principal one) with a route to the centre.
    others: tuple[str, ...]

    @property
    def linked(self) -> bool:
        return bool(self.by_link or self.by_member or self.weak_members or self.via_groups)


def centre_link(graphs: LocalityGraphs, principal: str | None) -> CentreLink:
    """Does the principal group reach the local-authority centre?

    Notes
    -----
    The centre is any external group with strategic focus (type
    ``strategic_centre`` by default).  A group reaches it by a directed path
    of upward links, or through a person sitting on both: a steering group
    "chaired / attended by a local authority representative ... is directly
    linked into local authority planning structures" (Appendix ONE;
    recommendation ii: the key group "needs to link directly and effectively
    with LA wide strategic decision making groups").  A shared member who
    attends under half the meetings of either group is a weak link: in
    Abingdon "the LA leads changed a number of times over the year, leaving
    the group rather unsupported" (Appendix 2c).  The principal group also
    reaches the centre through another local group it feeds or reports to
    (directly or in steps) on which someone from the centre sits.

    Two breadth-first searches along upward links, O(V + E) each: forward
    from the principal group, and backwards from the centres at once.
    """
    centres = tuple(g for g in graphs.groups if graphs.is_centre(g))
    if not centres:
        return CentreLink(principal, (), (), (), (), (), ())
    centre_members = {c: set(graphs.members_of[c]) for c in centres}
    centre_people = set().union(*centre_members.values())
    by_link: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    above_principal: set[str] = set()
    if principal is not None:
        above_principal = reach(graphs.links.succ, UPWARD_KINDS, [principal]) - {principal}
        by_link = tuple(c for c in centres if c in above_principal)
        shared = tuple(p for p in graphs.members_of[principal] if p in centre_people)

    def steady(person: str) -> bool:
        seats = [principal] + [c for c in centres if person in centre_members[c]]
        return all(_attendance(graphs.seat(person, g)) >= 0.5 for g in seats)

    by_member = tuple(p for p in shared if steady(p))
    weak = tuple(p for p in shared if not steady(p))
    via: tuple[str, ...] = ()
    if principal is not None:
        via = tuple(
            g
            for g in graphs.local_groups
            if g in above_principal and any(p in centre_people for p in graphs.members_of[g])
        )
    reaches_centre = reach(graphs.links.pred, UPWARD_KINDS, centres)
    others = tuple(
        g
        for g in graphs.local_groups
        if g != principal and (g in reaches_centre or any(p in centre_people for p in graphs.members_of[g]))
    )
    return CentreLink(principal, centres, by_link, by_member, weak, via, others)


def _attendance(member) -> float:
    """A seat's share of meetings attended (1 when the file does not say)."""
    return 1.0 if member.attendance is None else member.attendance
