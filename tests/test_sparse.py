"""The NumPy sparse structures of analysis.sparse agree with scipy.sparse and with NetworkX."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from networkx.algorithms import bipartite

from analysis.sparse import co_occurrence, undirected_adjacency, upper_edges


def _random_incidence(seed: int, n_rows: int, n_cols: int, density: float):
    matrix = sp.random(n_rows, n_cols, density=density, random_state=seed, format="coo")
    return matrix.row.astype(np.int64), matrix.col.astype(np.int64)


@pytest.mark.parametrize("seed, n_rows, n_cols, density", [(1, 40, 12, 0.2), (2, 300, 50, 0.05), (3, 5, 4, 0.0)])
def test_co_occurrence_is_the_upper_triangle_of_b_transpose_b(seed, n_rows, n_cols, density):
    rows, cols = _random_incidence(seed, n_rows, n_cols, density)
    b = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols))
    expected = sp.triu(b.T @ b, k=1).tocoo()
    expected_pairs = sorted(zip(expected.row.tolist(), expected.col.tolist(), expected.data.tolist()))
    first, second, shared = co_occurrence(rows, cols, n_cols)
    assert list(zip(first.tolist(), second.tolist(), shared.tolist())) == expected_pairs


def test_co_occurrence_on_davis_southern_women_gives_the_event_projection():
    # Davis, Gardner & Gardner (1941): 18 women x 14 events, our exact people x groups shape.
    davis = nx.davis_southern_women_graph()
    women, events = sorted(davis.graph["top"]), sorted(davis.graph["bottom"])
    seats = [
        (women.index(u), events.index(v)) if u in women else (women.index(v), events.index(u)) for u, v in davis.edges()
    ]
    rows = np.array([r for r, _ in seats])
    cols = np.array([c for _, c in seats])
    first, second, shared = co_occurrence(rows, cols, len(events))
    got = {(events[i], events[j]): w for i, j, w in zip(first.tolist(), second.tolist(), shared.tolist())}
    projection = bipartite.weighted_projected_graph(davis, events)
    expected = {tuple(sorted((u, v), key=events.index)): d["weight"] for u, v, d in projection.edges(data=True)}
    assert got == expected
    assert max(got, key=got.get) == ("E8", "E9") and got[("E8", "E9")] == 9  # the two central events share nine women
    assert ("E1", "E14") not in got  # nobody attended both the first and the last event


def test_co_occurrence_of_nothing_shared_is_empty():
    first, second, shared = co_occurrence(np.array([0, 1, 2]), np.array([0, 1, 2]), 3)
    assert len(first) == len(second) == len(shared) == 0


def test_undirected_adjacency_is_scipys_canonical_csr():
    graph = nx.gnm_random_graph(50, 120, seed=4)
    ends = np.array(list(graph.edges())).T
    # every edge also given reversed and repeated: still one edge
    adjacency = undirected_adjacency(50, (np.concatenate([ends[0], ends[1]]), np.concatenate([ends[1], ends[0]])))
    expected = nx.to_scipy_sparse_array(graph, nodelist=range(50), format="csr")
    expected.sort_indices()
    assert adjacency.indptr.tolist() == expected.indptr.tolist()
    assert adjacency.indices.tolist() == expected.indices.tolist()
    first, second = upper_edges(adjacency)
    assert {(u, v) for u, v in zip(first.tolist(), second.tolist())} == {tuple(sorted(e)) for e in graph.edges()}


def test_induced_is_the_sliced_matrix():
    graph = nx.gnm_random_graph(40, 90, seed=8)
    ends = np.array(list(graph.edges())).T
    adjacency = undirected_adjacency(40, (ends[0], ends[1]))
    nodes = np.array([1, 2, 3, 7, 11, 20, 21, 39])
    expected = adjacency.to_scipy()[nodes][:, nodes]
    expected.sort_indices()
    induced = adjacency.induced(nodes)
    assert induced.indptr.tolist() == expected.indptr.tolist()
    assert induced.indices.tolist() == expected.indices.tolist()
