"""Sparse 0/1 graph structures in plain NumPy.

The audit needs two sparse computations on every locality: the
co-membership counts of the people x groups incidence matrix ``B``
(``B.T @ B`` above the diagonal, Breiger 1974) and the compressed sparse
row (CSR) adjacency of the local system graph.  ``scipy.sparse`` does both,
but importing it costs more than the whole audit of a sample locality (about
0.2 s on 2 cores, most of it scipy's array-API layer cloning NumPy), so a
command that audits one file pays for it at every start.  Both computations
are a sort and a count, written here with NumPy alone; ``scipy.sparse`` is
imported only where a large graph needs it
(:func:`analysis.kernels.component_labels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Adjacency:
    """A symmetric 0/1 adjacency matrix in canonical CSR form.

    The neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]``,
    ascending and without repeats: the arrays of a
    :class:`scipy.sparse.csr_array` after ``sum_duplicates``, so the kernels
    of :mod:`analysis.kernels` read either.
    """

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        n = len(self.indptr) - 1
        return n, n

    @property
    def nnz(self) -> int:
        return len(self.indices)

    def degrees(self) -> np.ndarray:
        """Each node's number of neighbours."""
        return np.diff(self.indptr)

    def induced(self, nodes: np.ndarray) -> Adjacency:
        """The subgraph on ``nodes`` (ascending), node ``nodes[i]`` renumbered ``i``: ``A[nodes][:, nodes]``."""
        n = self.shape[0]
        renumber = np.full(n, -1, dtype=np.int64)
        renumber[nodes] = np.arange(len(nodes))
        rows = renumber[np.repeat(np.arange(n), self.degrees())]
        cols = renumber[self.indices]
        keep = (rows >= 0) & (cols >= 0)
        indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=len(nodes)), out=indptr[1:])
        return Adjacency(indptr=indptr, indices=cols[keep].astype(np.int32))

    def to_scipy(self):
        """The same matrix as a :class:`scipy.sparse.csr_array` (imports scipy)."""
        import scipy.sparse as sp  # only large graphs and tests need scipy itself

        data = np.ones(len(self.indices), dtype=np.int8)
        return sp.csr_array((data, self.indices, self.indptr), shape=self.shape)


def undirected_adjacency(n: int, ends: tuple[np.ndarray, np.ndarray]) -> Adjacency:
    """The CSR adjacency of an undirected graph on nodes ``0..n-1``.

    Parameters
    ----------
    n : int
        Number of nodes.
    ends : (numpy.ndarray, numpy.ndarray)
        The two end nodes of each edge; an edge given twice, or in both
        directions, is one edge.

    Returns
    -------
    Adjacency
        Each edge stored in both directions, neighbours in ascending order.

    Notes
    -----
    Sorting the ``2E`` codes ``row * n + col`` and counting rows is the
    COO-to-CSR conversion of a sparse matrix library, O(E log E).
    """
    first, second = (np.asarray(end, dtype=np.int64) for end in ends)
    codes = _sorted_unique(np.concatenate([first * n + second, second * n + first]))
    rows, cols = np.divmod(codes, n) if n else (codes, codes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Adjacency(indptr=indptr, indices=cols.astype(np.int32))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, without the import of ``numpy.ma`` that NumPy's own makes (16 ms of a command)."""
    ordered = np.sort(values)
    if ordered.size:
        ordered = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    return ordered


def upper_edges(adjacency) -> tuple[np.ndarray, np.ndarray]:
    """Each edge of a symmetric CSR adjacency once, as ``(u, v)`` with ``u < v``, row by row.

    ``adjacency`` is an :class:`Adjacency` or any CSR matrix with canonical
    ``indptr`` and ``indices`` (a scipy one, in the tests).
    """
    n = adjacency.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(adjacency.indptr))
    cols = np.asarray(adjacency.indices, dtype=np.int64)
    keep = rows < cols
    return rows[keep], cols[keep]


def co_occurrence(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of columns sharing rows in a 0/1 matrix, and how many rows they share.

    Parameters
    ----------
    rows, cols : numpy.ndarray
        The row and column of each 1 entry (a seat: person, group), each
        entry given once.
    n_cols : int
        Number of columns.

    Returns
    -------
    first, second, shared : numpy.ndarray
        For every pair of columns ``first < second`` with at least one row in
        common, in ascending order of ``(first, second)``, the number of rows
        shared (float, as the entries of ``B.T @ B``).

    Notes
    -----
    The upper triangle of the one-mode projection ``B.T @ B`` (Breiger 1974),
    computed as the sparse product computes it: every pair of entries in the
    same row is one contribution to its pair of columns, so the cost is
    ``sum(d_r ** 2)`` over rows of ``d_r`` entries, and pairs of columns that
    share nothing are never visited.

    References
    ----------
    Breiger, R. L. (1974). The duality of persons and groups. *Social
    Forces*, 53(2), 181-190.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    # For the entry at position i, its later partners in the same row are i+1 .. row_end-1.
    row_end = np.searchsorted(rows, rows, side="right")
    later = row_end - np.arange(len(rows)) - 1
    total = int(later.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    starts = np.repeat(np.arange(len(rows)), later)
    step = np.arange(total) - np.repeat(np.cumsum(later) - later, later) + 1
    codes = cols[starts] * n_cols + cols[starts + step]
    pairs, shared = np.unique(codes, return_counts=True)
    first, second = np.divmod(pairs, n_cols)
    return first, second, shared.astype(np.float64)
