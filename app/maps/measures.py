"""Nodes shaded by a chosen measure: seats, meeting hours a year, betweenness, or cluster of meetings.

A number's shade is one blue ramp, light to dark (readable in colour-blind
vision and in grey), so a measure never borrows the colours of focus or
sector; shapes that vis can grow (dots, diamonds, triangles...) grow too.
A cluster (:mod:`analysis.clusters`) is a category, not an amount: each
cluster has its own colour from the Okabe-Ito palette, which stays
distinct in the common forms of colour blindness, and the key names each
cluster by its groups.

References
----------
Okabe, M., & Ito, K. (2008). *Color Universal Design (CUD): how to make
figures and presentations that are friendly to colorblind people*.
https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import networkx as nx

from analysis.clusters import Cluster, cluster_of_group, clusters_of_person, group_clusters
from analysis.graphs import build_graphs
from analysis.load import group_year
from analysis.settings import DEFAULT_SETTINGS
from app.maps.styles import LABEL_INSIDE_SHAPES
from models.document import LocalityDocument

MEASURES = ("seats", "hours", "betweenness", "cluster")
MEASURE_WORDS = {
    "seats": "Seats (members of a group, groups a person sits on)",
    "hours": "Meeting hours a year",
    "betweenness": "Betweenness (how often it lies on the shortest way between two others)",
    "cluster": "Cluster of meetings (groups that share people more among themselves than with the rest)",
}
#: The Okabe-Ito palette without its black, one colour a cluster, largest cluster first.
CLUSTER_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Beyond the palette; people on groups of two or more clusters; nodes in none.
MORE_CLUSTERS, JOINS_CLUSTERS, NO_CLUSTER = "#999999", "#000000", "#FFFFFF"
#: Backgrounds on which a label inside the node is written in white.
DARK = {"#0072B2", "#000000"}
#: Groups named in the key for each cluster before "and N more".
NAMED_IN_KEY = 4
#: Light to dark, from ColorBrewer's single-hue "Blues".
RAMP = ("#DEEBF7", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
_GROWS = {"dot", "diamond", "triangle", "square", "hexagon", "star"}


def _hours(document: LocalityDocument) -> dict[str, float]:
    """Meeting hours a year of each group, and of each person across their seats."""
    hours: dict[str, float] = {}
    for group in document.groups:
        year = group_year(group, DEFAULT_SETTINGS)[1]
        hours[group.id] = year
        for member in group.members:
            share = member.attendance if member.attendance is not None else 1.0
            hours[member.person] = hours.get(member.person, 0.0) + year * share
    return hours


def _betweenness(nodes: list[dict], edges: list[dict]) -> dict[str, float]:
    """Betweenness of every node on the map as drawn (sampled, seeded, on a big map)."""
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in nodes)
    graph.add_edges_from((e["from"], e["to"]) for e in edges if e["from"] != e["to"])
    sample = 200 if len(graph) > 400 else None
    return nx.betweenness_centrality(graph, k=sample, seed=7 if sample else None)


def measure_values(document: LocalityDocument, nodes: list[dict], edges: list[dict], measure: str) -> dict[str, float]:
    """The measure of every node, by node id."""
    if measure == "seats":
        return {n["id"]: float(n["members"] if n["kind"] == "group" else n.get("seats", 0)) for n in nodes}
    if measure == "hours":
        hours = _hours(document)
        return {n["id"]: round(hours.get(n["ref"], 0.0), 1) for n in nodes}
    between = _betweenness(nodes, edges)
    return {n["id"]: round(between[n["id"]], 3) for n in nodes}


def _step(value: float, low: float, high: float) -> int:
    return 0 if high <= low else min(len(RAMP) - 1, int((value - low) / (high - low) * len(RAMP)))


def apply_measure(document: LocalityDocument, nodes: list[dict], edges: list[dict], measure: str) -> dict:
    """Shade (and, where the shape allows, size) each node by ``measure``; the key's entry.

    Returns
    -------
    dict
        ``value``, ``label``, ``min``, ``max`` and the ``steps`` of the ramp
        (``{color, from}``), for the key.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
    if measure == "cluster":
        return apply_clusters(document, nodes)
    values = measure_values(document, nodes, edges, measure)
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 0.0)
    for node in nodes:
        value = values[node["id"]]
        shade = RAMP[_step(value, low, high)]
        node["measure"] = int(value) if float(value).is_integer() else value
        _fill(node, shade)
        if node["shape"] in _GROWS:
            node["size"] = round(10 + 26 * ((value - low) / (high - low) if high > low else 0.5), 1)
        _label_on(node, dark=_step(value, low, high) >= 3)
        node["tooltip"] += f"; {MEASURE_WORDS[measure].split(' (')[0].lower()}: {node['measure']:g}"
    width = (high - low) / len(RAMP)
    return {
        "value": measure,
        "label": f"Shade and size: {MEASURE_WORDS[measure]}",
        "min": int(low) if float(low).is_integer() else low,
        "max": int(high) if float(high).is_integer() else high,
        "steps": [{"color": c, "from": round(low + i * width, 3)} for i, c in enumerate(RAMP)],
    }


def _fill(node: dict, colour: str) -> None:
    """Give a node ``colour`` as its background, plain, highlighted and hovered (borders kept)."""
    node["color"] = {
        **node["color"],
        "background": colour,
        "highlight": {**node["color"]["highlight"], "background": colour},
        "hover": {**node["color"]["hover"], "background": colour},
    }


def _label_on(node: dict, dark: bool) -> None:
    """A name drawn inside its node in white on a dark fill, near-black on a light one (whatever its focus gave it)."""
    if "font" in node and node["shape"] in LABEL_INSIDE_SHAPES:
        node["font"] = {**node["font"], "color": "#FFFFFF" if dark else "#111111"}


def cluster_colour(number: int) -> str:
    """The colour of cluster ``number`` (from 1): the palette's, then one grey for the rest."""
    return CLUSTER_COLOURS[number - 1] if number <= len(CLUSTER_COLOURS) else MORE_CLUSTERS


def apply_clusters(document: LocalityDocument, nodes: list[dict]) -> dict:
    """Colour each group by its cluster of meetings, and each person by the cluster(s) of their groups.

    Returns
    -------
    dict
        The key's entry: ``value`` ``"cluster"``, ``label``, and
        ``categories`` (``{value, color, label, groups}``: each cluster named
        by its groups, then the people joining clusters and the nodes in
        none, where the map has them).
    """
    graphs = build_graphs(document)
    clusters = group_clusters(graphs, seed=DEFAULT_SETTINGS.seed)
    of_group, of_person = cluster_of_group(clusters), clusters_of_person(graphs, clusters)
    for node in nodes:
        if node["kind"] == "group":
            found = [of_group[node["ref"]]] if node["ref"] in of_group else []
        else:
            found = of_person.get(node["ref"], [])
        colour = _found_colour(found)
        _fill(node, colour)
        node["cluster"] = found[0] if len(found) == 1 else None
        _label_on(node, dark=colour in DARK)
        node["tooltip"] += "; " + _cluster_words(found)
    return {
        "value": "cluster",
        "label": f"Colour: {MEASURE_WORDS['cluster']}",
        "categories": _cluster_key(clusters, document, nodes),
    }


def _found_colour(found: list[int]) -> str:
    """A node's colour from the clusters it is in: none, one, or several (a person joining them)."""
    if not found:
        return NO_CLUSTER
    return cluster_colour(found[0]) if len(found) == 1 else JOINS_CLUSTERS


def _cluster_words(found: list[int]) -> str:
    if not found:
        return "in no cluster of meetings"
    if len(found) == 1:
        return f"cluster {found[0]}"
    return f"joins clusters {', '.join(map(str, found[:-1]))} and {found[-1]}"


def _cluster_key(clusters: list[Cluster], document: LocalityDocument, nodes: list[dict]) -> list[dict]:
    """The key's entries: each cluster by its groups' names, then what the other colours mean (if shown)."""
    names = {g.id: g.name for g in document.groups}
    key = []
    for c in clusters:
        shown = "; ".join(names[g] for g in c.groups[:NAMED_IN_KEY])
        more = len(c.groups) - NAMED_IN_KEY
        label = f"Cluster {c.number}: {shown}" + (f" and {more} more" if more > 0 else "")
        key.append({"value": c.number, "color": cluster_colour(c.number), "label": label, "groups": list(c.groups)})
    used = {n["color"]["background"] for n in nodes}
    if JOINS_CLUSTERS in used:
        key.append({"value": "joins", "color": JOINS_CLUSTERS, "label": "Sits on groups of two or more clusters"})
    if NO_CLUSTER in used:
        key.append({"value": "none", "color": NO_CLUSTER, "label": "In no cluster (shares no one, or left alone)"})
    return key
