"""One synthetic locality, from its plan of groups to the locmap/1 data."""

from __future__ import annotations

import random
import re

from app.synth.builder import Authority, Builder
from app.synth.defects import DEFECTS, plant
from app.synth.people import make_agencies_and_people
from app.synth.seats import (
    draw_seat_counts,
    ensure_agencies_seated,
    fill_open_seats,
    limit_loads,
    make_attendance,
    separate_overlaps,
)
from app.synth.structure import make_structure
from app.synth.tables import THEMES, place_names
from models.document import LocalityDocument

_NOTE_RE = re.compile(r"Planted defects: (.*?)\.(?:\s|$)", re.S)


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
        "themed": min(len(THEMES), max(2, round(G * 0.09))),
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
    data, _ = build(
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


def build(slug, rng, *, groups, people, memberships, name, authority, neighbours, defects, person_start, scale_label):
    unknown = [d for d in defects if d not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(DEFECTS)}")
    defects = [d for d in DEFECTS if d in set(defects)]
    defect_set = set(defects)
    if memberships is None:
        memberships = people * 4
    if authority is None or isinstance(authority, str):
        auth = Authority.make(authority or place_names(random.Random(f"authority:{slug}"), 1)[0])
        auth.share_officers(rng, [slug], per_locality=max(2.0, people / 60), start=1)
    else:
        auth = authority
    if name is None:
        name = place_names(rng, 1)[0]
    if not neighbours:
        neighbours = [f"{slug}-north", f"{slug}-south"]

    plan = _plan_groups(groups, rng, defect_set)
    b = Builder(
        slug, rng, name=name, authority=auth, neighbours=neighbours, person_start=person_start, scale_label=scale_label
    )
    b.n_clusters = plan["n_clusters"]
    make_agencies_and_people(b, plan, people, defect_set)
    draw_seat_counts(b, memberships, people)
    key, top = make_structure(b, plan, defect_set)
    fill_open_seats(b, memberships)
    make_attendance(b)
    ensure_agencies_seated(b, key)
    separate_overlaps(b)
    plant(b, defect_set, key, top)
    protected = {s for _, _, subjects in b.planted for s in subjects}
    separate_overlaps(b, protected=protected)
    limit_loads(b)
    if b.next_person - person_start > id_room(people):
        raise ValueError(
            f"locality {slug!r} made {b.next_person - person_start} people for a target of {people}: too small"
        )
    return _assemble(b, plan), b.planted


def id_room(people: int) -> int:
    """Numbers set aside for one locality's ``p-NNNNNN`` ids (posts every locality has may exceed a small target)."""
    return people + max(100, people // 5)


def _assemble(b: Builder, plan: dict) -> dict:
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
