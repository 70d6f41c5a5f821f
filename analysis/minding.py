"""Systems minding: who watches over the communication system, and how far they reach.

Minders are declared (``systems_minder: true``) or, where the file declares
none, inferred from structure: the report found that "in each of the
successful pilots there was somebody holding the flame for interagency work
and galvanising local support" (Glenny 2005, 3.8), though only Banbury's and
Thame's were named.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.vocab import MemberRole

from .attendance import is_regular
from .graphs import LocalityGraphs

#: Seats from which a person leads a group.
LEADING_ROLES = frozenset({MemberRole.chair, MemberRole.coordinator})


@dataclass(frozen=True)
class MinderReach:
    """How far some minders reach over the local groups, seat by seat in proportion to attendance."""

    minders: tuple[str, ...]
    #: For each local group (file order), the largest attended share by which a minder reaches it.
    reached: tuple[tuple[str, float], ...]
    attended: tuple[str, ...]
    within_one_link: tuple[str, ...]
    unreached: tuple[str, ...]

    @property
    def share(self) -> float:
        """The mean reach over local groups: a group reached at attendance ``w`` counts ``w``."""
        return sum(w for _, w in self.reached) / len(self.reached) if self.reached else 0.0


def _seat_reach(graphs: LocalityGraphs, minders: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """(groups sat on, groups one link away) with the best attended share a minder brings to each."""
    local = set(graphs.local_groups)
    sat: dict[str, float] = {}
    near: dict[str, float] = {}
    for person in minders:
        for g in graphs.groups_of[person]:
            if g not in local:
                continue
            w = graphs.weight(person, g)
            sat[g] = max(sat.get(g, 0.0), w)
            for h in (*graphs.links.successors(g), *graphs.links.predecessors(g)):
                near[h] = max(near.get(h, 0.0), w)
    return sat, near


def reach_of(graphs: LocalityGraphs, minders: tuple[str, ...]) -> MinderReach:
    """The local groups some people attend, reach through one link, or miss.

    Notes
    -----
    A minder reaches a group they sit on, and a group joined by one link (in
    either direction) to a group they sit on, "freeing up communication
    across all the related communication structures in a given locality"
    (3.8).  Each seat counts in proportion to its attendance: a minder who
    attends a quarter of a group's meetings reaches it, and its neighbours,
    a quarter.  Only seats on the locality's own groups count.
    """
    sat, near = _seat_reach(graphs, minders)
    best = {g: max(sat.get(g, 0.0), near.get(g, 0.0)) for g in graphs.local_groups}
    return MinderReach(
        minders=minders,
        reached=tuple(best.items()),
        attended=tuple(g for g in graphs.local_groups if sat.get(g, 0.0) > 0),
        within_one_link=tuple(g for g in graphs.local_groups if sat.get(g, 0.0) == 0 and best[g] > 0),
        unreached=tuple(g for g in graphs.local_groups if best[g] == 0),
    )


def declared_minders(graphs: LocalityGraphs) -> tuple[str, ...]:
    """People marked ``systems_minder`` who attend at least one of the locality's own groups."""
    local = set(graphs.local_groups)
    return tuple(
        p.id
        for p in graphs.document.people
        if p.systems_minder and any(g in local and graphs.weight(p.id, g) > 0 for g in graphs.groups_of[p.id])
    )


def absent_minders(graphs: LocalityGraphs) -> tuple[str, ...]:
    """People marked ``systems_minder`` who hold no seat on a local group, or attend none of its meetings."""
    present = set(declared_minders(graphs))
    return tuple(p.id for p in graphs.document.people if p.systems_minder and p.id not in present)


def systems_minder_reach(graphs: LocalityGraphs) -> MinderReach:
    """The reach of the declared systems minders (:func:`reach_of`)."""
    return reach_of(graphs, declared_minders(graphs))


def leads(graphs: LocalityGraphs, person: str, group_id: str) -> bool:
    """Whether the person chairs or co-ordinates the group from a regularly attended seat."""
    seat = graphs.seat(person, group_id)
    return seat.role in LEADING_ROLES and is_regular(graphs.weight(person, group_id))


def inferred_minders(graphs: LocalityGraphs, principal: str | None, most: float) -> MinderReach | None:
    """De facto systems minders read from structure, when none is declared.

    Parameters
    ----------
    graphs : LocalityGraphs
    principal : str or None
        The principal group (:func:`analysis.pathways.principal_group`).
    most : float
        Share of local groups a person must reach, more than which counts as
        "most groups" (``minder_reach_medium``).

    Returns
    -------
    MinderReach or None
        The reach of every person who works on the patch (``local``), chairs
        or co-ordinates the principal group and at least one other local
        group, and reaches more than ``most`` of the local groups; None when
        nobody does, or when a minder is declared.

    Notes
    -----
    The flame-holders of 3.8 and 5.2 ("experienced personnel who would carry
    the interagency flame") lead the key group and the groups around it;
    local, because in Abingdon "there was no local champion for interagency
    work" (Appendix 2c).  Leading meetings is not minding ("The role of the
    'systems minder' could be part of the role of a project manager, but is
    not synonymous with it", 3.8), so what an inferred minder earns is capped.
    """
    if principal is None or declared_minders(graphs):
        return None
    local = set(graphs.local_groups)
    found = []
    for person in graphs.members_of[principal]:
        if not graphs.people[person].local or not leads(graphs, person, principal):
            continue
        others = [g for g in graphs.groups_of[person] if g != principal and g in local]
        if any(leads(graphs, person, g) for g in others) and reach_of(graphs, (person,)).share > most:
            found.append(person)
    return reach_of(graphs, tuple(found)) if found else None
