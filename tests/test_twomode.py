"""Two-mode degree and betweenness (analysis.twomode) against NetworkX's bipartite functions and by hand."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from analysis.graphs import build_graphs
from analysis.settings import AuditSettings
from analysis.twomode import max_betweenness, membership_adjacency, two_mode_betweenness, two_mode_degree
from models.validation import validate_data
from tests.conftest import ROOT, SAMPLE_PATHS

TOLERANCE = 1e-9


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def locality_of(graph: nx.Graph, people, groups, external=()) -> dict:
    """A locmap/1 dict of a two-mode graph: ``people`` sit on the ``groups`` they are joined to."""
    return {
        "format": "locmap/1",
        "locality": {"id": "old-city", "name": "Old City", "authority": "Natchez", "boundary": "clear"},
        "people": [{"id": slug(str(p)), "name": str(p)} for p in people],
        "groups": [
            {
                "id": slug(str(g)),
                "name": str(g),
                "type": "other",
                "external": g in external,
                "members": [{"person": slug(str(p))} for p in people if graph.has_edge(p, g)],
            }
            for g in groups
        ],
    }


def assert_matches_networkx(graph: nx.Graph, people: list, groups: list, settings=None) -> None:
    graphs = build_graphs(validate_data(locality_of(graph, people, groups)))
    degree, between = two_mode_degree(graphs), two_mode_betweenness(graphs, settings or AuditSettings())
    expected_degree = bipartite.degree_centrality(graph, people)
    expected_between = bipartite.betweenness_centrality(graph, people)
    assert not between.estimated
    for node in people:
        assert degree.people[slug(str(node))] == pytest.approx(expected_degree[node], abs=TOLERANCE)
        assert between.people[slug(str(node))] == pytest.approx(expected_between[node], abs=TOLERANCE)
    for node in groups:
        assert degree.groups[slug(str(node))] == pytest.approx(expected_degree[node], abs=TOLERANCE)
        assert between.groups[slug(str(node))] == pytest.approx(expected_between[node], abs=TOLERANCE)


def test_davis_southern_women_degree_and_betweenness_equal_networkx_bipartite():
    davis = nx.davis_southern_women_graph()
    assert_matches_networkx(davis, davis.graph["top"], davis.graph["bottom"])


def test_a_larger_graph_counted_by_igraph_equals_networkx_bipartite():
    # 300 people x 40 groups: above analysis.kernels.IGRAPH_FROM_NODES, so the paths are counted in C.
    chance = random.Random(17)
    graph = nx.Graph()
    people, groups = [f"p{i}" for i in range(300)], [f"g{j}" for j in range(40)]
    graph.add_nodes_from(people + groups)
    graph.add_edges_from((p, g) for p in people for g in chance.sample(groups, chance.randint(1, 3)))
    assert_matches_networkx(graph, people, groups)


def test_the_whole_membership_graph_is_measured_people_without_seats_and_external_groups_included():
    davis = nx.davis_southern_women_graph()
    people, groups = [*davis.graph["top"], "Nobody Seated"], [*davis.graph["bottom"], "County Board"]
    davis.add_nodes_from(["Nobody Seated", "County Board"])
    davis.add_edge("Evelyn Jefferson", "County Board")
    data = locality_of(davis, people, groups, external={"County Board"})
    graphs = build_graphs(validate_data(data))
    expected = bipartite.betweenness_centrality(graphs.membership, [n for n in graphs.membership if n[:7] == "person:"])
    got = two_mode_betweenness(graphs)
    assert got.people["nobody-seated"] == 0.0
    for node, value in expected.items():
        kind, ident = node.split(":", 1)
        assert (got.people if kind == "person" else got.groups)[ident] == pytest.approx(value, abs=TOLERANCE)
    # 19 people now, so every group's degree is over 19, not over Davis's 18 women.
    assert two_mode_degree(graphs).groups["county-board"] == pytest.approx(1 / 19)


def chain() -> dict:
    """Three people on two groups in a chain: ana - G1 - ben - G2 - cat (ben sits on both)."""
    graph = nx.Graph([("ana", "G1"), ("ben", "G1"), ("ben", "G2"), ("cat", "G2")])
    return locality_of(graph, ["ana", "ben", "cat"], ["G1", "G2"])


def test_a_chain_gives_the_values_worked_out_by_hand():
    graphs = build_graphs(validate_data(chain()))
    degree = two_mode_degree(graphs)
    # Degree: seats over the size of the other mode (2 groups, 3 people).
    assert degree.people == {"ana": 0.5, "ben": 1.0, "cat": 0.5}
    assert degree.groups == {"g1": pytest.approx(2 / 3), "g2": pytest.approx(2 / 3)}
    # Betweenness, each pair once: ben lies on the 4 paths between {ana, G1} and {G2, cat};
    # G1 on the 3 from ana to ben, G2 and cat.  The most a person can have beside 2 groups
    # is 4 (s, t = divmod(3 - 1, 2) = 1, 0: (4 * 4 + 2 * 2 * -2 - 0) / 2), and a group
    # beside 3 people 5 (p, r = divmod(2 - 1, 3) = 0, 1: (9 + 3 * 1 * 1 - 1 * 2) / 2).
    assert max_betweenness(3, 2) == 4
    assert max_betweenness(2, 3) == 5
    between = two_mode_betweenness(graphs)
    assert between.people == {"ana": 0.0, "ben": 1.0, "cat": 0.0}
    assert between.groups == {"g1": 0.6, "g2": 0.6}


def test_a_single_group_is_wholly_between_its_members_and_nobody_can_be_between_on_one_group():
    graph = nx.Graph([("ana", "Forum"), ("ben", "Forum"), ("cat", "Forum")])
    graphs = build_graphs(validate_data(locality_of(graph, ["ana", "ben", "cat"], ["Forum"])))
    between = two_mode_betweenness(graphs)
    # The forum lies on the 3 paths between pairs of its members, the most possible beside 3 people.
    assert between.groups == {"forum": 1.0}
    # A person's maximum beside one group is 0 (NetworkX would divide by it): 0, not an error.
    assert max_betweenness(3, 1) == 0
    assert between.people == {"ana": 0.0, "ben": 0.0, "cat": 0.0}


def test_a_locality_with_no_groups_or_no_seats_gives_zeros():
    graphs = build_graphs(validate_data(locality_of(nx.Graph(), ["ana"], [])))
    assert two_mode_degree(graphs).people == {"ana": 0.0}
    assert two_mode_betweenness(graphs).people == {"ana": 0.0}
    assert membership_adjacency(graphs).shape == (1, 1)


def test_above_the_exact_limit_betweenness_is_estimated_from_seeded_sources_and_says_so():
    davis = nx.davis_southern_women_graph()
    graphs = build_graphs(validate_data(locality_of(davis, davis.graph["top"], davis.graph["bottom"])))
    sampled = AuditSettings(betweenness_exact_limit=10, betweenness_samples=12)
    first, again = two_mode_betweenness(graphs, sampled), two_mode_betweenness(graphs, sampled)
    assert first.estimated and first == again
    assert first != two_mode_betweenness(graphs)
    other_seed = two_mode_betweenness(graphs, sampled.with_values(seed=1))
    assert other_seed.people != first.people


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=lambda p: p.stem)
def test_the_samples_equal_networkx_bipartite_on_their_membership_graphs(path):
    from models.validation import load_path

    graphs = build_graphs(load_path(path))
    people = [n for n, kind in graphs.membership.nodes(data="kind") if kind == "person"]
    expected = bipartite.betweenness_centrality(graphs.membership, people)
    degree = bipartite.degree_centrality(graphs.membership, people)
    got, got_degree = two_mode_betweenness(graphs), two_mode_degree(graphs)
    for node in graphs.membership:
        kind, ident = node.split(":", 1)
        scores, degrees = (got.people, got_degree.people) if kind == "person" else (got.groups, got_degree.groups)
        assert scores[ident] == pytest.approx(expected[node], abs=TOLERANCE)
        assert degrees[ident] == pytest.approx(degree[node], abs=TOLERANCE)


def test_two_mode_measures_load_neither_networkx_nor_scipy():
    code = (
        "import sys; from models.validation import load_path; from analysis.graphs import build_graphs; "
        "from analysis.twomode import two_mode_betweenness, two_mode_degree; "
        f"g = build_graphs(load_path({str(SAMPLE_PATHS[0])!r})); two_mode_degree(g); two_mode_betweenness(g); "
        "print(sorted(m for m in ('networkx', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
