"""Two-mode centralities: degree and betweenness of people and groups on the membership graph.

The membership graph of a locality is two-mode, like the Davis Southern
Women data (people x events): a person is tied only to groups, a group only
to people.  One-mode normalisations (dividing by ``n - 1``, or by the
``(n - 1)(n - 2) / 2`` pairs) assume anyone can be tied to anyone, so in a
two-mode graph no node can reach them.  Borgatti & Everett (1997) normalise
each mode by the largest value a node of that mode can have given the sizes
of both modes; these are the conventions of NetworkX's
:func:`networkx.algorithms.bipartite.degree_centrality` and
:func:`networkx.algorithms.bipartite.betweenness_centrality`, which the tests
check these functions against.

The graph is the whole membership graph: every person and every group of the
file (groups outside the locality included, people on no group included, as
in :attr:`analysis.graphs.LocalityGraphs.membership`), seats only, links
left out.  NetworkX is never loaded here: the shortest paths are counted
by :func:`analysis.kernels.betweenness` on the seats' sparse adjacency.

References
----------
Borgatti, S. P., & Everett, M. G. (1997). Network analysis of 2-mode data.
*Social Networks*, 19(3), 243-269.
Borgatti, S. P., & Halgin, D. S. (2011). Analyzing affiliation networks. In
J. Scott & P. Carrington (Eds.), *The Sage Handbook of Social Network
Analysis* (pp. 417-433). Sage.
NetworkX, "Bipartite" (``networkx.algorithms.bipartite``),
https://networkx.org/documentation/stable/reference/algorithms/bipartite.html
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graphs import LocalityGraphs
from .kernels import betweenness
from .settings import DEFAULT_SETTINGS, AuditSettings
from .sparse import Adjacency, undirected_adjacency


@dataclass(frozen=True)
class TwoModeScores:
    """A centrality of every person and every group, by id, in file order."""

    people: dict[str, float]
    groups: dict[str, float]
    #: True when betweenness was estimated from a seeded sample of sources.
    estimated: bool = False


def membership_adjacency(graphs: LocalityGraphs) -> Adjacency:
    """The membership graph as a CSR adjacency: node ``i`` the ``i``-th person, ``P + j`` the ``j``-th group."""
    (rows, cols), person_ids, group_ids = graphs.incidence
    n_people = len(person_ids)
    return undirected_adjacency(n_people + len(group_ids), (rows, n_people + cols))


def two_mode_degree(graphs: LocalityGraphs) -> TwoModeScores:
    """Degree centrality of people and groups, each mode normalised by the size of the other.

    Parameters
    ----------
    graphs : LocalityGraphs

    Returns
    -------
    TwoModeScores
        A person's groups over the number of groups; a group's members over
        the number of people (0 where the other mode is empty).

    Notes
    -----
    Two-mode degree centrality (Borgatti & Everett 1997): the
    most a person can sit on is every group, the most a group can seat is
    everyone, so each mode is divided by the size of the other, as
    ``networkx.bipartite.degree_centrality(G, people)`` does.

    References
    ----------
    Borgatti, S. P., & Everett, M. G. (1997). Network analysis of 2-mode
    data. *Social Networks*, 19(3), 243-269.
    """
    (rows, cols), person_ids, group_ids = graphs.incidence
    seats_of_person = np.bincount(rows, minlength=len(person_ids))
    seats_of_group = np.bincount(cols, minlength=len(group_ids))
    return TwoModeScores(
        people=_shares(person_ids, seats_of_person, len(group_ids)),
        groups=_shares(group_ids, seats_of_group, len(person_ids)),
    )


def _shares(ids: list[str], counts: np.ndarray, most: float) -> dict[str, float]:
    return {i: (float(c) / most if most else 0.0) for i, c in zip(ids, counts.tolist(), strict=True)}


def max_betweenness(own: int, other: int) -> float:
    """The largest betweenness a node of a mode of ``own`` nodes can have beside ``other`` nodes.

    Parameters
    ----------
    own, other : int
        The sizes of the node's mode and of the other mode.

    Returns
    -------
    float
        ``(other^2 (s+1)^2 + other (s+1)(2t-s-1) - t(2s-t+3)) / 2`` with
        ``s, t = divmod(own - 1, other)``: pairs counted once, as in
        Borgatti & Everett (1997); 0 where no node can lie
        between two others (one node in the other mode, say).
    """
    if own < 1 or other < 1:
        return 0.0
    s, t = divmod(own - 1, other)
    return (other**2 * (s + 1) ** 2 + other * (s + 1) * (2 * t - s - 1) - t * (2 * s - t + 3)) / 2


def two_mode_betweenness(graphs: LocalityGraphs, settings: AuditSettings = DEFAULT_SETTINGS) -> TwoModeScores:
    """Betweenness of people and groups on the membership graph, each mode normalised by its own maximum.

    Parameters
    ----------
    graphs : LocalityGraphs
    settings : AuditSettings
        Above ``betweenness_exact_limit`` nodes the paths are counted from
        ``betweenness_samples`` sources chosen with ``seed``, as the audit's
        brokers are.

    Returns
    -------
    TwoModeScores
        Each node's betweenness (shortest paths between pairs of other
        nodes passing through it, each pair counted once) over
        :func:`max_betweenness` of its mode; 0 where that maximum is 0.
        Rounded to 12 decimal places, so ties stay ties whichever library
        summed them.

    Notes
    -----
    Two-mode betweenness (Borgatti & Everett 1997): a person
    between two groups is the only way from one meeting's business to the
    other's; a group between two people is where they meet.  Equal to
    ``networkx.bipartite.betweenness_centrality(G, people)`` on
    :attr:`~analysis.graphs.LocalityGraphs.membership` when exact.  The
    count is Brandes' algorithm (:func:`analysis.kernels.betweenness`,
    igraph in C on larger graphs), O(VE), or O(kE) from ``k`` sampled
    sources (Brandes & Pich 2007).

    References
    ----------
    Borgatti, S. P., & Everett, M. G. (1997). Network analysis of 2-mode
    data. *Social Networks*, 19(3), 243-269.
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology*, 25(2), 163-177.
    Brandes, U., & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos*, 17(7), 2303-2318.
    """
    _, person_ids, group_ids = graphs.incidence
    n_people, n_groups = len(person_ids), len(group_ids)
    n = n_people + n_groups
    k = min(settings.betweenness_samples, n) if n > settings.betweenness_exact_limit else None
    pairs = _pair_counts(membership_adjacency(graphs), k, settings.seed)
    most_person, most_group = max_betweenness(n_people, n_groups), max_betweenness(n_groups, n_people)
    return TwoModeScores(
        people=_scaled(person_ids, pairs[:n_people], most_person),
        groups=_scaled(group_ids, pairs[n_people:], most_group),
        estimated=k is not None and k < n,
    )


def _pair_counts(adjacency: Adjacency, k: int | None, seed: int) -> np.ndarray:
    """Shortest paths through each node between pairs of others, each unordered pair once.

    :func:`analysis.kernels.betweenness` gives the share of the ``(n-1)(n-2)/2``
    pairs (NetworkX's ``normalized=True``); multiplied back, its count.
    """
    n = adjacency.shape[0]
    if n < 3:
        return np.zeros(n)
    return betweenness(adjacency, k=k, seed=seed) * ((n - 1) * (n - 2) / 2)


def _scaled(ids: list[str], counts: np.ndarray, most: float) -> dict[str, float]:
    return {i: (round(float(c) / most, 12) if most > 0 else 0.0) for i, c in zip(ids, counts.tolist(), strict=True)}
