"""The collaborative-advantage profile (report 5.1, after Huxham & Vangen 2005).

Each dimension gets a level on the report's four-step scale: ``0`` not
evident, ``0.5`` emergent but not significant, ``1`` evident, ``2`` strongly
evident, or ``None`` with the reason where structure and attributes cannot
tell, each with its evidence in words.  The rules, one function per
dimension, are stated in ``docs/analysis.md``; none is set per locality.

References
----------
Huxham, C., & Vangen, S. (2005). *Managing to Collaborate: the theory and
practice of collaborative advantage*. Routledge.
Glenny, G. (2005), section 5.1 and Table 1 (ratings per communication system).
"""

from __future__ import annotations

from models.vocab import Boundary, DevolvedFunding, Focus, MemberRole, MembershipRule

from .context import AuditContext

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
)

LEVEL_WORDS = {
    0: "not evident",
    0.5: "emergent but not significant",
    1: "evident",
    2: "strongly evident",
    None: "cannot tell",
}


def _attendance(member) -> float:
    """A seat's share of meetings attended (1 when the file does not say)."""
    return 1.0 if member.attendance is None else member.attendance


def level(value: float | None, evidence: str) -> dict:
    return {"level": value, "evidence": evidence}


def _share_level(share: float, *, strong: float, evident: float, strong_also: bool = True) -> float:
    """2 at or above ``strong`` (when ``strong_also`` holds), 1 at or above ``evident``, 0.5 above 0, else 0."""
    if share >= strong and strong_also:
        return 2
    if share >= evident:
        return 1
    return 0.5 if share > 0 else 0


def clear_bounded_locality(ctx: AuditContext) -> dict:
    """Boundary as recorded, lowered by groups that cross it (2.1, 2.2)."""
    boundary = ctx.graphs.document.locality.boundary
    slug = ctx.graphs.slug
    crossing = [
        g.id
        for g in ctx.graphs.groups.values()
        if not ctx.graphs.is_centre(g.id) and (g.external or any(a != slug for a in g.area))
    ]
    base = {Boundary.clear: 2, Boundary.partial: 0.5, Boundary.unclear: 0}[boundary]
    if boundary == Boundary.clear and crossing:
        base = 1
    text = f"Boundary recorded as {boundary.value}"
    text += (
        f"; {len(crossing)} group(s) serve areas across it or are managed outside it ({ctx.names(crossing)})."
        if crossing
        else "; no group crosses it."
    )
    return level(base, text)


def links_to_centre(ctx: AuditContext) -> dict:
    """2: the principal group reaches the centre by link and by a shared member; 1: by one of them;
    0.5: only another group does; 0: none."""
    link = ctx.centre
    if link.from_group is None:
        return level(None, "No strategic group in the locality from which to reach the centre.")
    if not link.centres:
        return level(0, "No local-authority-wide strategic group is recorded.")
    name = ctx.name(link.from_group)
    if link.by_link and link.by_member:
        return level(
            2,
            f"'{name}' links to {ctx.names(link.centres)} and shares {len(link.by_member)} regularly attending member(s) with it.",
        )
    if link.by_link:
        weak = (
            f"; the {len(link.weak_members)} member(s) on both attend under half the meetings"
            if link.weak_members
            else ", but no member sits on both"
        )
        return level(1, f"'{name}' links to {ctx.names(link.centres)}{weak}.")
    if link.by_member:
        return level(
            1, f"'{name}' shares {len(link.by_member)} member(s) with {ctx.names(link.centres)} but has no formal link."
        )
    if link.via_groups:
        return level(
            1,
            f"'{name}' reaches {ctx.names(link.centres)} through {ctx.names(link.via_groups)}, on which someone from the centre sits.",
        )
    if link.weak_members:
        return level(
            0.5, f"'{name}' meets {ctx.names(link.centres)} only through member(s) attending under half the meetings."
        )
    if link.others:
        return level(0.5, f"'{name}' has no route to the centre; only {ctx.names(link.others)} do.")
    return level(0, f"Neither '{name}' nor any other local group has a route to {ctx.names(link.centres)}.")


def local_ownership(ctx: AuditContext) -> dict:
    """Share of seats on local groups held by people who work on the patch, and whether the
    principal group's chair and co-ordinators are local (3.1, 4.7)."""
    graphs = ctx.graphs
    seats = [(p, g) for g in graphs.local_groups for p in graphs.members_of[g]]
    if not seats:
        return level(None, "No one sits on the locality's groups.")
    local_share = sum(graphs.people[p].local for p, _ in seats) / len(seats)
    leaders = []
    if ctx.principal_group:
        for p in graphs.members_of[ctx.principal_group]:
            role = graphs.seat(p, ctx.principal_group).role
            if role in (MemberRole.chair, MemberRole.coordinator):
                leaders.append(p)
    local_leaders = [p for p in leaders if graphs.people[p].local]
    if local_share >= 0.85 and local_leaders:
        value = 2
    elif local_share >= 0.7 and local_leaders:
        value = 1
    elif local_share >= 0.5:
        value = 0.5
    else:
        value = 0
    lead = (
        f"{len(local_leaders)} of {len(leaders)} chair/co-ordinator seat(s) on '{ctx.name(ctx.principal_group)}' are local"
        if ctx.principal_group
        else "no strategic group"
    )
    return level(value, f"{local_share:.0%} of seats on local groups are held by people working on the patch; {lead}.")


def strong_project_management(ctx: AuditContext) -> dict:
    """A chair and a co-ordinator on the principal group, and groups it oversees or commissions (3.1, 3.8)."""
    graphs, principal = ctx.graphs, ctx.principal_group
    if principal is None:
        return level(0, "No strategic group to manage the project.")
    # A leader who attends under half the meetings (changing chairs) does not count.
    seats = graphs.groups[principal].members
    has_chair = any(seat.role == MemberRole.chair and _attendance(seat) >= 0.5 for seat in seats)
    has_coordinator = any(seat.role == MemberRole.coordinator and _attendance(seat) >= 0.5 for seat in seats)
    steered = {t for _, t, k in graphs.links.out_edges(principal, keys=True) if k.value in ("oversees", "commissions")}
    parts = [
        "a regularly attending chair" if has_chair else "no regularly attending chair",
        "a co-ordinator" if has_coordinator else "no co-ordinator",
        f"{len(steered)} group(s) it oversees or commissions",
    ]
    if has_chair and has_coordinator and steered:
        value = 2
    elif has_coordinator and (has_chair or steered):
        value = 1
    elif has_chair or has_coordinator:
        value = 0.5
    else:
        value = 0
    return level(value, f"'{ctx.name(principal)}' has {', '.join(parts)}.")


def systems_minding(ctx: AuditContext) -> dict:
    """Minders recorded and the share of groups they reach (3.8, recommendation iv)."""
    reach = ctx.minder_reach
    if not ctx.graphs.local_groups:
        return level(None, "No local groups.")
    if not reach.minders:
        return level(0, "Nobody is recorded as minding the communication system.")
    names = ", ".join(f"'{ctx.graphs.people[p].name}'" for p in reach.minders)
    minders_cut = [c.person for c in ctx.cut_people if c.person in reach.minders]
    if reach.share >= ctx.settings.minder_reach_strong and (len(reach.minders) > 1 or not minders_cut):
        value = 2
    elif reach.share >= ctx.settings.minder_reach_medium:
        value = 1
    else:
        value = 0.5
    return level(
        value, f"{names} mind the system, reaching {reach.share:.0%} of groups (attending or through one link)."
    )


def inclusive_access(ctx: AuditContext) -> dict:
    """An inclusive key group, open membership, few isolated agencies and no fragments (3.2)."""
    graphs = ctx.graphs
    principal = ctx.principal_group
    if principal is None:
        return level(0, "No strategic group that agencies could join.")
    standing = next(s for s in ctx.standings if s.group == principal)
    seated = {graphs.agency_of[p] for g in graphs.local_groups for p in graphs.members_of[g] if graphs.agency_of.get(p)}
    present = {graphs.agency_of[p] for p in graphs.members_of[principal] if graphs.agency_of.get(p)}
    share = len(present) / len(seated) if seated else 0.0
    g = graphs.groups[principal]
    open_ = g.membership == MembershipRule.open
    if standing.inclusive and open_ and share >= 0.6 and len(ctx.parts) <= 1:
        value = 2
    elif standing.inclusive and share >= 0.4:
        value = 1
    elif share >= 0.25 or standing.inclusive:
        value = 0.5
    else:
        value = 0
    membership = g.membership.value if g.membership else "unstated"
    return level(
        value,
        f"'{g.name}' ({membership} membership) seats {len(present)} of {len(seated)} agencies present in the "
        f"locality's groups ({share:.0%}); the system is in {len(ctx.parts)} part(s).",
    )


def upstream_downstream(ctx: AuditContext) -> dict:
    """Upstream and downstream conversations in the same place (3.3, recommendation ii)."""
    keys = [ctx.graphs.groups[s.group] for s in ctx.standings if s.is_key]
    if keys:
        wide = [g for g in keys if g.membership == MembershipRule.open or g.effective_focus == Focus.both]
        g = wide[0] if wide else ctx.graphs.groups[ctx.key_group]
        value = 2 if wide else 1
        return level(
            value,
            f"'{g.name}' hosts both conversations ({g.membership.value if g.membership else 'unstated'} membership, {g.effective_focus.value} focus).",
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


def appreciative_system(ctx: AuditContext) -> dict:
    """Feedback from casework and consultation reaching the principal group, with a minder (3.8, 3.10)."""
    graphs = ctx.graphs
    sources = [
        g
        for g in graphs.local_groups
        if g != ctx.principal_group
        and (graphs.is_casework(g) or graphs.groups[g].type.value == "school_consultation_team")
    ]
    feeding = [
        s
        for s in ctx.standings
        if s.group != ctx.principal_group and graphs.focus(s.group) in (Focus.upstream, Focus.both)
    ]
    if ctx.principal_group is None:
        return level(0, "No strategic group to receive feedback.")
    if not sources:
        # Networks are themselves the feedback mechanism (3.8): judge by the key group.
        if ctx.key_group and graphs.groups[ctx.key_group].membership == MembershipRule.open:
            value = 2 if ctx.minder_reach.minders else 1
            return level(
                value,
                f"No separate casework groups; the open group '{ctx.name(ctx.key_group)}' draws feedback from a wide constituency{', and someone minds it' if ctx.minder_reach.minders else ''}.",
            )
        return level(None, "No casework or consultation groups whose feedback could be traced.")
    # Isolated groups are reported as such, not as feedback gaps, but they feed nothing back.
    gaps = {gap.group for gap in ctx.feedback_gaps} | (set(sources) & ctx.isolated)
    share = 1 - len(gaps) / len(sources)
    minded = bool(ctx.minder_reach.minders)
    value = _share_level(share, strong=0.9, evident=0.6, strong_also=minded)
    return level(
        value,
        f"{len(sources) - len(gaps)} of {len(sources)} casework and consultation groups feed back to "
        f"'{ctx.name(ctx.principal_group)}'; {'a systems minder is recorded' if minded else 'no systems minder'}"
        f"{f'; {len(feeding)} upstream group(s) also feed it' if feeding else ''}.",
    )


def user_involvement(ctx: AuditContext) -> dict:
    """Service-user representatives, and whether they sit where decisions are shaped (3.6, 3.7)."""
    graphs = ctx.graphs
    reps = [p.id for p in graphs.document.people if p.service_user_rep and graphs.groups_of[p.id]]
    if not reps:
        return level(0, "No parent, young person or community representative sits on any group.")
    groups = {g for p in reps for g in graphs.groups_of[p] if g in graphs.groups and not graphs.groups[g].external}
    groups = sorted(groups, key=graphs.group_index.__getitem__)  # file order, so the evidence is repeatable
    strategic_standing = {s.group for s in ctx.standings if s.strategic}
    strategic = [g for g in groups if graphs.focus(g) in (Focus.strategic, Focus.both) or g in strategic_standing]
    connected = [g for g in groups if g in ctx.main_part]
    if strategic and any(g in ctx.main_part for g in strategic):
        value, where = 2, f"including groups that shape services ({ctx.names(strategic)})"
    elif connected:
        value, where = 1, f"in groups connected to the rest of the system ({ctx.names(connected)})"
    else:
        value, where = 0.5, f"but only in groups cut off from the rest of the system ({ctx.names(groups)})"
    return level(value, f"{len(reps)} service-user representative(s) sit on groups, {where}.")


def support_inclusive_schools(ctx: AuditContext) -> dict:
    """Schools meeting tier-3 agencies (social care, mental health, health) in consultation (3.5, rec. vii)."""
    graphs = ctx.graphs
    tier3 = {"social_care", "mental_health", "health"}
    schools = [a.id for a in graphs.document.agencies if a.school]
    seated_schools = [s for s in schools if any(graphs.groups_of[p] for p in graphs.people_by_agency[s])]
    if not seated_schools:
        return level(None, "No school is recorded among the agencies on the locality's groups.")
    supported = []
    for school in seated_schools:
        groups = {g for p in graphs.people_by_agency[school] for g in graphs.groups_of[p]}
        groups |= set(graphs.school_groups.get(school, ()))
        if any(graphs.sectors_in(g) & tier3 for g in groups if g in graphs.groups and not graphs.groups[g].external):
            supported.append(school)
    consultation = [
        g
        for g in graphs.local_groups
        if graphs.is_school_facing(g) or any(k.value == "consults" for _, _, k in graphs.links.in_edges(g, keys=True))
    ]
    share = len(supported) / len(seated_schools)
    value = _share_level(share, strong=0.8, evident=0.5, strong_also=bool(consultation))
    return level(
        value,
        f"{len(supported)} of {len(seated_schools)} schools on the locality's groups meet tier-3 services "
        f"(social care, mental health, health) there; {len(consultation)} school-facing or consultation group(s).",
    )


def locally_devolved_resources(ctx: AuditContext) -> dict:
    """Flexible funding held at locality level (3.11, 5.1)."""
    funding = ctx.graphs.document.locality.devolved_funding
    if funding == DevolvedFunding.substantial:
        value = 2 if ctx.key_group else 1
        held = "held with a key communication group" if ctx.key_group else "but no key communication group to direct it"
        return level(value, f"Substantial devolved funding, {held}.")
    if funding == DevolvedFunding.small:
        return level(0.5, "A small amount of devolved or project funding.")
    return level(0, "No devolved flexible funding recorded.")


RULES = {
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
}


def collaborative_advantage_profile(ctx: AuditContext) -> dict[str, dict]:
    """One level per dimension, with its evidence."""
    return {name: RULES[name](ctx) for name in DIMENSIONS}
