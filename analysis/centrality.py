"""Brokers: the people through whom the system's conversations pass."""

from __future__ import annotations

import networkx as nx

from .graphs import PERSON, LocalityGraphs, ident
from .settings import AuditSettings
from .structure import local_system


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

    References
    ----------
    Freeman, L. C. (1977). A set of measures of centrality based on
    betweenness. *Sociometry*, 40(1), 35-41.
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology*, 25(2), 163-177.
    Brandes, U., & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos*, 17(7), 2303-2318.
    """
    system = local_system(graphs)
    system.remove_nodes_from([n for n, d in system.degree() if d == 0])
    if system.number_of_nodes() < 3:
        return {}
    k = None
    if system.number_of_nodes() > settings.betweenness_exact_limit:
        k = min(settings.betweenness_samples, system.number_of_nodes())
    scores = nx.betweenness_centrality(system, k=k, seed=settings.seed, normalized=True)
    return {ident(n): s for n, s in scores.items() if n.startswith(f"{PERSON}:")}


def top_brokers(scores: dict[str, float], count: int) -> list[tuple[str, float]]:
    """The ``count`` highest-scoring people, ties broken by id."""
    ranked = sorted(((p, s) for p, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0]))
    return ranked[:count]
