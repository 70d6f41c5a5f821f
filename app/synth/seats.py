"""How many seats each person holds, how open groups fill, and how loads and overlaps are kept realistic."""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import accumulate

from app.synth.builder import Builder, DraftGroup, DraftPerson
from models.vocab import WORKING_WEEKS_PER_YEAR


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


def draw_seat_counts(b: Builder, memberships: int, people: int) -> None:
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


def fill_open_seats(b: Builder, memberships: int) -> None:
    """Share the seats people still want among the open groups, with heavy-tailed sizes, and deal them out."""
    held = sum(len(g.members) for g in b.groups)
    open_groups = [g for g in b.groups if g.flex > 0]
    if not open_groups:
        return
    capacity = max(len(open_groups) * 3, memberships - held)
    # Nobody sits on more than about a third of the open groups: otherwise the same few faces fill every
    # working group and the groups overlap by accident.
    most = max(3, round(len(open_groups) * 0.3))
    stubs = _wanted_seats(b, capacity, most)
    b.rng.shuffle(stubs)
    sizes = _open_group_sizes(b, open_groups, len(stubs))
    _deal_seats(b, open_groups, stubs, sizes)


def _wanted_seats(b: Builder, capacity: int, most: int) -> list[DraftPerson]:
    """One entry per seat to deal: each person's first seat, then the rest trimmed or topped up to ``capacity``."""
    rng = b.rng
    firsts: list[DraftPerson] = []
    rest: list[DraftPerson] = []
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
    return firsts + rest


def _open_group_sizes(b: Builder, open_groups: list[DraftGroup], seats: int) -> list[int]:
    """How many of ``seats`` each open group takes: its weight times a log-normal factor, capped (heavy tails)."""
    rng = b.rng
    cap = max(30, min(160, len(b.people) // 5))
    shares = [g.flex * math.exp(rng.gauss(0, 0.6)) for g in open_groups]
    wanted = [0] * len(open_groups)
    free = list(range(len(open_groups)))
    left = seats
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
        left = seats - sum(wanted)
    return wanted


def _deal_seats(b: Builder, open_groups: list[DraftGroup], stubs: list[DraftPerson], wanted: list[int]) -> None:
    """Deal the wanted seats to the open groups' places in random order."""
    rng = b.rng
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


def make_attendance(b: Builder) -> None:
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


def ensure_agencies_seated(b: Builder, key: DraftGroup) -> None:
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


def separate_overlaps(b: Builder, threshold: float = 0.45, protected: set[str] = frozenset()) -> None:
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


def seat_load(b: Builder) -> dict[str, float]:
    hours: dict[str, float] = {}
    for g in b.groups:
        yh = g.yearly_hours
        for pid, _, att in g.members:
            hours[pid] = hours.get(pid, 0.0) + yh * (1.0 if att is None else att)
    return hours


def limit_loads(b: Builder, limit: float = 0.4) -> None:
    """Keep meeting loads under ``limit`` of working time, as busy people send apologies (planted loads excepted)."""
    hours = seat_load(b)
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
