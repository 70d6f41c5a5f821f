"""Seeded positions for maps too big for vis to lay out in the browser.

The same document and seed always give the same map.  Small maps get a
spring layout of every node; in a big people map the groups are laid out
first and each person is put near the middle of their groups, so the work
grows linearly with the number of people.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import networkx as nx
import numpy as np

#: Above this many nodes, people are placed around their groups rather than
#: laid out one by one.
SATELLITE_LAYOUT_MIN = 500
#: Above this many nodes, the numpy layout replaces networkx's.
_NETWORKX_MAX = 500
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))

#: An undirected, weighted edge between two node ids.
Edge = tuple[str, str, float]


def _fruchterman_reingold(n: int, edges: list[tuple[int, int, float]], seed: int, iterations: int) -> np.ndarray:
    """A dense Fruchterman-Reingold layout in numpy, worked in row blocks.

    networkx switches to a pure-Python loop above 500 nodes, which takes
    seconds; this does the same arithmetic a block of rows at a time, in
    single precision.
    """
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2)).astype(np.float32)
    if n <= 1:
        return pos.astype(float)
    weight = np.zeros((n, n), dtype=np.float32)
    for i, j, w in edges:
        if i != j:
            weight[i, j] += w
            weight[j, i] += w
    k = np.float32(math.sqrt(1.0 / n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    block = max(1, int(2_000_000 // n))
    for _ in range(iterations):
        displacement = np.zeros((n, 2), dtype=np.float32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            dx = pos[start:stop, 0, None] - pos[None, :, 0]
            dy = pos[start:stop, 1, None] - pos[None, :, 1]
            distance2 = np.maximum(dx * dx + dy * dy, np.float32(1e-4))
            # Repulsion k^2/d and attraction w*d^2/k, along the unit vector (dx, dy)/d.
            force = k * k / distance2 - weight[start:stop] * np.sqrt(distance2) / k
            displacement[start:stop, 0] = (dx * force).sum(axis=1)
            displacement[start:stop, 1] = (dy * force).sum(axis=1)
        length = np.maximum(np.sqrt((displacement**2).sum(axis=1)), np.float32(0.01))
        pos += displacement * (np.float32(temperature) / length)[:, None]
        temperature -= cooling
    return pos.astype(float)


def _spring(node_ids: list[str], edges: list[Edge], seed: int) -> np.ndarray:
    """Seeded spring positions of some nodes, as an ``(n, 2)`` array."""
    n = len(node_ids)
    if n <= _NETWORKX_MAX:
        graph = nx.Graph()
        graph.add_nodes_from(node_ids)
        for u, v, w in edges:
            if u == v:
                continue
            if graph.has_edge(u, v):
                graph.edges[u, v]["weight"] += w
            else:
                graph.add_edge(u, v, weight=w)
        raw = nx.spring_layout(graph, seed=seed, iterations=80, weight="weight")
        return np.array([raw[i] for i in node_ids], dtype=float).reshape(n, 2)
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    iterations = max(10, min(60, int(2.5e8 // (n * n))))
    return _fruchterman_reingold(n, [(index[u], index[v], w) for u, v, w in edges], seed, iterations)


def _group_positions(core: list[str], edges: list[Edge], satellites: dict[str, list[str]], seed: int) -> np.ndarray:
    """Spring positions of the groups, joined by their links and by the people they share."""
    core_set = set(core)
    core_edges = [(u, v, w) for u, v, w in edges if u in core_set and v in core_set]
    shared: Counter = Counter()
    for anchors in satellites.values():
        for a_i, a in enumerate(anchors):
            for b in anchors[a_i + 1 :]:
                shared[(a, b) if a < b else (b, a)] += 1
    core_edges += [(a, b, 0.3 * min(count, 5)) for (a, b), count in shared.items()]
    return _spring(core, core_edges, seed) if core else np.zeros((0, 2))


def _room_around(core: list[str], core_pos: np.ndarray) -> dict[str, float]:
    """How far each group is from its nearest other group."""
    if len(core) <= 1:
        return dict.fromkeys(core, 0.4)
    from scipy.spatial import cKDTree

    nearest = cKDTree(core_pos).query(core_pos, k=2)[0][:, 1]
    return dict(zip(core, np.maximum(nearest, 1e-3)))


def _satellite_positions(
    node_ids: list[str], edges: list[Edge], satellites: dict[str, list[str]], seed: int
) -> np.ndarray:
    """Groups by spring layout, then each person near the middle of their groups.

    People with the same groups share a sunflower spiral around that middle.
    """
    rng = np.random.default_rng(seed)
    core = [i for i in node_ids if i not in satellites]
    core_pos = _group_positions(core, edges, satellites, seed)
    where = dict(zip(core, core_pos))
    room = _room_around(core, core_pos)
    clusters: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for node_id in node_ids:
        if node_id in satellites:
            clusters[tuple(sorted(satellites[node_id]))].append(node_id)
    for anchors, members in clusters.items():
        centre = np.mean([where[a] for a in anchors], axis=0) if anchors else rng.random(2) * 2 - 1
        # Within 45% of the distance from a group to its nearest other
        # group, a person is nearer their own group than any other.
        spacing = min((room[a] for a in anchors), default=0.4)
        phase = rng.random() * 2 * math.pi
        m = len(members)
        for i, node_id in enumerate(members):
            radius = spacing * (0.18 + 0.27 * math.sqrt((i + 0.5) / m))
            angle = phase + i * _GOLDEN_ANGLE
            where[node_id] = centre + radius * np.array([math.cos(angle), math.sin(angle)])
    return np.array([where[i] for i in node_ids], dtype=float)


def positions(
    node_ids: list[str],
    edges: list[Edge],
    seed: int,
    satellites: dict[str, list[str]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Seeded positions for every node, scaled to about +-1000 px (more for big maps).

    Parameters
    ----------
    node_ids : list of str
        Every node to place.
    edges : list of (str, str, float)
        Weighted edges between them; the weight pulls the two ends together.
    seed : int
        Seed of the layout.
    satellites : dict, optional
        Person -> the groups they sit on.  In a map of more than
        :data:`SATELLITE_LAYOUT_MIN` nodes, the groups are laid out alone and
        the people placed around them.

    Returns
    -------
    dict
        Node id -> ``(x, y)`` in whole pixels, centred on the origin.
    """
    n = len(node_ids)
    if n == 0:
        return {}
    if satellites and n > SATELLITE_LAYOUT_MIN:
        array = _satellite_positions(node_ids, edges, satellites, seed)
    else:
        array = _spring(node_ids, edges, seed)
    array = array - array.mean(axis=0)
    extent = np.abs(array).max()
    if extent > 0:
        array = array * (1000.0 * max(1.0, math.sqrt(n / 400)) / extent)
    return {node_id: (int(round(x)), int(round(y))) for node_id, (x, y) in zip(node_ids, array)}
