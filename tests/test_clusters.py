"""Clusters of meetings (analysis.clusters): Louvain on the group projection, seeded, on hand-built localities."""

from __future__ import annotations

import networkx as nx

from analysis.clusters import STABILITY_RUNS, clusters_of_person, communities, group_clusters
from analysis.graphs import build_graphs, group_projection
from models.validation import load_path, validate_data
from tests.conftest import SAMPLES_DIR


def locality(groups: dict[str, list[str]]) -> dict:
    """A locmap/1 dict of groups (id -> the people on it); every person is listed once."""
    people = list(dict.fromkeys(p for members in groups.values() for p in members))
    return {
        "format": "locmap/1",
        "locality": {"id": "testville", "name": "Testville", "authority": "Testshire", "boundary": "clear"},
        "people": [{"id": p, "name": f"Person {p}"} for p in people],
        "groups": [
            {"id": g, "name": f"Group {g}", "type": "other", "members": [{"person": p} for p in members]}
            for g, members in groups.items()
        ],
    }


def clusters_of(groups: dict[str, list[str]], seed: int = 7):
    graphs = build_graphs(validate_data(locality(groups)))
    return graphs, group_clusters(graphs, seed=seed)


def two_sets_joined_by_one_person() -> dict[str, list[str]]:
    """Schools' meetings a1-a3 share ann and al; casework meetings b1-b3 share bea and bo; only xan sits on both sides."""
    return {
        "a1": ["ann", "al", "xan"],
        "a2": ["ann", "al", "a2-only"],
        "a3": ["ann", "al"],
        "b1": ["bea", "bo", "xan"],
        "b2": ["bea", "bo"],
        "b3": ["bea", "bo", "b3-only"],
        "alone": ["ivy"],
    }


def test_two_sets_of_meetings_joined_by_one_person_are_two_clusters():
    graphs, clusters = clusters_of(two_sets_joined_by_one_person())
    assert [c.groups for c in clusters] == [("a1", "a2", "a3"), ("b1", "b2", "b3")]
    first, second = clusters
    # Each side shares two people on each of its three pairs (weight 2 x 3 = 6); xan is the one seat across.
    assert first.shared_people == ("ann", "al") and second.shared_people == ("bea", "bo")
    assert (first.internal_weight, first.external_weight) == (6, 1)
    assert (second.internal_weight, second.external_weight) == (6, 1)
    assert first.stability == second.stability == 1.0
    # xan joins the two clusters; a group sharing nobody is in none.
    joined = clusters_of_person(graphs, clusters)
    assert joined["xan"] == [1, 2] and joined["ivy"] == [] and joined["ann"] == [1]
    assert all("alone" not in c.groups for c in clusters)


def test_meetings_that_all_share_people_evenly_are_one_cluster_for_every_seed():
    # Near miss: four meetings, every pair sharing exactly one person.  No split has positive
    # modularity (one community scores 0, two pairs -1/6), so Louvain never splits them.
    evenly = {
        "m1": ["ab", "ac", "ad"],
        "m2": ["ab", "bc", "bd"],
        "m3": ["ac", "bc", "cd"],
        "m4": ["ad", "bd", "cd"],
    }
    for seed in range(10):
        _, clusters = clusters_of(evenly, seed=seed)
        assert [c.groups for c in clusters] == [("m1", "m2", "m3", "m4")]
        assert clusters[0].stability == 1.0
        assert clusters[0].internal_weight == 6


def ring() -> dict[str, list[str]]:
    """Six meetings in a ring, each sharing one person with the next: several equally good splits."""
    return {f"r{i}": [f"link{i}", f"link{(i + 1) % 6}"] for i in range(6)}


def test_a_ring_of_meetings_is_split_by_the_seed_and_its_stability_says_so():
    _, clusters = clusters_of(ring())
    assert sum(len(c.groups) for c in clusters) == 6
    # Pairs of neighbours, but which pairs the seed decides: at least one cluster is not found by every run.
    assert all(len(c.groups) == 2 for c in clusters)
    assert min(c.stability for c in clusters) < 1.0
    # The same seed always gives the same split.
    assert clusters_of(ring())[1] == clusters


def test_seeded_runs_agree_and_a_rebuilt_locality_gives_the_same_clusters():
    document = load_path(SAMPLES_DIR / "banbury.yaml")
    first = group_clusters(build_graphs(document), seed=20051101)
    again = group_clusters(build_graphs(load_path(SAMPLES_DIR / "banbury.yaml")), seed=20051101)
    assert first == again
    projection = group_projection(build_graphs(document))
    assert communities(projection, seed=3) == communities(projection, seed=3)


def test_stability_is_the_share_of_runs_with_the_next_seeds_that_find_the_same_cluster():
    graphs = build_graphs(validate_data(locality(ring())))
    projection = group_projection(graphs)
    runs = [set(communities(projection, seed=7 + n)) for n in range(1, STABILITY_RUNS + 1)]
    for c in group_clusters(graphs, seed=7):
        assert c.stability == sum(frozenset(c.groups) in run for run in runs) / STABILITY_RUNS


def test_the_city_separates_its_casework_meetings_from_its_strategic_ones():
    # Report line 591: the Core Group "received information about area needs through reports from the
    # School Consultation teams (SCTs)"; line 204: respondents did not see "that the SCTs were an
    # important part of the overall interagency communication system".  By shared people the SCTs,
    # the MAST and the SHC consultation group are one cluster, the core and strategic groups another.
    graphs = build_graphs(load_path(SAMPLES_DIR / "city.yaml"))
    clusters = group_clusters(graphs)
    casework, strategic = clusters
    assert {"sct-leys-primary-a", "sct-leys-primary-b", "sct-rose-hill-primary", "mast"} <= set(casework.groups)
    assert {"city-iss-core-group", "city-stakeholder-group"} <= set(strategic.groups)
    assert casework.stability == strategic.stability == 1.0
    joined = clusters_of_person(graphs, clusters)
    assert any(len(found) == 2 for found in joined.values())  # someone carries news between them


def test_jaccard_weights_would_change_thames_clusters_as_docs_measures_says():
    graphs = build_graphs(load_path(SAMPLES_DIR / "thame.yaml"))
    counts = group_projection(graphs)
    size = {g: len(m) for g, m in graphs.members_of.items()}
    jaccard = nx.Graph()
    jaccard.add_nodes_from(counts)
    jaccard.add_weighted_edges_from((u, v, w / (size[u] + size[v] - w)) for u, v, w in counts.edges(data="weight"))
    by_count = {c for c in communities(counts, seed=20051101) if len(c) > 1}
    by_jaccard = {c for c in communities(jaccard, seed=20051101) if len(c) > 1}
    assert [len(c) for c in by_count] == [5]
    assert by_jaccard != by_count
