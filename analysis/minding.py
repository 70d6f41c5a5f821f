"""Systems minding: who watches over the communication system, and how far they reach."""

from __future__ import annotations

from dataclasses import dataclass

from .graphs import LocalityGraphs


@dataclass(frozen=True)
class MinderReach:
    minders: tuple[str, ...]
    attended: tuple[str, ...]
    within_one_link: tuple[str, ...]
    unreached: tuple[str, ...]

    @property
    def share(self) -> float:
        total = len(self.attended) + len(self.within_one_link) + len(self.unreached)
        return (len(self.attended) + len(self.within_one_link)) / total if total else 0.0


def systems_minder_reach(graphs: LocalityGraphs) -> MinderReach:
    """The local groups systems minders attend, reach through one link, or miss.

    Notes
    -----
    A systems minder guards the project's purpose, receives issues and
    concerns and frees up communication "across all the related
    communication structures in a given locality" (Glenny 2005, 3.8, after
    Huxham & Vangen 2005: "the nurturing process must be continuous").  Here a
    minder reaches a group they sit on, and a group joined by one link (in
    either direction) to a group they sit on.  Only people marked
    ``systems_minder`` who sit on at least one of the locality's own groups
    count, and only their seats there.

    References
    ----------
    Huxham, C., & Vangen, S. (2005). *Managing to Collaborate*. Routledge.
    """
    local = set(graphs.local_groups)
    # A minder minds the locality: seats on county-wide groups alone do not count.
    minders = tuple(
        p.id for p in graphs.document.people if p.systems_minder and any(g in local for g in graphs.groups_of[p.id])
    )
    attended = {g for m in minders for g in graphs.groups_of[m] if g in local}
    near = set()
    for g in attended:
        near.update(graphs.links.successors(g))
        near.update(graphs.links.predecessors(g))
    local = graphs.local_groups
    return MinderReach(
        minders=minders,
        attended=tuple(g for g in local if g in attended),
        within_one_link=tuple(g for g in local if g in near and g not in attended),
        unreached=tuple(g for g in local if g not in attended and g not in near),
    )
