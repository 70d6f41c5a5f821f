"""The collaborative-advantage profile (report 5.1, after Huxham & Vangen 2005).

Each dimension gets a level on the report's four-step scale: ``0`` not
evident, ``0.5`` emergent but not significant, ``1`` evident, ``2`` strongly
evident, or ``None`` (cannot tell) with the fact to record, each with its
evidence in words.  Every entry says whether it rests on declared facts, on
an inference or on member-census answers (``basis``); the two census rows
(``achieving_advantage``, ``experiencing_inertia``) are rated from a census
alone, and census answers add evidence, never a level, to the structural
rows they bear on.  An entry whose level rests on a figure
carries its ``margin``: the figure, the cut-off that keeps the level and the
cut-off of the next level up.  The rules, one function per dimension, are
stated in ``docs/analysis.md``; none is set per locality.

References
----------
Huxham, C., & Vangen, S. (2005). *Managing to Collaborate: the theory and
practice of collaborative advantage*. Routledge.
Glenny, G. (2005), section 5.1 and Table 1 (ratings per communication system).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from models.vocab import Boundary, DevolvedFunding, Focus, LinkKind, MemberRole, MembershipRule, Sector

from .attendance import REGULAR, is_regular
from .census import OTHER_AGENCIES, Balance, CensusSummary
from .context import AuditContext
from .findings import Basis
from .graphs import FEEDBACK_KINDS, TIER3_SECTORS, LocalityGraphs
from .pathways import routes_to

DIMENSIONS = (
    "clear_bounded_locality",
    "links_to_centre",
    "local_ownership",
    "strong_project_management",
    "systems_minding",
    "inclusive_access",
    "upstream_downstream",
    "appreciative_system",
    "user_involvement",
    "support_inclusive_schools",
    "locally_devolved_resources",
    "achieving_advantage",
    "experiencing_inertia",
)

#: What the report calls each dimension (Table 1), for people to read.
DIMENSION_LABELS = {
    "clear_bounded_locality": "Clearly bounded locality",
    "links_to_centre": "Links to the centre",
    "local_ownership": "Local ownership",
    "strong_project_management": "Strong project management",
    "systems_minding": "Systems minding",
    "inclusive_access": "Inclusive access and clarity",
    "upstream_downstream": "Upstream and downstream conversations",
    "appreciative_system": "Appreciative system",
    "user_involvement": "User involvement",
    "support_inclusive_schools": "Support for inclusive schools",
    "locally_devolved_resources": "Locally devolved resources",
    "achieving_advantage": "Achieving collaborative advantage",
    "experiencing_inertia": "Experiencing collaborative inertia",
}

LEVEL_WORDS: dict[float | None, str] = {
    0: "not evident",
    0.5: "emergent but not significant",
    1: "evident",
    2: "strongly evident",
    None: "cannot tell",
}

#: Share of the principal group's attended seats held by local people for
#: ownership to be strongly evident: two in three, a majority that carries
#: the group's decisions whoever else attends.
OWNED_STRONGLY = 2 / 3
#: ... and for ownership to be evident: more than half.
OWNED = 0.5
#: Share of agencies with access to the principal group for inclusive access
#: to be strongly evident, evident, and emergent.
ACCESS_STRONG, ACCESS_EVIDENT, ACCESS_EMERGENT = 0.6, 0.4, 0.25
#: Share of casework and consultation groups feeding back to the principal group
#: for an appreciative system to be strongly evident and evident.
FEEDBACK_STRONG, FEEDBACK_EVIDENT = 0.9, 0.6
#: Share of seated schools that meet tier-3 services for support to schools
#: to be strongly evident and evident.
SCHOOLS_STRONG, SCHOOLS_EVIDENT = 0.8, 0.5
#: Share of census respondents leaning to collaborative advantage (5.1) for
#: it to be strongly evident (three in four) and evident (half or more: "for
#: most pilots, most people were experiencing 'collaborative advantage'").
#: Either census row is strongly evident only when more respondents lean its
#: way than the other: an even split is "most people" on neither side.
ADVANTAGE_STRONG, ADVANTAGE_EVIDENT = 0.75, 0.5
#: Share leaning to collaborative inertia for it to be strongly evident (half
#: or more, and more than lean to advantage: the pilot where "the majority of
#: people were experiencing some degree of 'collaborative inertia'") and
#: evident (one in four, a sizeable minority).  Lower than advantage's
#: cut-offs: inertia is "uncomfortable, tiring, and very difficult for any
#: particular individual to do anything about", so a minority already matters.
#: Unlike the other rows, a higher level here is worse.
INERTIA_STRONG, INERTIA_EVIDENT = 0.5, 0.25

Level = float | None


@dataclass(frozen=True)
class Figure:
    """The number a level rests on, with the cut-offs of the scale it is read against.

    ``cutoffs`` maps each level the figure can reach to the smallest value
    that reaches it (other conditions permitting).
    """

    name: str
    value: float
    cutoffs: Mapping[float, float]

    def margin(self, level: Level) -> dict[str, Any]:
        """The figure, the cut-off that keeps ``level`` and the cut-off of the next level up."""
        steps = sorted(self.cutoffs.items())
        keep = dict(steps).get(level) if level is not None else None
        above = [(lv, c) for lv, c in steps if level is None or lv > level]
        return {
            "figure": self.name,
            "value": round(self.value, 3),
            "cutoff": keep,
            "next_level": above[0][0] if above else None,
            "next_cutoff": above[0][1] if above else None,
        }

    def against(self, level: Level) -> str:
        """'62% (evident from 50%, strongly evident from 67%)': the figure and the cut-offs near it."""
        m = self.margin(level)
        parts = []
        if m["cutoff"] is not None:
            parts.append(f"{LEVEL_WORDS[level]} from {_pct(m['cutoff'])}")
        if m["next_cutoff"] is not None:
            parts.append(f"{LEVEL_WORDS[m['next_level']]} from {_pct(m['next_cutoff'])}")
        return f"{_pct(self.value)}" + (f" ({'; '.join(parts)})" if parts else "")


def _pct(share: float) -> str:
    return f"{share:.0%}"


def level(
    value: Level, evidence: str, *, basis: Basis = Basis.declared, figure: Figure | None = None
) -> dict[str, Any]:
    """One profile entry: its level, evidence in words, basis and (when a figure decides it) margin."""
    return {
        "level": value,
        "evidence": evidence,
        "basis": basis.value,
        "margin": figure.margin(value) if figure is not None else None,
    }


def _share_level(share: float, *, strong: float, evident: float, strong_also: bool = True) -> float:
    """2 at or above ``strong`` (when ``strong_also`` holds), 1 at or above ``evident``, 0.5 above 0, else 0."""
    if share >= strong and strong_also:
        return 2
    if share >= evident:
        return 1
    return 0.5 if share > 0 else 0


def clear_bounded_locality(ctx: AuditContext) -> dict[str, Any]:
    """The boundary as recorded, lowered only by hot-spot or externally managed groups (2.1, 2.2, rec. i)."""
    boundary = ctx.graphs.document.locality.boundary
    slug = ctx.graphs.slug
    # A group that also welcomes neighbours widens the locality; one serving only
    # part of it, or run from outside, is the "hot spot" managed separately.
    splitting = [
        g.id
        for g in ctx.graphs.groups.values()
        if not ctx.graphs.is_centre(g.id) and (g.external or (g.area and slug not in g.area))
    ]
    base: float = {Boundary.clear: 2, Boundary.partial: 0.5, Boundary.unclear: 0}[boundary]
    if boundary == Boundary.clear and splitting:
        base = 1
    text = f"Boundary recorded as {boundary.value}"
    text += (
        f"; {len(splitting)} group(s) serve only part of it or are managed outside it ({ctx.names(splitting)})."
        if splitting
        else "; no hot-spot or externally managed group splits it."
    )
    return level(base, text)


def links_to_centre(ctx: AuditContext) -> dict[str, Any]:
    """A formal upward route and a member who regularly attends both; a link carried only by a
    rarely attending member is weak (3.1, Appendix ONE, recommendation ii)."""
    link = ctx.centre
    if link.from_group is None:
        return level(None, "Cannot tell: no strategic group in the locality; record which group steers it.")
    if not link.centres:
        return level(0, "No local-authority-wide strategic group is recorded (add it as an external group).")
    name, centres = ctx.name(link.from_group), ctx.names(link.centres)
    figure = _carrier_figure(ctx, top=2 if link.by_link else 1)
    if link.by_link and link.by_member:
        return level(2, f"'{name}' links to {centres}; a member on both attends {figure.against(2)}.", figure=figure)
    if link.by_link and not link.weak_members:
        return level(1, f"'{name}' links to {centres}, but who carries the link is not recorded (no member on both).")
    if link.by_member:
        return level(
            1,
            f"'{name}' shares a member attending {figure.against(1)} with {centres} but has no formal link.",
            figure=figure,
        )
    if link.via_groups:
        return level(
            1,
            f"'{name}' reaches {centres} through {ctx.names(link.via_groups)}, on which someone from the centre sits.",
        )
    if link.weak_members:
        route = "links to" if link.by_link else "meets"
        return level(
            0.5,
            f"'{name}' {route} {centres}, carried only by member(s) attending {figure.against(0.5)}: a weak link.",
            figure=figure,
        )
    if link.others:
        return level(0.5, f"'{name}' has no route to the centre; only {ctx.names(link.others)} do.")
    return level(0, f"Neither '{name}' nor any other local group has a route to {centres}.")


def _carrier_figure(ctx: AuditContext, top: float) -> Figure:
    """The attendance of the best-attending member on both the principal group and a centre group."""
    link, graphs = ctx.centre, ctx.graphs
    principal = link.from_group
    best = 0.0
    for person in (*link.by_member, *link.weak_members):
        seats = [principal] + [c for c in link.centres if person in graphs.members_of[c]]
        best = max(best, min(graphs.weight(person, g) for g in seats if g is not None))
    return Figure("attendance of the member carrying the link (lesser of both seats)", best, {0.5: 0.0, top: REGULAR})


def local_ownership(ctx: AuditContext) -> dict[str, Any]:
    """Decisions owned by people of the patch: the share of the principal group's attended seats
    held by local people, and a local chair or co-ordinator (3.1, 3.8, 4.7)."""
    graphs, principal = ctx.graphs, ctx.principal_group
    if principal is None:
        return level(
            None,
            "Cannot tell: no strategic group whose ownership could be judged; record which group steers the locality.",
        )
    seats = [(p, graphs.weight(p, principal)) for p in graphs.members_of[principal]]
    total = sum(w for _, w in seats)
    if not total:
        return level(None, f"Cannot tell: nobody attends '{ctx.name(principal)}'; record its members.")
    share = sum(w for p, w in seats if graphs.people[p].local) / total
    leaders = [p for p, _ in seats if _leads(ctx, p, principal) and graphs.people[p].local]
    if leaders and share >= OWNED_STRONGLY:
        value: float = 2
    elif leaders and share >= OWNED:
        value = 1
    elif leaders or share >= OWNED:
        value = 0.5
    else:
        value = 0
    cutoffs: dict[float, float] = {2: OWNED_STRONGLY, 1: OWNED} if leaders else {0.5: OWNED}
    figure = Figure("share of the principal group's attended seats held by local people", share, cutoffs)
    lead = (
        f"led by {ctx.people_names(leaders)}, who work on the patch"
        if leaders
        else "no local person chairs or co-ordinates it"
    )
    return level(
        value,
        f"People working on the patch hold {figure.against(value)} of the attended seats on '{ctx.name(principal)}'; {lead}.",
        figure=figure,
    )


def _leads(ctx: AuditContext, person: str, group_id: str, role: MemberRole | None = None) -> bool:
    """Whether a person holds the chair or co-ordinator seat (or ``role``) and attends it regularly."""
    seat = ctx.graphs.seat(person, group_id)
    roles = {role} if role else {MemberRole.chair, MemberRole.coordinator}
    return seat.role in roles and is_regular(ctx.graphs.weight(person, group_id))


def strong_project_management(ctx: AuditContext) -> dict[str, Any]:
    """A regularly attending chair and co-ordinator on the principal group, and steering: the group
    oversees or commissions others, or a local core or steering group oversees it (3.1, 3.8)."""
    graphs, principal = ctx.graphs, ctx.principal_group
    if principal is None:
        return level(0, "No strategic group to manage the project.")
    members = graphs.members_of[principal]
    has_chair = any(_leads(ctx, p, principal, MemberRole.chair) for p in members)
    has_coordinator = any(_leads(ctx, p, principal, MemberRole.coordinator) for p in members)
    steering = {LinkKind.oversees, LinkKind.commissions}
    steers = {t for _, t, k in graphs.links.out_edges(principal, keys=True) if k in steering}
    steered_by = {
        s for s, _, k in graphs.links.in_edges(principal, keys=True) if k in steering and s in ctx.local_group_set
    }
    managed = bool(steers or steered_by)
    if has_chair and has_coordinator and managed:
        value: float = 2
    elif has_coordinator and (has_chair or managed):
        value = 1
    elif has_chair or has_coordinator:
        value = 0.5
    else:
        value = 0
    parts = [
        "a regularly attending chair" if has_chair else "no regularly attending chair",
        "a regularly attending co-ordinator" if has_coordinator else "no regularly attending co-ordinator",
        f"{len(steers)} group(s) it oversees or commissions",
    ]
    if steered_by:
        parts.append(f"oversight by {ctx.names(steered_by)}")
    return level(value, f"'{ctx.name(principal)}' has {', '.join(parts)} (regular: attending at least {REGULAR:.0%}).")


def systems_minding(ctx: AuditContext) -> dict[str, Any]:
    """Declared minders and the share of groups they reach; otherwise a de facto minder inferred
    from structure, capped at evident and lowered if a single point of failure (3.8, rec. iv)."""
    if not ctx.graphs.local_groups:
        return level(None, "Cannot tell: no local groups are recorded.")
    s = ctx.settings
    declared, inferred = ctx.minder_reach, ctx.inferred_minders
    reach = declared if declared.minders else inferred
    if reach is None:
        return level(
            0,
            "Nobody is recorded as minding the system, and nobody local leads the principal group and another group while reaching most groups.",
        )
    names = ctx.people_names(reach.minders)
    cut = [c.person for c in ctx.cut_people if c.person in reach.minders]
    alone_and_cut = len(reach.minders) == 1 and bool(cut)
    if declared.minders:
        strong = reach.share >= s.minder_reach_strong and not alone_and_cut
        value = 2 if strong else 1 if reach.share >= s.minder_reach_medium else 0.5
        figure = Figure(
            "share of groups the minders reach (attendance-weighted)",
            reach.share,
            {2: s.minder_reach_strong, 1: s.minder_reach_medium, 0.5: 0.0},
        )
        tail = "; but the one minder is a single point of failure" if alone_and_cut else ""
        return level(
            value, f"{names} mind the system, reaching {figure.against(value)} of groups{tail}.", figure=figure
        )
    value = 0.5 if alone_and_cut else 1
    figure = Figure(
        "share of groups the inferred minder reaches (attendance-weighted)", reach.share, {1: s.minder_reach_medium}
    )
    tail = ", and is a single point of failure" if alone_and_cut else ""
    return level(
        value,
        f"No minder is declared; {names} lead(s) the principal group and another, reaching {figure.against(value)} of groups "
        f"(inferred: at most evident{tail}; record systems_minder to confirm).",
        basis=Basis.inferred,
        figure=figure,
    )


def _access(ctx: AuditContext, principal: str) -> tuple[set[str], set[str]]:
    """(agencies on local groups, agencies with access to the principal group): on it, or on a
    school-facing group that feeds it directly (the SCTs "held each term in all the schools", Appendix 2d)."""
    graphs = ctx.graphs
    agency = graphs.agency_of

    def agencies_on(group_id: str) -> set[str]:
        return {a for p in graphs.members_of[group_id] if (a := agency.get(p)) and graphs.weight(p, group_id) > 0}

    seated = set().union(*(agencies_on(g) for g in graphs.local_groups))
    feeding = {
        s
        for s, _, k in graphs.links.in_edges(principal, keys=True)
        if k in FEEDBACK_KINDS and graphs.is_school_facing(s) and s in ctx.local_group_set
    }
    present = agencies_on(principal).union(*(agencies_on(g) for g in feeding))
    present |= {school for g in feeding if (school := graphs.groups[g].school)}
    return seated, present & seated


def inclusive_access(ctx: AuditContext) -> dict[str, Any]:
    """An inclusive principal group, open membership, agencies with access and no fragments (3.2, 5.1)."""
    graphs, principal = ctx.graphs, ctx.principal_group
    if principal is None:
        return level(0, "No strategic group that agencies could join.")
    standing = next(s for s in ctx.standings if s.group == principal)
    seated, present = _access(ctx, principal)
    share = len(present) / len(seated) if seated else 0.0
    g = graphs.groups[principal]
    open_ = g.membership == MembershipRule.open
    whole = len(ctx.parts) <= 1
    if standing.inclusive and open_ and whole and share >= ACCESS_STRONG:
        value: float = 2
    elif standing.inclusive and share >= ACCESS_EVIDENT:
        value = 1
    elif share >= ACCESS_EMERGENT or standing.inclusive:
        value = 0.5
    else:
        value = 0
    cutoffs: dict[float, float] = {0.5: ACCESS_EMERGENT}
    if standing.inclusive:
        cutoffs = {0.5: 0.0, 1: ACCESS_EVIDENT} | ({2: ACCESS_STRONG} if open_ and whole else {})
    figure = Figure("share of the locality's agencies with access to the principal group", share, cutoffs)
    membership = g.membership.value if g.membership else "unstated"
    return level(
        value,
        f"'{g.name}' ({membership} membership{', inclusive' if standing.inclusive else ''}) is reached by {len(present)} of "
        f"{len(seated)} agencies on the locality's groups, directly or through school-facing groups feeding it: "
        f"{figure.against(value)}; the system is in {len(ctx.parts)} part(s).",
        figure=figure,
    )


def upstream_downstream(ctx: AuditContext) -> dict[str, Any]:
    """Upstream and downstream conversations in the same place (3.3, recommendation ii)."""
    keys = [ctx.graphs.groups[s.group] for s in ctx.standings if s.is_key]
    if keys:
        wide = [g for g in keys if g.membership == MembershipRule.open or g.effective_focus == Focus.both]
        g = wide[0] if wide else keys[0]
        focus = g.effective_focus.value if g.effective_focus else "unstated"
        return level(
            2 if wide else 1,
            f"'{g.name}' hosts both conversations ({g.membership.value if g.membership else 'unstated'} membership, {focus} focus).",
        )
    ups = [s.group for s in ctx.standings if s.hosts_upstream]
    downs = [s.group for s in ctx.standings if s.hosts_downstream]
    if ups and downs:
        return level(
            0.5,
            f"Upstream ({len(ups)}) and downstream ({len(downs)}) conversations happen, but in different groups with no key group hosting both.",
        )
    if ups or downs:
        return level(0, f"Only {'upstream' if ups else 'downstream'} conversations are recorded.")
    return level(0, "Neither upstream nor downstream conversations are recorded.")


def appreciative_system(ctx: AuditContext) -> dict[str, Any]:
    """Feedback from casework and consultation reaching the principal group, with a declared minder (3.8, 3.10)."""
    graphs, principal = ctx.graphs, ctx.principal_group
    if principal is None:
        return level(0, "No strategic group to receive feedback.")
    declared = bool(ctx.minder_reach.minders)
    basis = Basis.inferred if not declared and ctx.inferred_minders else Basis.declared
    minder = (
        "a systems minder is declared"
        if declared
        else "an inferred minder, not declared"
        if ctx.inferred_minders
        else "no systems minder"
    )
    sources = [
        g
        for g in graphs.local_groups
        if g != principal and (graphs.is_casework(g) or graphs.groups[g].type.value == "school_consultation_team")
    ]
    if not sources:
        # Networks are themselves the feedback mechanism (3.8): judge by the key group.
        if ctx.key_group and graphs.groups[ctx.key_group].membership == MembershipRule.open:
            return level(
                2 if declared else 1,
                f"No separate casework groups; the open group '{ctx.name(ctx.key_group)}' draws feedback from a wide "
                f"constituency; {minder} (strongly evident needs a declared minder).",
                basis=basis,
            )
        return level(
            None,
            "Cannot tell: no casework or consultation groups whose feedback could be traced; record the panels, MASTs or SCTs and their links.",
        )
    # Isolated groups are reported as such, not as feedback gaps, but they feed nothing back.
    gaps = {gap.group for gap in ctx.feedback_gaps} | (set(sources) & ctx.isolated)
    share = 1 - len(gaps) / len(sources)
    value = _share_level(share, strong=FEEDBACK_STRONG, evident=FEEDBACK_EVIDENT, strong_also=declared)
    cutoffs = {0.5: 0.0, 1: FEEDBACK_EVIDENT} | ({2: FEEDBACK_STRONG} if declared else {})
    figure = Figure("share of casework and consultation groups feeding back to the principal group", share, cutoffs)
    return level(
        value,
        f"{len(sources) - len(gaps)} of {len(sources)} casework and consultation groups feed back to "
        f"'{ctx.name(principal)}', {figure.against(value)}; {minder} (strongly evident needs a declared minder).",
        basis=basis,
        figure=figure,
    )


def user_involvement(ctx: AuditContext) -> dict[str, Any]:
    """Service users where services are shaped; at lower levels, a standing children's or parents'
    group running alongside, or voluntary and community agencies on the principal group (3.6, 3.7)."""
    graphs = ctx.graphs
    reps = [p.id for p in graphs.document.people if p.service_user_rep and graphs.groups_of[p.id]]
    groups = sorted(
        {g for p in reps for g in graphs.groups_of[p] if g in ctx.local_group_set}, key=graphs.group_index.__getitem__
    )
    strategic_standing = {s.group for s in ctx.standings if s.strategic}
    shaping = [
        g
        for g in groups
        if (graphs.focus(g) in (Focus.strategic, Focus.both) or g in strategic_standing) and g in ctx.main_part
    ]
    connected = [g for g in groups if g in ctx.main_part]
    widening = _community_agencies(ctx)
    if shaping:
        return level(
            2, f"{len(reps)} service-user representative(s) sit on groups that shape services ({ctx.names(shaping)})."
        )
    if connected:
        return level(
            1,
            f"{len(reps)} service-user representative(s) sit on groups connected to the rest of the system ({ctx.names(connected)}).",
        )
    if groups:
        return level(
            0.5, f"Service users sit only on groups that run alongside the rest of the system ({ctx.names(groups)})."
        )
    if widening:
        return level(
            0.5,
            f"No service users sit on any group, but {ctx.principal_group and ctx.name(ctx.principal_group)!s} seats voluntary or "
            f"community agencies ({', '.join(graphs.agencies[a].name for a in widening)}), widening the forum.",
        )
    return level(
        0,
        "No parent, young person or community representative sits on any group, and no voluntary or community agency sits on the principal group.",
    )


def _community_agencies(ctx: AuditContext) -> list[str]:
    """Voluntary and community agencies attending the principal group, in file order."""
    principal = ctx.principal_group
    if principal is None:
        return []
    wanted = {Sector.voluntary, Sector.community}
    found = {
        a
        for p in ctx.graphs.members_of[principal]
        if (a := ctx.graphs.agency_of.get(p))
        and ctx.graphs.agencies[a].sector in wanted
        and ctx.graphs.weight(p, principal) > 0
    }
    return [a for a in ctx.graphs.agencies if a in found]


def support_inclusive_schools(ctx: AuditContext) -> dict[str, Any]:
    """Schools meeting tier-3 agencies (social care, mental health, health), at their own groups or
    through them, and a consultation group (3.5, 5.3 vii)."""
    graphs = ctx.graphs
    basis = Basis.inferred if graphs.schools_inferred else Basis.declared
    attended = _school_groups(graphs)
    seated_schools = [a for a in graphs.agencies if a in graphs.schools and attended.get(a)]
    if not seated_schools:
        return level(
            None, "Cannot tell: no school is recorded on the locality's groups; mark school agencies 'school: true'."
        )
    tier3 = {g for g in graphs.local_groups if graphs.tier3_attends(g)}
    route = routes_to(graphs, tier3)
    supported = [s for s in seated_schools if any(route.get(g, False) for g in attended[s])]
    consultation = [
        g
        for g in graphs.local_groups
        if graphs.is_school_facing(g) or any(k == LinkKind.consults for _, _, k in graphs.links.in_edges(g, keys=True))
    ]
    share = len(supported) / len(seated_schools)
    value = _share_level(share, strong=SCHOOLS_STRONG, evident=SCHOOLS_EVIDENT, strong_also=bool(consultation))
    cutoffs = {0.5: 0.0, 1: SCHOOLS_EVIDENT} | ({2: SCHOOLS_STRONG} if consultation else {})
    figure = Figure("share of schools meeting tier-3 services", share, cutoffs)
    inferred = " (schools read from agency names: none is marked 'school: true')" if graphs.schools_inferred else ""
    return level(
        value,
        f"{len(supported)} of {len(seated_schools)} schools on the locality's groups{inferred} meet "
        f"{'/'.join(sorted(TIER3_SECTORS)).replace('_', ' ')} services there or through a group they sit on, "
        f"{figure.against(value)}; {len(consultation)} school-facing or consultation group(s).",
        basis=basis,
        figure=figure,
    )


def _school_groups(graphs: LocalityGraphs) -> dict[str, set[str]]:
    """For each school, the local groups its people attend and the local groups sitting in it."""
    local = set(graphs.local_groups)
    out: dict[str, set[str]] = {}
    for school in graphs.schools:
        groups = {
            g for p in graphs.people_by_agency.get(school, []) for g in graphs.groups_of[p] if graphs.weight(p, g) > 0
        }
        out[school] = (groups | set(graphs.school_groups.get(school, ()))) & local
    return out


def locally_devolved_resources(ctx: AuditContext) -> dict[str, Any]:
    """Flexible funding held at locality level (3.11, 5.1): short-term project money is emergent,
    a small flexible budget evident, substantial funding with a key group to direct it strong."""
    funding = ctx.graphs.document.locality.devolved_funding
    if funding == DevolvedFunding.substantial:
        held = "held with a key communication group" if ctx.key_group else "but no key communication group to direct it"
        return level(2 if ctx.key_group else 1, f"Substantial devolved flexible funding, {held}.")
    if funding == DevolvedFunding.small:
        return level(1, "A small devolved flexible budget held at locality level.")
    if funding == DevolvedFunding.project:
        return level(0.5, "Only short-term project funding, not flexible money held by the locality.")
    return level(0, "No devolved flexible funding recorded.")


# ---------------------------------------------------------------- from the member census

#: What a census respondent's answer to "working across agencies here mostly
#: feels like ..." counts towards, by row: the side of the balance, and its words.
BALANCE_SIDES = {
    "achieving_advantage": ("advantage", "collaborative advantage, or more advantage than inertia"),
    "experiencing_inertia": ("inertia", "collaborative inertia, or more inertia than advantage"),
}
#: Cut-offs (strongly evident, evident) of each census row.
BALANCE_CUTOFFS = {
    "achieving_advantage": (ADVANTAGE_STRONG, ADVANTAGE_EVIDENT),
    "experiencing_inertia": (INERTIA_STRONG, INERTIA_EVIDENT),
}
#: The census statements whose answers are added, as evidence, to structural levels.
CENSUS_EVIDENCE = {
    "inclusive_access": ("purpose", "connections"),
    "appreciative_system": ("acted_on",),
}
#: Completes "N% of M answers say they ...", by statement.
STATEMENT_WORDS = {
    "purpose": "know what their meetings are for",
    "connections": "know how their meetings connect to the others",
    "acted_on": "find that issues raised in their meetings are acted on",
}


def _no_census(row: str) -> dict[str, Any]:
    side = BALANCE_SIDES[row][0]
    return level(
        None,
        f"Cannot tell: no member census is closed. Open a member census and close it with enough answers to "
        f"'working across agencies here mostly feels like ...' to be shown (census_min_respondents, 3 by default) "
        f"to rate collaborative {side}.",
    )


def _balance_row(ctx: AuditContext, row: str) -> dict[str, Any]:
    """A census row: the share of respondents leaning to one side of the balance, on the four-step scale."""
    summary = ctx.census
    if summary is None:
        return _no_census(row)
    if summary.balance is None:
        return level(
            None,
            f"Cannot tell: census {summary.number} had fewer than {summary.min_respondents} answers to 'working "
            f"across agencies here mostly feels like ...', so none is shown. Close a census with at least "
            f"{summary.min_respondents} answers to it.",
        )
    side, words = BALANCE_SIDES[row]
    other = "inertia" if side == "advantage" else "advantage"
    strong, evident = BALANCE_CUTOFFS[row]
    balance = summary.balance
    share = _side(balance, side)
    # An even split is not "most people" on either side (5.1), whatever the cut-off.
    outweighs = share > _side(balance, other)
    value = _share_level(share, strong=strong, evident=evident, strong_also=outweighs)
    cutoffs = {0.5: 0.0, 1: evident} | ({2: strong} if outweighs else {})
    figure = Figure(f"share of census respondents leaning to collaborative {side}", share, cutoffs)
    leaning = sum(n for step, n in balance.counts.items() if (step > 0) == (side == "advantage") and step != 0)
    tail = "" if outweighs else f" (strongly evident also needs more to lean to {side} than to {other})"
    return level(
        value,
        f"Census {summary.number}: {leaning} of {balance.answers} respondents say working across agencies here mostly "
        f"feels like {words}: {figure.against(value)}{tail}.{_by_agency(ctx, summary, side)}",
        basis=Basis.census,
        figure=figure,
    )


def _side(balance: Balance, side: str) -> float:
    share = balance.advantage if side == "advantage" else balance.inertia
    return share or 0.0


def _by_agency(ctx: AuditContext, summary: CensusSummary, side: str) -> str:
    """' By agency: A 80%, other agencies 40%.' when more than one agency is shown (experience differs by position, 5.1)."""
    shown = summary.balance_by_agency
    if len(shown) < 2:
        return ""
    agencies = ctx.graphs.agencies

    def named(a: str) -> str:
        return agencies[a].name if a in agencies else a if a == OTHER_AGENCIES else f"'{a}'"

    return " By agency: " + ", ".join(f"{named(a)} {_pct(_side(b, side))}" for a, b in shown.items()) + "."


def achieving_advantage(ctx: AuditContext) -> dict[str, Any]:
    """Respondents who say working across agencies mostly feels like collaborative advantage (5.1): census alone."""
    return _balance_row(ctx, "achieving_advantage")


def experiencing_inertia(ctx: AuditContext) -> dict[str, Any]:
    """Respondents who say it mostly feels like collaborative inertia (5.1): census alone; higher is worse."""
    return _balance_row(ctx, "experiencing_inertia")


def _add_census_evidence(entry: dict[str, Any], summary: CensusSummary, statements: tuple[str, ...]) -> None:
    """Append what the census says on ``statements`` to a structural entry; its level stays structural.

    Only groups whose tallies are shown count (:meth:`CensusSummary.locality_tally`).
    """
    tallies = {s: t for s in statements if (t := summary.locality_tally(s)) is not None and t.holds is not None}
    if not tallies:
        entry["evidence"] += (
            f" Census {summary.number}: no group was rated by {summary.min_respondents} or more respondents, "
            "so it adds nothing here."
        )
        return
    said = "; ".join(
        f"{_pct(t.holds or 0)} of {t.answers} answers say they {STATEMENT_WORDS[s]}" for s, t in tallies.items()
    )
    entry["evidence"] += (
        f" Census {summary.number} ({summary.raters} respondents; groups rated by {summary.min_respondents} or more): "
        f"{said}."
    )
    first, t = next(iter(tallies.items()))
    entry["census"] = {
        "census": summary.number,
        "respondents": summary.raters,
        "statement": first,
        "holds": round(t.holds or 0, 3),
        "statements": {s: {"holds": round(t.holds or 0, 3), "answers": t.answers} for s, t in tallies.items()},
    }


RULES: dict[str, Callable[[AuditContext], dict[str, Any]]] = {
    "clear_bounded_locality": clear_bounded_locality,
    "links_to_centre": links_to_centre,
    "local_ownership": local_ownership,
    "strong_project_management": strong_project_management,
    "systems_minding": systems_minding,
    "inclusive_access": inclusive_access,
    "upstream_downstream": upstream_downstream,
    "appreciative_system": appreciative_system,
    "user_involvement": user_involvement,
    "support_inclusive_schools": support_inclusive_schools,
    "locally_devolved_resources": locally_devolved_resources,
    "achieving_advantage": achieving_advantage,
    "experiencing_inertia": experiencing_inertia,
}


def collaborative_advantage_profile(ctx: AuditContext) -> dict[str, dict[str, Any]]:
    """One entry per dimension: ``level``, ``evidence``, ``basis`` and ``margin`` (None when no figure decides it).

    With a census, the entries it bears on (:data:`CENSUS_EVIDENCE`) also
    carry ``census``: ``{"census", "respondents", "statement", "holds",
    "statements"}``, and a sentence of evidence.
    """
    profile = {name: RULES[name](ctx) for name in DIMENSIONS}
    if ctx.census is not None:
        for name, statements in CENSUS_EVIDENCE.items():
            _add_census_evidence(profile[name], ctx.census, statements)
    return profile


@dataclass(frozen=True)
class Margin:
    """How near one profile level is to changing: its figure against the cut-offs either side."""

    dimension: str
    level: Level
    figure: str
    value: float
    #: Below this the level drops a step (None: the figure cannot lower it).
    cutoff: float | None
    #: At or above this the level rises to ``next_level`` (None: the figure cannot raise it).
    next_cutoff: float | None
    next_level: Level

    @property
    def text(self) -> str:
        """One line for ``locmap audit``: the figure and the distance to each cut-off."""
        out = f"{DIMENSION_LABELS[self.dimension]} ({LEVEL_WORDS[self.level]}): {self.figure} {_pct(self.value)}"
        if self.cutoff is not None and self.cutoff > 0:
            out += f"; falls below {_pct(self.cutoff)} ({(self.cutoff - self.value) * 100:+.0f} points)"
        if self.next_cutoff is not None:
            out += f"; {LEVEL_WORDS[self.next_level]} from {_pct(self.next_cutoff)} ({(self.next_cutoff - self.value) * 100:+.0f} points)"
        return out


def margins(profile: Mapping[str, Mapping[str, Any]]) -> list[Margin]:
    """Every profile level that a figure decides, with the cut-offs one step either side.

    Parameters
    ----------
    profile : mapping
        ``Audit.profile`` (or its JSON form).

    Returns
    -------
    list of Margin
        In the order of :data:`DIMENSIONS`; levels set by categories alone
        (the recorded boundary, the kind of funding) have no margin.
    """
    out = []
    for name in DIMENSIONS:
        m = profile[name].get("margin")
        if m:
            out.append(
                Margin(
                    name,
                    profile[name]["level"],
                    m["figure"],
                    m["value"],
                    m["cutoff"],
                    m["next_cutoff"],
                    m["next_level"],
                )
            )
    return out
