"""The data of one view of a locality's map, as map.js reads it.

Two views are offered:

``people``
    Groups and the people who sit on them (membership edges, thin and grey),
    with the directed links between groups.
``groups``
    Groups only, with their directed links and a faint undirected
    "shares N members" edge between groups that share people.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from urllib.parse import quote

from app.maps import elements
from app.maps.layout import positions
from app.maps.legend import legend_and_filters
from app.maps.styles import FONT_FACE
from models.document import LocalityDocument

VIEWS = ("people", "groups")

_PHYSICS = {
    "enabled": True,
    "solver": "forceAtlas2Based",
    "forceAtlas2Based": {
        "gravitationalConstant": -150,
        "centralGravity": 0.018,
        "springLength": 100,
        "springConstant": 0.06,
        "damping": 0.5,
        "avoidOverlap": 1,
    },
    "maxVelocity": 60,
    "minVelocity": 1.5,
    "stabilization": {"enabled": True, "iterations": 300, "updateInterval": 50, "fit": True},
}


def vis_options(physics: bool, node_count: int, seed: int) -> dict:
    """vis-network's options: vis physics lays out small maps, big ones come with positions."""
    return {
        "autoResize": True,
        "layout": {"randomSeed": seed, "improvedLayout": node_count <= 150},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": node_count > 800,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
            "selectConnectedEdges": True,
        },
        "edges": {
            "smooth": {"enabled": True, "type": "continuous", "roundness": 0.2},
            "selectionWidth": 1.5,
            "hoverWidth": 1,
            "arrowStrikethrough": False,
            "font": {"size": 0},
        },
        "nodes": {
            "shapeProperties": {"interpolation": False},
            "font": {"face": FONT_FACE, "strokeColor": "#FFFFFF"},
        },
        "physics": copy.deepcopy(_PHYSICS) if physics else {"enabled": False},
    }


def _page(link_base: str | None, section: str, ref: str) -> str | None:
    return None if link_base is None else f"{link_base}/{section}/{quote(ref, safe='')}"


def _people_and_seats(
    document: LocalityDocument, seats: elements.Seats, group_index: dict[str, int], link_base: str | None
) -> tuple[list[dict], list[dict]]:
    """The node of every person who sits on a group, and the edge of every seat."""
    agencies = {a.id: a for a in document.agencies}
    nodes, edges = [], []
    for index, person in enumerate(document.people):
        person_seats = seats.get(person.id)
        if not person_seats:
            continue
        agency = agencies.get(person.agency) if person.agency else None
        url = _page(link_base, "people", person.id)
        node = elements.person_node(person, index, agency, len(person_seats), url)
        nodes.append(node)
        for group, role in person_seats:
            edges.append(elements.member_edge(person, node["id"], group, f"g{group_index[group.id]}", role))
    return nodes, edges


def _place(nodes: list[dict], edges: list[dict], seed: int) -> None:
    """Fix every node where :func:`~app.maps.layout.positions` puts it, with vis physics off."""
    weights = {"member": 1.0, "link": 1.0}
    satellites: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge["kind"] == "member":
            satellites[edge["from"]].append(edge["to"])
    where = positions(
        [n["id"] for n in nodes],
        [(e["from"], e["to"], weights.get(e["kind"], 0.3 * min(e.get("shared", 1), 5))) for e in edges],
        seed,
        satellites=dict(satellites) or None,
    )
    for node in nodes:
        node["x"], node["y"] = where[node["id"]]
        node["physics"] = False


def _counts(document: LocalityDocument, nodes: list[dict], edges: list[dict], seats: elements.Seats) -> dict:
    kinds = Counter(item["kind"] for item in nodes + edges)
    return {
        "nodes": len(nodes),
        "edges": len(edges),
        "groups": len(document.groups),
        "people": kinds["person"],
        "people_total": len(document.people),
        "people_not_on_groups": sum(1 for p in document.people if not seats.get(p.id)),
        "memberships": kinds["member"],
        "links": len(document.links),
        "shared_pairs": kinds["shared"],
    }


def map_payload(
    document: LocalityDocument,
    view: str = "people",
    *,
    link_base: str | None = None,
    layout_threshold: int = 300,
    seed: int = 7,
) -> dict:
    """The data of one view of a locality's map, ready for map.js.

    Parameters
    ----------
    document : LocalityDocument
        A validated locality.
    view : str
        ``"people"`` (groups, the people on them and the links) or
        ``"groups"`` (groups, links and shared membership).
    link_base : str, optional
        The locality's page path, such as ``/localities/thame``; nodes then
        get a ``url`` to their own page.  ``None`` (standalone files) gives none.
    layout_threshold : int
        Above this many nodes the positions are computed here (seeded, so the
        same document always gives the same map) and vis physics is off;
        at or below it vis lays the map out in the browser.
    seed : int
        Seed of the layout, here and in vis.

    Returns
    -------
    dict
        ``format`` (``"locmap-map/1"``), ``view``, ``locality``, the vis
        ``nodes``, ``edges`` and ``options``, ``layout`` (``"physics"`` or
        ``"precomputed"``), ``legend``, ``filters`` and ``counts``.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown map view {view!r}; expected one of {', '.join(VIEWS)}")
    if link_base is not None:
        link_base = "/" + link_base.strip("/") if link_base.strip("/") else ""
    group_index = {g.id: i for i, g in enumerate(document.groups)}
    seats: elements.Seats = defaultdict(list)
    for group in document.groups:
        for member in group.members:
            seats[member.person].append((group, member.role.value))

    nodes = [elements.group_node(g, i, _page(link_base, "groups", g.id)) for i, g in enumerate(document.groups)]
    edges: list[dict] = []
    if view == "people":
        people, edges = _people_and_seats(document, seats, group_index, link_base)
        nodes += people
    edges += elements.link_edges(document, group_index)
    if view == "groups":
        edges += elements.shared_member_edges(document, group_index)
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"

    physics = len(nodes) <= layout_threshold
    if not physics:
        _place(nodes, edges, seed)
    legend, filters = legend_and_filters(document, nodes, edges)
    return {
        "format": "locmap-map/1",
        "view": view,
        "locality": {"id": document.locality.id, "name": document.locality.name},
        "nodes": nodes,
        "edges": edges,
        "options": vis_options(physics, len(nodes), seed),
        "layout": "physics" if physics else "precomputed",
        "legend": legend,
        "filters": filters,
        "counts": _counts(document, nodes, edges, seats),
    }


_JSON_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def map_json(payload: dict) -> str:
    """The payload as JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` and the like, so no ``</script>``
    or ``<!--`` can end or confuse the block; U+2028 and U+2029 are escaped
    for old JavaScript parsers.  ``JSON.parse`` reads it back unchanged.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # str.replace, one character at a time: str.translate takes ten times longer on a big map.
    for char, escape in _JSON_ESCAPES:
        text = text.replace(char, escape)
    return text
