"""Connectedness: parts of the system, isolated groups and agencies, single points of failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .graphs import GROUP, LocalityGraphs, node
from .kernels import component_labels, separated_subtrees

if TYPE_CHECKING:
    import networkx as nx


def local_system(graphs: LocalityGraphs) -> nx.Graph:
    """The system graph without groups outside the locality, as a read-only view.

    The local-authority centre is left out so that two parts which meet only
    through a county-wide group are still seen as two parts of the locality.
    The view shares the system graph's data (copy it with ``nx.Graph(view)``
    to change it).  The audit itself uses the same graph as the integer
    matrix :attr:`~analysis.graphs.LocalityGraphs.local_adjacency`.
    """
    import networkx as nx  # a NetworkX view for callers that want one; the audit never does

    external = {node(GROUP, g.id) for g in graphs.document.groups if g.external}
    return nx.subgraph_view(graphs.system, filter_node=lambda n: n not in external)


def system_parts(graphs: LocalityGraphs) -> list[set[str]]:
    """The connected parts of the locality's communication system, as sets of group ids.

    Two groups are in the same part when a chain of shared members and links
    (in either direction) joins them.  Parts are ordered largest first (by
    groups, then people), ties broken by file order; people who sit on no
    group form no part.

    Notes
    -----
    The connected components of the local system graph, found by
    :func:`scipy.sparse.csgraph.connected_components` on its adjacency
    matrix in O(V + E); the same parts as :func:`networkx.connected_components`.

    References
    ----------
    Hopcroft, J., & Tarjan, R. (1973). Algorithm 447: efficient algorithms for
    graph manipulation. *Communications of the ACM*, 16(6), 372-378.
    """
    labels = component_labels(graphs.local_adjacency)
    n_people = len(graphs.document.people)
    group_labels = labels[n_people:]
    local = graphs.local_nodes[n_people:]
    local_columns = np.flatnonzero(local)
    if len(local_columns) == 0:
        return []
    # people per part, counted over the local system (external groups are not in it)
    people_count = np.bincount(labels[:n_people], minlength=labels.max() + 1)
    members: dict[int, list[int]] = {}
    for j in local_columns.tolist():
        members.setdefault(int(group_labels[j]), []).append(j)
    ids = [g.id for g in graphs.document.groups]
    # members lists are in file order, so the first is each part's earliest group
    parts = sorted(members.items(), key=lambda item: (-len(item[1]), -int(people_count[item[0]]), item[1][0]))
    return [{ids[j] for j in columns} for _, columns in parts]


def isolated_groups(graphs: LocalityGraphs) -> list[str]:
    """Local groups with no link to another local group and no member who sits on one.

    Notes
    -----
    Links to and seats on groups outside the locality (the county centre) do
    not count: a group joined only to the centre is still cut off from the
    locality, which is where its issues need to go.  A member sits on
    another local group exactly when they hold two or more local seats, so
    each seat is looked at once.
    """
    local = set(graphs.local_groups)
    if len(local) < 2:
        return []  # a locality of one group has nothing to be cut off from
    local_seats = {p: sum(1 for g in groups if g in local) for p, groups in graphs.groups_of.items()}
    out = []
    for group_id in graphs.local_groups:
        neighbours = set(graphs.links.successors(group_id)) | set(graphs.links.predecessors(group_id))
        if neighbours & local:
            continue
        if any(local_seats[p] >= 2 for p in graphs.members_of[group_id]):
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
        people = graphs.people_by_agency[agency.id]
        groups: dict[str, None] = {}  # ordered set: first seen, by person then seat
        seated = 0
        for person in people:
            if graphs.groups_of[person]:
                seated += 1
            groups.update(dict.fromkeys(graphs.groups_of[person]))
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
    One depth-first search from the main group computes low points
    (Hopcroft & Tarjan 1973), O(V + E): a person is a cut vertex when a
    depth-first subtree below them has no edge climbing above them, and the
    groups they cut off are those of such subtrees, the blocks hanging from
    them on the far side from the main group in the block-cut tree (see
    :func:`analysis.kernels.separated_subtrees`).
    The report's Abingdon case: the co-ordinator "had been doing much of the
    link work, he took a lot of that knowledge with him" (Appendix 2c).

    References
    ----------
    Hopcroft, J., & Tarjan, R. (1973). Algorithm 447. *CACM* 16(6), 372-378.
    """
    if main_group is None:
        parts = system_parts(graphs)
        if not parts:
            return []
        main_group = min(parts[0], key=graphs.group_index.__getitem__)
    if main_group not in graphs.group_index or graphs.groups[main_group].external:
        return []
    n_people = len(graphs.document.people)
    root = n_people + graphs.group_index[main_group]
    preorder, separated = separated_subtrees(graphs.local_adjacency, root)
    group_ids = [g.id for g in graphs.document.groups]
    out = []
    for person in sorted(v for v in separated if v < n_people):
        below = np.concatenate([preorder[start:stop] for start, stop in separated[person]])
        columns = np.sort(below[below >= n_people]) - n_people
        if len(columns):
            out.append(CutPerson(graphs.document.people[person].id, tuple(group_ids[j] for j in columns.tolist())))
    return out
