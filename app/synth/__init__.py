"""Realistic synthetic localities at three scales, for demonstrations and benchmarks.

``synth(scale, seed)`` makes the localities of a scale, ``write(scale, seed,
path)`` writes them, and ``synth_locality`` makes one locality of a chosen
size.  The same scale and seed always give byte-identical files; everything
random comes from :class:`random.Random` instances seeded from text, never
from global state.

Scales
------
============  ==========  ======  =======  ===========  ===========
scale         localities  groups  people   memberships  authorities
============  ==========  ======  =======  ===========  ===========
``locality``  1           120     800      3,200        1
``county``    18          2,000   10,000   40,000       1 (shared)
``national``  180         20,000  100,000  400,000      15 (12 each)
============  ==========  ======  =======  ===========  ===========

Totals are summed over the locality files, so a person who sits in three
localities counts three times (``index.json`` also gives unique people).

What a locality looks like
--------------------------
Modelled on the six Oxfordshire samples (Glenny 2005, Appendix ONE):

* agencies: primary, secondary and special schools (``school: true``), the
  authority's services shared by all its localities (local authority,
  educational psychology, education social work, social care, health trust,
  CAMHS, police, youth service, youth offending team), and local ones
  (children's centres, GP practices, voluntary and community organisations,
  district housing, schools' cluster partnerships);
* people named by post, never by personal name ("SENCO, Primary school 12
  (loc-007)"), with ids ``p-NNNNNN`` unique across a scale; most have
  ``hours_per_week`` (37, or part time 15-30);
* groups: one key group (an open network or forum with a steering group, or
  an inclusive steering group), school consultation teams for about 60% of
  schools (termly, ``school`` set), cluster panels (monthly) and secondary
  school inclusion panels, a MAST (weekly) in about half the localities, the
  heads' partnership and cluster heads' groups, an HSCLW steering group, a
  hub in some, themed networks and forums (SENCOs, safeguarding, early
  years, emotional wellbeing, ...), children's centre advisory boards, a
  parent forum and young people's group, working groups, team-around-the-
  family meetings, and the authority's strategic centre (``external: true``,
  the same id in every file of an authority);
* links: SCTs feed issues to the key group and refer cases to (or
  commission) their panel or the MAST; panels and the MAST report to the
  steering group, which oversees them and the working groups and reports to
  the centre;
* heavy tails: seats per person follow a truncated power law (most people
  sit on 1-3 groups, specialists on 8 or more, up to about 50 across a
  county); group sizes run from 4-15 for SCTs, panels and team-around-the-
  family meetings (two thirds of groups) to 30-160 for open networks and
  forums, which is where the targets' 27 seats a group on average put them;
* cross-locality people: authority officers, senior EPs, CAMHS consultants
  and area managers (ids such as ``la-officer-12``, ``local: false``) sit in
  two or three neighbouring localities and appear, with the same id, in each
  of those files; the authority's director and head of service sit on the
  centre in every file.

Planted defects
---------------
About 40% of localities (at the ``locality`` scale, the one locality) carry
two to four of these defects, dealt from a shuffled deck so that every
defect appears at each scale.  Each planted locality says which in its
``locality.note`` (``Planted defects: CODE: subject, ...; ...``, parsed by
:func:`planted`), the planted items carry a ``note``, and ``index.json``
lists them per locality under ``defects``.

=====================  ===========================  =========================================================
defect                 audit code                   what is planted
=====================  ===========================  =========================================================
``isolated_group``     ``ISOLATED_GROUP``           a community group with no link whose members sit nowhere else
``isolated_agency``    ``ISOLATED_AGENCY``          a housing association whose two officers sit on no group
``unreferred_panel``   ``MISSING_UPSTREAM_PATH``    an anti-social behaviour panel nobody refers to, no school on it
``no_systems_minder``  ``NO_SYSTEMS_MINDER``        nobody is marked ``systems_minder``
``single_point``       ``SINGLE_POINT_OF_FAILURE``  two unlinked project groups joined to the rest only by the co-ordinator
``overlapping``        ``OVERLAPPING_GROUPS``       a "task and finish group" copying a working group's membership
``meeting_load``       ``MEETING_LOAD``             a part-time EP in more than half their working time in meetings
``no_link_to_centre``  ``NO_LINK_TO_CENTRE``        no local group links to the centre, nobody local sits on it
``label_mismatch``     ``LABEL_MISMATCH``           a themed "network" with fixed membership
``cross_boundary``     ``CROSS_BOUNDARY_GROUP``     a partnership whose ``area`` lists neighbouring localities
=====================  ===========================  =========================================================

A planted isolated group also shows as a ``SYSTEMS_MINDER_GAP`` (no minder
can reach it), and a planted overloaded EP may raise a second finding of the
same code elsewhere; nothing else follows from planting.

Unplanted localities are built to pass those checks: every group is linked,
every agency sits on a group, casework groups have school members or
referrals, the key group reaches the centre, meeting loads stay under 40%.
"""

from __future__ import annotations

import json
import math
import random
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from models.document import LocalityDocument
from models.validation import dump_document
from models.vocab import MEETINGS_PER_YEAR, WORKING_WEEKS_PER_YEAR, Meets

# ---------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    """Target totals of a scale, summed over its locality files."""

    localities: int
    groups: int
    people: int
    memberships: int
    authorities: int


SCALES: dict[str, Scale] = {
    "locality": Scale(localities=1, groups=120, people=800, memberships=3200, authorities=1),
    "county": Scale(localities=18, groups=2000, people=10_000, memberships=40_000, authorities=1),
    "national": Scale(localities=180, groups=20_000, people=100_000, memberships=400_000, authorities=15),
}

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

#: Share of a scale's localities that carry planted defects.
PLANTED_SHARE = 0.4

_CENTRE_ID = "strategic-centre"
_NOTE_RE = re.compile(r"Planted defects: (.*?)\.(?:\s|$)", re.S)

# ---------------------------------------------------------------- names

_SYLLABLES_A = (
    "Ash",
    "Bram",
    "Brock",
    "Cal",
    "Dun",
    "Elm",
    "Fen",
    "Glen",
    "Hart",
    "Hol",
    "Kes",
    "Lang",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Rad",
    "Sed",
    "Stan",
    "Thorn",
    "Wil",
    "Wych",
    "Yar",
    "Ald",
    "Bex",
    "Cor",
    "Dray",
    "Eas",
    "Fal",
    "Gor",
    "Hun",
    "Ket",
    "Lox",
    "Mel",
    "Ned",
    "Orm",
    "Quen",
    "Rook",
    "Sal",
    "Tre",
)
_SYLLABLES_B = (
    "borough",
    "dale",
    "field",
    "ford",
    "ham",
    "hurst",
    "ley",
    "mere",
    "moor",
    "stead",
    "ton",
    "well",
    "wick",
    "worth",
    "by",
    "combe",
    "bridge",
    "thorpe",
    "minster",
    "wold",
)


def _place_names(rng: random.Random, n: int) -> list[str]:
    pairs = [a + b for a in _SYLLABLES_A for b in _SYLLABLES_B]
    rng.shuffle(pairs)
    out = pairs[:n]
    i = 2
    while len(out) < n:  # more names than pairs: number the repeats
        out += [f"{p} {i}" for p in pairs[: n - len(out)]]
        i += 1
    return out


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- roles

# role key: (post label, agency key, share of the general workforce, sociability, part-time chance)
_ROLES: dict[str, tuple[str, str, float, float, float]] = {
    "educational_psychologist": ("Educational psychologist", "ep", 0.035, 3.0, 0.3),
    "education_social_worker": ("Education social worker", "esw", 0.03, 2.5, 0.2),
    "behaviour_support": ("Behaviour support teacher", "la", 0.025, 1.5, 0.2),
    "la_officer": ("Inclusion officer", "la", 0.015, 3.0, 0.05),
    "early_years_adviser": ("Early years adviser", "la", 0.02, 1.5, 0.2),
    "social_worker": ("Social worker", "social_care", 0.09, 1.2, 0.15),
    "social_care_manager": ("Social care team manager", "social_care", 0.02, 2.5, 0.05),
    "family_support_worker": ("Family support worker", "social_care", 0.06, 1.0, 0.35),
    "health_visitor": ("Health visitor", "health", 0.055, 1.0, 0.35),
    "school_nurse": ("School nurse", "health", 0.045, 1.5, 0.35),
    "midwife": ("Community midwife", "health", 0.02, 0.5, 0.3),
    "general_practitioner": ("GP", "gp", 0.035, 0.3, 0.3),
    "speech_therapist": ("Speech and language therapist", "health", 0.02, 0.8, 0.4),
    "paediatrician": ("Community paediatrician", "health", 0.01, 0.6, 0.2),
    "camhs_clinician": ("CAMHS clinician", "camhs", 0.025, 1.5, 0.2),
    "primary_mental_health_worker": ("Primary mental health worker", "camhs", 0.02, 2.0, 0.2),
    "police_officer": ("Neighbourhood police officer", "police", 0.045, 0.8, 0.05),
    "police_liaison_officer": ("Schools police liaison officer", "police", 0.01, 2.0, 0.05),
    "youth_worker": ("Youth worker", "youth", 0.055, 1.0, 0.5),
    "connexions_pa": ("Connexions personal adviser", "youth", 0.03, 1.0, 0.2),
    "yot_officer": ("Youth offending team officer", "yot", 0.02, 1.0, 0.1),
    "voluntary_worker": ("Project worker", "vol", 0.09, 0.8, 0.5),
    "housing_officer": ("Housing officer", "housing", 0.025, 0.7, 0.2),
    "childrens_centre_worker": ("Children's centre outreach worker", "cc", 0.045, 1.0, 0.5),
    "community_worker": ("Community worker", "community", 0.025, 0.6, 0.6),
    "parent_rep": ("Parent representative", "", 0.025, 0.5, 0.0),
    "young_person_rep": ("Young people's representative", "", 0.015, 0.4, 0.0),
}

# Staff of a school beyond its fixed posts, with relative weights.
_SCHOOL_EXTRA = (
    ("teacher", "Class teacher", 5),
    ("teaching_assistant", "Teaching assistant", 3),
    ("learning_mentor", "Learning mentor", 2),
)
_SCHOOL_SOCIABILITY = {
    "head_teacher": 2.5,
    "senco": 3.0,
    "designated_safeguarding_lead": 1.5,
    "deputy_head": 1.5,
    "inclusion_manager": 2.5,
    "head_of_year": 1.0,
    "learning_mentor": 0.8,
    "school_counsellor": 1.0,
    "teacher": 0.4,
    "teaching_assistant": 0.3,
    "hsclw": 2.5,
}

# Posts of the authority whose holders sit in two or three neighbouring localities.
_SHARED_POSTS = (
    ("la-officer", "LA inclusion officer", "la_officer", "la"),
    ("senior-ep", "Senior educational psychologist", "educational_psychologist", "ep"),
    ("camhs-consultant", "CAMHS consultant", "camhs_clinician", "camhs"),
    ("area-manager", "Area social care manager", "social_care_manager", "social_care"),
    ("specialist-teacher", "Specialist teacher (autism outreach)", "behaviour_support", "la"),
)

_AUTHORITY_AGENCIES = (
    ("la", "la", "{auth}", "local_authority"),
    ("ep", "ep-service", "{auth} Educational Psychology Service", "education"),
    ("esw", "esw-service", "{auth} Education Social Work Service", "education"),
    ("social_care", "social-care", "{auth} Children's Social Care", "social_care"),
    ("health", "health-trust", "{root} Community Health Trust", "health"),
    ("camhs", "camhs", "{root} CAMHS", "mental_health"),
    ("police", "police", "{root} Police", "police"),
    ("youth", "youth-service", "{auth} Youth Service", "youth"),
    ("yot", "yot", "{root} Youth Offending Team", "other"),
)

_VOLUNTARY = (
    ("family support charity", "voluntary"),
    ("parenting charity", "voluntary"),
    ("young carers project", "voluntary"),
    ("domestic abuse service", "voluntary"),
    ("counselling service for young people", "voluntary"),
    ("youth charity", "voluntary"),
    ("food bank", "community"),
    ("faith group", "community"),
    ("residents' association", "community"),
    ("sports club", "community"),
)

_THEMES = (
    ("senco", "SENCO network", "network", "educational_psychologist", "senco"),
    ("safeguarding", "Designated safeguarding leads network", "network", "la_officer", "designated_safeguarding_lead"),
    ("early-years", "Early years forum", "forum", "early_years_adviser", "health_visitor"),
    ("wellbeing", "Emotional wellbeing network", "network", "primary_mental_health_worker", "school_counsellor"),
    ("attendance", "Attendance and inclusion network", "network", "education_social_worker", "head_of_year"),
    ("parenting", "Parenting support network", "network", "family_support_worker", "voluntary_worker"),
    ("youth", "Youth providers' forum", "forum", "youth_worker", "youth_worker"),
    ("healthy-schools", "Healthy schools network", "network", "school_nurse", "school_nurse"),
    ("domestic-abuse", "Domestic abuse forum", "forum", "social_care_manager", "police_officer"),
    ("transition", "Transition network", "network", "la_officer", "head_of_year"),
    ("learning-mentors", "Learning mentors' network", "network", "la_officer", "learning_mentor"),
    ("community", "Community and voluntary sector forum", "forum", "community_worker", "voluntary_worker"),
)

_CASEWORK_MEETINGS = (
    ("taf", "Team around the family"),
    ("tac", "Team around the child"),
    ("cin-review", "Child in need review group"),
)
_CASEWORK_EXTRA = (
    "hsclw",
    "youth_worker",
    "voluntary_worker",
    "housing_officer",
    "childrens_centre_worker",
    "speech_therapist",
    "midwife",
    "primary_mental_health_worker",
    "education_social_worker",
    "police_officer",
    "connexions_pa",
)


def _letters(n: int) -> str:
    """a, b, ..., z, aa, ab, ... for the n-th (from 0) of a kind of meeting."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


_WORKING_GROUPS = (
    "Transition",
    "Attendance",
    "Information sharing",
    "Workforce development",
    "Parenting strategy",
    "Common assessment",
    "Extended services",
    "Emotional health",
    "NEET reduction",
    "Young carers",
    "Anti-bullying",
    "Data and performance",
    "Teenage pregnancy",
    "Domestic abuse",
    "Early help",
    "Healthy eating",
    "Play and leisure",
    "Travellers' education",
    "Speech and language",
    "Exclusions",
)

# ---------------------------------------------------------------- records


class _P:
    __slots__ = (
        "id",
        "name",
        "role",
        "agency",
        "minder",
        "rep",
        "local",
        "hours",
        "note",
        "w",
        "k",
        "n",
        "cluster",
        "fixed",
    )

    def __init__(self, id, name, role, agency, w, *, local=True, rep=False, hours=None, cluster=0, fixed=False):
        self.id, self.name, self.role, self.agency, self.w = id, name, role, agency, w
        self.minder, self.rep, self.local, self.hours, self.note = False, rep, local, hours, None
        self.k = 0  # seats wanted
        self.n = 0  # seats held
        self.cluster = cluster
        self.fixed = fixed  # takes no seats beyond those given explicitly

    def data(self) -> dict:
        out = {"id": self.id, "name": self.name, "role": self.role}
        if self.agency:
            out["agency"] = self.agency
        if self.minder:
            out["systems_minder"] = True
        if self.rep:
            out["service_user_rep"] = True
        if not self.local:
            out["local"] = False
        if self.hours is not None:
            out["hours_per_week"] = self.hours
        if self.note:
            out["note"] = self.note
        return out


class _G:
    __slots__ = (
        "id",
        "name",
        "type",
        "focus",
        "membership",
        "meets",
        "hours",
        "external",
        "area",
        "school",
        "purpose",
        "note",
        "members",
        "mset",
        "flex",
        "cluster",
    )

    def __init__(
        self,
        id,
        name,
        type,
        membership,
        meets,
        hours,
        *,
        focus=None,
        external=False,
        school=None,
        purpose=None,
        flex=0.0,
        cluster=None,
    ):
        self.id, self.name, self.type, self.membership, self.meets, self.hours = (
            id,
            name,
            type,
            membership,
            meets,
            hours,
        )
        self.focus, self.external, self.school, self.purpose = focus, external, school, purpose
        self.area: list[str] = []
        self.note = None
        self.members: list[list] = []  # [person, role, attendance]
        self.mset: set[str] = set()
        self.flex = flex  # weight in sharing out open seats; 0 = closed group
        self.cluster = cluster

    @property
    def yearly_hours(self) -> float:
        return (MEETINGS_PER_YEAR[Meets(self.meets)] or 0) * self.hours

    def data(self) -> dict:
        out = {"id": self.id, "name": self.name, "type": self.type}
        if self.focus:
            out["focus"] = self.focus
        out["membership"] = self.membership
        out["meets"] = self.meets
        out["hours"] = self.hours
        if self.external:
            out["external"] = True
        if self.area:
            out["area"] = list(self.area)
        if self.school:
            out["school"] = self.school
        if self.purpose:
            out["purpose"] = self.purpose
        members = []
        for person, role, attendance in self.members:
            m = {"person": person}
            if role != "member":
                m["role"] = role
            if attendance is not None and attendance < 1:
                m["attendance"] = attendance
            members.append(m)
        out["members"] = members
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Authority:
    """What the localities of one local authority share: agencies, the centre, its officers."""

    slug: str
    name: str
    root: str
    #: Centre-only people (director, head of service), in every file of the authority.
    leaders: list[dict] = field(default_factory=list)
    #: Cross-locality people by locality slug: the officers who sit there.
    shared: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def make(cls, root: str) -> Authority:
        slug = _slugify(root)
        name = f"{root} County Council"
        auth = cls(slug, name, root)
        auth.leaders = [
            {
                "id": f"{slug}-director",
                "name": f"Director of Children's Services ({root})",
                "role": "director",
                "agency": "la",
                "local": False,
                "hours_per_week": 37,
            },
            {
                "id": f"{slug}-head-of-service",
                "name": f"Head of integrated children's services ({root})",
                "role": "head_of_service",
                "agency": "la",
                "local": False,
                "hours_per_week": 37,
            },
        ]
        return auth

    def share_officers(self, rng: random.Random, slugs: list[str], per_locality: float, start: int) -> int:
        """Give 2-3 neighbouring localities each of a pool of officers; returns the next free number."""
        n = max(1, round(per_locality * len(slugs) / 2.5))
        for slug in slugs:
            self.shared.setdefault(slug, [])
        for i in range(n):
            prefix, label, role, agency = _SHARED_POSTS[i % len(_SHARED_POSTS)]
            number = start + i
            first = rng.randrange(len(slugs))
            span = min(len(slugs), rng.choice((2, 2, 3)))
            person = {
                "id": f"{prefix}-{number}",
                "name": f"{label} {number} ({self.root})",
                "role": role,
                "agency": agency,
                "local": False,
                "hours_per_week": 37,
            }
            for j in range(span):
                self.shared[slugs[(first + j) % len(slugs)]].append(person)
        return start + n


# ---------------------------------------------------------------- seat counts


def _power_law_table(mean: float, kmax: int = 40) -> tuple[list[int], list[float]]:
    """Cumulative weights of a truncated power law on 1..kmax with the given mean (bisection on the exponent)."""
    ks = list(range(1, kmax + 1))
    lo, hi = 0.5, 4.0
    mean = min(max(mean, 1.05), kmax / 3)
    for _ in range(40):
        a = (lo + hi) / 2
        w = [k**-a for k in ks]
        m = sum(k * x for k, x in zip(ks, w)) / sum(w)
        lo, hi = (a, hi) if m > mean else (lo, a)
    w = [k ** -((lo + hi) / 2) for k in ks]
    return ks, list(accumulate(w))


# ---------------------------------------------------------------- building one locality


class _Builder:
    def __init__(self, slug, rng, *, name, authority: Authority, neighbours, person_start, scale_label):
        self.slug, self.rng, self.name, self.auth = slug, rng, name, authority
        self.neighbours = list(neighbours)
        self.next_person = person_start
        self.scale_label = scale_label
        self.agencies: dict[str, dict] = {}
        self.agency_key: dict[str, str] = {}  # agency key -> id, for the authority's services
        self.people: list[_P] = []
        self.by_id: dict[str, _P] = {}
        self.by_role: dict[str, list[_P]] = {}
        self.groups: list[_G] = []
        self.gids: set[str] = set()
        self.links: dict[tuple, dict] = {}
        self.planted: list[tuple[str, str, list[str]]] = []  # (defect, code, subjects)
        self.local_vol: list[str] = []
        self.local_community: list[str] = []
        self.local_cc: list[str] = []
        self.local_gp: list[str] = []
        self.schools: list[dict] = []  # {id, phase, label, cluster, staff, and a holder per post}
        self.clusters: list[list[dict]] = []
        self.n_clusters = 1
        self.post_counts: dict[str, int] = {}
        # Set while building: the fixed posts and the groups later steps refer to.
        self.coordinator: _P | None = None
        self.manager: _P | None = None
        self.leaders: list[_P] = []
        self.centre: _G | None = None
        self.key: _G | None = None
        self.panels: list[_G] = []
        self.masts: list[_G] = []
        self.themed: list[_G] = []
        self.working: list[_G] = []

    # ---- primitives

    def agency(self, id, name, sector, school=False, note=None) -> str:
        if id not in self.agencies:
            a = {"id": id, "name": name, "sector": sector}
            if school:
                a["school"] = True
            if note:
                a["note"] = note
            self.agencies[id] = a
        return id

    def person(
        self, role, label, agency, w, *, local=True, rep=False, hours=..., cluster=None, fixed=False, id=None, name=None
    ) -> _P:
        rng = self.rng
        if id is None:
            id = f"p-{self.next_person:06d}"
            self.next_person += 1
        if hours is ...:
            hours = None if rep else (37 if rng.random() > 0.25 else rng.choice((15, 18.5, 22.5, 25, 30)))
        p = _P(
            id,
            name or f"{label} ({self.slug})",
            role,
            agency,
            w,
            local=local,
            rep=rep,
            hours=hours,
            cluster=rng.randrange(self.n_clusters) if cluster is None else cluster,
            fixed=fixed,
        )
        self.people.append(p)
        self.by_id[id] = p
        self.by_role.setdefault(role, []).append(p)
        return p

    def group(self, id, name, type, membership, meets, hours, **kw) -> _G:
        base, i = id, 2
        while id in self.gids:
            id = f"{base}-{i}"
            i += 1
        g = _G(id, name, type, membership, meets, hours, **kw)
        self.groups.append(g)
        self.gids.add(id)
        return g

    def seat(self, g: _G, p: _P | None, role="member", attendance=None) -> bool:
        if p is None or p.id in g.mset:
            return False
        g.members.append([p.id, role, attendance])
        g.mset.add(p.id)
        p.n += 1
        return True

    def link(self, a: _G, b: _G, kind: str) -> None:
        if a is not b:
            self.links.setdefault((a.id, kind, b.id), {"from": a.id, "to": b.id, "kind": kind})

    def one(self, role, cluster=None, exclude: set | None = None) -> _P | None:
        """A holder of a post, preferring the given cluster's; None if there is none."""
        pool = self.by_role.get(role) or []
        if exclude:
            pool = [p for p in pool if p.id not in exclude]
        if not pool:
            return None
        if cluster is not None:
            near = [p for p in pool if p.cluster == cluster]
            if near:
                pool = near
        if len(pool) == 1:
            return pool[0]
        # Prefer those with seats to spare, so the busiest people's seats go to the groups their posts call for.
        return self.rng.choices(pool, [max(0.3, p.k - p.n) for p in pool])[0]


def _agency_name(template: str, auth: Authority) -> str:
    return template.format(auth=auth.name, root=auth.root)


def _plan_groups(G: int, rng: random.Random, defects: set[str]) -> dict:
    n_schools = max(3, round(G * 0.30))
    n_secondary = max(1, round(n_schools * 0.14))
    n_special = 1 if n_schools >= 12 else 0
    plan = {
        "n_schools": n_schools,
        "n_secondary": n_secondary,
        "n_special": n_special,
        "n_primary": n_schools - n_secondary - n_special,
        "n_clusters": max(1, round(n_schools / 7)),
        "variant": rng.choice(("network", "network", "forum", "steering")),
    }
    c = plan["n_clusters"]
    counts = {
        "centre": 1,
        "key": 1,
        "steering": 0 if plan["variant"] == "steering" else 1,
        "sct": round(0.65 * n_schools),
        "panel": c,
        "school_panel": n_secondary if n_schools >= 6 else 0,
        "mast": (1 if rng.random() < 0.5 else 0) + (1 if c >= 5 and rng.random() < 0.5 else 0),
        "heads": 1,
        "cluster_heads": c if c >= 3 else 0,
        "senco_group": c if c >= 2 else 0,
        "hsclw": 1,
        "hub": (1 if rng.random() < 0.5 else 0) + (1 if G > 150 and rng.random() < 0.5 else 0),
        "cc_board": max(1, round(G / 45)),
        "yp": 1,
        "parent_forum": 1,
        "themed": min(len(_THEMES), max(2, round(G * 0.09))),
        "taf": round(G * 0.25),
    }
    planted_groups = sum(
        n
        for d, n in (
            ("isolated_group", 1),
            ("single_point", 2),
            ("overlapping", 1),
            ("unreferred_panel", 1),
            ("cross_boundary", 1),
        )
        if d in defects
    )
    rest = G - sum(counts.values()) - planted_groups
    while rest < 1 and counts["taf"] > 1:  # small localities: fewer TAF meetings first
        counts["taf"] -= 1
        rest += 1
    counts["wg"] = max(1, rest)
    plan["counts"] = counts
    return plan


def synth_locality(
    slug: str,
    rng: random.Random,
    *,
    groups: int = 120,
    people: int = 800,
    memberships: int | None = None,
    name: str | None = None,
    authority: Authority | str | None = None,
    neighbours: list[str] | tuple[str, ...] = (),
    defects: list[str] | tuple[str, ...] = (),
    person_start: int = 1,
    scale_label: str = "locality",
) -> LocalityDocument:
    """One synthetic locality of about ``groups`` groups, ``people`` people and ``memberships`` seats.

    Parameters
    ----------
    slug : str
        The locality id, used in every post name.
    rng : random.Random
        The only source of randomness.
    groups, people, memberships : int
        Targets for this file (memberships default to 4 per person).
    name : str, optional
        Display name; by default one is made up.
    authority : Authority or str, optional
        The authority (shared agencies, centre, cross-locality officers), or
        a name for a new one.
    neighbours : list of str
        Slugs of neighbouring localities, for cross-boundary groups.
    defects : list of str
        Keys of :data:`DEFECTS` to plant.
    person_start : int
        First number for ``p-NNNNNN`` ids, so that ids are unique across a scale.
    """
    data, _ = _build(
        slug,
        rng,
        groups=groups,
        people=people,
        memberships=memberships,
        name=name,
        authority=authority,
        neighbours=neighbours,
        defects=defects,
        person_start=person_start,
        scale_label=scale_label,
    )
    return LocalityDocument.model_validate(data)


def _build(slug, rng, *, groups, people, memberships, name, authority, neighbours, defects, person_start, scale_label):
    unknown = [d for d in defects if d not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    defects = [d for d in DEFECTS if d in set(defects)]
    defect_set = set(defects)
    if memberships is None:
        memberships = people * 4
    if authority is None or isinstance(authority, str):
        auth = Authority.make(authority or _place_names(random.Random(f"authority:{slug}"), 1)[0])
        auth.share_officers(rng, [slug], per_locality=max(2.0, people / 60), start=1)
    else:
        auth = authority
    if name is None:
        name = _place_names(rng, 1)[0]
    if not neighbours:
        neighbours = [f"{slug}-north", f"{slug}-south"]

    plan = _plan_groups(groups, rng, defect_set)
    b = _Builder(
        slug, rng, name=name, authority=auth, neighbours=neighbours, person_start=person_start, scale_label=scale_label
    )
    b.n_clusters = plan["n_clusters"]
    _make_agencies_and_people(b, plan, people, defect_set)
    _draw_seat_counts(b, memberships, people)
    key, top = _make_structure(b, plan, defect_set)
    _fill_open_seats(b, memberships)
    _make_attendance(b)
    _ensure_agencies_seated(b, key)
    _separate_overlaps(b)
    _plant(b, plan, defect_set, key, top)
    protected = {s for _, _, subjects in b.planted for s in subjects}
    _separate_overlaps(b, protected=protected)
    _limit_loads(b)
    if b.next_person - person_start > _id_room(people):
        raise ValueError(
            f"locality {slug!r} made {b.next_person - person_start} people for a target of {people}: too small"
        )
    return _assemble(b, plan), b.planted


# ---------------------------------------------------------------- agencies and people


def _make_agencies_and_people(b: _Builder, plan: dict, target_people: int, defects: set[str]) -> None:
    rng, auth, slug = b.rng, b.auth, b.slug
    for key, aid, template, sector in _AUTHORITY_AGENCIES:
        b.agency(aid, _agency_name(template, auth), sector)
        b.agency_key[key] = aid

    # Fixed posts of the locality.
    coordinator = b.person("locality_coordinator", "Locality co-ordinator", "la", 4.0, hours=37, cluster=0)
    coordinator.minder = True
    b.coordinator = coordinator
    b.manager = b.person("locality_manager", "Locality manager, children's services", "la", 3.0, hours=37, cluster=0)

    # Schools, in clusters each led by a secondary where there is one.
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
        posts = [("head_teacher", "Head teacher"), ("senco", "SENCO")]
        if phase == "secondary":
            posts += [
                ("deputy_head", "Deputy head"),
                ("inclusion_manager", "Inclusion manager"),
                ("head_of_year", "Head of year 7"),
                ("head_of_year", "Head of year 10"),
                ("learning_mentor", "Learning mentor"),
                ("school_counsellor", "School counsellor"),
            ]
        elif phase == "special":
            posts += [("deputy_head", "Deputy head")]
        posts += [("designated_safeguarding_lead", "Designated safeguarding lead")]
        for role, post in posts:
            p = b.person(role, "", aid, _SCHOOL_SOCIABILITY[role], cluster=cluster, name=f"{post}, {label} ({slug})")
            school[role] = school.get(role) or p
            school["staff"].append(p)
        b.schools.append(school)
    b.clusters = [[s for s in b.schools if s["cluster"] == k] for k in range(c)]

    # Each cluster's schools' partnership employs its home-school-community link worker.
    for k in range(c):
        aid = b.agency(f"cluster-{k + 1}-partnership", f"Cluster {k + 1} schools' partnership ({slug})", "education")
        b.person(
            "hsclw",
            "",
            aid,
            _SCHOOL_SOCIABILITY["hsclw"],
            cluster=k,
            name=f"Home school community link worker, cluster {k + 1} ({slug})",
        )

    # Local agencies.
    n_cc = max(1, round(target_people / 250))
    for i in range(n_cc):
        aid = b.agency(f"childrens-centre-{i + 1}", f"Children's centre {i + 1} ({slug})", "social_care")
        b.local_cc.append(aid)
        b.person(
            "childrens_centre_manager", "", aid, 2.0, cluster=i % c, name=f"Manager, Children's centre {i + 1} ({slug})"
        )
    for i in range(max(1, round(target_people / 160))):
        b.local_gp.append(b.agency(f"gp-practice-{i + 1}", f"GP practice {i + 1} ({slug})", "health"))
    n_vol = max(3, min(len(_VOLUNTARY) * 2, round(target_people / 70)))
    for i in range(n_vol):
        kind, sector = _VOLUNTARY[i % len(_VOLUNTARY)]
        aid = b.agency(
            f"{_slugify(kind)}-{i // len(_VOLUNTARY) + 1}",
            f"{kind.capitalize()} {i // len(_VOLUNTARY) + 1} ({slug})",
            sector,
        )
        (b.local_vol if sector == "voluntary" else b.local_community).append(aid)
    b.agency("district-housing", f"{b.name} District Council (housing)", "housing")

    # Cross-locality officers and the authority's leaders.
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

    # Posts that every locality has at least one of.
    for role in (
        "educational_psychologist",
        "education_social_worker",
        "social_care_manager",
        "social_worker",
        "family_support_worker",
        "health_visitor",
        "school_nurse",
        "primary_mental_health_worker",
        "camhs_clinician",
        "police_officer",
        "police_liaison_officer",
        "youth_worker",
        "connexions_pa",
        "yot_officer",
        "housing_officer",
        "early_years_adviser",
        "la_officer",
        "childrens_centre_worker",
        "community_worker",
        "parent_rep",
        "young_person_rep",
    ):
        for k in range(
            c
            if role
            in (
                "educational_psychologist",
                "education_social_worker",
                "school_nurse",
                "primary_mental_health_worker",
                "family_support_worker",
                "social_worker",
            )
            else 1
        ):
            _general_person(b, role, cluster=k)
    for aid in b.local_vol + b.local_community:  # every organisation has someone
        _general_person(b, "voluntary_worker" if aid in b.local_vol else "community_worker", agency=aid)
    for aid in b.local_gp:
        _general_person(b, "general_practitioner", agency=aid)
    for aid in b.local_cc:
        _general_person(b, "childrens_centre_worker", agency=aid)

    planted_people = (
        (2 if "isolated_agency" in defects else 0)
        + (4 if "isolated_group" in defects else 0)
        + (7 if "single_point" in defects else 0)
    )
    remaining = target_people - len(b.people) - planted_people
    # About a third of the rest are school staff, two thirds the other services.
    school_extra = max(0, round(remaining * 0.3))
    weights = [4 if s["phase"] == "secondary" else 1 for s in b.schools]
    cum = list(accumulate(weights))
    extra_roles, extra_w = zip(*[(r, w) for r, _, w in _SCHOOL_EXTRA])
    extra_cum = list(accumulate(extra_w))
    extra_labels = {r: lab for r, lab, _ in _SCHOOL_EXTRA}
    per_school: dict[tuple[str, str], int] = {}
    for _ in range(school_extra):
        s = b.schools[bisect_left(cum, rng.random() * cum[-1])]
        role = extra_roles[bisect_left(extra_cum, rng.random() * extra_cum[-1])]
        n = per_school[(s["id"], role)] = per_school.get((s["id"], role), 0) + 1
        p = b.person(
            role,
            "",
            s["id"],
            _SCHOOL_SOCIABILITY[role],
            cluster=s["cluster"],
            name=f"{extra_labels[role]} {n}, {s['label']} ({slug})",
        )
        s["staff"].append(p)
    roles = list(_ROLES)
    role_cum = list(accumulate(_ROLES[r][2] for r in roles))
    for _ in range(max(0, target_people - len(b.people) - planted_people)):
        _general_person(b, roles[bisect_left(role_cum, rng.random() * role_cum[-1])])


def _general_person(b: _Builder, role: str, cluster=None, agency=None) -> _P:
    label, akey, _, sociability, part_time = _ROLES[role]
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


def _draw_seat_counts(b: _Builder, memberships: int, people: int) -> None:
    """Give each person a number of seats from a truncated power law, the most sociable the most."""
    rng = b.rng
    pool = [p for p in b.people if not p.fixed]
    ks, cum = _power_law_table(memberships / max(1, people))
    draws = sorted((ks[bisect_left(cum, rng.random() * cum[-1])] for _ in pool), reverse=True)
    ranked = sorted(pool, key=lambda p: -(p.w * math.exp(rng.gauss(0, 0.6))))
    for p, k in zip(ranked, draws):
        p.k = k
        if k >= 8 and p.hours is not None and p.hours < 30:
            p.hours = rng.choice((30, 37, 37))


# ---------------------------------------------------------------- groups and links


def _make_structure(b: _Builder, plan: dict, defects: set[str]) -> tuple[_G, _G]:
    rng, slug, counts = b.rng, b.slug, plan["counts"]
    auth = b.auth
    coord, manager = b.coordinator, b.manager
    variant = plan["variant"]
    one = b.one

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
    b.seat(key, coord, "coordinator")
    b.seat(top, coord, "coordinator")
    heads = [s["head_teacher"] for s in b.schools]
    b.seat(key, rng.choice(heads) if variant != "steering" else manager, "chair")
    # The key group seats someone from every agency, so it is the most inclusive group.
    # (An open key group has someone from each agency; a steering group one from each sector.)
    best: dict[str, _P] = {}
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

    # Centre: the authority's leaders and, in a linked locality, the co-ordinator and officers.
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

    # Cluster panels, MASTs.
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
    masts = []
    for i in range(counts["mast"]):
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

    # School consultation teams and secondary inclusion panels.
    sct_schools = sorted(rng.sample(range(len(b.schools)), counts["sct"]))
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
    if counts["school_panel"]:
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

    # Heads' partnership, cluster heads' groups, HSCLW steering group.
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
    if counts["cluster_heads"]:
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
    if counts["senco_group"]:
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

    # Hubs.
    for i in range(counts["hub"]):
        cc = b.local_cc[i % len(b.local_cc)]
        g = b.group(
            f"hub-{i + 1}",
            f"{b.agencies[cc]['name'].removesuffix(f' ({slug})')} hub",
            "hub",
            "open",
            "monthly",
            1.5,
            flex=2.0,
            purpose="Drop-in hub where workers and families meet; issues and referrals.",
        )
        b.seat(
            g, next((p for p in b.by_role.get("childrens_centre_manager", []) if p.agency == cc), None), "coordinator"
        )
        b.seat(g, one("health_visitor"))
        b.seat(g, one("family_support_worker"))
        b.seat(g, one("voluntary_worker"))
        b.link(g, key, "feeds_issues_to")
        if masts:
            b.link(g, masts[0], "refers_cases_to")
        elif panels:
            b.link(g, panels[0], "refers_cases_to")

    # Themed networks and forums.
    themes = rng.sample(_THEMES, counts["themed"])
    themes.sort(key=_THEMES.index)
    b.themed = []
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
        b.themed.append(g)

    # Children's centre advisory boards, young people's group, parent forum.
    for i in range(counts["cc_board"]):
        cc = b.local_cc[i % len(b.local_cc)]
        g = b.group(
            f"cc-board-{i + 1}",
            f"{b.agencies[cc]['name'].removesuffix(f' ({slug})')} advisory board",
            "other",
            "representative",
            "termly",
            2,
            focus="upstream",
            flex=0.6,
            purpose="Advises the children's centre on services for families with young children.",
        )
        b.seat(g, rng.choice(heads), "chair")
        b.seat(
            g, next((p for p in b.by_role.get("childrens_centre_manager", []) if p.agency == cc), None), "coordinator"
        )
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

    # Working groups.
    names = list(_WORKING_GROUPS)
    rng.shuffle(names)
    b.working = []
    sociable = [p for p in b.people if p.k >= 6] or [manager]
    for i in range(counts["wg"]):
        topic = names[i % len(names)]
        suffix = f" {i // len(names) + 1}" if i >= len(names) else ""
        g = b.group(
            f"{_slugify(topic)}-working-group{_slugify(suffix) and '-' + _slugify(suffix)}",
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
        b.working.append(g)

    # Team-around-the-family meetings.
    for i in range(counts["taf"]):
        k = i % len(b.clusters)
        cl = b.clusters[k]
        n = i // len(b.clusters)
        kind, what = _CASEWORK_MEETINGS[n % len(_CASEWORK_MEETINGS)]
        g = b.group(
            f"{kind}-cluster-{k + 1}-{n + 1}",
            f"{what}, cluster {k + 1} ({_letters(n)})",
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
        for role in rng.sample(_CASEWORK_EXTRA, rng.randint(1, 3)):
            b.seat(g, one(role))
        panel = panels[k] if panels else top
        b.link(g, panel, "reports_to")
        b.link(panel, g, "commissions")

    b.panels, b.masts = panels, masts
    return key, top


def _fill_open_seats(b: _Builder, memberships: int) -> None:
    """Share the seats people still want among the open groups, with heavy-tailed sizes, and deal them out."""
    rng = b.rng
    held = sum(len(g.members) for g in b.groups)
    open_groups = [g for g in b.groups if g.flex > 0]
    if not open_groups:
        return
    capacity = max(len(open_groups) * 3, memberships - held)
    # Nobody sits on more than about a third of the open groups: otherwise the same few faces fill every
    # working group and the groups overlap by accident.
    most = max(3, round(len(open_groups) * 0.3))
    # Seats still wanted: everyone's first seat is kept; the rest are trimmed or topped up to the capacity.
    firsts: list[_P] = []
    rest: list[_P] = []
    for p in b.people:
        if p.fixed:
            continue
        want = min(max(0, p.k - p.n), most)
        if want and p.n == 0:
            firsts.append(p)
            want -= 1
        rest.extend([p] * want)
    rng.shuffle(rest)
    room = max(0, capacity - len(firsts))
    if len(rest) > room:
        del rest[room:]
    else:
        # Too few seats wanted: those with room take more, in proportion to the seats they wanted.
        count: dict[str, int] = {}
        for p in firsts + rest:
            count[p.id] = count.get(p.id, 0) + 1
        extra = [p for p in b.people if not p.fixed and p.k >= 2 and count.get(p.id, 0) < most]
        weights = [p.k for p in extra]
        while len(rest) < room and extra:
            p = rng.choices(extra, weights)[0]
            if count.get(p.id, 0) >= most:
                i = extra.index(p)
                del extra[i], weights[i]
                continue
            count[p.id] = count.get(p.id, 0) + 1
            rest.append(p)
    stubs = firsts + rest
    rng.shuffle(stubs)
    # Heavy-tailed sizes: each open group's share is its weight times a log-normal factor, capped.
    cap = max(30, min(160, len(b.people) // 5))
    shares = [g.flex * math.exp(rng.gauss(0, 0.6)) for g in open_groups]
    wanted = [0] * len(open_groups)
    free = list(range(len(open_groups)))
    left = len(stubs)
    for _ in range(4):
        total = sum(shares[i] for i in free)
        if not free or left <= 0 or total <= 0:
            break
        for i in free:
            wanted[i] += max(1, round(left * shares[i] / total))
        for i in free:
            room_i = cap - len(open_groups[i].members)
            if wanted[i] > room_i:
                wanted[i] = max(0, room_i)
        free = [i for i in free if wanted[i] < cap - len(open_groups[i].members)]
        left = len(stubs) - sum(wanted)
    slots = [i for i, w in enumerate(wanted) for _ in range(w)]
    rng.shuffle(slots)
    # Deal stubs to slots; a stub whose person already sits on the slot's group waits for another slot.
    pending = stubs
    for _ in range(3):
        unplaced_people, unused_slots = [], []
        for p, i in zip(pending, slots):
            if not b.seat(open_groups[i], p):
                unplaced_people.append(p)
                unused_slots.append(i)
        unplaced_people += pending[len(slots) :]
        unused_slots += slots[len(pending) :]
        pending, slots = unplaced_people, unused_slots
        rng.shuffle(slots)
        if not pending or not slots:
            break
    # The rest take any open group they are not yet on, those with unused seats first, then the smallest.
    by_size = sorted(open_groups, key=lambda g: (len(g.members), g.id))
    spare = [open_groups[i] for i in dict.fromkeys(slots)]
    for p in pending:
        for g in spare + by_size:
            if b.seat(g, p):
                break


def _make_attendance(b: _Builder) -> None:
    """Partial attendance for ordinary members of open groups and for people with many seats."""
    rng = b.rng
    for g in b.groups:
        if g.external:
            continue
        for m in g.members:
            if m[1] != "member" or m[2] is not None:
                continue
            p = b.by_id[m[0]]
            if g.membership == "open" and rng.random() < 0.4:
                m[2] = rng.choice((0.3, 0.5, 0.7))
            elif p.n >= 8 and rng.random() < 0.5:
                m[2] = rng.choice((0.5, 0.7, 0.8))


def _ensure_agencies_seated(b: _Builder, key: _G) -> None:
    """Every agency with people has someone on a local group (the key group takes them)."""
    seated: dict[str, bool] = {}
    for g in b.groups:
        if g.external:
            continue
        for m in g.members:
            a = b.by_id[m[0]].agency
            if a:
                seated[a] = True
    for p in b.people:
        if p.agency and not p.fixed and not seated.get(p.agency):
            b.seat(key, p, "member")
            seated[p.agency] = True


def _separate_overlaps(b: _Builder, threshold: float = 0.45, protected: set[str] = frozenset()) -> None:
    """Make accidental near-copies differ: swap shared ordinary members for colleagues in the same post.

    Pairs the audit would excuse (SCTs of different schools, a group overseeing or
    commissioning the other) are left alone.
    """
    rng = b.rng
    designed = {(link["from"], link["to"]) for link in b.links.values() if link["kind"] in ("oversees", "commissions")}
    groups = [g for g in b.groups if not g.external and g.id not in protected and g.note is None]
    for _ in range(3):
        where: dict[str, list[int]] = {}
        for i, g in enumerate(groups):
            for pid in g.mset:
                where.setdefault(pid, []).append(i)
        shared: dict[tuple[int, int], int] = {}
        for gs in where.values():
            if len(gs) > 40:
                continue  # the busiest people are shared by design; they do not make two groups copies
            for x in range(len(gs)):
                for y in range(x + 1, len(gs)):
                    key = (gs[x], gs[y])
                    shared[key] = shared.get(key, 0) + 1
        changed = False
        for (i, j), n in sorted(shared.items()):
            a, c = groups[i], groups[j]
            if n < 2 or n / (len(a.mset) + len(c.mset) - n) < threshold:
                continue
            if (a.id, c.id) in designed or (c.id, a.id) in designed or (a.school and c.school and a.school != c.school):
                continue
            small = a if len(a.mset) <= len(c.mset) else c
            other = c if small is a else a
            while True:
                both = [m for m in small.members if m[0] in other.mset and m[1] == "member" and m[0] not in protected]
                n = len(small.mset & other.mset)
                if n < 2 or n / (len(small.mset) + len(other.mset) - n) < threshold or not both:
                    break
                m = rng.choice(both)
                old = b.by_id[m[0]]
                peers = [p for p in b.by_role.get(old.role, []) if p.id not in small.mset and not p.fixed]
                if not peers:
                    peers = [p for p in b.people if p.id not in small.mset and not p.fixed and p.agency == old.agency]
                if not peers:
                    break
                new = rng.choice(peers)
                small.mset.discard(old.id)
                old.n -= 1
                small.mset.add(new.id)
                new.n += 1
                m[0] = new.id
                changed = True
        if not changed:
            break


def _seat_load(b: _Builder) -> dict[str, float]:
    hours: dict[str, float] = {}
    for g in b.groups:
        yh = g.yearly_hours
        for pid, _, att in g.members:
            hours[pid] = hours.get(pid, 0.0) + yh * (1.0 if att is None else att)
    return hours


def _limit_loads(b: _Builder, limit: float = 0.4) -> None:
    """Keep meeting loads under ``limit`` of working time, as busy people send apologies (planted loads excepted)."""
    hours = _seat_load(b)
    planted = {s for d, _, subjects in b.planted if d == "meeting_load" for s in subjects}
    over = {
        p.id: p
        for p in b.people
        if p.id not in planted and hours.get(p.id, 0) > limit * (p.hours or 37) * WORKING_WEEKS_PER_YEAR
    }
    if not over:
        return
    for factor in (0.5, 0.3, 0.15):
        for g in sorted(b.groups, key=lambda g: -g.yearly_hours):
            if g.external or g.yearly_hours == 0:
                continue
            for m in g.members:
                p = over.get(m[0])
                if p is None or hours[p.id] <= limit * (p.hours or 37) * WORKING_WEEKS_PER_YEAR:
                    continue
                if g.id == b.key.id and m[1] in ("chair", "coordinator"):
                    continue
                old = 1.0 if m[2] is None else m[2]
                new = min(old, factor)
                hours[p.id] -= g.yearly_hours * (old - new)
                m[2] = new


# ---------------------------------------------------------------- planting


def _plant(b: _Builder, plan: dict, defects: set[str], key: _G, top: _G) -> None:
    rng, slug = b.rng, b.slug
    b.key = key

    def note(item, defect):
        code, what = DEFECTS[defect]
        item.note = f"Planted defect ({code}): {what}."

    if "isolated_group" in defects:
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
            p = b.person(
                "volunteer", "", rng.choice(agencies), 0, fixed=True, name=f"Allotment volunteer {i + 1} ({slug})"
            )
            b.seat(g, p, "coordinator" if i == 0 else "member")
        note(g, "isolated_group")
        b.planted.append(("isolated_group", "ISOLATED_GROUP", [g.id]))

    if "isolated_agency" in defects:
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

    if "unreferred_panel" in defects:
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
        note(g, "unreferred_panel")
        b.planted.append(("unreferred_panel", "MISSING_UPSTREAM_PATH", [g.id]))

    if "no_systems_minder" in defects:
        for p in b.people:
            p.minder = False
        b.planted.append(("no_systems_minder", "NO_SYSTEMS_MINDER", []))
    elif rng.random() < 0.5:  # a second minder in some localities
        second = b.one("hsclw") or b.one("la_officer")
        if second is not None:
            second.minder = True

    if "single_point" in defects:
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
        note(ga, "single_point")
        note(gb, "single_point")
        coord.note = "Planted defect (SINGLE_POINT_OF_FAILURE): the only link to the transition project groups."
        b.planted.append(("single_point", "SINGLE_POINT_OF_FAILURE", [coord.id]))

    if "overlapping" in defects:
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
            note(g, "overlapping")
            b.planted.append(("overlapping", "OVERLAPPING_GROUPS", [source.id, g.id]))

    if "no_link_to_centre" in defects:
        b.centre.note = "Planted defect (NO_LINK_TO_CENTRE): no local group links here and nobody local sits on it."
        b.planted.append(("no_link_to_centre", "NO_LINK_TO_CENTRE", []))

    if "label_mismatch" in defects:
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
        note(target, "label_mismatch")
        b.planted.append(("label_mismatch", "LABEL_MISMATCH", [target.id]))

    if "cross_boundary" in defects:
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
        note(g, "cross_boundary")
        b.planted.append(("cross_boundary", "CROSS_BOUNDARY_GROUP", [g.id]))

    if "meeting_load" in defects:
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
        load = _seat_load(b).get(p.id, 0.0)
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


# ---------------------------------------------------------------- output


def _assemble(b: _Builder, plan: dict) -> dict:
    local = sum(1 for g in b.groups if not g.external)
    description = (
        f"Synthetic locality of {b.auth.name}: {len(b.schools)} schools in {len(b.clusters)} clusters, "
        f"{local} local groups around a key {plan['variant'].replace('_', ' ')}."
    )
    note = "Synthetic data generated by locmap synth; all posts and places are invented."
    if b.planted:
        parts = [f"{code}: {', '.join(subjects)}" if subjects else code for _, code, subjects in b.planted]
        note += " Planted defects: " + "; ".join(parts) + "."
    else:
        note += " No planted defects."
    # The centre first (as in the samples), then the key group and the rest in the order made.
    groups = [b.centre] + [g for g in b.groups if g is not b.centre]
    people = [p.data() for p in b.people]
    return {
        "format": "locmap/1",
        "locality": {
            "id": b.slug,
            "name": b.name,
            "authority": b.auth.name,
            "boundary": b.rng.choice(("clear", "clear", "partial", "unclear")),
            "devolved_funding": b.rng.choice(("none", "none", "small", "substantial")),
            "description": description,
            "sources": [f"Synthetic: locmap synth, scale {b.scale_label}"],
            "note": note,
        },
        "agencies": list(b.agencies.values()),
        "people": people,
        "groups": [g.data() for g in groups],
        "links": list(b.links.values()),
    }


def planted(document: LocalityDocument) -> list[tuple[str, list[str]]]:
    """The defects planted in a synthetic locality, as (audit code, subject ids), read from its note."""
    match = _NOTE_RE.search(document.locality.note or "")
    if not match:
        return []
    out = []
    for part in match.group(1).split("; "):
        code, _, subjects = part.partition(": ")
        out.append((code, [s for s in subjects.split(", ") if s]))
    return out


# ---------------------------------------------------------------- scales


@dataclass(frozen=True)
class _Spec:
    slug: str
    name: str
    authority: Authority
    neighbours: tuple[str, ...]
    groups: int
    people: int
    memberships: int
    defects: tuple[str, ...]
    person_start: int


def _split(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: -(raw[i] - out[i]))[: total - sum(out)]:
        out[i] += 1
    return out


def _plan(scale: str, seed: int) -> list[_Spec]:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    sc = SCALES[scale]
    rng = random.Random(f"locmap-synth:{scale}:{seed}")
    n = sc.localities
    names = _place_names(rng, n + sc.authorities)
    roots, loc_names = names[: sc.authorities], names[sc.authorities :]
    sizes = [math.exp(rng.gauss(0, 0.15)) for _ in range(n)]
    per_auth = _split(n, [1.0] * sc.authorities)
    slugs = [f"loc-{i + 1:03d}" for i in range(n)]
    authorities: list[Authority] = []
    auth_of: list[Authority] = []
    officer = 1
    i = 0
    for a in range(sc.authorities):
        auth = Authority.make(roots[a])
        members = slugs[i : i + per_auth[a]]
        officer = auth.share_officers(rng, members, per_locality=max(2.0, sc.people / n / 60), start=officer)
        authorities.append(auth)
        auth_of += [auth] * per_auth[a]
        i += per_auth[a]
    # Defects: a share of localities, each dealt 2-4 from a shuffled deck so every defect appears.
    n_planted = max(1, round(PLANTED_SHARE * n))
    planted_at = sorted(rng.sample(range(n), n_planted))
    deck: list[str] = []
    defects_of: dict[int, tuple[str, ...]] = {}
    for j in planted_at:
        want = rng.randint(2, 4)
        chosen: list[str] = []
        tries = 0
        while len(chosen) < want and tries < 50:
            tries += 1
            if not deck:
                deck = list(DEFECTS)
                rng.shuffle(deck)
            d = deck.pop()
            if d in chosen:
                deck.insert(0, d)
                continue
            chosen.append(d)
        defects_of[j] = tuple(chosen)
    groups = _split(sc.groups, sizes)
    memberships = _split(sc.memberships, sizes)
    people = _split(sc.people, sizes)
    specs = []
    start = 1
    for j, slug in enumerate(slugs):
        auth = auth_of[j]
        ring = [s for s, a in zip(slugs, auth_of) if a is auth]
        k = ring.index(slug)
        neighbours = tuple(
            ring[(k + d) % len(ring)] for d in (1, -1) if len(ring) > 1 and ring[(k + d) % len(ring)] != slug
        )
        neighbours = tuple(dict.fromkeys(neighbours)) or (f"{slug}-north", f"{slug}-south")
        specs.append(
            _Spec(
                slug, loc_names[j], auth, neighbours, groups[j], people[j], memberships[j], defects_of.get(j, ()), start
            )
        )
        start += _id_room(people[j])
    return specs


def _id_room(people: int) -> int:
    """Numbers set aside for one locality's ``p-NNNNNN`` ids (posts every locality has may exceed a small target)."""
    return people + max(100, people // 5)


def _build_spec(scale: str, seed: int, spec: _Spec) -> tuple[dict, list]:
    rng = random.Random(f"locmap-synth:{scale}:{seed}:{spec.slug}")
    return _build(
        spec.slug,
        rng,
        groups=spec.groups,
        people=spec.people,
        memberships=spec.memberships,
        name=spec.name,
        authority=spec.authority,
        neighbours=spec.neighbours,
        defects=spec.defects,
        person_start=spec.person_start,
        scale_label=scale,
    )


def iter_synth(scale: str, seed: int) -> Iterator[tuple[LocalityDocument, list]]:
    """Yield each locality of a scale with its planted defects ``(defect, code, subjects)``, one at a time."""
    for spec in _plan(scale, seed):
        data, defects = _build_spec(scale, seed, spec)
        yield LocalityDocument.model_validate(data), defects


def synth(scale: str, seed: int) -> list[LocalityDocument]:
    """The localities of a scale (see :data:`SCALES`), the same for the same seed."""
    return [doc for doc, _ in iter_synth(scale, seed)]


def _counts(doc: LocalityDocument) -> dict:
    return {
        "agencies": len(doc.agencies),
        "people": len(doc.people),
        "groups": len(doc.groups),
        "memberships": sum(len(g.members) for g in doc.groups),
        "links": len(doc.links),
    }


def write(scale: str, seed: int, path: Path) -> list[Path]:
    """Write a scale's localities; returns the files written.

    Scale ``locality`` writes one file at ``path`` (``.yaml``, ``.yml`` or
    ``.json``); ``county`` and ``national`` write a folder ``path`` holding
    ``<slug>.json`` for each locality and ``index.json`` listing them, their
    counts and planted defects, and the totals.
    """
    path = Path(path)
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if scale == "locality":
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml", ".json"):
            raise ValueError(f"scale 'locality' writes one file: give a .yaml or .json path, not {str(path)!r}")
        ((doc, _),) = list(iter_synth(scale, seed))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_document(doc, suffix), encoding="utf-8")
        return [path]
    if path.exists() and not path.is_dir():
        raise ValueError(f"scale {scale!r} writes a folder, and {str(path)!r} is a file")
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries = []
    totals = {"localities": 0, "agencies": 0, "people": 0, "groups": 0, "memberships": 0, "links": 0}
    unique: set[str] = set()
    for doc, defects in iter_synth(scale, seed):
        file = path / f"{doc.locality.id}.json"
        file.write_text(dump_document(doc, ".json"), encoding="utf-8")
        written.append(file)
        counts = _counts(doc)
        for k, v in counts.items():
            totals[k] += v
        totals["localities"] += 1
        unique.update(p.id for p in doc.people)
        entries.append(
            {
                "id": doc.locality.id,
                "name": doc.locality.name,
                "authority": doc.locality.authority,
                "file": file.name,
                "counts": counts,
                "defects": [{"defect": d, "code": code, "subjects": subjects} for d, code, subjects in defects],
            }
        )
    totals["unique_people"] = len(unique)
    index = {"format": "locmap-synth/1", "scale": scale, "seed": seed, "localities": entries, "counts": totals}
    index_path = path / "index.json"
    index_path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [index_path, *written]
