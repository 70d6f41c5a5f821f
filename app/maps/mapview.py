"""The interactive "who meets where" map of a locality.

:func:`map_payload` turns a ``locmap/1`` document into the data the browser
map (``app/static/map.js``, drawn with vis-network) needs: nodes, edges and
vis options built through :mod:`pyvis`, plus a legend, the filters on offer
and counts.  Two views are offered:

``people``
    Groups and the people who sit on them (membership edges, thin and grey),
    with the directed links between groups.
``groups``
    Groups only, with their directed links and a faint undirected
    "shares N members" edge between groups that share people.

Node ids are opaque (``g3``, ``p12``): neither names nor file ids reach the
map's ids.  Names travel only as ``label`` (drawn on a canvas) and inside
plain-text ``tooltip`` strings, which map.js puts into the page with
``textContent``; nothing here is meant to be read as HTML.

:func:`standalone_map_html` writes one self-contained HTML file (vis-network,
styles, script and data inlined, a strict Content-Security-Policy) that works
from ``file://`` with networking off.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import networkx as nx
import numpy as np
from pyvis.network import Network

from analysis.graphs import build_graphs, group_projection
from models.document import Group, LocalityDocument
from models.vocab import GROUP_TYPE_LABELS, Focus, GroupType, LinkKind, Meets, Sector

VIEWS = ("people", "groups")

STATIC_DIR = Path(__file__).resolve().parent / "static"

# ---------------------------------------------------------------- vocabulary


#: vis-network shape of each group type.  ``box``, ``ellipse`` and
#: ``database`` carry their label inside; the others show it underneath.
GROUP_SHAPES = {
    "steering_group": "box",
    "network": "ellipse",
    "forum": "database",
    "core_group": "box",
    "working_group": "square",
    "panel": "diamond",
    "school_consultation_team": "triangle",
    "multi_agency_support_team": "hexagon",
    "partnership": "star",
    "hub": "dot",
    "strategic_centre": "box",
    "other": "dot",
}
#: Legend swatch of each group type (a CSS class suffix in map.css): the vis
#: shape, told apart where two types share one.
GROUP_SWATCHES = {
    **GROUP_SHAPES,
    "core_group": "box-square",
    "strategic_centre": "box-double",
    "hub": "dot-large",
}
_LABEL_INSIDE = {"box", "ellipse", "database", "circle", "text"}

FOCUS_LABELS = {
    "upstream": "Upstream (fewer children in difficulty)",
    "downstream": "Downstream (casework)",
    "both": "Upstream and downstream",
    "strategic": "Strategic",
    "none": "No stated focus",
}
#: Okabe & Ito (2008) colour-blind-safe colours.
FOCUS_COLOURS = {
    "upstream": "#009E73",
    "downstream": "#D55E00",
    "both": "#E69F00",
    "strategic": "#0072B2",
    "none": "#9A9A9A",
}
#: Label colour on a filled shape: dark text except on the dark blue.
_FOCUS_TEXT = {"strategic": "#FFFFFF"}

SECTOR_LABELS = {
    "education": "Education",
    "social_care": "Social care",
    "health": "Health",
    "mental_health": "Mental health",
    "voluntary": "Voluntary sector",
    "police": "Police",
    "youth": "Youth service",
    "community": "Community",
    "local_authority": "Local authority",
    "housing": "Housing",
    "other": "Other sector",
    "none": "No agency",
}
#: Paul Tol's "muted" scheme, with two additions and grey for no agency.
SECTOR_COLOURS = {
    "education": "#332288",
    "social_care": "#CC6677",
    "health": "#117733",
    "mental_health": "#44AA99",
    "voluntary": "#DDCC77",
    "police": "#88CCEE",
    "youth": "#AA4499",
    "community": "#999933",
    "local_authority": "#882255",
    "housing": "#EE7733",
    "other": "#7A5C3E",
    "none": "#BBBBBB",
}

LINK_LABELS = {
    "reports_to": "Reports to",
    "feeds_issues_to": "Feeds issues to",
    "refers_cases_to": "Refers cases to",
    "commissions": "Commissions",
    "oversees": "Oversees",
    "consults": "Consults",
}
LINK_COLOURS = {
    "reports_to": "#0072B2",
    "feeds_issues_to": "#E69F00",
    "refers_cases_to": "#D55E00",
    "commissions": "#009E73",
    "oversees": "#3B3B3B",
    "consults": "#CC79A7",
}
#: Dash patterns, so link kinds differ by more than colour.
LINK_DASHES: dict[str, list[int] | bool] = {
    "reports_to": False,
    "feeds_issues_to": [10, 5],
    "refers_cases_to": False,
    "commissions": [2, 4],
    "oversees": False,
    "consults": [10, 4, 2, 4],
}

MEETS_WORDS = {
    "weekly": "meets weekly",
    "fortnightly": "meets fortnightly",
    "monthly": "meets monthly",
    "half_termly": "meets half-termly",
    "bimonthly": "meets every two months",
    "termly": "meets termly",
    "annually": "meets once a year",
    "ad_hoc": "meets when needed",
}

ROLE_WORDS = {
    "chair": "chair",
    "coordinator": "co-ordinator",
    "member": "member",
    "representative": "representative",
    "key_worker": "key worker",
    "consultant": "consultant",
    "secretary": "secretary",
}

MEMBER_EDGE_COLOUR = "#B8BEC6"
FONT_FACE = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
SHARED_EDGE_COLOUR = "rgba(110,118,128,0.45)"
SHARED_EDGE_HIGHLIGHT = "rgba(82,96,109,0.55)"

# Every vocabulary word must have its picture; a new word fails loudly here.
for _vocab, _table in (
    (GroupType, GROUP_SHAPES),
    (GroupType, GROUP_TYPE_LABELS),
    (Sector, SECTOR_COLOURS),
    (Sector, SECTOR_LABELS),
    (LinkKind, LINK_COLOURS),
    (LinkKind, LINK_LABELS),
    (Focus, FOCUS_COLOURS),
    (Meets, MEETS_WORDS),
):
    assert {v.value for v in _vocab} <= set(_table), (_vocab, _table)


# ---------------------------------------------------------------- helpers


def _plural(n: int | float, word: str, plural: str | None = None) -> str:
    return f"{n:g} {word if n == 1 else (plural or word + 's')}"


def _focus_of(group: Group) -> str:
    focus = group.effective_focus
    return focus.value if focus is not None else "none"


def _group_node(group: Group, index: int) -> dict:
    gtype = group.type.value
    focus = _focus_of(group)
    shape = GROUP_SHAPES[gtype]
    fill = FOCUS_COLOURS[focus]
    border = "#1F2933"
    label_inside = shape in _LABEL_INSIDE
    node: dict = {
        "id": f"g{index}",
        "label": group.name,
        "kind": "group",
        "ref": group.id,
        "type": gtype,
        "focus": focus,
        "external": group.external,
        "shape": shape,
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": fill, "border": "#000000"},
            "hover": {"background": fill, "border": "#000000"},
        },
        "borderWidth": 1.5,
        "borderWidthSelected": 3,
        "font": {
            "color": _FOCUS_TEXT.get(focus, "#111111") if label_inside else "#1F2933",
            "size": 17,
            "strokeWidth": 0 if label_inside else 3,
        },
        "size": 22,
        "mass": 2,
    }
    if shape == "database":
        # vis draws a database as tall as it is wide: keep it narrow.
        node["margin"] = 6
        node["widthConstraint"] = {"maximum": 120}
    elif label_inside:
        node["margin"] = 10
        node["widthConstraint"] = {"maximum": 190}
    else:
        node["widthConstraint"] = {"maximum": 170}
    if gtype == "hub":
        node["size"] = 30
    if gtype == "strategic_centre":
        node["borderWidth"] = 4
        node["font"]["bold"] = True
    shape_properties: dict = {}
    if gtype == "core_group":
        shape_properties["borderRadius"] = 0
    if group.external:
        shape_properties["borderDashes"] = [6, 4]
        node["borderWidth"] = max(node["borderWidth"], 2.5)
    if shape_properties:
        node["shapeProperties"] = shape_properties
    return node


def _group_tooltip(group: Group) -> str:
    bits = [GROUP_TYPE_LABELS[group.type.value].lower()]
    focus = _focus_of(group)
    bits.append(FOCUS_LABELS[focus].lower() if focus != "none" else "no stated focus")
    if group.meets is not None:
        bits.append(MEETS_WORDS[group.meets.value])
    bits.append(_plural(len(group.members), "member"))
    if group.external:
        bits.append("outside the locality")
    return f"{group.name} — {', '.join(bits)}"


def _person_size(seats: int) -> float:
    return round(min(7 + 3 * seats, 24), 1)


def _quote(ref: str) -> str:
    return quote(ref, safe="")


def _pair_smooth(index: int) -> dict:
    """Curves for links between the same ordered pair, each bent further than the last.

    ``curvedCW`` bends to the right of the direction of travel, so a link
    back the other way bends to the other side and the two never overlap.
    """
    return {"enabled": True, "type": "curvedCW", "roundness": round(0.12 + 0.2 * index, 2)}


# ---------------------------------------------------------------- layout


def _fruchterman_reingold(n: int, edges: list[tuple[int, int, float]], seed: int, iterations: int) -> np.ndarray:
    """A dense Fruchterman-Reingold layout in numpy, worked in row blocks.

    networkx switches to a pure-Python loop above 500 nodes, which takes
    seconds; this does the same arithmetic a block of rows at a time, in
    single precision.
    """
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2)).astype(np.float32)
    if n <= 1:
        return pos.astype(float)
    weight = np.zeros((n, n), dtype=np.float32)
    for i, j, w in edges:
        if i != j:
            weight[i, j] += w
            weight[j, i] += w
    k = np.float32(math.sqrt(1.0 / n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    block = max(1, int(2_000_000 // n))
    for _ in range(iterations):
        displacement = np.zeros((n, 2), dtype=np.float32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            dx = pos[start:stop, 0, None] - pos[None, :, 0]
            dy = pos[start:stop, 1, None] - pos[None, :, 1]
            distance2 = np.maximum(dx * dx + dy * dy, np.float32(1e-4))
            # Repulsion k^2/d and attraction w*d^2/k, along the unit vector (dx, dy)/d.
            force = k * k / distance2 - weight[start:stop] * np.sqrt(distance2) / k
            displacement[start:stop, 0] = (dx * force).sum(axis=1)
            displacement[start:stop, 1] = (dy * force).sum(axis=1)
        length = np.maximum(np.sqrt((displacement**2).sum(axis=1)), np.float32(0.01))
        pos += displacement * (np.float32(temperature) / length)[:, None]
        temperature -= cooling
    return pos.astype(float)


def _spring(node_ids: list[str], edges: list[tuple[str, str, float]], seed: int) -> np.ndarray:
    """Seeded spring positions of some nodes, as an ``(n, 2)`` array."""
    n = len(node_ids)
    if n <= 500:
        graph = nx.Graph()
        graph.add_nodes_from(node_ids)
        for u, v, w in edges:
            if u == v:
                continue
            if graph.has_edge(u, v):
                graph.edges[u, v]["weight"] += w
            else:
                graph.add_edge(u, v, weight=w)
        raw = nx.spring_layout(graph, seed=seed, iterations=80, weight="weight")
        return np.array([raw[i] for i in node_ids], dtype=float).reshape(n, 2)
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    iterations = max(10, min(60, int(2.5e8 // (n * n))))
    return _fruchterman_reingold(n, [(index[u], index[v], w) for u, v, w in edges], seed, iterations)


#: Above this many nodes, people are placed around their groups rather than
#: laid out one by one.
SATELLITE_LAYOUT_MIN = 500
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _layout(
    node_ids: list[str],
    edges: list[tuple[str, str, float]],
    seed: int,
    satellites: dict[str, list[str]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Seeded positions for every node, scaled to about +-1000 px (more for big maps).

    Small maps get a spring layout of every node.  In a big people map,
    ``satellites`` (person -> the groups they sit on) lets the groups be laid
    out first, joined by their links and shared members, and each person be
    put near the middle of their groups, people with the same groups on a
    sunflower spiral: linear in the number of people.
    """
    n = len(node_ids)
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    if satellites and n > SATELLITE_LAYOUT_MIN:
        core = [i for i in node_ids if i not in satellites]
        core_set = set(core)
        core_edges = [(u, v, w) for u, v, w in edges if u in core_set and v in core_set]
        shared: Counter = Counter()
        for anchors in satellites.values():
            for a_i, a in enumerate(anchors):
                for b in anchors[a_i + 1 :]:
                    shared[(a, b) if a < b else (b, a)] += 1
        core_edges += [(a, b, 0.3 * min(count, 5)) for (a, b), count in shared.items()]
        core_pos = _spring(core, core_edges, seed) if core else np.zeros((0, 2))
        where = dict(zip(core, core_pos))
        if len(core) > 1:
            from scipy.spatial import cKDTree

            nearest = cKDTree(core_pos).query(core_pos, k=2)[0][:, 1]
            room = dict(zip(core, np.maximum(nearest, 1e-3)))
        else:
            room = dict.fromkeys(core, 0.4)
        clusters: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for node_id in node_ids:
            if node_id in satellites:
                clusters[tuple(sorted(satellites[node_id]))].append(node_id)
        for anchors, members in clusters.items():
            centre = np.mean([where[a] for a in anchors], axis=0) if anchors else rng.random(2) * 2 - 1
            # Within 45% of the distance from a group to its nearest other
            # group, a person is nearer their own group than any other.
            spacing = min((room[a] for a in anchors), default=0.4)
            phase = rng.random() * 2 * math.pi
            m = len(members)
            for i, node_id in enumerate(members):
                radius = spacing * (0.18 + 0.27 * math.sqrt((i + 0.5) / m))
                angle = phase + i * _GOLDEN_ANGLE
                where[node_id] = centre + radius * np.array([math.cos(angle), math.sin(angle)])
        array = np.array([where[i] for i in node_ids], dtype=float)
    else:
        array = _spring(node_ids, edges, seed)
    array = array - array.mean(axis=0)
    extent = np.abs(array).max()
    if extent > 0:
        array = array * (1000.0 * max(1.0, math.sqrt(n / 400)) / extent)
    return {node_id: (int(round(x)), int(round(y))) for node_id, (x, y) in zip(node_ids, array)}


# ---------------------------------------------------------------- payload


def _options(physics: bool, node_count: int, seed: int) -> dict:
    options: dict = {
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
    }
    if physics:
        options["physics"] = {
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
    else:
        options["physics"] = {"enabled": False}
    return options


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
    """
    if view not in VIEWS:
        raise ValueError(f"unknown map view {view!r}; expected one of {', '.join(VIEWS)}")
    if link_base is not None:
        link_base = "/" + link_base.strip("/") if link_base.strip("/") else ""

    agencies = {a.id: a for a in document.agencies}
    people_index = {p.id: i for i, p in enumerate(document.people)}
    group_index = {g.id: i for i, g in enumerate(document.groups)}
    groups_by_id = {g.id: g for g in document.groups}
    seats: dict[str, list[tuple[Group, str]]] = defaultdict(list)
    for group in document.groups:
        for member in group.members:
            seats[member.person].append((group, member.role.value))

    nodes: list[dict] = []
    edges: list[dict] = []

    for i, group in enumerate(document.groups):
        node = _group_node(group, i)
        node["tooltip"] = _group_tooltip(group)
        node["members"] = len(group.members)
        if link_base is not None:
            node["url"] = f"{link_base}/groups/{_quote(group.id)}"
        nodes.append(node)

    people_shown = 0
    if view == "people":
        for person in document.people:
            person_seats = seats.get(person.id)
            if not person_seats:
                continue
            people_shown += 1
            agency = agencies.get(person.agency) if person.agency else None
            sector = agency.sector.value if agency is not None else "none"
            colour = SECTOR_COLOURS[sector]
            where = f"{agency.name} ({SECTOR_LABELS[sector].lower()})" if agency else "no agency"
            extras = []
            if person.systems_minder:
                extras.append("systems minder")
            if person.service_user_rep:
                extras.append("service-user representative")
            if not person.local:
                extras.append("works outside the locality")
            tooltip = f"{person.name} — {where}, sits on {_plural(len(person_seats), 'group')}"
            if extras:
                tooltip += f"; {', '.join(extras)}"
            node = {
                "id": f"p{people_index[person.id]}",
                "label": person.name,
                "kind": "person",
                "ref": person.id,
                "sector": sector,
                "agency": agency.name if agency else "",
                "seats": len(person_seats),
                "tooltip": tooltip,
                "shape": "dot",
                "size": _person_size(len(person_seats)),
                "color": {
                    "background": colour,
                    "border": "#FFFFFF",
                    "highlight": {"background": colour, "border": "#111111"},
                    "hover": {"background": colour, "border": "#111111"},
                },
                "borderWidth": 1.5,
                "borderWidthSelected": 3,
                "font": {
                    "color": "#3E4C59",
                    "size": 15,
                    "strokeWidth": 3,
                },
                "widthConstraint": {"maximum": 150},
                "mass": 1,
            }
            if link_base is not None:
                node["url"] = f"{link_base}/people/{_quote(person.id)}"
            nodes.append(node)
            for group, role in person_seats:
                edges.append(
                    {
                        "from": node["id"],
                        "to": f"g{group_index[group.id]}",
                        "kind": "member",
                        "role": role,
                        "tooltip": f"{person.name} — {ROLE_WORDS.get(role, role)} of {group.name}",
                        "color": {"color": MEMBER_EDGE_COLOUR, "highlight": "#5F6B7A", "hover": "#5F6B7A"},
                        "width": 1,
                        "arrows": {"to": {"enabled": False}},
                        "smooth": {"enabled": False},
                        "length": 95,
                    }
                )

    # Directed links: every one shown, parallel ones bent apart.
    per_pair: Counter = Counter()
    for link in document.links:
        kind = link.kind.value
        pair = (link.from_, link.to)
        source, target = groups_by_id[link.from_], groups_by_id[link.to]
        edge = {
            "from": f"g{group_index[link.from_]}",
            "to": f"g{group_index[link.to]}",
            "kind": "link",
            "link_kind": kind,
            "ref": link.id,
            "tooltip": f"{source.name} {LINK_LABELS[kind].lower()} {target.name}",
            "color": {"color": LINK_COLOURS[kind], "highlight": LINK_COLOURS[kind], "hover": LINK_COLOURS[kind]},
            "width": 2.5,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.8, "type": "arrow"}},
            "dashes": LINK_DASHES[kind],
            "smooth": _pair_smooth(per_pair[pair]),
            "length": 190,
        }
        per_pair[pair] += 1
        edges.append(edge)

    shared_pairs = 0
    if view == "groups" and len(document.groups) > 1:
        projection = group_projection(build_graphs(document))
        for u, v, count in sorted(
            projection.edges(data="weight"), key=lambda e: (group_index[e[0]], group_index[e[1]])
        ):
            if count <= 0:
                continue
            shared_pairs += 1
            a, b = groups_by_id[u], groups_by_id[v]
            edges.append(
                {
                    "from": f"g{group_index[u]}",
                    "to": f"g{group_index[v]}",
                    "kind": "shared",
                    "shared": int(count),
                    "tooltip": f"{a.name} and {b.name} share {_plural(int(count), 'member')}",
                    "color": {
                        "color": SHARED_EDGE_COLOUR,
                        "highlight": SHARED_EDGE_HIGHLIGHT,
                        "hover": SHARED_EDGE_HIGHLIGHT,
                    },
                    "width": round(1 + 0.8 * min(int(count), 8), 1),
                    "arrows": {"to": {"enabled": False}},
                    "dashes": [3, 5],
                    "smooth": {"enabled": False},
                    "length": 220,
                }
            )

    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"

    physics = len(nodes) <= layout_threshold
    if not physics:
        weights = {"member": 1.0, "link": 1.0}
        satellites: dict[str, list[str]] = defaultdict(list)
        for edge in edges:
            if edge["kind"] == "member":
                satellites[edge["from"]].append(edge["to"])
        positions = _layout(
            [n["id"] for n in nodes],
            [(e["from"], e["to"], weights.get(e["kind"], 0.3 * min(e.get("shared", 1), 5))) for e in edges],
            seed,
            satellites=dict(satellites) or None,
        )
        for node in nodes:
            node["x"], node["y"] = positions[node["id"]]
            node["physics"] = False

    # Built through pyvis: lists assigned at once (its add_edge is quadratic),
    # options set on the object, and the whole taken back out of it.
    net = Network(directed=True, cdn_resources="remote")
    net.nodes = nodes
    net.edges = edges
    net.options = _options(physics, len(nodes), seed)
    net_nodes, net_edges, _heading, _height, _width, options_json = net.get_network_data()

    present_types = Counter(g.type.value for g in document.groups)
    present_focus = Counter(_focus_of(g) for g in document.groups)
    present_links = Counter(link.kind.value for link in document.links)
    present_sectors = Counter(n["sector"] for n in nodes if n["kind"] == "person")
    member_edges = sum(1 for e in edges if e["kind"] == "member")

    group_types = [
        {
            "value": t.value,
            "label": GROUP_TYPE_LABELS[t.value],
            "shape": GROUP_SWATCHES[t.value],
            "count": present_types[t.value],
        }
        for t in GroupType
        if present_types[t.value]
    ]
    focus_items = [
        {"value": f, "label": FOCUS_LABELS[f], "color": FOCUS_COLOURS[f], "count": present_focus[f]}
        for f in (*(x.value for x in Focus), "none")
        if present_focus[f]
    ]
    sectors = [
        {"value": s, "label": SECTOR_LABELS[s], "color": SECTOR_COLOURS[s], "count": present_sectors[s]}
        for s in (*(x.value for x in Sector), "none")
        if present_sectors[s]
    ]
    link_kinds = [
        {
            "value": k.value,
            "label": LINK_LABELS[k.value],
            "color": LINK_COLOURS[k.value],
            "dashes": LINK_DASHES[k.value],
            "count": present_links[k.value],
        }
        for k in LinkKind
        if present_links[k.value]
    ]
    edge_kinds = []
    if member_edges:
        edge_kinds.append(
            {"value": "member", "label": "Sits on (membership)", "color": MEMBER_EDGE_COLOUR, "count": member_edges}
        )
    if shared_pairs:
        edge_kinds.append(
            {"value": "shared", "label": "Share members", "color": SHARED_EDGE_COLOUR, "count": shared_pairs}
        )
    external = sum(1 for g in document.groups if g.external)

    legend = {
        "group_types": group_types,
        "focus": focus_items,
        "sectors": sectors,
        "link_kinds": link_kinds,
        "edges": edge_kinds,
        "external": {"label": "Dashed border: outside the locality", "count": external} if external else None,
        "people_size": "Bigger dot: sits on more groups" if view == "people" and people_shown else None,
    }
    filters = {
        "sectors": sectors,
        "group_types": group_types,
        "link_kinds": link_kinds,
        "edges": edge_kinds,
    }
    return {
        "format": "locmap-map/1",
        "view": view,
        "locality": {"id": document.locality.id, "name": document.locality.name},
        "nodes": net_nodes,
        "edges": net_edges,
        "options": json.loads(options_json),
        "layout": "physics" if physics else "precomputed",
        "legend": legend,
        "filters": filters,
        "counts": {
            "nodes": len(nodes),
            "edges": len(edges),
            "groups": len(document.groups),
            "people": people_shown,
            "people_total": len(document.people),
            "people_not_on_groups": sum(1 for p in document.people if not seats.get(p.id)),
            "memberships": member_edges,
            "links": len(document.links),
            "shared_pairs": shared_pairs,
        },
    }


# ---------------------------------------------------------------- output

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def map_json(payload: dict) -> str:
    """The payload as JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` and the like, so no ``</script>``
    or ``<!--`` can end or confuse the block; U+2028 and U+2029 are escaped
    for old JavaScript parsers.  ``JSON.parse`` reads it back unchanged.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(str.maketrans(_JSON_ESCAPES))


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's minified script and stylesheet, from the copy bundled with pyvis."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(
        encoding="utf-8"
    )


def _inline_script(text: str) -> str:
    """Script text that cannot end its ``<script>`` element early.

    ``</script`` and ``<!--`` only occur in JavaScript inside strings, regular
    expressions or comments, where ``<\\/script`` and ``\\x3C!--`` mean the
    same; a file holding them is rewritten rather than trusted.
    """
    lowered = text.lower()
    if "</script" in lowered or "<!--" in text:
        out = []
        i = 0
        while i < len(text):
            if text.startswith("<!--", i):
                out.append("\\x3C!--")
                i += 4
            elif text[i] == "<" and text[i + 1 : i + 8].lower() == "/script":
                out.append("<\\/")
                i += 2
            else:
                out.append(text[i])
                i += 1
        text = "".join(out)
    return text


def _inline_style(text: str) -> str:
    """Stylesheet text that cannot end its ``<style>`` element early."""
    if "</style" in text.lower():
        raise ValueError("stylesheet contains '</style'")
    return text


STANDALONE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

_VIEW_TITLES = {"people": "People and groups", "groups": "Groups and their links"}


def standalone_map_html(document: LocalityDocument, view: str = "people") -> str:
    """One self-contained HTML file holding the map of one view of a locality.

    Everything is inlined (vis-network, styles, map.js, the data), and the
    Content-Security-Policy forbids fetching anything, so the file opens
    from disk with networking off and sends nothing anywhere.
    """
    payload = map_payload(document, view)
    vis_js, vis_css = vis_assets()
    map_js = (STATIC_DIR / "map.js").read_text(encoding="utf-8")
    map_css = (STATIC_DIR / "map.css").read_text(encoding="utf-8")
    e = html.escape
    locality = document.locality
    counts = payload["counts"]
    summary = f"{_plural(counts['groups'], 'group')}, {_plural(counts['links'], 'link')}"
    if view == "people":
        summary = f"{_plural(counts['people'], 'person', 'people')} on {summary}"
    title = f"{locality.name}: who meets where"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(STANDALONE_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{e(title)}</title>
<style>{_inline_style(vis_css)}</style>
<style>{_inline_style(map_css)}</style>
</head>
<body class="locmap-standalone">
<header class="locmap-page-header">
<h1>{e(locality.name)} <span class="locmap-subtitle">who meets where</span></h1>
<p class="locmap-meta">{e(locality.authority)} · {e(_VIEW_TITLES[view])} · {e(summary)}</p>
<p class="locmap-offline-note">Open offline; no data leaves this file.</p>
</header>
<main>
<div class="locmap-map" data-locmap-map data-payload="map-data" data-view="{e(view)}"></div>
<noscript><p>The map needs JavaScript.</p></noscript>
</main>
<script type="application/json" id="map-data">{map_json(payload)}</script>
<script>{_inline_script(vis_js)}</script>
<script>{_inline_script(map_js)}</script>
</body>
</html>
"""


# ---------------------------------------------------------------- aggregated views

AGGREGATIONS = ("kind", "agency")


def aggregate_document(document: LocalityDocument, by: str = "kind") -> LocalityDocument:
    """A summary of a locality too big to draw node by node, as a small document for the groups view.

    ``by="kind"``: one node per kind of group (named with how many groups it
    stands for), and one link per kind of link between two kinds, noting how
    many links it stands for.  ``by="agency"``: one node per agency with
    people on groups, and a ``consults`` link between two agencies for every
    pair that meets in at least one group (the note says in how many).
    Counts come from sparse products, so a county or national set is
    summarised in about a second.
    """
    from collections import Counter

    import scipy.sparse as sp

    if by not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {by!r}: use one of {', '.join(AGGREGATIONS)}")
    base = {
        "format": "locmap/1",
        "locality": {
            "id": document.locality.id,
            "name": f"{document.locality.name} (by {'kind of group' if by == 'kind' else 'agency'})",
            "authority": document.locality.authority,
            "boundary": document.locality.boundary.value,
        },
        "agencies": [],
        "people": [],
        "groups": [],
        "links": [],
    }
    if by == "kind":
        kinds = Counter(g.type.value for g in document.groups)
        base["groups"] = [
            {"id": kind.replace("_", "-"), "name": f"{GROUP_TYPE_LABELS.get(kind, kind)} ({count})", "type": kind}
            for kind, count in kinds.most_common()
        ]
        type_of = {g.id: g.type.value for g in document.groups}
        pairs = Counter((type_of[link.from_], link.kind.value, type_of[link.to]) for link in document.links)
        for (source, kind, target), count in sorted(pairs.items()):
            if source == target:
                continue  # a kind linked to itself: drawn as the node, counted in its name
            base["links"].append(
                {
                    "from": source.replace("_", "-"),
                    "to": target.replace("_", "-"),
                    "kind": kind,
                    "note": f"{count} link{'s' if count != 1 else ''}",
                }
            )
        return LocalityDocument.model_validate(base)

    # by agency: agencies x groups incidence, then agencies that meet = A @ A.T
    agencies = [a for a in document.agencies]
    index = {a.id: i for i, a in enumerate(agencies)}
    person_agency = {p.id: p.agency for p in document.people if p.agency in index}
    rows, cols = [], []
    for j, g in enumerate(document.groups):
        for m in g.members:
            agency = person_agency.get(m.person)
            if agency is not None:
                rows.append(index[agency])
                cols.append(j)
    incidence = sp.csr_matrix(([1] * len(rows), (rows, cols)), shape=(len(agencies), len(document.groups)))
    incidence.data[:] = 1  # present or not, whatever the number of its people there
    incidence.sum_duplicates()
    incidence.data[:] = 1
    meets = sp.triu(incidence @ incidence.T, k=1).tocoo()
    present = set(rows)
    staff = Counter(person_agency.values())
    for i, agency in enumerate(agencies):
        if i in present:
            base["groups"].append(
                {"id": agency.id, "name": f"{agency.name} ({staff[agency.id]} people)", "type": "other", "focus": None}
            )
    for i, j, count in zip(meets.row, meets.col, meets.data):
        base["links"].append(
            {
                "from": agencies[i].id,
                "to": agencies[j].id,
                "kind": "consults",
                "note": f"meet in {int(count)} group{'s' if count != 1 else ''}",
            }
        )
    for g in base["groups"]:
        g.pop("focus")
    return LocalityDocument.model_validate(base)
