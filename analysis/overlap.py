"""Overlapping groups: meetings with very similar personnel (report 3.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graphs import LocalityGraphs


@dataclass(frozen=True)
class GroupOverlap:
    first: str
    second: str
    shared: int
    jaccard: float


def membership_overlaps(graphs: LocalityGraphs, *, min_shared: int = 1, min_jaccard: float = 0.0) -> list[GroupOverlap]:
    """Jaccard similarity of the member sets of every pair of groups that share members.

    Parameters
    ----------
    graphs : LocalityGraphs
    min_shared : int
        Leave out pairs sharing fewer members than this.
    min_jaccard : float
        Leave out pairs whose Jaccard similarity is below this (filtered on
        the arrays, before any pair becomes an object: at national scale
        millions of pairs share someone).

    Returns
    -------
    list of GroupOverlap
        One entry per pair (in file order of the first group), with the
        number of shared members and ``|A & B| / |A | B|``.

    Notes
    -----
    The shared-member counts of all pairs are the off-diagonal entries of
    ``B.T @ B`` for the people x groups incidence matrix ``B``, so pairs with
    nothing in common are never visited: the cost is that of the sparse
    product, not of all ``n^2`` pairs.  This is the Jaccard coefficient of
    the groups' neighbourhoods in the two-mode graph.  The product is
    computed once per locality (:attr:`LocalityGraphs.co_membership`) and
    the similarities are vectorised over all pairs.

    References
    ----------
    Jaccard, P. (1901). Étude comparative de la distribution florale dans une
    portion des Alpes et du Jura. *Bulletin de la Société Vaudoise des
    Sciences Naturelles*, 37, 547-579.
    Glenny (2005), section 3.2: "the plethora of meetings being held, all with
    different but very often, overlapping purposes, some with very similar
    personnel".
    """
    _, _, group_ids = graphs.incidence
    rows, cols, counts, jaccard = _pairs(graphs)
    keep = counts >= max(min_shared, 1)
    if min_jaccard > 0:
        keep &= jaccard >= min_jaccard
    rows, cols, counts, jaccard = rows[keep], cols[keep], counts[keep], jaccard[keep]
    order = np.lexsort((cols, rows))
    return [GroupOverlap(group_ids[rows[k]], group_ids[cols[k]], int(counts[k]), float(jaccard[k])) for k in order]


def overlap_index(graphs: LocalityGraphs) -> float:
    """Mean, over groups with members, of each group's largest Jaccard with any other group.

    0 when no two groups share anyone; 1 when every group's membership is
    repeated exactly in another group.
    """
    sizes = graphs.co_membership[3]
    seated = sizes > 0
    if seated.sum() == 0:
        return 0.0
    rows, cols, _, jaccard = _pairs(graphs)
    best = np.zeros(len(sizes))
    np.maximum.at(best, rows, jaccard)
    np.maximum.at(best, cols, jaccard)
    return float(best[seated].mean())


def shared_member_density(graphs: LocalityGraphs, group_ids: list[str]) -> float:
    """Density of the shared-member graph of some groups: pairs sharing anyone, over all pairs.

    Equal to ``nx.density(group_projection(graphs).subgraph(group_ids))``,
    counted from the non-zero entries of ``B.T @ B`` without building the
    projection graph.
    """
    n = len(group_ids)
    rows, cols, counts, _ = graphs.co_membership
    wanted = np.zeros(len(graphs.co_membership[3]), dtype=bool)
    wanted[[graphs.group_index[g] for g in group_ids]] = True
    m = int(np.count_nonzero(wanted[rows] & wanted[cols] & (counts > 0)))
    if m == 0 or n <= 1:
        return 0
    return m / (n * (n - 1)) * 2


def _pairs(graphs: LocalityGraphs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(first, second, shared, Jaccard) of every pair of groups sharing a member."""
    rows, cols, counts, sizes = graphs.co_membership
    jaccard = counts / (sizes[rows] + sizes[cols] - counts)
    return rows, cols, counts, jaccard
