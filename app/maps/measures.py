"""Nodes sized and shaded by a chosen measure: seats, meeting hours a year or betweenness.

The shade is one blue ramp, light to dark (readable in colour-blind
vision and in grey), so a measure never borrows the colours of focus or
sector; shapes that vis can grow (dots, diamonds, triangles...) grow too.
"""

from __future__ import annotations

import networkx as nx

from analysis.load import group_year
from analysis.settings import DEFAULT_SETTINGS
from models.document import LocalityDocument

MEASURES = ("seats", "hours", "betweenness")
MEASURE_WORDS = {
    "seats": "Seats (members of a group, groups a person sits on)",
    "hours": "Meeting hours a year",
    "betweenness": "Betweenness (how often it lies on the shortest way between two others)",
}
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
    values = measure_values(document, nodes, edges, measure)
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 0.0)
    for node in nodes:
        value = values[node["id"]]
        shade = RAMP[_step(value, low, high)]
        node["measure"] = int(value) if float(value).is_integer() else value
        node["color"] = {
            **node["color"],
            "background": shade,
            "highlight": {**node["color"]["highlight"], "background": shade},
            "hover": {**node["color"]["hover"], "background": shade},
        }
        if node["shape"] in _GROWS:
            node["size"] = round(10 + 26 * ((value - low) / (high - low) if high > low else 0.5), 1)
        if "font" in node and _step(value, low, high) >= 3 and node["shape"] not in _GROWS:
            node["font"] = {**node["font"], "color": "#FFFFFF"}
        node["tooltip"] += f"; {MEASURE_WORDS[measure].split(' (')[0].lower()}: {node['measure']:g}"
    width = (high - low) / len(RAMP)
    return {
        "value": measure,
        "label": f"Shade and size: {MEASURE_WORDS[measure]}",
        "min": int(low) if float(low).is_integer() else low,
        "max": int(high) if float(high).is_integer() else high,
        "steps": [{"color": c, "from": round(low + i * width, 3)} for i, c in enumerate(RAMP)],
    }
