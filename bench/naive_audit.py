"""The straightforward NetworkX audit of one locality file, the benchmark's yardstick.

    python bench/naive_audit.py FILE.json      # prints a JSON summary

What an analyst would write without locmap: ``json.load`` the file, build the
two-mode graph of people and the locality's groups (seats, and links in
either direction), then the audit's heavy parts in plain NetworkX and
Python sets: exact betweenness (brokers), connected parts, cut points,
pairwise overlap of member sets (Jaccard) and each person's meeting load.
It validates nothing and raises none of locmap's findings, so it does less
than ``locmap audit``: a comparison with it flatters the script, not locmap.

Only the standard library and NetworkX, so it runs as a bare script; the
benchmark also imports :func:`naive_audit` to time it in process.
"""

from __future__ import annotations

import itertools
import json
import sys

import networkx as nx

#: As locmap's defaults (analysis/settings.py), so both report the same pairs and brokers.
OVERLAP_THRESHOLD = 0.5
OVERLAP_MIN_SHARED = 2
BROKERS = 5


def system_graph(data: dict) -> nx.Graph:
    """People and local groups; seats and links (either direction) as edges; isolated nodes left out."""
    local = {g["id"] for g in data["groups"] if not g.get("external")}
    graph = nx.Graph()
    for group in data["groups"]:
        if group["id"] in local:
            graph.add_edges_from((("person", m["person"]), ("group", group["id"])) for m in group.get("members", []))
    for link in data.get("links", []):
        if link["from"] in local and link["to"] in local:
            graph.add_edge(("group", link["from"]), ("group", link["to"]))
    return graph


def overlaps(data: dict) -> list[tuple[str, str, float]]:
    """Pairs of groups whose member sets overlap (Jaccard) at or above the threshold."""
    members = {g["id"]: {m["person"] for m in g.get("members", [])} for g in data["groups"]}
    found = []
    for (a, set_a), (b, set_b) in itertools.combinations(members.items(), 2):
        shared = len(set_a & set_b)
        if shared >= OVERLAP_MIN_SHARED and shared / len(set_a | set_b) >= OVERLAP_THRESHOLD:
            found.append((a, b, round(shared / len(set_a | set_b), 3)))
    return found


def meeting_load(data: dict) -> dict[str, float]:
    """Meetings a year each person sits in (unknown frequencies count as none)."""
    load: dict[str, float] = {}
    for group in data["groups"]:
        for member in group.get("members", []):
            load[member["person"]] = load.get(member["person"], 0.0) + (group.get("meetings_per_year") or 0.0)
    return load


def naive_audit(data: dict) -> dict:
    """The heavy parts of an audit of one parsed locality file, in plain NetworkX.

    Parameters
    ----------
    data : dict
        A ``locmap/1`` document as ``json.load`` returns it.

    Returns
    -------
    dict
        Top brokers (exact betweenness), part and cut-point counts, overlapping pairs, busiest person.
    """
    graph = system_graph(data)
    scores = nx.betweenness_centrality(graph, normalized=True)
    people = [(node[1], score) for node, score in scores.items() if node[0] == "person" and score > 0]
    brokers = sorted(people, key=lambda item: (-round(item[1], 12), item[0]))[:BROKERS]
    cut_people = [node[1] for node in nx.articulation_points(graph) if node[0] == "person"]
    load = meeting_load(data)
    return {
        "brokers": [[person, round(score, 3)] for person, score in brokers],
        "parts": nx.number_connected_components(graph),
        "cut_people": len(cut_people),
        "overlapping_pairs": len(overlaps(data)),
        "busiest": max(load.values(), default=0.0),
    }


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    print(json.dumps(naive_audit(data)))


if __name__ == "__main__":
    main(sys.argv[1])
