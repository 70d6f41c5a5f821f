"""Connectedness: parts of the system, isolated groups and agencies, single points of failure."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from .graphs import GROUP, PERSON, LocalityGraphs, ident, node


def local_system(graphs: LocalityGraphs) -> nx.Graph:
    """The system graph without groups outside the locality.

    The local-authority centre is left out so that two parts which meet only
    through a county-wide group are still seen as two parts of the locality.
    """
    external = [node(GROUP, g.id) for g in graphs.document.groups if g.external]
    system = graphs.system.copy()
    system.remove_nodes_from(external)
    return system


def system_parts(graphs: LocalityGraphs) -> list[set[str]]:
    """The connected parts of the locality's communication system, as sets of group ids.

    Two groups are in the same part when a chain of shared members and links
    (in either direction) joins them.  Parts are ordered largest first (by
    groups, then people), ties broken by file order; people who sit on no
    group form no part.

    References
    ----------
    Hopcroft, J., & Tarjan, R. (1973). Algorithm 447: efficient algorithms for
    graph manipulation. *Communications of the ACM*, 16(6), 372-378.
    """
    system = local_system(graphs)
    order = {g: i for i, g in enumerate(graphs.local_groups)}
    parts = []
    for component in nx.connected_components(system):
        groups = {ident(n) for n in component if n.startswith("group:")}
        if groups:
            people = sum(1 for n in component if n.startswith("person:"))
            parts.append((groups, people))
    parts.sort(key=lambda item: (-len(item[0]), -item[1], min(order[g] for g in item[0])))
    return [groups for groups, _ in parts]


def isolated_groups(graphs: LocalityGraphs) -> list[str]:
    """Local groups with no link to another local group and no member who sits on one.

    Notes
    -----
    Links to and seats on groups outside the locality (the county centre) do
    not count: a group joined only to the centre is still cut off from the
    locality, which is where its issues need to go.
    """
    local = set(graphs.local_groups)
    out = []
    for group_id in graphs.local_groups:
        neighbours = set(graphs.links.successors(group_id)) | set(graphs.links.predecessors(group_id))
        if neighbours & local:
            continue
        if any(g in local and g != group_id for p in graphs.members_of[group_id] for g in graphs.groups_of[p]):
            continue
        out.append(group_id)
    return out


@dataclass(frozen=True)
class AgencyPresence:
    agency: str
    people: int
    seated: int
    groups: tuple[str, ...]


def agency_presence(graphs: LocalityGraphs) -> list[AgencyPresence]:
    """For each agency: how many of its people there are, how many sit on groups, and where."""
    out = []
    for agency in graphs.document.agencies:
        people = [p.id for p in graphs.document.people if p.agency == agency.id]
        groups: list[str] = []
        seated = 0
        for person in people:
            if graphs.groups_of[person]:
                seated += 1
            for g in graphs.groups_of[person]:
                if g not in groups:
                    groups.append(g)
        out.append(AgencyPresence(agency.id, len(people), seated, tuple(groups)))
    return out


@dataclass(frozen=True)
class CutPerson:
    person: str
    #: Groups that would be cut off from the main part if the person left.
    groups_cut_off: tuple[str, ...]


def single_points_of_failure(graphs: LocalityGraphs, main_group: str | None = None) -> list[CutPerson]:
    """People whose departure would cut groups off from the rest of the system.

    Parameters
    ----------
    graphs : LocalityGraphs
    main_group : str, optional
        The group whose part counts as "the rest" (the key communication
        group); by default the largest part.

    Notes
    -----
    Such a person is an articulation point (cut vertex) of the local system
    graph whose removal separates at least one group from the main part.
    Articulation points are found in linear time from the biconnected
    components (Hopcroft & Tarjan 1973); the groups each one cuts off are
    those of the blocks hanging from it on the far side from the main part.
    The report's Abingdon case: the co-ordinator "had been doing much of the
    link work, he took a lot of that knowledge with him" (Appendix 2c).

    References
    ----------
    Hopcroft, J., & Tarjan, R. (1973). Algorithm 447. *CACM* 16(6), 372-378.
    """
    system = local_system(graphs)
    if main_group is None:
        parts = system_parts(graphs)
        if not parts:
            return []
        main_group = sorted(parts[0], key=graphs.local_groups.index)[0]
    root = node(GROUP, main_group)
    if root not in system:
        return []
    component = system.subgraph(nx.node_connected_component(system, root))
    all_cuts = set(nx.articulation_points(component))
    cut_vertices = {n for n in all_cuts if n.startswith(f"{PERSON}:")}
    if not cut_vertices:
        return []
    # Block-cut tree rooted at the main group: each cut person's subtree (away
    # from the root) is what their departure separates.
    blocks = [set(b) for b in nx.biconnected_components(component)]
    tree = nx.Graph()
    for i, block in enumerate(blocks):
        tree.add_node(("block", i))
        for n in block:
            if n in all_cuts:
                tree.add_edge(("block", i), ("cut", n))
    root_block = next(i for i, b in enumerate(blocks) if root in b)
    parent = dict(nx.bfs_predecessors(tree, ("block", root_block)))
    children: dict = {}
    for child, par in parent.items():
        children.setdefault(par, []).append(child)

    def groups_below(start) -> set[str]:
        found, stack = set(), [start]
        while stack:
            item = stack.pop()
            if item[0] == "block":
                found.update(ident(n) for n in blocks[item[1]] if n.startswith(f"{GROUP}:"))
            stack.extend(children.get(item, []))
        return found

    out = []
    person_order = {p: i for i, p in enumerate(graphs.people)}
    for person in sorted(cut_vertices, key=lambda n: person_order[ident(n)]):
        cut_off: set[str] = set()
        for child in children.get(("cut", person), []):
            cut_off |= groups_below(child)
        if cut_off:
            ordered = tuple(g for g in graphs.local_groups if g in cut_off)
            out.append(CutPerson(ident(person), ordered))
    return out
