"""The heavy graph computations, on integer-indexed sparse graphs.

NetworkX stays the graph model and the public face of this package
(:mod:`analysis.graphs`); the audit's inner loops run here instead, on
CSR adjacency matrices (:class:`analysis.sparse.Adjacency`, or any CSR
matrix with canonical ``indptr`` and ``indices``) whose nodes are numbered people first,
then groups (:attr:`analysis.graphs.LocalityGraphs.local_adjacency`), so a
county or national document (10^5 nodes, 5 x 10^5 edges) is audited in
seconds.  Each function states the NetworkX computation it agrees with;
``tests/test_scale.py`` checks that they agree.

Betweenness uses `igraph <https://python.igraph.org>`_ (C) on graphs large
enough to repay loading it, and Brandes' algorithm in plain Python on the
others (and wherever igraph is not installed), with the same sampled sources
and the same scaling as NetworkX; NetworkX itself is never loaded here.
"""

from __future__ import annotations

import math
import random
import sys
from collections import deque
from collections.abc import Iterable

import numpy as np

from .sparse import Adjacency, upper_edges

#: Nodes above which betweenness is worth igraph.  Importing igraph costs
#: about a tenth of a second of a command's start-up; exact betweenness in
#: Python costs about as much near 250 nodes
#: (0.05 s at 120, 0.18 s at 240, 0.8 s at 470, 5 s at 950 on 2 cores).
IGRAPH_FROM_NODES = 250


def _igraph():
    """igraph (GPL-2.0-or-later, C) if installed, else None.

    Imported on first use, and without its drawing support: igraph imports
    matplotlib.pyplot whenever matplotlib is installed (most of a second, and
    pyplot's global state), and locmap never draws with igraph.  While igraph
    loads, matplotlib is marked unimportable (a ``None`` entry in
    ``sys.modules``), so igraph falls back to its stand-in; the entry is
    removed at once, and matplotlib imports normally afterwards.
    """
    hidden = "matplotlib" not in sys.modules
    if hidden:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]
    try:
        import igraph
    except ImportError:  # pragma: no cover - exercised where igraph is absent
        return None
    finally:
        if hidden:
            del sys.modules["matplotlib"]
    return igraph


#: Nodes up to which components are found by a breadth-first search here:
#: importing scipy.sparse.csgraph (which loads scipy.linalg) costs more than
#: the search on a locality of this size.
SMALL_GRAPH_NODES = 2000


def component_labels(adjacency: Adjacency) -> np.ndarray:
    """The connected component of each node of an undirected graph.

    Equivalent to :func:`networkx.connected_components`, numbered in order of
    each component's lowest node, as :func:`scipy.sparse.csgraph.connected_components`
    numbers them; O(V + E) either way.
    """
    n = adjacency.shape[0]
    if n > SMALL_GRAPH_NODES:
        from scipy.sparse.csgraph import connected_components

        matrix = adjacency.to_scipy() if isinstance(adjacency, Adjacency) else adjacency
        return connected_components(matrix, directed=False)[1]
    indptr, indices = adjacency.indptr.tolist(), adjacency.indices.tolist()
    labels = [-1] * n
    count = 0
    for start in range(n):
        if labels[start] >= 0:
            continue
        labels[start] = count
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in indices[indptr[node] : indptr[node + 1]]:
                if labels[other] < 0:
                    labels[other] = count
                    queue.append(other)
        count += 1
    return np.asarray(labels, dtype=np.int32)


def separated_subtrees(adjacency: Adjacency, root: int) -> tuple[np.ndarray, dict[int, list[tuple[int, int]]]]:
    """What each cut vertex separates from ``root`` in the root's component.

    Parameters
    ----------
    adjacency : Adjacency
        A symmetric 0/1 matrix without self-loops (a simple undirected graph).
    root : int

    Returns
    -------
    preorder : numpy.ndarray
        The nodes of the root's component in depth-first preorder from ``root``.
    separated : dict
        For each articulation point ``v`` other than the root, the preorder
        intervals ``[start, stop)`` of the depth-first subtrees that removing
        ``v`` cuts off from the root.  ``v`` is an articulation point of the
        component exactly when it has an entry (the root's own entry, if
        any, is left out).

    Notes
    -----
    One iterative depth-first search computing discovery times and low
    points (Hopcroft & Tarjan 1973), O(V + E): a child ``c`` of ``v`` with
    ``low[c] >= disc[v]`` has no edge climbing above ``v``, so its subtree,
    a contiguous run of the preorder, is separated from the root when ``v``
    goes.  These subtrees are the blocks hanging from ``v`` on the far side
    from the root in the block-cut tree, as with
    :func:`networkx.biconnected_components`.

    References
    ----------
    Hopcroft, J., & Tarjan, R. (1973). Algorithm 447: efficient algorithms for
    graph manipulation. *Communications of the ACM*, 16(6), 372-378.
    """
    indptr = adjacency.indptr.tolist()
    indices = adjacency.indices.tolist()
    n = adjacency.shape[0]
    disc = [-1] * n
    low = [0] * n
    parent = [-1] * n
    finish = {}
    pos = indptr[:-1]
    preorder = [root]
    disc[root] = 0
    stack = [root]
    separated: dict[int, list[tuple[int, int]]] = {}
    below: dict[int, list[int]] = {}
    while stack:
        v = stack[-1]
        i, end = pos[v], indptr[v + 1]
        pushed = False
        low_v = low[v]
        parent_v = parent[v]
        while i < end:
            w = indices[i]
            i += 1
            if disc[w] < 0:
                parent[w] = v
                disc[w] = low[w] = len(preorder)
                preorder.append(w)
                stack.append(w)
                pushed = True
                break
            if w != parent_v and disc[w] < low_v:
                low_v = disc[w]
        low[v] = low_v
        pos[v] = i
        if pushed:
            continue
        stack.pop()
        finish[v] = len(preorder)
        if parent_v >= 0:
            if low_v < low[parent_v]:
                low[parent_v] = low_v
            if low_v >= disc[parent_v] and parent_v != root:
                below.setdefault(parent_v, []).append(v)
    for v, children in below.items():
        separated[v] = [(disc[c], finish[c]) for c in children]
    return np.asarray(preorder, dtype=np.int64), separated


def reach(adjacency: dict, kinds: frozenset, sources: Iterable) -> set:
    """Nodes reachable from any source by a directed path of at least one edge.

    ``adjacency`` is a NetworkX multigraph adjacency (``G.succ`` for forward,
    ``G.pred`` for reverse reachability), whose edge keys are the link kinds;
    only edges with a key in ``kinds`` are followed.  A source is in the
    result only when it is reachable from a source (on a cycle, say), as in
    the union of :func:`networkx.descendants`.  Breadth-first, O(V + E).
    """
    seen: set = set()
    frontier = deque(sources)
    while frontier:
        u = frontier.popleft()
        for v, keys in adjacency[u].items():
            if v not in seen and not kinds.isdisjoint(keys):
                seen.add(v)
                frontier.append(v)
    return seen


def betweenness(
    adjacency: Adjacency, *, k: int | None = None, seed: int | None = None, backend: str | None = None
) -> np.ndarray:
    """Normalised betweenness of every node of a simple undirected graph, exact or sampled.

    Parameters
    ----------
    adjacency : Adjacency
        Symmetric 0/1 adjacency; node ``i`` is row ``i``.
    k : int, optional
        Estimate from ``k`` source nodes chosen by ``random.Random(seed)``
        (exact when None or ``k == n``).
    seed : int, optional
    backend : {"igraph", "python"}, optional
        Default: igraph when installed and the graph has more than
        :data:`IGRAPH_FROM_NODES` nodes; Brandes' algorithm in Python
        (:func:`_dependencies`) below that.

    Returns
    -------
    numpy.ndarray
        Exactly the semantics of :func:`networkx.betweenness_centrality`
        ``(G, k=k, seed=seed, normalized=True)`` on the graph with nodes
        ``0..n-1`` in order: the same sources (``seed.sample(list(G), k)``)
        and the same rescaling (Brandes & Pich 2007 as NetworkX 3.x does it:
        sources scaled by ``1/((k-1)(n-2))``, other nodes by ``1/(k(n-2))``).

    Notes
    -----
    Both backends accumulate the dependencies of the sources on every other
    node, summed over ordered (source, target) pairs as NetworkX does.  With
    igraph that is ``Graph.betweenness(sources=...)`` (igraph >= 0.10),
    which on an undirected graph counts each pair once, so is doubled;
    Brandes' algorithm, O(kE) for k sources, in C.  Exact scores fold each
    pendant node into its anchor (:func:`pendant_folding`), so a search is
    made from every node but the pendants.

    References
    ----------
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology*, 25(2), 163-177.
    Brandes, U., & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos*, 17(7), 2303-2318.
    """
    n = adjacency.shape[0]
    if k is not None and k >= n:
        k = None
    sources = None if k is None else random.Random(seed).sample(range(n), k)
    backend = backend or ("igraph" if n > IGRAPH_FROM_NODES and _igraph() is not None else "python")
    if sources is None:  # exact: each pendant's paths are its anchor's (pendant_folding)
        weights, anchored = pendant_folding(adjacency)
        raw = _weighted_dependencies(adjacency, weights, backend) + anchored
    elif backend == "python":
        raw = _dependencies(adjacency, {s: 1 for s in sources})
    else:
        raw = 2.0 * _igraph_dependencies(_igraph_graph(adjacency), sources)
    return _rescaled(raw, n, k, sources)


def pendant_folding(adjacency: Adjacency) -> tuple[np.ndarray, np.ndarray]:
    """How exact betweenness is summed with each pendant node folded into its anchor.

    Parameters
    ----------
    adjacency : Adjacency
        Symmetric 0/1 adjacency of a simple undirected graph.

    Returns
    -------
    weights : numpy.ndarray
        Each node's weight as a source: 0 for a pendant, otherwise 1 plus
        the pendants hanging on it.
    anchored : numpy.ndarray
        Each node's dependency on it from its own pendants as sources,
        over ordered pairs: pendants x (nodes in its component - 2).

    Notes
    -----
    A pendant is a node of degree 1 whose neighbour, its anchor, has degree
    more than 1 (the two ends of a lone edge are no pendants).  Every
    shortest path from a pendant runs through its anchor, so the pendant's
    dependency on any other node is the anchor's, and on the anchor itself
    it is one for each of the other nodes of their component (Baglioni et al.
    2012).  Exact betweenness is then the sum of ``weights[s]`` times the
    dependencies of the non-pendant sources ``s``, plus ``anchored``: the
    same sum over ordered pairs as Brandes' algorithm from every node, with
    a third fewer searches on a locality's graph of people and groups, where
    people on one group only are pendants.

    References
    ----------
    Baglioni, M., Geraci, F., Pellegrini, M., & Lastres, E. (2012). Fast
    exact computation of betweenness centrality in social networks.
    *Proceedings of ASONAM 2012*, 450-456.
    """
    indptr, indices = adjacency.indptr, adjacency.indices
    degree = np.diff(indptr)
    lone = np.flatnonzero(degree == 1)
    anchors = indices[indptr[lone]]
    folded = degree[anchors] > 1
    pendants, anchors = lone[folded], anchors[folded]
    weights = np.ones(len(degree), dtype=np.int64)
    weights[pendants] = 0
    hanging = np.bincount(anchors, minlength=len(degree))
    weights += hanging
    labels = component_labels(adjacency)
    component_size = np.bincount(labels)[labels] if len(labels) else labels
    return weights, (hanging * (component_size - 2)).astype(np.float64)


def _weighted_dependencies(adjacency: Adjacency, weights: np.ndarray, backend: str) -> np.ndarray:
    """The dependencies of every source with a weight, times its weight, summed over ordered pairs."""
    if backend == "python":
        return _dependencies(adjacency, {s: w for s, w in enumerate(weights.tolist()) if w})
    graph = _igraph_graph(adjacency)
    raw = np.zeros(adjacency.shape[0])
    for weight in sorted(set(weights[weights > 0].tolist())):  # a call per weight (np.unique would load numpy.ma)
        raw += weight * _igraph_dependencies(graph, np.flatnonzero(weights == weight).tolist())
    return 2.0 * raw


def _igraph_graph(adjacency: Adjacency):
    igraph = _igraph()
    if igraph is None:
        raise RuntimeError("igraph is not installed")
    first, second = upper_edges(adjacency)
    edges = list(zip(first.tolist(), second.tolist(), strict=True))
    return igraph.Graph(n=adjacency.shape[0], edges=edges, directed=False)


def _igraph_dependencies(graph, sources: list[int]) -> np.ndarray:
    """igraph's betweenness from ``sources``, each unordered pair counted once."""
    return np.asarray(graph.betweenness(directed=False, sources=sources), dtype=np.float64)


def _dependencies(adjacency: Adjacency, weights: dict[int, int]) -> np.ndarray:
    """Brandes' accumulated dependencies of the sources on every node, over ordered pairs, each times its weight.

    One breadth-first search per source counts shortest paths (``sigma``);
    walking back from the farthest node, each node passes its dependency to
    the predecessors it is reached through, in proportion to their paths.
    """
    indptr, indices = adjacency.indptr.tolist(), adjacency.indices.tolist()
    neighbours = [indices[indptr[i] : indptr[i + 1]] for i in range(len(indptr) - 1)]
    total = [0.0] * len(neighbours)
    for s, weight in weights.items():
        order, before, sigma = _shortest_paths(neighbours, s)
        delta = dict.fromkeys(order, 0.0)
        for w in reversed(order):
            share = (1.0 + delta[w]) / sigma[w]
            for v in before[w]:
                delta[v] += sigma[v] * share
            if w != s:
                total[w] += weight * delta[w]
    return np.asarray(total, dtype=np.float64)


def _shortest_paths(neighbours: list[list[int]], source: int) -> tuple[list[int], dict, dict]:
    """Breadth-first from ``source``: nodes in the order reached, each one's predecessors and path count."""
    order: list[int] = []
    before: dict[int, list[int]] = {source: []}
    sigma = {source: 1}
    depth = {source: 0}
    frontier = deque([source])
    while frontier:
        v = frontier.popleft()
        order.append(v)
        next_depth, paths = depth[v] + 1, sigma[v]
        for w in neighbours[v]:
            if w not in depth:
                depth[w] = next_depth
                frontier.append(w)
                sigma[w], before[w] = 0, []
            if depth[w] == next_depth:
                sigma[w] += paths
                before[w].append(v)
    return order, before, sigma


def _rescaled(raw: np.ndarray, n: int, k: int | None, sources: list[int] | None) -> np.ndarray:
    """Normalise dependencies summed over ordered pairs as NetworkX does, exact or from ``k`` sources."""
    big_n = n - 1  # endpoints excluded: pairs (s, t) with s, t != v
    if big_n < 2:
        return raw
    if k is None:
        return raw * (1 / (big_n * (big_n - 1)))
    scale_source = 1 / ((k - 1) * (big_n - 1)) if k > 1 else math.nan
    scale_other = 1 / (k * (big_n - 1))
    scale = np.full(n, scale_other)
    scale[sources] = scale_source
    return raw * scale
