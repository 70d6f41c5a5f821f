"""A locality's groups and the links between them: the key group, casework, schools, networks."""

from __future__ import annotations

from app.synth.builder import Builder, DraftGroup, DraftPerson
from app.synth.tables import CASEWORK_EXTRA, CASEWORK_MEETINGS, THEMES, WORKING_GROUPS, letters, slugify

_CENTRE_ID = "strategic-centre"


def make_structure(b: Builder, plan: dict, defects: set[str]) -> tuple[DraftGroup, DraftGroup]:
    """Make the locality's groups, seat their fixed members and link them; returns the key group and the top one.

    The order of the steps is the order of the random draws: changing it changes every file.
    """
    counts = plan["counts"]
    centre = _make_centre(b)
    key, top = _make_key_groups(b, plan["variant"])
    _seat_key_groups(b, key, top, plan["variant"])
    _seat_centre(b, centre, key, top, defects)
    panels = _make_cluster_panels(b, key, top)
    masts = _make_masts(b, counts["mast"], key, top)
    _make_school_consultation_teams(b, counts["sct"], key, top, panels, masts)
    if counts["school_panel"]:
        _make_inclusion_panels(b, key, top, panels)
    heads_group, chair = _make_heads_partnership(b, key, top)
    if counts["cluster_heads"]:
        _make_cluster_heads_groups(b, key, heads_group)
    if counts["senco_group"]:
        _make_senco_groups(b, key, panels)
    _make_hsclw_steering_group(b, heads_group, chair, top)
    _make_hubs(b, counts["hub"], key, panels, masts)
    b.themed = _make_themed_groups(b, counts["themed"], key)
    _make_advisory_and_voice_groups(b, counts["cc_board"], key)
    b.working = _make_working_groups(b, counts["wg"], top)
    _make_casework_meetings(b, counts["taf"], panels, top)
    b.panels, b.masts = panels, masts
    return key, top


def _make_centre(b: Builder) -> DraftGroup:
    """The authority's strategic centre, the same id in every file of the authority."""
    auth = b.auth
    centre = b.group(
        _CENTRE_ID,
        f"{auth.root} Children's Trust strategic board",
        "strategic_centre",
        "representative",
        "bimonthly",
        2,
        external=True,
        purpose=f"The authority's strategic board for children's services across {auth.root}.",
    )
    b.centre = centre
    return centre


def _make_key_groups(b: Builder, variant: str) -> tuple[DraftGroup, DraftGroup]:
    """The key communication group and the steering group above it (the same group in the steering variant)."""
    rng = b.rng
    # The key group comes first among the locality's own groups.
    if variant == "network":
        key = b.group(
            "locality-network",
            f"{b.name} Network",
            "network",
            "open",
            rng.choice(("termly", "half_termly")),
            rng.choice((1, 1.5)),
            flex=5.0,
            purpose="Open meeting for everyone working with children and families in the locality to raise "
            "and discuss issues.",
        )
    elif variant == "forum":
        key = b.group(
            "locality-forum",
            f"{b.name} Children and Families Forum",
            "forum",
            "open",
            rng.choice(("half_termly", "bimonthly")),
            2,
            flex=5.0,
            purpose="The locality's forum for agencies, schools and families: issues, cases and planning.",
        )
    else:
        key = b.group(
            "locality-steering-group",
            f"{b.name} Locality Steering Group",
            "steering_group",
            "representative",
            "half_termly",
            2,
            purpose="Steers integrated services in the locality; hears issues from schools and casework groups.",
        )
    top = key
    if variant != "steering":
        top = b.group(
            "steering-group",
            f"{b.name} {key.type.capitalize()} steering group",
            "steering_group",
            "representative",
            "half_termly",
            rng.choice((1.5, 2)),
            purpose=f"Ensures progress on the issues raised by the {key.type}; oversees panels and working groups.",
        )
        b.link(top, key, "oversees")
        b.link(key, top, "feeds_issues_to")
    return key, top


def _seat_key_groups(b: Builder, key: DraftGroup, top: DraftGroup, variant: str) -> None:
    """Seat the co-ordinator, chairs and a representative of every agency (or sector) on the key group."""
    rng, one = b.rng, b.one
    coord, manager = b.coordinator, b.manager
    b.seat(key, coord, "coordinator")
    b.seat(top, coord, "coordinator")
    heads = [s["head_teacher"] for s in b.schools]
    b.seat(key, rng.choice(heads) if variant != "steering" else manager, "chair")
    # The key group seats someone from every agency, so it is the most inclusive group.
    # (An open key group has someone from each agency; a steering group one from each sector.)
    best: dict[str, DraftPerson] = {}
    for p in b.people:
        if not p.agency or p.fixed:
            continue
        unit = b.agencies[p.agency]["sector"] if variant == "steering" else p.agency
        if unit not in best or p.w > best[unit].w:
            best[unit] = p
    for p in best.values():
        b.seat(key, p, "representative" if variant == "steering" else "member")
    for s in rng.sample(b.schools, min(len(b.schools), 3 if variant == "steering" else 6)):
        b.seat(key, s["head_teacher"], "representative" if variant == "steering" else "member")
    for p in (b.by_role.get("parent_rep") or [])[:2] + (b.by_role.get("young_person_rep") or [])[:1]:
        b.seat(key, p, "representative")
    if top is not key:
        b.seat(top, rng.choice(heads), "chair")
        for p in (one("social_care_manager"), one("school_nurse"), one("la_officer"), rng.choice(heads), manager):
            b.seat(top, p)


def _seat_centre(b: Builder, centre: DraftGroup, key: DraftGroup, top: DraftGroup, defects: set[str]) -> None:
    """Seat the authority's leaders on the centre and, unless the link is to be missing, link the locality to it."""
    coord = b.coordinator
    b.seat(centre, b.leaders[0], "chair")
    b.seat(centre, b.leaders[1], "coordinator")
    if "no_link_to_centre" not in defects:
        b.seat(centre, coord, "representative")
        for p in b.people:
            if not p.local and not p.fixed and p.role == "la_officer":
                b.seat(centre, p, "representative")
        b.link(top, centre, "reports_to")
        if key is not top:
            b.link(key, centre, "feeds_issues_to")


def _make_cluster_panels(b: Builder, key: DraftGroup, top: DraftGroup) -> list[DraftGroup]:
    """One multi-agency panel per cluster of schools."""
    rng, one = b.rng, b.one
    coord, manager = b.coordinator, b.manager
    panels = []
    for k, cl in enumerate(b.clusters):
        g = b.group(
            f"panel-cluster-{k + 1}",
            f"Cluster {k + 1} multi-agency panel",
            "panel",
            rng.choice(("representative", "fixed")),
            "monthly",
            rng.choice((1.5, 2)),
            cluster=k,
            purpose="Allocates and reviews support for children referred by the cluster's schools.",
        )
        b.seat(g, one("social_care_manager", k) or manager, "chair")
        b.seat(g, coord, "coordinator")
        for s in rng.sample(cl, min(4, len(cl))):
            b.seat(g, s["senco"])
        b.seat(g, one("educational_psychologist", k))
        b.seat(g, one("education_social_worker", k))
        b.seat(g, one("social_worker", k), "key_worker")
        b.seat(g, one("family_support_worker", k), "key_worker")
        b.seat(g, one("health_visitor", k))
        b.seat(g, one("school_nurse", k))
        b.seat(g, one("primary_mental_health_worker", k))
        if rng.random() < 0.5:
            b.seat(g, one("police_officer", k))
        if rng.random() < 0.5:
            b.seat(g, one("youth_worker", k))
        b.link(g, top, "reports_to")
        b.link(top, g, "oversees")
        if top is not key:
            b.link(g, key, "feeds_issues_to")
        panels.append(g)
    return panels


def _make_masts(b: Builder, n: int, key: DraftGroup, top: DraftGroup) -> list[DraftGroup]:
    """The multi-agency support teams, each with its own co-ordinator."""
    rng, slug, one = b.rng, b.slug, b.one
    masts = []
    for i in range(n):
        g = b.group(
            "mast" if i == 0 else f"mast-{i + 1}",
            f"{b.name} Multi-Agency Support Team" + (f" {i + 1}" if i else ""),
            "multi_agency_support_team",
            "fixed",
            "weekly",
            1.5,
            purpose="Weekly team meeting allocating family work to key workers.",
        )
        mc = b.person(
            "team_coordinator",
            "",
            b.agency_key["social_care"],
            3.0,
            hours=37,
            name=f"MAST co-ordinator{f' {i + 1}' if i else ''} ({slug})",
        )
        mc.k = 0
        b.seat(g, mc, "coordinator")
        for _ in range(rng.randint(3, 5)):
            b.seat(g, one("family_support_worker", exclude=g.mset), "key_worker")
        b.seat(g, one("education_social_worker"), "key_worker")
        b.seat(g, one("social_worker", exclude=g.mset), "key_worker")
        b.seat(g, one("primary_mental_health_worker"), "consultant", 0.25)
        b.seat(g, one("educational_psychologist"), "member", 0.5)
        b.seat(g, one("health_visitor"))
        b.link(g, top, "reports_to")
        b.link(top, g, "oversees")
        if top is not key:
            b.link(g, key, "feeds_issues_to")
        masts.append(g)
    return masts


def _make_school_consultation_teams(
    b: Builder, n: int, key: DraftGroup, top: DraftGroup, panels: list[DraftGroup], masts: list[DraftGroup]
) -> None:
    """School consultation teams for ``n`` of the schools; they feed issues up and refer cases on."""
    rng, one = b.rng, b.one
    sct_schools = sorted(rng.sample(range(len(b.schools)), n))
    for i in sct_schools:
        s = b.schools[i]
        k = s["cluster"]
        g = b.group(
            f"sct-{s['id']}",
            f"School consultation team, {s['label']}",
            "school_consultation_team",
            "fixed",
            "termly",
            rng.choice((1.5, 2)),
            school=s["id"],
            cluster=k,
            purpose="Consultation on children of concern and on the school's systems; commissions support.",
        )
        b.seat(g, s["senco"], "coordinator")
        if rng.random() < 0.6:
            b.seat(g, s["head_teacher"], "chair")
        b.seat(g, one("educational_psychologist", k))
        if rng.random() < 0.8:
            b.seat(g, one("education_social_worker", k))
        if rng.random() < 0.7:
            b.seat(g, one("hsclw", k))
        if rng.random() < 0.6:
            b.seat(g, one("school_nurse", k))
        if rng.random() < 0.7:
            b.seat(g, one("primary_mental_health_worker", k), "consultant", 0.34)
        if rng.random() < 0.5:
            b.seat(g, one("social_worker", k), "consultant", 0.34)
        if s["phase"] == "secondary":
            b.seat(g, s.get("inclusion_manager"))
            b.seat(g, s.get("head_of_year"))
            if rng.random() < 0.5:
                b.seat(g, one("connexions_pa", k))
        for p in s["staff"]:
            if len(g.members) >= 5:
                break
            if p.role in ("designated_safeguarding_lead", "learning_mentor", "teacher"):
                b.seat(g, p)
        b.link(g, key, "feeds_issues_to")
        target = panels[k] if panels else top
        b.link(g, target, "refers_cases_to")
        if masts and rng.random() < 0.5:
            mast = masts[k % len(masts)]
            b.link(g, mast, "commissions")
            b.link(g, mast, "refers_cases_to")


def _make_inclusion_panels(b: Builder, key: DraftGroup, top: DraftGroup, panels: list[DraftGroup]) -> None:
    """An inclusion panel in each secondary school."""
    one = b.one
    for s in b.schools:
        if s["phase"] != "secondary":
            continue
        k = s["cluster"]
        g = b.group(
            f"inclusion-panel-{s['id']}",
            f"Inclusion panel, {s['label']}",
            "panel",
            "fixed",
            "fortnightly",
            1,
            school=s["id"],
            cluster=k,
            purpose="Reviews pupils at risk of exclusion and agrees support.",
        )
        b.seat(g, s["inclusion_manager"], "chair")
        for p in s["staff"]:
            if p.role in ("head_of_year", "learning_mentor"):
                b.seat(g, p)
        b.seat(g, one("connexions_pa", k))
        b.seat(g, one("police_liaison_officer"))
        b.seat(g, one("yot_officer"))
        b.seat(g, one("youth_worker", k))
        b.seat(g, one("social_worker", k), "key_worker")
        b.seat(g, one("education_social_worker", k))
        b.link(g, key, "feeds_issues_to")
        b.link(g, top, "reports_to")
        if panels:
            b.link(g, panels[k], "refers_cases_to")


def _make_heads_partnership(b: Builder, key: DraftGroup, top: DraftGroup) -> tuple[DraftGroup, DraftPerson]:
    """The heads' partnership of every school; returns it and its chair."""
    rng = b.rng
    heads = [s["head_teacher"] for s in b.schools]
    heads_group = b.group(
        "heads-partnership",
        f"{b.name} heads' partnership",
        "partnership",
        "fixed",
        "half_termly",
        2,
        purpose="The locality's head teachers: shared priorities and the inclusion of vulnerable pupils.",
    )
    chair = rng.choice(heads)
    b.seat(heads_group, chair, "chair")
    for h in heads:
        b.seat(heads_group, h)
    b.link(heads_group, key, "feeds_issues_to")
    if top is not key:
        b.link(heads_group, top, "feeds_issues_to")
    return heads_group, chair


def _make_cluster_heads_groups(b: Builder, key: DraftGroup, heads_group: DraftGroup) -> None:
    """A heads' group per cluster, feeding the heads' partnership."""
    one = b.one
    for k, cl in enumerate(b.clusters):
        g = b.group(
            f"cluster-{k + 1}-heads",
            f"Cluster {k + 1} heads' group",
            "partnership",
            "fixed",
            "half_termly",
            1.5,
            cluster=k,
            purpose="Heads of the cluster's schools: transition, shared staff and support.",
        )
        for j, s in enumerate(cl):
            b.seat(g, s["head_teacher"], "chair" if j == 0 else "member")
        b.seat(g, one("hsclw", k))
        b.link(g, key, "feeds_issues_to")
        b.link(g, heads_group, "feeds_issues_to")


def _make_senco_groups(b: Builder, key: DraftGroup, panels: list[DraftGroup]) -> None:
    """A SENCO group per cluster, led by its educational psychologist."""
    rng, one = b.rng, b.one
    for k, cl in enumerate(b.clusters):
        g = b.group(
            f"cluster-{k + 1}-senco-group",
            f"Cluster {k + 1} SENCO group",
            "other",
            "fixed",
            "termly",
            1.5,
            focus="upstream",
            cluster=k,
            purpose="The cluster's SENCOs with their educational psychologist: practice and shared concerns.",
        )
        b.seat(g, one("educational_psychologist", k), "coordinator")
        for s in cl:
            b.seat(g, s["senco"])
        if rng.random() < 0.5:
            b.seat(g, one("behaviour_support", k))
        b.link(g, key, "feeds_issues_to")
        if panels:
            b.link(g, panels[k], "refers_cases_to")


def _make_hsclw_steering_group(b: Builder, heads_group: DraftGroup, chair: DraftPerson, top: DraftGroup) -> None:
    """The home school community link workers' steering group, overseen by the heads' partnership."""
    one, coord = b.one, b.coordinator
    hs = b.group(
        "hsclw-steering-group",
        "Home school community link worker steering group",
        "steering_group",
        "representative",
        "half_termly",
        1.5,
        purpose="Steers the home school community link workers' work with families.",
    )
    b.seat(hs, chair, "chair")
    for p in b.by_role.get("hsclw", []):
        b.seat(hs, p)
    b.seat(hs, one("education_social_worker"))
    b.seat(hs, one("family_support_worker"))
    b.seat(hs, coord)
    b.link(heads_group, hs, "oversees")
    b.link(hs, top, "reports_to")


def _make_hubs(b: Builder, n: int, key: DraftGroup, panels: list[DraftGroup], masts: list[DraftGroup]) -> None:
    """Drop-in hubs at the children's centres."""
    one = b.one
    for i in range(n):
        centre, manager = _childrens_centre(b, i)
        g = b.group(
            f"hub-{i + 1}",
            f"{centre} hub",
            "hub",
            "open",
            "monthly",
            1.5,
            flex=2.0,
            purpose="Drop-in hub where workers and families meet; issues and referrals.",
        )
        b.seat(g, manager, "coordinator")
        b.seat(g, one("health_visitor"))
        b.seat(g, one("family_support_worker"))
        b.seat(g, one("voluntary_worker"))
        b.link(g, key, "feeds_issues_to")
        if masts:
            b.link(g, masts[0], "refers_cases_to")
        elif panels:
            b.link(g, panels[0], "refers_cases_to")


def _make_themed_groups(b: Builder, n: int, key: DraftGroup) -> list[DraftGroup]:
    """``n`` themed networks and forums, open to everyone in their field."""
    rng, one = b.rng, b.one
    themes = rng.sample(THEMES, n)
    themes.sort(key=THEMES.index)
    themed = []
    for tid, tname, ttype, lead, crowd in themes:
        g = b.group(
            f"{tid}-{ttype}",
            tname,
            ttype,
            "open",
            rng.choice(("termly", "termly", "half_termly")),
            rng.choice((1.5, 2)),
            flex=3.0,
            purpose=f"{tname}: practice, issues and information.",
        )
        b.seat(g, one(lead), "coordinator")
        for p in b.by_role.get(crowd, [])[:60]:
            if rng.random() < 0.8:
                b.seat(g, p, "member", rng.choice((None, None, 0.7, 0.5)))
        b.link(g, key, "feeds_issues_to")
        if rng.random() < 0.3:
            b.link(key, g, "consults")
        themed.append(g)
    return themed


def _make_advisory_and_voice_groups(b: Builder, n_boards: int, key: DraftGroup) -> None:
    """Children's centre advisory boards, and the young people's group and parent forum."""
    rng, one = b.rng, b.one
    heads = [s["head_teacher"] for s in b.schools]
    for i in range(n_boards):
        centre, manager = _childrens_centre(b, i)
        g = b.group(
            f"cc-board-{i + 1}",
            f"{centre} advisory board",
            "other",
            "representative",
            "termly",
            2,
            focus="upstream",
            flex=0.6,
            purpose="Advises the children's centre on services for families with young children.",
        )
        b.seat(g, rng.choice(heads), "chair")
        b.seat(g, manager, "coordinator")
        b.seat(g, one("health_visitor"))
        b.seat(g, one("early_years_adviser"))
        for p in (b.by_role.get("parent_rep") or [])[:2]:
            b.seat(g, p, "representative")
        b.link(g, key, "feeds_issues_to")
    yp = b.group(
        "young-peoples-group",
        f"{b.name} young people's group",
        "other",
        "open",
        "half_termly",
        1.5,
        focus="upstream",
        flex=0.5,
        purpose="Young people shaping the services they use.",
    )
    b.seat(yp, one("youth_worker"), "coordinator")
    for p in b.by_role.get("young_person_rep", []):
        b.seat(yp, p)
    b.link(yp, key, "feeds_issues_to")
    pf = b.group(
        "parent-forum",
        f"{b.name} parent forum",
        "forum",
        "open",
        "termly",
        1.5,
        flex=0.5,
        purpose="Parents' views on local services, and help to find them.",
    )
    b.seat(pf, one("family_support_worker"), "coordinator")
    for p in b.by_role.get("parent_rep", []):
        b.seat(pf, p)
    b.link(pf, key, "feeds_issues_to")


def _make_working_groups(b: Builder, n: int, top: DraftGroup) -> list[DraftGroup]:
    """``n`` working groups on the locality's priorities, each chaired by someone with many seats."""
    rng, manager = b.rng, b.manager
    names = list(WORKING_GROUPS)
    rng.shuffle(names)
    working = []
    sociable = [p for p in b.people if p.k >= 6] or [manager]
    for i in range(n):
        topic = names[i % len(names)]
        suffix = f" {i // len(names) + 1}" if i >= len(names) else ""
        g = b.group(
            f"{slugify(topic)}-working-group{slugify(suffix) and '-' + slugify(suffix)}",
            f"{topic} working group{suffix}",
            "working_group",
            "representative",
            rng.choice(("monthly", "half_termly", "half_termly", "bimonthly")),
            rng.choice((1, 1.5, 2)),
            flex=0.9,
            purpose=f"Develops the locality's work on {topic.lower()}; reports to the steering group.",
        )
        b.seat(g, rng.choice(sociable), "chair")
        b.link(g, top, "reports_to")
        b.link(top, g, rng.choice(("oversees", "commissions")))
        working.append(g)
    return working


def _make_casework_meetings(b: Builder, n: int, panels: list[DraftGroup], top: DraftGroup) -> None:
    """Team-around-the-family (child, child in need) meetings, commissioned by their cluster's panel."""
    rng, one = b.rng, b.one
    for i in range(n):
        k = i % len(b.clusters)
        cl = b.clusters[k]
        n = i // len(b.clusters)
        kind, what = CASEWORK_MEETINGS[n % len(CASEWORK_MEETINGS)]
        g = b.group(
            f"{kind}-cluster-{k + 1}-{n + 1}",
            f"{what}, cluster {k + 1} ({letters(n)})",
            "other",
            "fixed",
            "monthly",
            1,
            focus="downstream",
            cluster=k,
            purpose="Regular review meeting of the workers around families with complex needs.",
        )
        b.seat(g, one("family_support_worker"), "key_worker")
        if rng.random() < 0.5:
            b.seat(g, one("social_worker"), "key_worker")
        s = rng.choice(cl) if cl else rng.choice(b.schools)
        b.seat(g, s["senco"] if rng.random() < 0.5 else rng.choice(s["staff"]))
        b.seat(g, one(rng.choice(("health_visitor", "school_nurse"))))
        for role in rng.sample(CASEWORK_EXTRA, rng.randint(1, 3)):
            b.seat(g, one(role))
        panel = panels[k] if panels else top
        b.link(g, panel, "reports_to")
        b.link(panel, g, "commissions")


def _childrens_centre(b: Builder, i: int) -> tuple[str, DraftPerson | None]:
    """The children's centre of the ``i``-th hub or advisory board (the centres take turns): its name and manager."""
    cc = b.local_cc[i % len(b.local_cc)]
    manager = next((p for p in b.by_role.get("childrens_centre_manager", []) if p.agency == cc), None)
    return b.agencies[cc]["name"].removesuffix(f" ({b.slug})"), manager
