"""Planted defects: what the audit should find in a synthetic locality, and how each is planted."""

from __future__ import annotations

from app.synth.builder import Builder, DraftGroup
from app.synth.seats import seat_load
from models.vocab import WORKING_WEEKS_PER_YEAR

#: Every defect that can be planted, with the audit code that finds it and what is planted.
DEFECTS: dict[str, tuple[str, str]] = {
    "isolated_group": ("ISOLATED_GROUP", "a group with no link whose members sit on no other group"),
    "isolated_agency": ("ISOLATED_AGENCY", "an agency whose people sit on no group"),
    "unreferred_panel": ("MISSING_UPSTREAM_PATH", "a casework panel nobody refers to, with no school on it"),
    "no_systems_minder": ("NO_SYSTEMS_MINDER", "nobody minds the communication system"),
    "single_point": ("SINGLE_POINT_OF_FAILURE", "groups joined to the rest only by their co-ordinator"),
    "overlapping": ("OVERLAPPING_GROUPS", "a group repeating another's membership"),
    "meeting_load": ("MEETING_LOAD", "a person in meetings for more than half their working time"),
    "no_link_to_centre": ("NO_LINK_TO_CENTRE", "no route from the locality to the authority's centre"),
    "label_mismatch": ("LABEL_MISMATCH", "a 'network' with fixed membership"),
    "cross_boundary": ("CROSS_BOUNDARY_GROUP", "a group serving neighbouring localities too"),
}


#: The order defects are planted in: the order of the random draws and of the locality's note.
_ORDER = (
    "isolated_group",
    "isolated_agency",
    "unreferred_panel",
    "no_systems_minder",
    "single_point",
    "overlapping",
    "no_link_to_centre",
    "label_mismatch",
    "cross_boundary",
    "meeting_load",
)


def plant(b: Builder, defects: set[str], key: DraftGroup, top: DraftGroup) -> None:
    """Plant ``defects`` (keys of :data:`DEFECTS`) and record each in ``b.planted``."""
    b.key = key
    for defect in _ORDER:
        if defect in defects:
            _PLANTERS[defect](b, key, top)
        elif defect == "no_systems_minder" and b.rng.random() < 0.5:
            _add_second_minder(b)


def _mark(item, defect: str) -> None:
    code, what = DEFECTS[defect]
    item.note = f"Planted defect ({code}): {what}."


def _add_second_minder(b: Builder) -> None:
    """Some localities have a second systems minder."""
    second = b.one("hsclw") or b.one("la_officer")
    if second is not None:
        second.minder = True


def _plant_isolated_group(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A community group with no link, whose volunteers sit on nothing else."""
    rng, slug = b.rng, b.slug
    g = b.group(
        "allotment-project",
        "Community allotment project group",
        "other",
        "open",
        "monthly",
        2,
        focus="upstream",
        purpose="Volunteers running a community allotment with local families.",
    )
    agencies = b.local_community or b.local_vol
    for i in range(4):
        p = b.person("volunteer", "", rng.choice(agencies), 0, fixed=True, name=f"Allotment volunteer {i + 1} ({slug})")
        b.seat(g, p, "coordinator" if i == 0 else "member")
    _mark(g, "isolated_group")
    b.planted.append(("isolated_group", "ISOLATED_GROUP", [g.id]))


def _plant_isolated_agency(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A housing association whose two officers sit on no group."""
    slug = b.slug
    aid = b.agency(
        "housing-association",
        f"{b.name} Housing Association",
        "housing",
        note="Planted defect (ISOLATED_AGENCY): nobody from this agency sits on any group.",
    )
    for i in range(2):
        p = b.person(
            "tenancy_support_officer", "", aid, 0, fixed=True, name=f"Tenancy support officer {i + 1} ({slug})"
        )
        p.hours = 37
    b.planted.append(("isolated_agency", "ISOLATED_AGENCY", [aid]))


def _plant_unreferred_panel(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """An anti-social behaviour panel that nobody refers to and no school sits on."""
    g = b.group(
        "asb-panel",
        "Anti-social behaviour panel",
        "panel",
        "representative",
        "monthly",
        1.5,
        purpose="Agrees action on young people involved in anti-social behaviour.",
    )
    b.seat(g, b.one("police_officer"), "chair")
    for role in ("police_liaison_officer", "youth_worker", "yot_officer", "housing_officer"):
        b.seat(g, b.one(role))
    b.seat(g, b.one("social_worker"), "key_worker")
    b.link(g, top, "reports_to")
    if top is not key:
        b.link(g, key, "feeds_issues_to")
    _mark(g, "unreferred_panel")
    b.planted.append(("unreferred_panel", "MISSING_UPSTREAM_PATH", [g.id]))


def _plant_no_systems_minder(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """Nobody minds the communication system.

    Nobody is marked, and whoever leads the key group was appointed from
    outside the locality (as Abingdon's co-ordinator was, report Appendix 2c),
    so the audit cannot infer a de facto minder either.
    """
    leaders = {person for person, role, _ in key.members if role in ("chair", "coordinator")}
    for p in b.people:
        p.minder = False
        if p.id in leaders:
            p.local = False
    b.planted.append(("no_systems_minder", "NO_SYSTEMS_MINDER", []))


def _plant_single_point(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """Two project groups joined to the rest only by the co-ordinator."""
    rng, slug = b.rng, b.slug
    coord = b.coordinator
    schools = rng.sample(b.schools, min(3, len(b.schools)))
    ga = b.group(
        "transition-project",
        "Transition project group",
        "working_group",
        "representative",
        "monthly",
        1.5,
        purpose="Year 6 to 7 transition project, run by the locality co-ordinator.",
    )
    gb = b.group(
        "transition-project-task-group",
        "Transition project task group",
        "working_group",
        "representative",
        "monthly",
        1,
        purpose="Plans the transition project's summer school.",
    )
    b.seat(ga, coord, "coordinator")
    b.seat(gb, coord, "coordinator")
    for i in range(7):
        s = schools[i % len(schools)]
        p = b.person(
            "teacher",
            "",
            s["id"],
            0,
            fixed=True,
            cluster=s["cluster"],
            name=f"Transition teacher {i + 1}, {s['label']} ({slug})",
        )
        b.seat(ga if i < 4 else gb, p)
        if i in (3, 4):
            b.seat(gb if i < 4 else ga, p)
    ga.note = gb.note = None
    _mark(ga, "single_point")
    _mark(gb, "single_point")
    coord.note = "Planted defect (SINGLE_POINT_OF_FAILURE): the only link to the transition project groups."
    b.planted.append(("single_point", "SINGLE_POINT_OF_FAILURE", [coord.id]))


def _plant_overlapping(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A task and finish group copying a working group's membership."""
    candidates = sorted((g for g in b.working if len(g.members) >= 5), key=lambda g: (len(g.members), g.id))
    source = candidates[0] if candidates else None
    if source is not None:
        g = b.group(
            f"{source.id}-task",
            f"{source.name.removesuffix(' working group')} task and finish group",
            "working_group",
            "representative",
            "half_termly",
            1.5,
            purpose="Short-term group on the same topic as the working group.",
        )
        drop = len(source.members) >= 10
        for pid, role, att in source.members[: len(source.members) - (1 if drop else 0)]:
            b.seat(g, b.by_id[pid], role, att)
        b.link(g, top, "reports_to")
        _mark(g, "overlapping")
        b.planted.append(("overlapping", "OVERLAPPING_GROUPS", [source.id, g.id]))


def _plant_no_link_to_centre(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """No link to the centre (the centre is left unseated and unlinked when built)."""
    b.centre.note = "Planted defect (NO_LINK_TO_CENTRE): no local group links here and nobody local sits on it."
    b.planted.append(("no_link_to_centre", "NO_LINK_TO_CENTRE", []))


def _plant_label_mismatch(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A themed network made fixed-membership (or a new one, where there is none)."""
    rng = b.rng
    target = next((g for g in b.themed if g.type == "network"), None)
    if target is None:
        target = b.group(
            "practitioners-network",
            "Practitioners' network",
            "network",
            "fixed",
            "termly",
            1.5,
            purpose="Practitioners' meeting.",
        )
        for p in rng.sample([p for p in b.people if p.n and not p.fixed], 8):
            b.seat(target, p)
        b.link(target, key, "feeds_issues_to")
    target.membership = "fixed"
    _mark(target, "label_mismatch")
    b.planted.append(("label_mismatch", "LABEL_MISMATCH", [target.id]))


def _plant_cross_boundary(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A partnership whose area takes in neighbouring localities."""
    slug = b.slug
    others = b.neighbours[:2]
    g = b.group(
        "behaviour-attendance-partnership",
        "Behaviour and attendance partnership (with neighbouring localities)",
        "partnership",
        "representative",
        "half_termly",
        2,
        purpose="Schools and services of neighbouring localities working together on behaviour and attendance.",
    )
    g.area = [slug, *others]
    for p in [p for p in b.people if not p.local and not p.fixed][:4]:
        b.seat(g, p)
    for s in [s for s in b.schools if s["phase"] == "secondary"][:3]:
        b.seat(g, s["head_teacher"], "chair" if not g.members else "member")
    b.seat(g, b.one("education_social_worker"))
    b.seat(g, b.one("police_liaison_officer"))
    b.link(g, key, "feeds_issues_to")
    _mark(g, "cross_boundary")
    b.planted.append(("cross_boundary", "CROSS_BOUNDARY_GROUP", [g.id]))


def _plant_meeting_load(b: Builder, key: DraftGroup, top: DraftGroup) -> None:
    """A part-time educational psychologist seated on groups until meetings fill over half their week."""
    rng, slug = b.rng, b.slug
    eps = [p for p in b.by_role.get("educational_psychologist", []) if p.local and not p.fixed]
    p = rng.choice(eps)
    p.hours = 15
    p.name = p.name.replace(f" ({slug})", f", 0.4 FTE ({slug})")
    p.note = "Planted defect (MEETING_LOAD): in meetings for more than half of a part-time week."
    budget = 0.6 * p.hours * WORKING_WEEKS_PER_YEAR
    for g in b.groups:
        for m in g.members:
            if m[0] == p.id:
                m[2] = None
    load = seat_load(b).get(p.id, 0.0)
    planted_groups = {s for _, _, subjects in b.planted for s in subjects}
    candidates = (
        g
        for g in b.groups
        if not g.external and g.type != "partnership" and g.id not in planted_groups and g.note is None
    )
    for g in sorted(candidates, key=lambda g: (-g.yearly_hours, g.id)):
        if load >= budget:
            break
        if b.seat(g, p):
            load += g.yearly_hours
    b.planted.append(("meeting_load", "MEETING_LOAD", [p.id]))


#: How each defect is planted.
_PLANTERS = {
    "isolated_group": _plant_isolated_group,
    "isolated_agency": _plant_isolated_agency,
    "unreferred_panel": _plant_unreferred_panel,
    "no_systems_minder": _plant_no_systems_minder,
    "single_point": _plant_single_point,
    "overlapping": _plant_overlapping,
    "no_link_to_centre": _plant_no_link_to_centre,
    "label_mismatch": _plant_label_mismatch,
    "cross_boundary": _plant_cross_boundary,
    "meeting_load": _plant_meeting_load,
}
