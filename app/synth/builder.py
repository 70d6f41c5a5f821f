"""The records of a locality being built, and the builder that makes and seats them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from app.synth.tables import SHARED_POSTS, slugify
from models.vocab import MEETINGS_PER_YEAR, Meets


class DraftPerson:
    """A person while the locality is built: the seats they want (``k``) and hold (``n``)."""

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


class DraftGroup:
    """A group while the locality is built; its members are ``[person id, role, attendance]``."""

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
        self.id, self.name, self.type = id, name, type
        self.membership, self.meets, self.hours = membership, meets, hours
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
        slug = slugify(root)
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
            prefix, label, role, agency = SHARED_POSTS[i % len(SHARED_POSTS)]
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


class Builder:
    """One locality under construction: its agencies, people, groups and links, and its one random source."""

    def __init__(self, slug, rng, *, name, authority: Authority, neighbours, person_start, scale_label):
        self.slug, self.rng, self.name, self.auth = slug, rng, name, authority
        self.neighbours = list(neighbours)
        self.next_person = person_start
        self.scale_label = scale_label
        self.agencies: dict[str, dict] = {}
        self.agency_key: dict[str, str] = {}  # agency key -> id, for the authority's services
        self.people: list[DraftPerson] = []
        self.by_id: dict[str, DraftPerson] = {}
        self.by_role: dict[str, list[DraftPerson]] = {}
        self.groups: list[DraftGroup] = []
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
        self.coordinator: DraftPerson | None = None
        self.manager: DraftPerson | None = None
        self.leaders: list[DraftPerson] = []
        self.centre: DraftGroup | None = None
        self.key: DraftGroup | None = None
        self.panels: list[DraftGroup] = []
        self.masts: list[DraftGroup] = []
        self.themed: list[DraftGroup] = []
        self.working: list[DraftGroup] = []

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
    ) -> DraftPerson:
        rng = self.rng
        if id is None:
            id = f"p-{self.next_person:06d}"
            self.next_person += 1
        if hours is ...:
            hours = None if rep else (37 if rng.random() > 0.25 else rng.choice((15, 18.5, 22.5, 25, 30)))
        p = DraftPerson(
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

    def group(self, id, name, type, membership, meets, hours, **kw) -> DraftGroup:
        base, i = id, 2
        while id in self.gids:
            id = f"{base}-{i}"
            i += 1
        g = DraftGroup(id, name, type, membership, meets, hours, **kw)
        self.groups.append(g)
        self.gids.add(id)
        return g

    def seat(self, g: DraftGroup, p: DraftPerson | None, role="member", attendance=None) -> bool:
        if p is None or p.id in g.mset:
            return False
        g.members.append([p.id, role, attendance])
        g.mset.add(p.id)
        p.n += 1
        return True

    def link(self, a: DraftGroup, b: DraftGroup, kind: str) -> None:
        if a is not b:
            self.links.setdefault((a.id, kind, b.id), {"from": a.id, "to": b.id, "kind": kind})

    def one(self, role, cluster=None, exclude: set | None = None) -> DraftPerson | None:
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
