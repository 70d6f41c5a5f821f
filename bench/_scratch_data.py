"""Scratch test data for scale measurements: replicated samples merged into one document.

``big_document(copies, seed)`` merges ``copies`` renamed copies of the six
sample localities (cycled), then adds people and heavy-tailed random seats and
a few random links across copies so that the local system is one big part.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.document import LocalityDocument  # noqa: E402
from models.validation import load_path  # noqa: E402

SLUGS = ["abingdon", "banbury", "bicester", "city", "kidlington", "thame"]
_SAMPLES = None


def samples():
    global _SAMPLES
    if _SAMPLES is None:
        _SAMPLES = [load_path(ROOT / "sample_localities" / f"{s}.yaml").to_data() for s in SLUGS]
    return _SAMPLES


def big_document(copies: int, seed: int = 1, *, people_factor: float = 1.6, seats_per_group: float = 20.0,
                 links_per_group: float = 1.0, slug: str = "county", county_copies: int = 380) -> LocalityDocument:
    rng = random.Random(seed)
    data = {
        "format": "locmap/1",
        "locality": {"id": slug, "name": "County", "authority": "Shire", "boundary": "partial"},
        "agencies": [], "people": [], "groups": [], "links": [],
    }
    group_ids: list[str] = []
    local_group_ids: list[str] = []
    by_id_so_far: dict[str, dict] = {}
    for c in range(copies):
        src = samples()[c % len(SLUGS)]
        sfx = f"-c{c}"
        r = lambda i: f"{i}{sfx}"  # noqa: E731
        for a in src.get("agencies", []):
            data["agencies"].append({**a, "id": r(a["id"])})
        for p in src.get("people", []):
            q = {**p, "id": r(p["id"])}
            if "agency" in q and q["agency"]:
                q["agency"] = r(q["agency"])
            data["people"].append(q)
        externals = {g["id"] for g in src.get("groups", []) if g.get("external")}
        rg = lambda i: f"{i}-k{c // county_copies}" if i in externals else r(i)  # noqa: E731  one centre per county
        for g in src.get("groups", []):
            h = {**g, "id": rg(g["id"])}
            h["members"] = [{**m, "person": r(m["person"])} for m in g.get("members", [])]
            if h["id"] in by_id_so_far:
                by_id_so_far[h["id"]]["members"].extend(h["members"])
                continue
            if "school" in h and h["school"]:
                h["school"] = r(h["school"])
            if "area" in h:
                h["area"] = [slug if a == SLUGS[c % len(SLUGS)] else r(a) for a in h["area"]]
            data["groups"].append(h)
            by_id_so_far[h["id"]] = h
            group_ids.append(h["id"])
            if not h.get("external"):
                local_group_ids.append(h["id"])
        for link in src.get("links", []):
            data["links"].append({**{k: v for k, v in link.items() if k != "id"}, "from": rg(link["from"]), "to": rg(link["to"])})
    # extra people, attached to random agencies
    agency_ids = [a["id"] for a in data["agencies"]]
    base_people = len(data["people"])
    target_people = int(base_people * people_factor)
    for i in range(base_people, target_people):
        data["people"].append({"id": f"x{i}", "name": f"Extra {i}", "agency": rng.choice(agency_ids),
                               "hours_per_week": rng.choice([None, 37, 30, 20])})
    people_ids = [p["id"] for p in data["people"]]
    # heavy-tailed extra seats: per-person count ~ zipf, group popularity ~ pareto
    by_id = {g["id"]: g for g in data["groups"]}
    seated = {g["id"]: {m["person"] for m in g["members"]} for g in data["groups"]}
    target_seats = int(seats_per_group * len(group_ids))
    current = sum(len(s) for s in seated.values())
    weights = [rng.paretovariate(1.2) for _ in local_group_ids]
    cum = []
    t = 0.0
    for w in weights:
        t += w
        cum.append(t)
    import bisect
    while current < target_seats:
        person = rng.choice(people_ids)
        n = min(int(rng.paretovariate(1.5)), 40)
        for _ in range(n):
            gid = local_group_ids[bisect.bisect(cum, rng.random() * t)]
            if person in seated[gid]:
                continue
            seated[gid].add(person)
            seat = {"person": person}
            if rng.random() < 0.3:
                seat["attendance"] = round(rng.random(), 2)
            if rng.random() < 0.1:
                seat["role"] = rng.choice(["representative", "key_worker", "chair"])
            by_id[gid]["members"].append(seat)
            current += 1
    # extra random links across the county
    kinds = ["reports_to", "feeds_issues_to", "refers_cases_to", "consults", "commissions", "oversees"]
    seen = {(link["from"], link["to"], link["kind"]) for link in data["links"]}
    for _ in range(int(links_per_group * len(local_group_ids))):
        a, b = rng.sample(local_group_ids, 2)
        k = rng.choice(kinds)
        if (a, b, k) in seen:
            continue
        seen.add((a, b, k))
        data["links"].append({"from": a, "to": b, "kind": k})
    return LocalityDocument.model_validate(data)


def county(seed: int = 1) -> LocalityDocument:
    # 53 copies of the six samples' groups ~ 2,000 groups; ~10,000 people; ~40,000 seats
    return big_document(380, seed, people_factor=10000 / (380 * 113 / 6), seats_per_group=20.0)


def national(seed: int = 1) -> LocalityDocument:
    return big_document(3800, seed, people_factor=100000 / (3800 * 113 / 6), seats_per_group=20.0)


def medium(seed: int = 1) -> LocalityDocument:
    return big_document(48, seed, people_factor=2.0, seats_per_group=12.0)


def describe(doc: LocalityDocument) -> str:
    return (f"{len(doc.groups)} groups ({sum(g.external for g in doc.groups)} external), {len(doc.people)} people, "
            f"{sum(len(g.members) for g in doc.groups)} seats, {len(doc.links)} links, {len(doc.agencies)} agencies")


if __name__ == "__main__":
    import time
    for f in (medium, county):
        t = time.perf_counter()
        d = f()
        print(f.__name__, describe(d), f"{time.perf_counter() - t:.1f}s")


def synth_county(seed: int = 1) -> LocalityDocument:
    """app.synth: one locality document of county size (2,000 groups, 10,000 people, 40,000 seats)."""
    from app.synth import synth_locality
    return synth_locality("county-one", random.Random(seed), groups=2000, people=10000, memberships=40000)


def synth_national(seed: int = 1) -> LocalityDocument:
    """app.synth: one locality document of national size (the worst case)."""
    from app.synth import synth_locality
    return synth_locality("national-one", random.Random(seed), groups=20000, people=100000, memberships=400000)
