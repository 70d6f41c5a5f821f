"""Overlapping groups: meetings with very similar personnel (report 3.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .graphs import LocalityGraphs


@dataclass(frozen=True)
class GroupOverlap:
    first: str
    second: str
    shared: int
    jaccard: float


def membership_overlaps(graphs: LocalityGraphs, *, min_shared: int = 1) -> list[GroupOverlap]:
    """Jaccard similarity of the member sets of every pair of groups that share members.

    Parameters
    ----------
    graphs : LocalityGraphs
    min_shared : int
        Leave out pairs sharing fewer members than this.

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
    the groups' neighbourhoods in the two-mode graph.

    References
    ----------
    Jaccard, P. (1901). Étude comparative de la distribution florale dans une
    portion des Alpes et du Jura. *Bulletin de la Société Vaudoise des
    Sciences Naturelles*, 37, 547-579.
    Glenny (2005), section 3.2: "the plethora of meetings being held, all with
    different but very often, overlapping purposes, some with very similar
    personnel".
    """
    matrix, _, group_ids = graphs.incidence
    if matrix.shape[1] < 2 or matrix.nnz == 0:
        return []
    shared = sp.triu(matrix.T @ matrix, k=1).tocoo()
    keep = shared.data >= max(min_shared, 1)
    rows, cols, counts = shared.row[keep], shared.col[keep], shared.data[keep]
    sizes = np.asarray(matrix.sum(axis=0)).ravel()
    jaccard = counts / (sizes[rows] + sizes[cols] - counts)
    order = np.lexsort((cols, rows))
    return [
        GroupOverlap(group_ids[rows[k]], group_ids[cols[k]], int(counts[k]), float(jaccard[k]))
        for k in order
    ]


def overlap_index(graphs: LocalityGraphs) -> float:
    """Mean, over groups with members, of each group's largest Jaccard with any other group.

    0 when no two groups share anyone; 1 when every group's membership is
    repeated exactly in another group.
    """
    matrix, _, group_ids = graphs.incidence
    sizes = np.asarray(matrix.sum(axis=0)).ravel()
    seated = sizes > 0
    if seated.sum() == 0:
        return 0.0
    best = np.zeros(len(group_ids))
    for item in membership_overlaps(graphs):
        i, j = group_ids.index(item.first), group_ids.index(item.second)
        best[i] = max(best[i], item.jaccard)
        best[j] = max(best[j], item.jaccard)
    return float(best[seated].mean())
