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

from analysis.graphs import build_graphs
from app.maps import elements
from app.maps.aggregate import AGGREGATIONS, summary_elements
from app.maps.ego import Ego, ego_document, parse_ego
from app.maps.large import LARGE_MAP, TOP_LABELS, main_part, opened_on_groups, top_labels
from app.maps.layers import LEVEL_WORDS, group_level, layered_options
from app.maps.layout import positions
from app.maps.legend import legend_and_filters
from app.maps.measures import MEASURES, apply_measure
from app.maps.styles import FONT_FACE
from models.document import LocalityDocument

VIEWS = ("people", "groups")
LAYOUTS = ("force", "layered")

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
        "agencies": kinds["agency"],
    }


def _seats(document: LocalityDocument) -> elements.Seats:
    seats: elements.Seats = defaultdict(list)
    for group in document.groups:
        for member in group.members:
            seats[member.person].append((group, member.role.value))
    return seats


def _elements(document: LocalityDocument, view: str, seats: elements.Seats, link_base: str | None):
    """The nodes and edges of the people or the groups view, with the key and filters."""
    group_index = {g.id: i for i, g in enumerate(document.groups)}
    nodes = [elements.group_node(g, i, _page(link_base, "groups", g.id)) for i, g in enumerate(document.groups)]
    edges: list[dict] = []
    if view == "people":
        people, edges = _people_and_seats(document, seats, group_index, link_base)
        nodes += people
    edges += elements.link_edges(document, group_index)
    if view == "groups":
        edges += elements.shared_member_edges(document, group_index)
    legend, filters = legend_and_filters(document, nodes, edges)
    return nodes, edges, legend, filters


def _chosen_view(document: LocalityDocument, view: str, seats: elements.Seats, notices: list[str]) -> str:
    """``auto`` as the people view, or the groups view (saying why) when the people view is too big to read."""
    if view != "auto":
        return view
    drawn = len(document.groups) + sum(1 for p in document.people if seats.get(p.id))
    if drawn <= LARGE_MAP:
        return "people"
    notices.append(opened_on_groups(drawn, len(document.groups)))
    return "groups"


def _check(view: str, layout: str, measure: str | None) -> None:
    if view not in (*VIEWS, *AGGREGATIONS, "auto"):
        raise ValueError(f"unknown map view {view!r}: the view is one of {', '.join((*VIEWS, *AGGREGATIONS))}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown map layout {layout!r}: the layout is one of {', '.join(LAYOUTS)}")
    if measure is not None and measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}: the measure is one of {', '.join(MEASURES)}")


def map_choices(view: str, ego: str | None, layout: str, measure: str | None) -> None:
    """Check the choices of a map in words, before any work: a ``ValueError`` naming what is wrong."""
    _check(view, layout, measure or None)
    if ego is not None:
        parse_ego(ego)


def _lay_out(document: LocalityDocument, view: str, layout: str, nodes, edges, threshold: int, seed: int):
    """vis options and the layout's name: layered rows, vis physics, or positions computed here."""
    if layout == "layered" and view == "groups":
        graphs = build_graphs(document)
        for group, node in zip(document.groups, nodes):
            node["level"] = group_level(group, graphs.is_school_facing(group.id))
        return layered_options(vis_options(False, len(nodes), seed)), "layered"
    physics = len(nodes) <= threshold
    if not physics:
        _place(nodes, edges, seed)
    return vis_options(physics, len(nodes), seed), "physics" if physics else "precomputed"


def _mark_ego(nodes: list[dict], centre: Ego, notices: list[str]) -> dict:
    for node in nodes:
        if node["kind"] == centre.kind and node["ref"] == centre.ref:
            node["ego"] = True
            node["borderWidth"] = 5
            node["font"] = {**node["font"], "bold": True}
    around = (
        "their groups and the colleagues they meet there"
        if centre.kind == "person"
        else ("its members and the groups one link away")
    )
    notices.append(f"The neighbourhood of {centre.name}: {around}. The locality's page has the whole map.")
    return centre._asdict()


def _drawn(document: LocalityDocument, view: str, seats: elements.Seats, link_base: str | None, measure):
    """The nodes, edges, key and filters of a view, shaded by the measure (never a summary's)."""
    if view in AGGREGATIONS:
        nodes, edges, legend, filters = summary_elements(document, view)
    else:
        nodes, edges, legend, filters = _elements(document, view, seats, link_base)
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"
    if measure is not None and view not in AGGREGATIONS:
        legend["measure"] = apply_measure(document, nodes, edges, measure)
    elements.room_for_words(nodes)
    return nodes, edges, legend, filters


def map_payload(
    document: LocalityDocument,
    view: str = "people",
    *,
    link_base: str | None = None,
    layout_threshold: int = 300,
    seed: int = 7,
    ego: str | None = None,
    layout: str = "force",
    measure: str | None = None,
) -> dict:
    """The data of one view of a locality's map, ready for map.js.

    Parameters
    ----------
    document : LocalityDocument
        A validated locality.
    view : str
        ``"people"`` (groups, the people on them and the links),
        ``"groups"`` (groups, links and shared membership), a summary
        (``"kind"`` or ``"agency"``, see :func:`~app.maps.aggregate.summary_elements`)
        or ``"auto"``: the people view, or the groups view above
        :data:`~app.maps.large.LARGE_MAP` nodes.
    link_base : str, optional
        The locality's page path (``/localities/thame``): nodes get a ``url``.
    layout_threshold : int
        Above this many nodes the positions are computed here (seeded) and
        vis physics is off; at or below it vis lays the map out.
    seed : int
        Seed of the layout, here and in vis.
    ego : str, optional
        ``group:ID`` or ``person:ID``: only that entry's neighbourhood
        (:func:`~app.maps.ego.ego_document`), in the people view.
    layout : str
        ``"force"``, or ``"layered"``: the groups view in rows by
        :func:`~app.maps.layers.group_level` (other views ignore it).
    measure : str, optional
        ``"seats"``, ``"hours"`` or ``"betweenness"``: nodes shaded and sized
        by it (:func:`~app.maps.measures.apply_measure`); not for summaries.

    Returns
    -------
    dict
        ``format`` (``"locmap-map/1"``), ``view``, ``locality``, the vis
        ``nodes``, ``edges`` and ``options``, ``layout`` (``"physics"``,
        ``"precomputed"`` or ``"layered"``), ``legend``, ``filters``,
        ``counts``, ``ego`` (its centre or ``None``), ``notices`` (what is
        hidden and how to see it, in words) and ``fit_nodes`` (the nodes the
        first view fits, or ``None`` for all), ``label_count`` (how many
        ``top_label`` nodes map.js names at the fit zoom; ``None``: all).

    Raises
    ------
    ValueError
        An unknown view, layout or measure, or an ego not ``KIND:ID``
        (:class:`~app.maps.ego.EgoNotFound` when it names nobody).
    """
    _check(view, layout, measure)
    if link_base is not None:
        link_base = "/" + link_base.strip("/") if link_base.strip("/") else ""
    notices: list[str] = []
    document, centre = ego_document(document, ego) if ego is not None else (document, None)
    view = "people" if ego is not None else view
    seats = _seats(document)
    view = _chosen_view(document, view, seats, notices)
    nodes, edges, legend, filters = _drawn(document, view, seats, link_base, measure)
    options, laid_out = _lay_out(document, view, layout, nodes, edges, layout_threshold, seed)
    legend["levels"] = [{"value": lv, "label": w} for lv, w in LEVEL_WORDS.items()] if laid_out == "layered" else None
    fit_nodes, detached = main_part(nodes, edges)
    named = top_labels(nodes, edges, options)
    notices += [n for n in (named, detached) if n]
    return {
        "format": "locmap-map/1",
        "view": view,
        "locality": {"id": document.locality.id, "name": document.locality.name},
        "nodes": nodes,
        "edges": edges,
        "options": options,
        "layout": laid_out,
        "legend": legend,
        "filters": filters,
        "counts": _counts(document, nodes, edges, seats),
        "ego": _mark_ego(nodes, centre, notices) if centre is not None else None,
        "notices": notices,
        "fit_nodes": fit_nodes,
        "label_count": TOP_LABELS if named else None,
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
