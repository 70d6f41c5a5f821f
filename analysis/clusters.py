"""Clusters of meetings: groups that share people, found as communities of the group projection.

Two meetings that seat the same people carry each other's news whether or
not a link joins them; a set of meetings that share people among themselves
more than with the rest is a cluster of the system (what Kumu's community
view shows).  The clusters here are the communities of the weighted
one-mode projection of the membership graph onto groups
(:func:`analysis.graphs.group_projection`, Breiger 1974), found by the
Louvain method as NetworkX implements it, seeded.

Why shared members, not Jaccard
-------------------------------
The weight of a pair of groups is the number of people who sit on both:
the number of people who can carry an item from one meeting to the other.
Modularity, which Louvain maximises, already discounts pairs that share
many people only because both groups are big (its null model expects a
weight in proportion to the product of the two groups' total shared
seats), so dividing by the groups' sizes as well (Jaccard) would correct
for size twice, and would let two two-person meetings sharing one person
outweigh two large forums sharing five.  On the samples Jaccard weights
change the clusters of Banbury and Thame (``docs/measures.md``).

NetworkX is imported here, not at the top of the audit: clusters are
computed only when measures are asked for.

References
----------
Blondel, V. D., Guillaume, J.-L., Lambiotte, R., & Lefebvre, E. (2008).
Fast unfolding of communities in large networks. *Journal of Statistical
Mechanics*, P10008.
Breiger, R. L. (1974). The duality of persons and groups. *Social Forces*,
53(2), 181-190.
Newman, M. E. J. (2006). Modularity and community structure in networks.
*PNAS*, 103(23), 8577-8582.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .graphs import LocalityGraphs, group_projection
from .settings import DEFAULT_SETTINGS

if TYPE_CHECKING:
    import networkx as nx

#: Runs with other seeds (``seed + 1`` ...) against which each cluster's stability is read.
STABILITY_RUNS = 10


@dataclass(frozen=True)
class Cluster:
    """A community of two or more groups in the group projection."""

    #: 1 for the largest cluster, then by size and the file order of their first group.
    number: int
    #: Group ids, in file order.
    groups: tuple[str, ...]
    #: Ids of the people who sit on two or more of its groups, in file order.
    shared_people: tuple[str, ...]
    #: Shared seats inside: the sum of the projection's weights between its groups.
    internal_weight: int
    #: Shared seats with groups outside it.
    external_weight: int
    #: Share of :data:`STABILITY_RUNS` runs with other seeds that find exactly these groups together.
    stability: float

    def as_dict(self) -> dict:
        return {
            "cluster": self.number,
            "groups": list(self.groups),
            "shared_people": list(self.shared_people),
            "internal_weight": self.internal_weight,
            "external_weight": self.external_weight,
            "stability": self.stability,
        }


def communities(projection: nx.Graph, seed: int, resolution: float = 1.0) -> list[frozenset[str]]:
    """Louvain communities of a weighted graph, seeded: the same graph and seed always give the same sets."""
    import networkx as nx

    found = nx.community.louvain_communities(projection, weight="weight", resolution=resolution, seed=seed)
    return [frozenset(c) for c in found]


def group_clusters(graphs: LocalityGraphs, seed: int = DEFAULT_SETTINGS.seed, resolution: float = 1.0) -> list[Cluster]:
    """The clusters of meetings of a locality: groups that share people more among themselves than with others.

    Parameters
    ----------
    graphs : LocalityGraphs
    seed : int
        Seed of the Louvain method (the audit's ``seed`` by default); the
        same locality and seed always give the same clusters.
    resolution : float
        Modularity's resolution: above 1 favours smaller clusters.

    Returns
    -------
    list of Cluster
        Largest first.  A group that shares nobody, or that the method
        leaves on its own, is in no cluster.

    Notes
    -----
    Louvain (Blondel et al. 2008) on the group projection weighted by shared
    members, maximising modularity (Newman 2006).  Where the data give no
    reason to split, it does not: meetings that all share people evenly
    (every pair the same weight) have modularity 0 as one community and
    less in any split, so they come out as one cluster.  Where several
    splits are equally good (a ring of meetings, each sharing with the
    next) the seed picks one; ``stability`` says so, as the share of
    :data:`STABILITY_RUNS` runs with other seeds that find the same
    cluster (1.0: every run agrees).

    References
    ----------
    Blondel, V. D., Guillaume, J.-L., Lambiotte, R., & Lefebvre, E. (2008).
    Fast unfolding of communities in large networks. *Journal of
    Statistical Mechanics*, P10008.
    Newman, M. E. J. (2006). Modularity and community structure in
    networks. *PNAS*, 103(23), 8577-8582.
    """
    projection = group_projection(graphs)
    found = [c for c in communities(projection, seed, resolution) if len(c) > 1]
    order = graphs.group_index
    found.sort(key=lambda c: (-len(c), min(order[g] for g in c)))
    again = Counter(c for run in range(1, STABILITY_RUNS + 1) for c in communities(projection, seed + run, resolution))
    return [
        _cluster(graphs, projection, number, members, again[members] / STABILITY_RUNS)
        for number, members in enumerate(found, start=1)
    ]


def _cluster(
    graphs: LocalityGraphs, projection: nx.Graph, number: int, members: frozenset[str], stability: float
) -> Cluster:
    """One cluster's groups, shared people and weights."""
    groups = tuple(g for g in graphs.group_index if g in members)
    seats = Counter(p for g in groups for p in graphs.members_of[g])
    internal = external = 0
    for g in groups:
        for other, edge in projection[g].items():
            if other not in members:
                external += edge["weight"]
            elif graphs.group_index[other] > graphs.group_index[g]:
                internal += edge["weight"]
    shared = tuple(p for p in graphs.person_index if seats[p] > 1)
    return Cluster(number, groups, shared, internal, external, stability)


def cluster_of_group(clusters: list[Cluster]) -> dict[str, int]:
    """Each clustered group's cluster number (groups in no cluster are left out)."""
    return {g: c.number for c in clusters for g in c.groups}


def clusters_of_person(graphs: LocalityGraphs, clusters: list[Cluster]) -> dict[str, list[int]]:
    """The clusters each person's groups fall in, in ascending order (people on two or more join clusters)."""
    where = cluster_of_group(clusters)
    return {p: sorted({where[g] for g in groups if g in where}) for p, groups in graphs.groups_of.items()}
