"""The three scales: how many localities, how big, under which authorities, with which defects."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from app.synth.builder import Authority
from app.synth.defects import DEFECTS
from app.synth.locality import build, id_room
from app.synth.tables import place_names
from models.document import LocalityDocument


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


#: Share of a scale's localities that carry planted defects.
PLANTED_SHARE = 0.4


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
    """What to build for each locality of a scale: size, name, authority, neighbours, defects, first id."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    sc = SCALES[scale]
    rng = random.Random(f"locmap-synth:{scale}:{seed}")
    n = sc.localities
    names = place_names(rng, n + sc.authorities)
    roots, loc_names = names[: sc.authorities], names[sc.authorities :]
    sizes = [math.exp(rng.gauss(0, 0.15)) for _ in range(n)]
    per_auth = _split(n, [1.0] * sc.authorities)
    slugs = [f"loc-{i + 1:03d}" for i in range(n)]
    auth_of: list[Authority] = []
    officer = 1
    i = 0
    for a in range(sc.authorities):
        auth = Authority.make(roots[a])
        members = slugs[i : i + per_auth[a]]
        officer = auth.share_officers(rng, members, per_locality=max(2.0, sc.people / n / 60), start=officer)
        auth_of += [auth] * per_auth[a]
        i += per_auth[a]
    defects_of = _deal_defects(rng, n)
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
        start += id_room(people[j])
    return specs


def _deal_defects(rng: random.Random, n: int) -> dict[int, tuple[str, ...]]:
    """Defects by locality number: a share of the ``n`` localities, each dealt 2-4 from a shuffled deck.

    Dealing from a deck, rather than drawing, makes every defect appear at each scale.
    """
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
    return defects_of


def _build_spec(scale: str, seed: int, spec: _Spec) -> tuple[dict, list]:
    rng = random.Random(f"locmap-synth:{scale}:{seed}:{spec.slug}")
    return build(
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
