"""The group-link graph: a directed multigraph of groups, one edge per link kind.

The audit walks this graph for every route it checks (upstream, downstream,
feedback, the centre), so it is built for every audit.  It is a plain
dictionary adjacency offering the part of :class:`networkx.MultiDiGraph`'s
interface the analyses use (``succ``, ``pred``, ``successors``,
``in_edges``, ``degree``, ...), with edge keys the link kinds, so an audit
never has to load NetworkX; :meth:`LinkGraph.to_networkx` gives the full
NetworkX graph when one is wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

#: Neighbour -> link kind -> the link's attributes (``id``).
Neighbours = dict[str, dict[Any, dict[str, Any]]]


class LinkGraph:
    """Groups joined by directed, kinded links; at most one edge per (from, to, kind).

    Parameters
    ----------
    name : str
        The locality's id.
    groups : iterable of str
        Every group's id, in file order: a group with no link is still a node.

    Notes
    -----
    ``succ[u][v]`` and ``pred[v][u]`` map each kind of link from ``u`` to
    ``v`` to its attributes, as NetworkX's multigraph adjacency does with
    edge keys; iteration follows insertion (file) order, as NetworkX's does.
    """

    def __init__(self, name: str, groups: Iterable[str]) -> None:
        self.name = name
        self.succ: dict[str, Neighbours] = {g: {} for g in groups}
        self.pred: dict[str, Neighbours] = {g: {} for g in self.succ}

    def add_edge(self, source: str, target: str, kind: Any, **attributes: Any) -> None:
        """Add the link ``source -> target`` of ``kind`` (adding either group if new)."""
        for g in (source, target):
            if g not in self.succ:
                self.succ[g], self.pred[g] = {}, {}
        self.succ[source].setdefault(target, {})[kind] = attributes
        self.pred[target].setdefault(source, {})[kind] = attributes

    def __iter__(self) -> Iterator[str]:
        return iter(self.succ)

    def __contains__(self, group: object) -> bool:
        return group in self.succ

    def __len__(self) -> int:
        return len(self.succ)

    def successors(self, group: str) -> Iterator[str]:
        """Groups ``group`` links to."""
        return iter(self.succ[group])

    def predecessors(self, group: str) -> Iterator[str]:
        """Groups linking to ``group``."""
        return iter(self.pred[group])

    def out_edges(self, group: str, keys: bool = False) -> Iterator[tuple]:
        """``(group, target, kind)`` for each link from ``group`` (``(group, target)`` without keys)."""
        return _edges_of(group, self.succ[group], keys, outward=True)

    def in_edges(self, group: str, keys: bool = False) -> Iterator[tuple]:
        """``(source, group, kind)`` for each link to ``group`` (``(source, group)`` without keys)."""
        return _edges_of(group, self.pred[group], keys, outward=False)

    def edges(self, keys: bool = False) -> Iterator[tuple]:
        """Every link, as ``(from, to, kind)`` or ``(from, to)``, grouped by ``from`` in node order."""
        for group, neighbours in self.succ.items():
            yield from _edges_of(group, neighbours, keys, outward=True)

    def degree(self, group: str) -> int:
        """Links into and out of ``group``, each kind counted once."""
        return sum(map(len, self.succ[group].values())) + sum(map(len, self.pred[group].values()))

    def number_of_edges(self) -> int:
        return sum(len(kinds) for neighbours in self.succ.values() for kinds in neighbours.values())

    def get_edge_data(self, source: str, target: str, default: Any = None) -> Any:
        """The kinds of link ``source -> target`` with their attributes, or ``default``."""
        return self.succ.get(source, {}).get(target, default)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The same graph as a :class:`networkx.MultiDiGraph` (edge keys the kinds)."""
        import networkx as nx  # loaded only by callers that want NetworkX itself

        graph = nx.MultiDiGraph(name=self.name)
        graph.add_nodes_from(self.succ)
        graph.add_edges_from(
            (u, v, kind, dict(data))
            for u, nbrs in self.succ.items()
            for v, kinds in nbrs.items()
            for kind, data in kinds.items()
        )
        return graph


def _edges_of(group: str, neighbours: Neighbours, keys: bool, *, outward: bool) -> Iterator[tuple]:
    for other, kinds in neighbours.items():
        ends = (group, other) if outward else (other, group)
        if keys:
            for kind in kinds:
                yield (*ends, kind)
        else:
            for _ in kinds:
                yield ends
