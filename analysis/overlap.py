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


@dataclass(frozen=True)
class AttendedOverlap:
    """Two groups' shared membership, each seat counted in proportion to its attendance."""

    first: str
    second: str
    #: People who sit on both.
    shared: int
    #: Their attended share: the sum, over shared people, of the lesser of their two attendances.
    shared_weight: float
    #: Attended membership of the larger group (the sum of its seats' attendance).
    larger_weight: float
    #: ``shared_weight / (weight(A) + weight(B) - shared_weight)``: the weighted Jaccard.
    jaccard: float


def _seat_weights(graphs: LocalityGraphs) -> np.ndarray:
    """The attendance of every seat, in the order of :attr:`LocalityGraphs._seat_arrays`."""
    weights = graphs.seat_weights
    count = sum(len(g.members) for g in graphs.document.groups)
    every = (w for g in graphs.document.groups for w in weights[g.id].values())
    return np.fromiter(every, dtype=np.float64, count=count)


def _seat_pairs(graphs: LocalityGraphs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first group column, second group column, lesser attendance) of every pair of seats held by one person.

    The same pairs the product ``B.T @ B`` visits, generated person by person
    with NumPy so the lesser attendance can be summed instead of a product:
    O(sum over people of seats squared).
    """
    rows, cols = graphs._seat_arrays
    weights = _seat_weights(graphs)
    order = np.lexsort((cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    # For each seat, the number of later seats held by the same person.
    ends = np.searchsorted(rows, rows, side="right")
    later = ends - np.arange(len(rows)) - 1
    first = np.repeat(np.arange(len(rows)), later)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    second = first + 1 + offsets
    return cols[first], cols[second], np.minimum(weights[first], weights[second])


def attended_overlaps(graphs: LocalityGraphs, *, min_shared: int, min_jaccard: float) -> list[AttendedOverlap]:
    """Weighted Jaccard overlap of every pair of groups sharing at least ``min_shared`` people.

    Notes
    -----
    Each seat counts in proportion to its attendance (:mod:`analysis.attendance`):
    with weights ``w``, ``J = sum min(w_A, w_B) / sum max(w_A, w_B)`` over the
    people of either group (the Ružička similarity), which is the plain
    Jaccard coefficient when every seat is fully attended.  Two meetings of
    the same people count as identical however often those people come, as
    long as they come to both alike.
    """
    _, _, group_ids = graphs.incidence
    a, b, lesser = _seat_pairs(graphs)
    n = len(group_ids)
    if len(a) == 0:
        return []
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    unique, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    shared_weight = np.bincount(inverse, weights=lesser)
    rows, cols = unique // n, unique % n
    sizes = np.bincount(graphs._seat_arrays[1], weights=_seat_weights(graphs), minlength=n)
    union = sizes[rows] + sizes[cols] - shared_weight
    jaccard = np.divide(shared_weight, union, out=np.zeros_like(union), where=union > 0)
    keep = (counts >= max(min_shared, 1)) & (jaccard >= min_jaccard)
    return [
        AttendedOverlap(
            group_ids[rows[k]],
            group_ids[cols[k]],
            int(counts[k]),
            float(shared_weight[k]),
            float(max(sizes[rows[k]], sizes[cols[k]])),
            float(jaccard[k]),
        )
        for k in np.flatnonzero(keep)
    ]
