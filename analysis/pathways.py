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

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.vocab import Focus, GroupType, LinkKind, MemberRole, MembershipRule

from .attendance import is_regular
from .graphs import CASE_KINDS, FEEDBACK_KINDS, UPWARD_KINDS, LocalityGraphs
from .kernels import reach
from .settings import AuditSettings

if TYPE_CHECKING:
    import networkx as nx


def reachable_sets(view: nx.DiGraph) -> dict[str, set[str]]:
    """For each node, every node reachable from it (itself excluded) by directed paths.

    Computed on the condensation (the DAG of strongly connected components),
    visiting components in reverse topological order so each set is built
    from its successors' sets.  The sets can hold O(V^2) entries in all, so
    the audit does not use this: each of its checks needs reachability to
    or from a few groups only, found by one targeted search
    (:func:`analysis.kernels.reach`).
    """
    import networkx as nx  # for callers that want every set; the audit never does

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
    more than ``key_group_rare_meetings`` times a year: "a key
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
        often = yearly is None or yearly > settings.key_group_rare_meetings
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


def missing_upstream_paths(graphs: LocalityGraphs, skip: AbstractSet[str] = frozenset()) -> list[str]:
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


#: Kinds of group where concerns about children are raised (Appendix ONE: a
#: network or forum is a "clearing house" for issues; 3.4: "20 out of 21
#: referrals were from schools").
CONCERN_TYPES = frozenset({GroupType.network, GroupType.forum, GroupType.hub})


def case_hosts(graphs: LocalityGraphs) -> set[str]:
    """Local groups where a child's case can be taken up.

    Casework groups (panels, MASTs, downstream focus), and groups hosting
    both conversations at which someone from a tier-3 agency (social care,
    mental health, health) attends: "Agencies normally working at tier 3,
    need to be providing consultation services to 'upstream' agencies"
    (5.3 vii).  An open forum of schools and volunteers alone can hear a
    worry but cannot take the case on.
    """
    out = set()
    for g in graphs.local_groups:
        if graphs.is_casework(g):
            out.add(g)
        elif graphs.focus(g) == Focus.both and graphs.tier3_attends(g):
            out.add(g)
    return out


def raises_concerns(graphs: LocalityGraphs, group_id: str) -> bool:
    """Whether concerns about children are raised in a group.

    School-facing groups, networks, forums and hubs, and groups whose
    members bring cases: someone from a school, or a key worker.  A project
    group (a teenage pregnancy initiative, a young people's evaluation
    group) handles no cases and needs no route to casework.
    """
    if graphs.is_school_facing(group_id) or graphs.groups[group_id].type in CONCERN_TYPES:
        return True
    schools = graphs.schools
    return any(
        graphs.agency_of.get(p) in schools or graphs.seat(p, group_id).role == MemberRole.key_worker
        for p in graphs.members_of[group_id]
    )


def routes_to(graphs: LocalityGraphs, hosts: set[str]) -> dict[str, bool]:
    """Whether each local group has a route to some host groups: it is one, a path of
    case-carrying links leads to one, or a member regularly sits on a group that does."""
    leads = reach(graphs.links.pred, CASE_KINDS, hosts)
    by_link = {g: g in hosts or g in leads for g in graphs.local_groups}
    out = dict(by_link)
    for g in graphs.local_groups:
        if out[g]:
            continue
        out[g] = any(
            by_link.get(h, False) and is_regular(min(graphs.weight(p, g), graphs.weight(p, h)))
            for p in graphs.members_of[g]
            for h in graphs.groups_of[p]
            if h != g
        )
    return out


@dataclass(frozen=True)
class DownstreamGap:
    subject: str
    #: ``group``, ``school``, or ``locality`` when no group can take a case at all.
    kind: str


def missing_downstream_paths(graphs: LocalityGraphs, skip: AbstractSet[str] = frozenset()) -> list[DownstreamGap]:
    """Groups where concerns are raised, and schools, with no route to casework.

    Notes
    -----
    A worry raised in a school, an SCT, a network or a forum needs somewhere
    to go, or children are "abandoned in 'no man's land' because schools feel
    'out of their depths'" (5.3 vii).  A group has a route when a directed
    path of case-carrying links (refers_cases_to, commissions, oversees,
    feeds_issues_to, consults) leads from it to a group that can take a case
    (:func:`case_hosts`), or when one of its members, attending both
    regularly, sits on a group with such a route.  A school has a route when
    one of its seats does.  Where no group can take a case at all, the gap is
    the locality's (one ``locality`` gap), not each group's.

    The groups with a link route are found by one breadth-first search
    backwards along case-carrying links from all hosts at once, O(V + E);
    member routes add one pass over the seats.
    """
    if not graphs.local_groups:
        return []
    hosts = case_hosts(graphs)
    if not hosts:
        return [DownstreamGap(graphs.slug, "locality")]
    has_route = routes_to(graphs, hosts)
    out = [
        DownstreamGap(g, "group")
        for g in graphs.local_groups
        if g not in skip and not has_route[g] and raises_concerns(graphs, g)
    ]
    for school in sorted(graphs.schools, key=list(graphs.agencies).index):
        seats = [g for p in graphs.people_by_agency.get(school, []) for g in graphs.groups_of[p]]
        seats += graphs.school_groups.get(school, [])
        local_seats = [g for g in seats if g in has_route]
        if local_seats and not any(has_route[g] for g in local_seats):
            out.append(DownstreamGap(school, "school"))
    return out


@dataclass(frozen=True)
class FeedbackGap:
    group: str
    target: str
    #: People who sit on both the group and the target: an informal route.
    informal_via: tuple[str, ...]


def missing_feedback_paths(
    graphs: LocalityGraphs, target: str | None, skip: AbstractSet[str] = frozenset()
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

    def steady(person: str, principal: str) -> bool:
        seats = [principal] + [c for c in centres if person in centre_members[c]]
        return is_regular(min(graphs.weight(person, g) for g in seats))

    by_member = tuple(p for p in shared if principal is not None and steady(p, principal))
    weak = tuple(p for p in shared if p not in by_member)
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
