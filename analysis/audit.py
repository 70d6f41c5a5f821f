"""The audit: every check of the communication system, its metrics and profile.

:func:`audit` runs the analyses of this package over one locality and
returns an :class:`Audit`: headline metrics, findings (each with a code,
severity, subjects from the locality file, message, the report's principle
and a suggested action) and the collaborative-advantage profile.  Its
``as_dict`` is the JSON shape of ``locmap audit --json`` and of the API.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from models.document import LocalityDocument
from models.vocab import Boundary, Focus, GroupType, MemberRole, MembershipRule

from .attendance import attendance
from .census import CensusSummary
from .census_findings import CENSUS_CODES, census_dict, check_census
from .centrality import top_brokers
from .context import AuditContext
from .counts import locality_counts
from .findings import SEVERITY_ORDER, Basis, Finding, Principle, Severity
from .graphs import LocalityGraphs, build_graphs
from .load import group_hours_per_year
from .minding import MinderReach, leads
from .overlap import AttendedOverlap, attended_overlaps, overlap_index, shared_member_density
from .pathways import case_hosts, missing_downstream_paths, missing_upstream_paths
from .profile import collaborative_advantage_profile
from .settings import DEFAULT_SETTINGS, AuditSettings
from .structure import agency_presence

#: Every finding code, with what it means; docs/analysis.md explains each.
CODES = (
    "OVERLAPPING_GROUPS",
    "MEETING_LOAD",
    "ISOLATED_AGENCY",
    "ISOLATED_GROUP",
    "FRAGMENTED_SYSTEM",
    "NO_KEY_COMMUNICATION_GROUP",
    "MISSING_UPSTREAM_PATH",
    "MISSING_DOWNSTREAM_PATH",
    "MISSING_FEEDBACK_PATH",
    "NO_LINK_TO_CENTRE",
    "NO_SYSTEMS_MINDER",
    "SYSTEMS_MINDER_GAP",
    "ABSENT_SYSTEMS_MINDER",
    "SINGLE_POINT_OF_FAILURE",
    "NO_USER_INVOLVEMENT",
    "CROSS_BOUNDARY_GROUP",
    "LABEL_MISMATCH",
    "CASEWORK_WITHOUT_KEY_WORKERS",
    *CENSUS_CODES,
)


@dataclass
class Audit:
    """The result of auditing one locality."""

    locality: str
    metrics: dict
    findings: list[Finding]
    profile: dict[str, dict]
    settings: AuditSettings = field(default=DEFAULT_SETTINGS, repr=False)
    #: The measures beside the audit (:func:`audit_measures`), when asked for.
    measures: dict | None = field(default=None, repr=False)
    #: The member census in aggregate (:func:`analysis.census_findings.census_dict`), when one was given.
    census: dict | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        data = {
            "locality": self.locality,
            "metrics": self.metrics,
            "findings": [f.as_dict() for f in self.findings],
            "profile": self.profile,
        }
        if self.measures is not None:
            data["measures"] = self.measures
        if self.census is not None:
            data["census"] = self.census
        return data

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]


def audit(
    source: LocalityDocument | LocalityGraphs,
    settings: AuditSettings = DEFAULT_SETTINGS,
    *,
    measures: bool = False,
    census: CensusSummary | None = None,
) -> Audit:
    """Audit a locality's communication system.

    Parameters
    ----------
    source : LocalityDocument or LocalityGraphs
        The locality, as a validated document or its already built graphs.
    settings : AuditSettings
        Thresholds; the defaults are documented in ``docs/analysis.md``.
    measures : bool
        Also compute the measures beside the audit (:func:`audit_measures`):
        two-mode centralities and clusters of meetings.  Off by default,
        which keeps NetworkX out of the audit.
    census : CensusSummary, optional
        The newest closed member census in aggregate
        (:func:`analysis.census.tally`): its answers add findings and
        evidence, and rate the two census rows of the profile.

    Returns
    -------
    Audit
        Metrics, findings (most severe first) and the collaborative-advantage
        profile.  The same input always gives the same audit.
    """
    graphs = source if isinstance(source, LocalityGraphs) else build_graphs(source)
    ctx = AuditContext(graphs, settings, census)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(ctx))
    seen: set = set()
    unique = []
    for f in findings:
        if f.key not in seen:
            seen.add(f.key)
            unique.append(f)
    unique.sort(key=lambda f: (SEVERITY_ORDER[f.severity], CODES.index(f.code), f.subjects))
    extra = audit_measures(graphs, settings) if measures else None
    profile = collaborative_advantage_profile(ctx)
    held = census_dict(census) if census is not None else None
    return Audit(graphs.slug, locality_metrics(ctx), unique, profile, settings, extra, held)


def audit_measures(source: LocalityDocument | LocalityGraphs, settings: AuditSettings = DEFAULT_SETTINGS) -> dict:
    """The measures beside the audit: ``{"people", "groups", "clusters", "method", "basis"}``.

    People by id (never by name), groups by id and name; see
    :func:`analysis.entities.measures_dict` and ``docs/measures.md``.  Set
    it as an audit's ``measures`` (or call ``audit(..., measures=True)``)
    for the audit's JSON to carry it.
    """
    from .entities import locality_measures, measures_dict  # NetworkX (clusters) only when measures are asked for

    graphs = source if isinstance(source, LocalityGraphs) else build_graphs(source)
    return measures_dict(locality_measures(graphs, settings))


# ---------------------------------------------------------------- checks


def check_overlapping_groups(ctx: AuditContext) -> list[Finding]:
    s = ctx.settings
    out = []
    for item in attended_overlaps(ctx.graphs, min_shared=s.overlap_min_shared, min_jaccard=s.overlap_threshold):
        near_identical = item.jaccard >= s.overlap_high
        severity = Severity.high if near_identical else Severity.medium
        why = _overlap_reason(ctx, item, near_identical)
        if why and not near_identical:
            severity = Severity.low
        size_a = len(ctx.graphs.members_of[item.first])
        size_b = len(ctx.graphs.members_of[item.second])
        out.append(
            Finding(
                "OVERLAPPING_GROUPS",
                severity,
                (item.first, item.second),
                f"'{ctx.name(item.first)}' ({size_a} members) and '{ctx.name(item.second)}' ({size_b}) share "
                f"{item.shared} members: membership overlap (Jaccard, seats weighted by attendance) "
                f"{item.jaccard:.2f}, against {s.overlap_threshold:g} (high from {s.overlap_high:g})."
                + (f" {why}" if why else ""),
                Principle.meetings_culture,
                "Check whether both meetings are needed, or whether one could take the other's business "
                "as a standing item; make the purpose of each clear to those who attend both.",
                {"shared": item.shared, "jaccard": round(item.jaccard, 3)},
            )
        )
    return out


def _overlap_reason(ctx: AuditContext, item: AttendedOverlap, near_identical: bool) -> str:
    """Why two overlapping groups may overlap by design, or '' if nothing shows it.

    A lower severity needs evidence: the groups serve different schools (the
    shared members are the visiting professionals), or one oversees or
    commissions the other for a different purpose and only a small core sits
    on both.  Near-identical groups get no excuse: oversight does not make two
    meetings of the same people less of a burden.
    """
    graphs = ctx.graphs
    a, b = graphs.groups[item.first], graphs.groups[item.second]
    if a.school and b.school and a.school != b.school:
        return "They serve different schools, sharing the visiting professionals."
    steering = _steering_link(ctx, item.first, item.second)
    if not steering:
        return ""
    if near_identical:
        return f"{steering}, but oversight does not make two meetings of the same people less of a burden."
    if a.type == b.type and a.effective_focus == b.effective_focus:
        return ""
    core = item.shared_weight / item.larger_weight if item.larger_weight else 1.0
    if core > ctx.settings.overlap_core_share:
        return ""
    return (
        f"By design in part: {steering}, for a different purpose, and the members on both are "
        f"{core:.0%} of the larger group (a core, at most {ctx.settings.overlap_core_share:.0%})."
    )


def _steering_link(ctx: AuditContext, first: str, second: str) -> str:
    """ "'A' oversees 'B'" (or commissions) when one of the two groups steers the other, else ''."""
    for a, b in ((first, second), (second, first)):
        kinds = {k.value for k in ctx.graphs.links.get_edge_data(a, b, default={})}
        for kind in ("oversees", "commissions"):
            if kind in kinds:
                return f"'{ctx.name(a)}' {kind} '{ctx.name(b)}'"
    return ""


def check_meeting_load(ctx: AuditContext) -> list[Finding]:
    s = ctx.settings
    out = []
    for load in ctx.loads:
        if load.share <= s.meeting_load_share and load.share < s.meeting_load_always:
            continue
        severity = Severity.high if load.share >= s.meeting_load_always else Severity.medium
        person = ctx.graphs.people[load.person]
        basis = (
            f"{person.hours_per_week:g} hours a week"
            if person.hours_per_week is not None
            else f"an assumed {s.default_hours_per_week:g} hours a week"
        )
        out.append(
            Finding(
                "MEETING_LOAD",
                severity,
                (load.person,),
                f"'{person.name}' spends about {load.hours_per_year:.0f} hours a year in "
                f"{len(ctx.graphs.groups_of[load.person])} of these meetings: {load.share:.0%} of "
                f"working time ({basis}).",
                Principle.meetings_culture,
                "Review which of these meetings this person needs to attend in person; send papers, "
                "rotate attendance or merge overlapping meetings (AHDS: 50% or more is disproportionate).",
                {"hours_per_year": round(load.hours_per_year, 1), "share": round(load.share, 3)},
                subject_kind="person",
            )
        )
    return out


def check_isolated_agencies(ctx: AuditContext) -> list[Finding]:
    out = []
    principal = ctx.principal_group
    main = ctx.main_part
    for presence in agency_presence(ctx.graphs):
        agency = ctx.graphs.agencies[presence.agency]
        local_groups = [g for g in presence.groups if not ctx.graphs.groups[g].external]
        # A school is present in the groups that sit in it (SCTs, school panels).
        already = set(local_groups)
        local_groups += [g for g in ctx.graphs.school_groups.get(agency.id, ()) if g not in already]
        if presence.groups and not local_groups:
            continue  # seated only on county-wide groups: the centre's agency, not the locality's
        if not local_groups:
            why = (
                "has nobody on any of the locality's groups"
                if presence.people
                else "has no people recorded on any group"
            )
        elif principal is not None and principal in main and not any(g in main for g in local_groups):
            why = f"sits only on groups cut off from '{ctx.name(principal)}' ({ctx.names(local_groups)})"
        else:
            continue
        severity = Severity.low if agency.sector.value in ("other",) else Severity.medium
        out.append(
            Finding(
                "ISOLATED_AGENCY",
                severity,
                (agency.id,),
                f"'{agency.name}' ({agency.sector.value.replace('_', ' ')}) {why}.",
                Principle.inclusive_access,
                "Invite the agency to the key communication group, or agree how it will hear of and "
                "raise issues; a workforce audit (3.9) may show what it could offer.",
                subject_kind="agency",
            )
        )
    return out


def check_isolated_groups(ctx: AuditContext) -> list[Finding]:
    def why(group_id: str) -> str:
        if ctx.graphs.links.degree(group_id):
            return (
                f"'{ctx.name(group_id)}' is linked only to groups outside the locality, and no member sits on "
                "another local group: nothing it learns reaches the rest of the locality."
            )
        return (
            f"'{ctx.name(group_id)}' has no link to any other group and no member who sits on another "
            "group: what it learns goes nowhere, and nothing reaches it."
        )

    return [
        Finding(
            "ISOLATED_GROUP",
            Severity.medium,
            (group_id,),
            why(group_id),
            Principle.appreciative_system,
            "Link it to the key communication group (who reports what, how often), or ask a member "
            "of another group to attend.",
        )
        for group_id in ctx.graphs.local_groups
        if group_id in ctx.isolated
    ]


def check_fragmented_system(ctx: AuditContext) -> list[Finding]:
    # Single isolated groups are ISOLATED_GROUP findings; this flags detached
    # parts of two or more groups, which need a different remedy.
    detached = [part for part in ctx.parts if part is not ctx.main_part and len(part) > 1]
    if not detached:
        return []
    order = ctx.graphs.local_groups
    position = ctx.graphs.group_index.__getitem__
    in_detached = set().union(*detached)
    subjects = tuple(g for g in order if g in in_detached)
    pieces = "; ".join(ctx.names(sorted(part, key=position)) for part in detached)
    return [
        Finding(
            "FRAGMENTED_SYSTEM",
            Severity.high,
            subjects,
            f"The communication system falls into {len(ctx.parts)} parts; detached from the main part: {pieces}.",
            Principle.inclusive_access,
            "Agree a link from each detached part to the key communication group, so issues and "
            "cases can cross between them.",
            {"parts": len(ctx.parts)},
        )
    ]


def check_key_group(ctx: AuditContext) -> list[Finding]:
    if ctx.key_group is not None or not ctx.graphs.local_groups:
        return []
    near = [s for s in ctx.standings if s.strategic]
    subjects: tuple[str, ...] = ()
    if near:
        best = max(near, key=lambda s: s.score)
        subjects = (best.group,)
        lacking = [
            label
            for ok, label in (
                (best.inclusive, "inclusive membership"),
                (best.hosts_upstream, "upstream conversations"),
                (best.hosts_downstream, "downstream conversations"),
                (
                    best.meets_often_enough,
                    f"regular meetings (more than {ctx.settings.key_group_rare_meetings:g} a year)",
                ),
            )
            if not ok
        ]
        detail = f" The nearest, '{ctx.name(best.group)}', lacks {', '.join(lacking)}."
    else:
        detail = " No group has strategic responsibility."
    return [
        Finding(
            "NO_KEY_COMMUNICATION_GROUP",
            Severity.high,
            subjects,
            "No inclusive group with strategic responsibility hosts both upstream and downstream "
            "conversations." + detail,
            Principle.upstream_downstream,
            "Establish or widen one group as the locality's key communication group: open to all "
            "agencies, hearing both casework and wider community issues (recommendation ii).",
        )
    ]


def check_upstream_paths(ctx: AuditContext) -> list[Finding]:
    return [
        Finding(
            "MISSING_UPSTREAM_PATH",
            Severity.medium,
            (group_id,),
            f"Casework group '{ctx.name(group_id)}' has no referral route from any upstream or "
            "school-facing group, and no school sits on it.",
            Principle.support_inclusive_schools,
            "Agree how schools and consultation groups bring children of concern to it (who refers, on what form).",
        )
        for group_id in missing_upstream_paths(ctx.graphs, skip=ctx.isolated)
    ]


def check_downstream_paths(ctx: AuditContext) -> list[Finding]:
    graphs = ctx.graphs
    out = []
    casework = [g for g in graphs.local_groups if graphs.is_casework(g)]
    for gap in missing_downstream_paths(graphs, skip=ctx.isolated):
        basis = Basis.declared
        if gap.kind == "locality":
            out.append(_no_casework_at_all(ctx))
            continue
        if gap.kind == "school":
            name = graphs.agencies[gap.subject].name
            what = f"School '{name}' sits on no group that can take a case and on no group with a route to one"
            if graphs.schools_inferred:
                basis = Basis.inferred
                what += " (taken to be a school from its name: no agency is marked 'school: true')"
        else:
            what = f"Concerns raised in '{ctx.name(gap.subject)}' have no route to any group that can take a case"
        out.append(
            Finding(
                "MISSING_DOWNSTREAM_PATH",
                Severity.medium,
                (gap.subject,),
                f"{what}: children of concern have nowhere to go.",
                Principle.support_inclusive_schools,
                "Agree a route from here to multi-agency casework help: a panel, a MAST, or a "
                "consultation arrangement with tier-3 services (recommendation vii).",
                subject_kind="agency" if gap.kind == "school" else "group",
                basis=basis,
            )
        )
    if not casework and graphs.local_groups and not any(f.subjects == () for f in out):
        out.append(_cases_only_discussed(ctx))
    return out


def _no_casework_at_all(ctx: AuditContext) -> Finding:
    return Finding(
        "MISSING_DOWNSTREAM_PATH",
        Severity.medium,
        (),
        "No group in the locality takes cases, and no social care, mental health or health worker attends "
        "a group where both kinds of conversation are held: children of concern have nowhere to go.",
        Principle.support_inclusive_schools,
        "Agree where a child of concern is taken up: a panel or MAST, or tier-3 agencies consulting at the "
        "forum or network where concerns are raised (recommendation vii).",
    )


def _cases_only_discussed(ctx: AuditContext) -> Finding:
    hosts = [g for g in ctx.graphs.local_groups if g in case_hosts(ctx.graphs)]
    return Finding(
        "MISSING_DOWNSTREAM_PATH",
        Severity.low,
        (),
        f"No group takes cases as its business; concerns can be taken up at {ctx.names(hosts)}, where "
        "tier-3 agencies attend, but who takes a case on is not recorded.",
        Principle.support_inclusive_schools,
        "Record how a case raised there is taken on (a lead professional, a consultation slot, a referral "
        "route), or link the group to a panel.",
    )


def check_feedback_paths(ctx: AuditContext) -> list[Finding]:
    out = []
    for gap in ctx.feedback_gaps:
        if gap.informal_via:
            names = ", ".join(f"'{ctx.graphs.people[p].name}'" for p in gap.informal_via)
            severity, via = Severity.low, f" Only informally, through {names}, who sit on both."
        else:
            severity, via = Severity.medium, ""
        out.append(
            Finding(
                "MISSING_FEEDBACK_PATH",
                severity,
                (gap.group,),
                f"Issues met in '{ctx.name(gap.group)}' have no route (reports to / feeds issues to) to "
                f"'{ctx.name(gap.target)}'.{via}",
                Principle.appreciative_system,
                f"Agree how '{ctx.name(gap.group)}' reports the issues it meets to '{ctx.name(gap.target)}', "
                "so the system can learn from its casework.",
            )
        )
    return out


def check_centre_link(ctx: AuditContext) -> list[Finding]:
    link = ctx.centre
    if link.from_group is None or link.linked:
        return []
    if not link.centres:
        message = "No local-authority-wide strategic group is recorded, so the locality has no link to the centre."
    else:
        message = f"No route from '{ctx.name(link.from_group)}' to {ctx.names(link.centres)}: no upward link and no shared member."
        if link.others:
            message += f" Only {ctx.names(link.others)} connect to the centre."
    return [
        Finding(
            "NO_LINK_TO_CENTRE",
            Severity.medium if link.others else Severity.high,
            (link.from_group,),
            message,
            Principle.links_to_centre,
            "Agree who carries the locality's issues to the authority's strategic groups, and who "
            "brings decisions back (recommendation ii).",
        )
    ]


def check_systems_minder(ctx: AuditContext) -> list[Finding]:
    reach = ctx.minder_reach
    if not ctx.graphs.local_groups:
        return []
    if not reach.minders:
        inferred = ctx.inferred_minders
        return [_inferred_minder(ctx, inferred) if inferred else _nobody_minds(ctx)]
    if not reach.unreached:
        return []
    severity = Severity.medium if reach.share < ctx.settings.minder_reach_medium else Severity.low
    return [
        Finding(
            "SYSTEMS_MINDER_GAP",
            severity,
            reach.unreached,
            f"{'The systems minders neither attend nor reach' if len(reach.minders) > 1 else 'The systems minder neither attends nor reaches'} "
            f"through one link: {ctx.names(reach.unreached)} ({reach.share:.0%} of groups reached, seats weighted by "
            f"attendance; medium below {ctx.settings.minder_reach_medium:.0%}).",
            Principle.systems_minding,
            "Agree how news of these groups reaches the systems minder: a link to a group they attend, or a visit.",
            {"reach": round(reach.share, 3)},
        )
    ]


def _nobody_minds(ctx: AuditContext) -> Finding:
    absent = f" ({ctx.people_names(ctx.absent_minders)} marked, but attending none)" if ctx.absent_minders else ""
    return Finding(
        "NO_SYSTEMS_MINDER",
        Severity.high,
        (),
        f"Nobody is recorded as minding the communication system{absent}, and nobody local leads the principal "
        "group and another group while reaching most groups.",
        Principle.systems_minding,
        "Give someone explicit responsibility for minding the system: receiving issues, "
        "freeing communication across groups, auditing role overlap (3.8, recommendation iv).",
    )


def _inferred_minder(ctx: AuditContext, inferred: MinderReach) -> Finding:
    led = {
        p: [g for g in ctx.graphs.groups_of[p] if g in inferred.attended and leads(ctx.graphs, p, g)]
        for p in inferred.minders
    }
    who = "; ".join(f"{ctx.people_names([p])} leads {ctx.names(groups)}" for p, groups in led.items())
    return Finding(
        "NO_SYSTEMS_MINDER",
        Severity.low,
        (),
        f"Nobody is recorded as minding the communication system, but someone appears to (inferred): {who}, "
        f"reaching {inferred.share:.0%} of groups (more than {ctx.settings.minder_reach_medium:.0%}).",
        Principle.systems_minding,
        "If this person does mind the system, record it (systems_minder: true) and agree who shares the "
        "role; if not, give someone the role (3.8, recommendation iv).",
        {"inferred": list(inferred.minders), "reach": round(inferred.share, 3)},
        basis=Basis.inferred,
    )


def check_absent_minders(ctx: AuditContext) -> list[Finding]:
    out = []
    for person in ctx.absent_minders:
        seats = [g for g in ctx.graphs.groups_of[person] if g in ctx.graphs.local_groups]
        why = (
            f"holds seats on {ctx.names(seats)} but attends none of their meetings"
            if seats
            else "holds no seat on any of the locality's groups"
        )
        out.append(
            Finding(
                "ABSENT_SYSTEMS_MINDER",
                Severity.medium,
                (person,),
                f"'{ctx.graphs.people[person].name}' is recorded as a systems minder but {why}: they cannot "
                "receive issues or free up communication from outside the meetings.",
                Principle.systems_minding,
                "Agree which meetings the minder attends, or record who minds the system in practice.",
                subject_kind="person",
            )
        )
    return out


def check_single_points_of_failure(ctx: AuditContext) -> list[Finding]:
    out = []
    for cut in ctx.cut_people:
        person = ctx.graphs.people[cut.person]
        severity = Severity.high if len(cut.groups_cut_off) >= 2 else Severity.medium
        out.append(
            Finding(
                "SINGLE_POINT_OF_FAILURE",
                severity,
                (cut.person,),
                f"If '{person.name}' left, {ctx.names(cut.groups_cut_off)} would be cut off from the rest "
                "of the system: they are the only connection.",
                Principle.systems_minding,
                "Share this person's link work: a second member, or a standing link, for each of those groups.",
                {"groups_cut_off": list(cut.groups_cut_off)},
                subject_kind="person",
            )
        )
    return out


def check_user_involvement(ctx: AuditContext) -> list[Finding]:
    reps = [p for p in ctx.graphs.document.people if p.service_user_rep and ctx.graphs.groups_of[p.id]]
    if reps or not ctx.graphs.local_groups:
        return []
    return [
        Finding(
            "NO_USER_INVOLVEMENT",
            Severity.medium,
            (),
            "No parent, young person or community representative sits on any group.",
            Principle.user_involvement,
            "Involve service users through the forum with the widest, community-facing brief, where "
            "stigma is least (3.7).",
        )
    ]


def check_cross_boundary(ctx: AuditContext) -> list[Finding]:
    slug = ctx.graphs.slug
    clear = ctx.graphs.document.locality.boundary == Boundary.clear
    out = []
    for group_id in ctx.graphs.groups:
        g = ctx.graphs.groups[group_id]
        if g.type == GroupType.strategic_centre or ctx.graphs.is_centre(group_id):
            continue
        others = [a for a in g.area if a != slug]
        severity = Severity.medium
        if g.external:
            message = f"'{g.name}' serves the locality but is managed outside it."
        elif others and slug in g.area:
            message = f"'{g.name}' serves areas beyond the locality: {', '.join(others)}."
            if clear:
                # Welcoming neighbours is not a hot spot managed separately (recommendation i).
                severity = Severity.low
                message += (
                    " The boundary is otherwise clear, so this widens the group rather than splitting the locality."
                )
        elif others:
            message = (
                f"'{g.name}' serves only {', '.join(others)}, not the locality as a whole (a 'hot spot' arrangement)."
            )
        else:
            continue
        out.append(
            Finding(
                "CROSS_BOUNDARY_GROUP",
                severity,
                (group_id,),
                message,
                Principle.clear_bounded_locality,
                "Manage targeted provision through the locality's own structures, designed for the whole "
                "locality first (2.2, recommendation i).",
                {"area": list(g.area)},
            )
        )
    return out


def _label_problems(ctx: AuditContext, group_id: str) -> list[str]:
    """Ways a group's structure contradicts the glossary definition of its declared kind."""
    g = ctx.graphs.groups[group_id]
    focus = g.effective_focus
    sectors = ctx.graphs.sectors_in(group_id)
    seated = len(ctx.graphs.members_of[group_id])
    problems = []
    t = g.type
    if t == GroupType.network and g.membership in (MembershipRule.fixed, MembershipRule.representative):
        problems.append(
            f"a network is open to anyone working with children in the locality, but its membership is {g.membership.value}"
        )
    if t == GroupType.forum and g.membership == MembershipRule.fixed:
        problems.append("a forum is open to all interested parties, but its membership is fixed")
    if t == GroupType.forum and focus == Focus.downstream:
        problems.append(
            "a forum hosts the locality's wider conversations, but this one takes cases: it works as a panel"
        )
    if t == GroupType.panel and g.membership == MembershipRule.open:
        problems.append("a panel is a representative group that assigns and reviews cases, but its membership is open")
    if t in (GroupType.panel, GroupType.multi_agency_support_team) and focus in (Focus.upstream, Focus.strategic):
        problems.append(f"a {t.value.replace('_', ' ')} takes cases, but its focus is {focus.value}")
    if t == GroupType.steering_group and focus == Focus.downstream:
        problems.append("a steering group decides strategy, but this one takes cases")
    if t == GroupType.steering_group and g.membership == MembershipRule.open:
        problems.append(
            "a steering group is representative, but its membership is open: it works as a forum or network"
        )
    if t == GroupType.school_consultation_team:
        school_seated = any(ctx.graphs.agency_of.get(p) in ctx.graphs.schools for p in ctx.graphs.members_of[group_id])
        if g.school is None and not school_seated:
            problems.append(
                "a school consultation team works in or with a particular school, but no school is recorded"
            )
    everyone_placed = all(ctx.graphs.agency_of.get(p) for p in ctx.graphs.members_of[group_id])
    if (
        t in (GroupType.panel, GroupType.multi_agency_support_team, GroupType.steering_group, GroupType.forum)
        and seated >= 2
        and everyone_placed
        and len(sectors) == 1
    ):
        problems.append(
            f"a {t.value.replace('_', ' ')} is multi-agency, but all its members come from one sector ({next(iter(sectors)).replace('_', ' ')})"
        )
    return problems


def check_label_mismatch(ctx: AuditContext) -> list[Finding]:
    out = []
    for group_id in ctx.graphs.local_groups:
        problems = _label_problems(ctx, group_id)
        if problems:
            g = ctx.graphs.groups[group_id]
            out.append(
                Finding(
                    "LABEL_MISMATCH",
                    Severity.low,
                    (group_id,),
                    f"'{g.name}' is declared a {g.type.value.replace('_', ' ')}: {'; and '.join(problems)}.",
                    Principle.inclusive_access,
                    "Use the glossary's terms (Appendix ONE) so people know what a meeting is for: rename "
                    "it, or change how it works.",
                )
            )
    return out


def check_casework_by_representatives(ctx: AuditContext) -> list[Finding]:
    out = []
    for group_id in ctx.graphs.local_groups:
        if not ctx.graphs.is_casework(group_id):
            continue
        seats = ctx.graphs.groups[group_id].members
        representatives = sum(attendance(m) for m in seats if m.role == MemberRole.representative)
        key_workers = sum(attendance(m) for m in seats if m.role == MemberRole.key_worker)
        if representatives and representatives > key_workers:
            out.append(
                Finding(
                    "CASEWORK_WITHOUT_KEY_WORKERS",
                    Severity.low,
                    (group_id,),
                    f"'{ctx.name(group_id)}' discusses cases mostly through agency representatives (about "
                    f"{representatives:g} seats), with key workers present for about {key_workers:g}: decisions "
                    "may be made without the people who work with the family.",
                    Principle.appreciative_system,
                    "Invite the key worker of each case for its discussion, and agree how decisions reach "
                    "workers who were not there (4.4).",
                )
            )
    return out


CHECKS = (
    check_overlapping_groups,
    check_meeting_load,
    check_isolated_agencies,
    check_isolated_groups,
    check_fragmented_system,
    check_key_group,
    check_upstream_paths,
    check_downstream_paths,
    check_feedback_paths,
    check_centre_link,
    check_systems_minder,
    check_absent_minders,
    check_single_points_of_failure,
    check_user_involvement,
    check_cross_boundary,
    check_label_mismatch,
    check_casework_by_representatives,
    check_census,
)


# ---------------------------------------------------------------- metrics


def _link_density(graphs: LocalityGraphs) -> float:
    """``nx.density`` of the link graph as a simple digraph (kinds merged), from the document's links."""
    n = len(graphs.groups)
    m = len({(link.from_, link.to) for link in graphs.document.links})
    if m == 0 or n <= 1:
        return 0
    return m / (n * (n - 1))


def locality_metrics(ctx: AuditContext) -> dict:
    """Headline figures of a locality's communication system (see docs/analysis.md)."""
    graphs, s = ctx.graphs, ctx.settings
    local = graphs.local_groups
    seated_people = [p for p, gs in graphs.groups_of.items() if gs]
    per_group = group_hours_per_year(graphs, s)
    loads = [load for load in ctx.loads if graphs.groups_of[load.person]]
    hours = [load.hours_per_year for load in loads]
    focus_counts = {f.value: 0 for f in Focus}
    for g in local:
        focus = graphs.focus(g)
        if focus is not None:
            focus_counts[focus.value] += 1
    up = focus_counts["upstream"] + focus_counts["both"]
    down = focus_counts["downstream"] + focus_counts["both"]
    seated_agencies = {graphs.agency_of[p] for g in local for p in graphs.members_of[g] if graphs.agency_of.get(p)}
    principal = ctx.principal_group
    in_principal = (
        {graphs.agency_of[p] for p in graphs.members_of[principal] if graphs.agency_of.get(p)} if principal else set()
    )
    memberships = sum(len(graphs.members_of[g]) for g in graphs.groups)
    return {
        # groups, people, agencies, links and seats: counted as every page and command counts them
        **locality_counts(graphs.document).as_dict(),
        "meetings_per_year": round(sum(per_group[g][0] for g in local), 1),
        "meeting_hours_per_year": round(sum(per_group[g][1] for g in local), 1),
        "person_hours_per_year": round(sum(hours), 1),
        "person_hours_per_year_median": round(statistics.median(hours), 1) if hours else 0.0,
        "person_hours_per_year_max": round(max(hours), 1) if hours else 0.0,
        "meeting_share_max": round(max((load.share for load in loads), default=0.0), 3),
        "membership_density": round(memberships / (len(seated_people) * len(graphs.groups)), 3)
        if seated_people and graphs.groups
        else 0.0,
        "link_density": round(_link_density(graphs), 3) if len(graphs.groups) > 1 else 0.0,
        "shared_member_density": round(shared_member_density(graphs, local), 3) if len(local) > 1 else 0.0,
        "components": len(ctx.parts),
        "overlap_index": round(overlap_index(graphs), 3),
        "key_group": ctx.key_group,
        "principal_group": principal,
        "agencies_in_principal_group_share": round(len(in_principal & seated_agencies) / len(seated_agencies), 3)
        if seated_agencies
        else 0.0,
        "focus": focus_counts,
        "upstream_downstream_balance": round((up - down) / (up + down), 3) if up + down else None,
        "brokers": [{"person": p, "betweenness": round(score, 3)} for p, score in top_brokers(ctx.brokers, s.brokers)],
        "systems_minders": len(ctx.minder_reach.minders),
        "systems_minder_reach": round(ctx.minder_reach.share, 3),
        "service_user_reps": sum(1 for p in graphs.document.people if p.service_user_rep and graphs.groups_of[p.id]),
        "single_points_of_failure": len(ctx.cut_people),
    }
