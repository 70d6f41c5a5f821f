"""Brokers: the people through whom the system's conversations pass."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

from .graphs import LocalityGraphs
from .kernels import betweenness
from .settings import AuditSettings
from .sparse import Adjacency

#: How many graphs' scores :func:`recent_betweenness` keeps.
RECENT_GRAPHS = 32
_recent: OrderedDict[tuple, np.ndarray] = OrderedDict()
_recent_lock = threading.Lock()


def broker_scores(graphs: LocalityGraphs, settings: AuditSettings) -> dict[str, float]:
    """Betweenness centrality of each person in the two-mode system graph.

    Returns
    -------
    dict
        Person id to normalised betweenness, for people who sit on groups.

    Notes
    -----
    Betweenness (Freeman 1977) counts the shortest paths between all pairs
    of nodes that pass through a node; in the two-mode graph of people,
    groups and links, a high-scoring person carries the conversations
    between groups that would otherwise not meet: the "link work" the report
    found one Abingdon co-ordinator doing alone.  Above
    ``betweenness_exact_limit`` nodes the score is estimated from
    ``betweenness_samples`` sources chosen with ``seed`` (Brandes & Pich
    2007), so repeated audits agree.

    The graph is the local system without isolated nodes, in the node
    order of :func:`analysis.structure.local_system`, and the scores are
    those of ``networkx.betweenness_centrality(G, k, seed=seed,
    normalized=True)`` on it: the same sampled sources and scaling, computed
    by igraph's Brandes algorithm in C when igraph is installed, by
    NetworkX otherwise (:func:`analysis.kernels.betweenness`), O(kE) for
    k sources.  Scores are rounded to 12 decimal places so that exact ties
    stay ties (ranked by id) whichever library summed them.

    References
    ----------
    Freeman, L. C. (1977). A set of measures of centrality based on
    betweenness. *Sociometry*, 40(1), 35-41.
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology*, 25(2), 163-177.
    Brandes, U., & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos*, 17(7), 2303-2318.
    """
    adjacency = graphs.local_adjacency
    nodes = np.flatnonzero(np.diff(adjacency.indptr) > 0)  # file order: people, then groups
    n = len(nodes)
    if n < 3:
        return {}
    k = None
    if n > settings.betweenness_exact_limit:
        k = min(settings.betweenness_samples, n)
    scores = recent_betweenness(adjacency.induced(nodes), k=k, seed=settings.seed)
    people = graphs.document.people
    n_people = len(people)
    return {
        people[i].id: round(float(s), 12) for i, s in zip(nodes.tolist(), scores.tolist(), strict=True) if i < n_people
    }


def recent_betweenness(adjacency: Adjacency, *, k: int | None, seed: int) -> np.ndarray:
    """:func:`analysis.kernels.betweenness`, remembered for the last :data:`RECENT_GRAPHS` graphs.

    Parameters
    ----------
    adjacency : Adjacency
    k : int or None
        Sources to sample (None: exact).
    seed : int

    Returns
    -------
    numpy.ndarray
        The scores, as :func:`analysis.kernels.betweenness` gives them (read-only).

    Notes
    -----
    Keyed by a digest of the graph's arrays and the sampling, so the scores
    of a graph seen before are not counted again: a change to a locality
    that leaves who sits on which group and which groups are linked as they
    were (how long its meetings last, how often they meet) is audited
    without its costliest step.  Thread-safe; two threads that miss at once
    both count.
    """
    digest = hashlib.blake2b(adjacency.indptr.tobytes(), digest_size=16)
    digest.update(adjacency.indices.tobytes())
    shape = (len(adjacency.indptr), adjacency.indptr.dtype.str, adjacency.indices.dtype.str)
    key = (digest.digest(), shape, k, seed)
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
    scores = betweenness(adjacency, k=k, seed=seed)
    scores.flags.writeable = False
    with _recent_lock:
        _recent[key] = scores
        while len(_recent) > RECENT_GRAPHS:
            _recent.popitem(last=False)
    return scores


def forget_recent_betweenness() -> None:
    """Forget every remembered score, so the next audit counts paths again (the benchmark times the count)."""
    with _recent_lock:
        _recent.clear()


def top_brokers(scores: dict[str, float], count: int) -> list[tuple[str, float]]:
    """The ``count`` highest-scoring people, ties broken by id."""
    ranked = sorted(((p, s) for p, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0]))
    return ranked[:count]
