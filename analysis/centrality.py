"""Brokers: the people through whom the system's conversations pass."""

from __future__ import annotations

import numpy as np

from .graphs import LocalityGraphs
from .kernels import betweenness
from .settings import AuditSettings


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
    scores = betweenness(adjacency.induced(nodes), k=k, seed=settings.seed)
    people = graphs.document.people
    n_people = len(people)
    return {
        people[i].id: round(float(s), 12) for i, s in zip(nodes.tolist(), scores.tolist(), strict=True) if i < n_people
    }


def top_brokers(scores: dict[str, float], count: int) -> list[tuple[str, float]]:
    """The ``count`` highest-scoring people, ties broken by id."""
    ranked = sorted(((p, s) for p, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0]))
    return ranked[:count]
