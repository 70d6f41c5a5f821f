"""Keeping a big map readable: fewer labels at the fit zoom, the fit on the main part, and words for what is hidden."""

from __future__ import annotations

from collections import Counter

import networkx as nx

#: Above this many nodes the people view is too dense to read at once; the
#: page opens on the groups view instead.
LARGE_MAP = 300
#: Above this many nodes only the most connected are named at the fit zoom.
LABELLED_MAX = 60
#: How many nodes are named at the fit zoom of a map with more than :data:`LABELLED_MAX`.
TOP_LABELS = 12
#: How many are offered, most connected first: map.js names the first
#: :data:`TOP_LABELS` whose names do not cover one already named.
TOP_CANDIDATES = 2 * TOP_LABELS


def top_labels(nodes: list[dict], edges: list[dict], options: dict) -> str | None:
    """Rank the :data:`TOP_CANDIDATES` most connected nodes of a big map; the notice saying so.

    Each gets ``top_label`` and its ``label_rank`` (0 the most connected).
    map.js names up to :data:`TOP_LABELS` of them, in rank order, skipping
    one whose name would cover a name already drawn, and keeps those names
    readable at any zoom; vis draws the others only once they are big
    enough on screen (``drawThreshold``), so they appear as the reader
    zooms in.
    """
    if len(nodes) <= LABELLED_MAX:
        return None
    degree: Counter = Counter()
    for edge in edges:
        degree[edge["from"]] += 1
        degree[edge["to"]] += 1
    ranked = sorted(nodes, key=lambda n: (-degree[n["id"]], n["kind"] != "group", n["label"]))
    for rank, node in enumerate(ranked[:TOP_CANDIDATES]):
        node["top_label"] = True
        node["label_rank"] = rank
    options["nodes"]["scaling"] = {"label": {"enabled": False, "drawThreshold": 9, "maxVisible": 40}}
    return (
        f"Names are shown for up to {TOP_LABELS} of the most connected of the {len(nodes)} items on the map, "
        "where they have room: zoom in to read the others, hover over one for its name, or find one by name."
    )


def main_part(nodes: list[dict], edges: list[dict]) -> tuple[list[str] | None, str | None]:
    """The nodes of the biggest connected part, when there are others, and a notice naming what lies outside it."""
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in nodes)
    graph.add_edges_from((e["from"], e["to"]) for e in edges)
    if len(graph) < 3 or nx.number_connected_components(graph) <= 1:
        return None, None
    main = max(nx.connected_components(graph), key=len)
    if len(main) < 2:
        return None, None
    outside = len(graph) - len(main)
    noun = "item is not linked to the rest and lies" if outside == 1 else "items are not linked to the rest and lie"
    notice = (
        f"{outside} {noun} outside the first view, so the rest stays readable: press “Show the whole map” to see them."
    )
    kept = [n["id"] for n in nodes if n["id"] in main]
    return kept, notice


def opened_on_groups(people_nodes: int, groups: int) -> str:
    """The notice of a locality too big for the people view, opened on the groups view."""
    return (
        f"This locality has {people_nodes} people and groups to draw, too many to read at once, "
        f"so the map opens on its {groups} groups. To see everyone, pick “People and groups” above; "
        "to see who one person works with, open a person's or a group's page for their neighbourhood."
    )
