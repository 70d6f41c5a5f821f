"""A locality's agencies and the people who work in them, named by post."""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from app.synth.builder import Authority, Builder, DraftPerson
from app.synth.tables import (
    AUTHORITY_AGENCIES,
    CORE_POSTS,
    POSTS_PER_CLUSTER,
    ROLES,
    SCHOOL_EXTRA,
    SCHOOL_POSTS,
    SCHOOL_SOCIABILITY,
    VOLUNTARY,
    slugify,
)

#: People the planted defects add later, by defect: kept out of the target so the total comes out right.
_PLANTED_PEOPLE = {"isolated_agency": 2, "isolated_group": 4, "single_point": 7}


def _agency_name(template: str, auth: Authority) -> str:
    return template.format(auth=auth.name, root=auth.root)


def make_agencies_and_people(b: Builder, plan: dict, target_people: int, defects: set[str]) -> None:
    """Make the locality's agencies and about ``target_people`` people, the fixed posts first.

    The order of the steps is the order of the random draws: changing it changes every file.
    """
    for key, aid, template, sector in AUTHORITY_AGENCIES:
        b.agency(aid, _agency_name(template, b.auth), sector)
        b.agency_key[key] = aid
    _make_locality_posts(b)
    _make_schools(b, plan)
    _make_link_workers(b, plan["n_clusters"])
    _make_local_agencies(b, plan["n_clusters"], target_people)
    _make_visiting_people(b)
    _make_core_posts(b, plan["n_clusters"])
    planted_people = sum(n for defect, n in _PLANTED_PEOPLE.items() if defect in defects)
    _make_school_staff(b, target_people - len(b.people) - planted_people)
    roles = list(ROLES)
    role_cum = list(accumulate(ROLES[r][2] for r in roles))
    for _ in range(max(0, target_people - len(b.people) - planted_people)):
        _general_person(b, roles[bisect_left(role_cum, b.rng.random() * role_cum[-1])])


def _make_locality_posts(b: Builder) -> None:
    """The locality co-ordinator (who minds the system) and the locality manager."""
    coordinator = b.person("locality_coordinator", "Locality co-ordinator", "la", 4.0, hours=37, cluster=0)
    coordinator.minder = True
    b.coordinator = coordinator
    b.manager = b.person("locality_manager", "Locality manager, children's services", "la", 3.0, hours=37, cluster=0)


def _make_schools(b: Builder, plan: dict) -> None:
    """The schools with their fixed posts, dealt into clusters (secondaries first, so each leads one)."""
    slug = b.slug
    phases = ["secondary"] * plan["n_secondary"] + ["special"] * plan["n_special"] + ["primary"] * plan["n_primary"]
    counters = {"primary": 0, "secondary": 0, "special": 0}
    c = plan["n_clusters"]
    for i, phase in enumerate(phases):
        counters[phase] += 1
        n = counters[phase]
        label = f"{phase.capitalize()} school {n}"
        aid = b.agency(f"{phase}-{n}", f"{label} ({slug})", "education", school=True)
        cluster = i % c
        school = {"id": aid, "phase": phase, "label": label, "cluster": cluster, "staff": []}
        posts = [("head_teacher", "Head teacher"), ("senco", "SENCO"), *SCHOOL_POSTS[phase]]
        posts += [("designated_safeguarding_lead", "Designated safeguarding lead")]
        for role, post in posts:
            p = b.person(role, "", aid, SCHOOL_SOCIABILITY[role], cluster=cluster, name=f"{post}, {label} ({slug})")
            school[role] = school.get(role) or p
            school["staff"].append(p)
        b.schools.append(school)
    b.clusters = [[s for s in b.schools if s["cluster"] == k] for k in range(c)]


def _make_link_workers(b: Builder, clusters: int) -> None:
    """Each cluster's schools' partnership employs its home-school-community link worker."""
    slug = b.slug
    for k in range(clusters):
        aid = b.agency(f"cluster-{k + 1}-partnership", f"Cluster {k + 1} schools' partnership ({slug})", "education")
        b.person(
            "hsclw",
            "",
            aid,
            SCHOOL_SOCIABILITY["hsclw"],
            cluster=k,
            name=f"Home school community link worker, cluster {k + 1} ({slug})",
        )


def _make_local_agencies(b: Builder, clusters: int, target_people: int) -> None:
    """Children's centres (with their managers), GP practices, voluntary and community bodies, district housing."""
    slug = b.slug
    n_cc = max(1, round(target_people / 250))
    for i in range(n_cc):
        aid = b.agency(f"childrens-centre-{i + 1}", f"Children's centre {i + 1} ({slug})", "social_care")
        b.local_cc.append(aid)
        b.person(
            "childrens_centre_manager",
            "",
            aid,
            2.0,
            cluster=i % clusters,
            name=f"Manager, Children's centre {i + 1} ({slug})",
        )
    for i in range(max(1, round(target_people / 160))):
        b.local_gp.append(b.agency(f"gp-practice-{i + 1}", f"GP practice {i + 1} ({slug})", "health"))
    n_vol = max(3, min(len(VOLUNTARY) * 2, round(target_people / 70)))
    for i in range(n_vol):
        kind, sector = VOLUNTARY[i % len(VOLUNTARY)]
        aid = b.agency(
            f"{slugify(kind)}-{i // len(VOLUNTARY) + 1}",
            f"{kind.capitalize()} {i // len(VOLUNTARY) + 1} ({slug})",
            sector,
        )
        (b.local_vol if sector == "voluntary" else b.local_community).append(aid)
    b.agency("district-housing", f"{b.name} District Council (housing)", "housing")


def _make_visiting_people(b: Builder) -> None:
    """The authority's officers who sit in this and neighbouring localities, and its leaders (centre only)."""
    auth, slug = b.auth, b.slug
    for d in auth.shared.get(slug, []):
        b.person(
            d["role"],
            "",
            b.agency_key[d["agency"]],
            4.0,
            local=False,
            hours=d["hours_per_week"],
            id=d["id"],
            name=d["name"],
        )
    for d in auth.leaders:
        p = b.person(
            d["role"],
            "",
            b.agency_key[d["agency"]],
            0,
            local=False,
            hours=d["hours_per_week"],
            id=d["id"],
            name=d["name"],
            fixed=True,
        )
        b.leaders.append(p)


def _make_core_posts(b: Builder, clusters: int) -> None:
    """Someone in every post a locality has (one per cluster for some), and in every local organisation."""
    for role in CORE_POSTS:
        for k in range(clusters if role in POSTS_PER_CLUSTER else 1):
            _general_person(b, role, cluster=k)
    for aid in b.local_vol + b.local_community:  # every organisation has someone
        _general_person(b, "voluntary_worker" if aid in b.local_vol else "community_worker", agency=aid)
    for aid in b.local_gp:
        _general_person(b, "general_practitioner", agency=aid)
    for aid in b.local_cc:
        _general_person(b, "childrens_centre_worker", agency=aid)


def _make_school_staff(b: Builder, remaining: int) -> None:
    """About a third of the people still to make are school staff, more of them in secondaries."""
    rng, slug = b.rng, b.slug
    school_extra = max(0, round(remaining * 0.3))
    weights = [4 if s["phase"] == "secondary" else 1 for s in b.schools]
    cum = list(accumulate(weights))
    extra_roles, extra_w = zip(*[(r, w) for r, _, w in SCHOOL_EXTRA])
    extra_cum = list(accumulate(extra_w))
    extra_labels = {r: lab for r, lab, _ in SCHOOL_EXTRA}
    per_school: dict[tuple[str, str], int] = {}
    for _ in range(school_extra):
        s = b.schools[bisect_left(cum, rng.random() * cum[-1])]
        role = extra_roles[bisect_left(extra_cum, rng.random() * extra_cum[-1])]
        n = per_school[(s["id"], role)] = per_school.get((s["id"], role), 0) + 1
        p = b.person(
            role,
            "",
            s["id"],
            SCHOOL_SOCIABILITY[role],
            cluster=s["cluster"],
            name=f"{extra_labels[role]} {n}, {s['label']} ({slug})",
        )
        s["staff"].append(p)


def _general_person(b: Builder, role: str, cluster=None, agency=None) -> DraftPerson:
    label, akey, _, sociability, part_time = ROLES[role]
    rng = b.rng
    if agency is None:
        if akey == "gp":
            agency = rng.choice(b.local_gp)
        elif akey == "vol":
            agency = rng.choice(b.local_vol)
        elif akey == "community":
            agency = rng.choice(b.local_community or b.local_vol)
        elif akey == "cc":
            agency = rng.choice(b.local_cc)
        elif akey == "housing":
            agency = "district-housing"
        elif akey:
            agency = b.agency_key[akey]
        else:
            agency = None
    count = b.post_counts
    count[role] = count.get(role, 0) + 1
    rep = akey == ""
    if rep:
        hours = None
    elif rng.random() < part_time:
        hours = rng.choice((15, 18.5, 22.5, 25, 30))
    else:
        hours = 37
    where = ""
    if agency and agency in b.agencies and akey in ("vol", "community", "gp", "cc"):
        where = f", {b.agencies[agency]['name'].removesuffix(f' ({b.slug})')}"
    return b.person(
        role,
        "",
        agency,
        sociability,
        rep=rep,
        hours=hours,
        cluster=cluster,
        name=f"{label} {count[role]}{where} ({b.slug})",
    )
