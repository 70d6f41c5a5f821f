"""The nodes and edges of the map, as vis-network items.

Node ids are opaque (``g3``, ``p12``): neither names nor file ids reach the
map's ids.  Names travel only as ``label`` (drawn on a canvas) and inside
plain-text ``tooltip`` strings, which map.js puts into the page with
``textContent``; nothing here is meant to be read as HTML.
"""

from __future__ import annotations

from collections import Counter

from analysis.graphs import build_graphs, group_projection
from app.maps.styles import (
    FOCUS_COLOURS,
    FOCUS_LABELS,
    FOCUS_TEXT_COLOURS,
    GROUP_SHAPES,
    LABEL_INSIDE_SHAPES,
    LINK_COLOURS,
    LINK_DASHES,
    LINK_LABELS,
    MEETS_WORDS,
    MEMBER_EDGE_COLOUR,
    ROLE_WORDS,
    SECTOR_COLOURS,
    SECTOR_LABELS,
    SHARED_EDGE_COLOUR,
    SHARED_EDGE_HIGHLIGHT,
)
from models.document import Agency, Group, LocalityDocument, Person
from models.vocab import GROUP_TYPE_LABELS

#: Where each person sits: person id -> [(group, role)].
Seats = dict[str, list[tuple[Group, str]]]


def plural(n: int | float, word: str, plural_word: str | None = None) -> str:
    """``n`` and the word, in the plural unless ``n`` is 1: "1 group", "3 people"."""
    return f"{n:g} {word if n == 1 else (plural_word or word + 's')}"


def focus_of(group: Group) -> str:
    """The group's focus as a legend key, ``"none"`` when it states none."""
    focus = group.effective_focus
    return focus.value if focus is not None else "none"


def _filled(colour: str, border: str, selected: str) -> dict:
    """A vis node colour: the same fill, a darker border when selected or hovered."""
    state = {"background": colour, "border": selected}
    return {"background": colour, "border": border, "highlight": state, "hover": dict(state)}


def group_look(gtype: str, focus: str, external: bool = False) -> dict:
    """The vis attributes that draw a group of a type and focus: shape, fill by focus, border by type."""
    shape = GROUP_SHAPES[gtype]
    label_inside = shape in LABEL_INSIDE_SHAPES
    look: dict = {
        "shape": shape,
        "color": _filled(FOCUS_COLOURS[focus], "#1F2933", "#000000"),
        "borderWidth": 1.5,
        "borderWidthSelected": 3,
        "font": {
            "color": FOCUS_TEXT_COLOURS.get(focus, "#111111") if label_inside else "#1F2933",
            "size": 17,
            "strokeWidth": 0 if label_inside else 3,
        },
        "size": 30 if gtype == "hub" else 22,
        "mass": 2,
    }
    if shape == "database":
        # vis draws a database as tall as it is wide: keep it narrow.
        look["margin"] = 6
        look["widthConstraint"] = {"maximum": 120}
    elif label_inside:
        look["margin"] = 10
        look["widthConstraint"] = {"maximum": 190}
    else:
        look["widthConstraint"] = {"maximum": 170}
    if gtype == "strategic_centre":
        look["borderWidth"] = 4
        look["font"]["bold"] = True
    shape_properties: dict = {}
    if gtype == "core_group":
        shape_properties["borderRadius"] = 0
    if external:
        shape_properties["borderDashes"] = [6, 4]
        look["borderWidth"] = max(look["borderWidth"], 2.5)
    if shape_properties:
        look["shapeProperties"] = shape_properties
    return look


def _word_width(word: str, size: float, bold: bool) -> float:
    """A generous width of a word at a font size: wide letters and capitals count more."""
    em = sum(0.95 if c in "mwMW" else 0.75 if c.isupper() else 0.62 for c in word)
    return em * size * (1.1 if bold else 1.0)


def room_for_words(nodes: list[dict]) -> None:
    """Widen each node's ``widthConstraint`` to hold its longest word.

    vis wraps a label at spaces, but breaks a word mid-way ("Designate d")
    when the word alone is wider than the constraint; with room for the
    longest word it only ever wraps between words.  The room scales with
    the font, so map.js keeps it when it enlarges a name.
    """
    for node in nodes:
        width = node.get("widthConstraint")
        words = node.get("label", "").split()
        if not isinstance(width, dict) or "maximum" not in width or not words:
            continue
        font = node.get("font", {})
        widest = max(_word_width(w, font.get("size", 14), bool(font.get("bold"))) for w in words)
        need = widest + 2 * node.get("margin", 5) + 4
        if need > width["maximum"]:
            node["widthConstraint"] = {**width, "maximum": round(need)}


def _group_tooltip(group: Group) -> str:
    bits = [GROUP_TYPE_LABELS[group.type.value].lower()]
    focus = focus_of(group)
    bits.append(FOCUS_LABELS[focus].lower() if focus != "none" else "no stated focus")
    if group.meets is not None:
        bits.append(MEETS_WORDS[group.meets.value])
    bits.append(plural(len(group.members), "member"))
    if group.external:
        bits.append("outside the locality")
    return f"{group.name} — {', '.join(bits)}"


def group_node(group: Group, index: int, url: str | None) -> dict:
    """The node of the ``index``-th group; ``url`` is its page, if any."""
    node: dict = {
        "id": f"g{index}",
        "label": group.name,
        "kind": "group",
        "ref": group.id,
        "type": group.type.value,
        "focus": focus_of(group),
        "external": group.external,
        **group_look(group.type.value, focus_of(group), group.external),
        "tooltip": _group_tooltip(group),
        "members": len(group.members),
    }
    if url is not None:
        node["url"] = url
    return node


def _person_size(seats: int) -> float:
    return round(min(7 + 3 * seats, 24), 1)


def _person_tooltip(person: Person, agency: Agency | None, sector: str, seats: int) -> str:
    where = f"{agency.name} ({SECTOR_LABELS[sector].lower()})" if agency else "no agency"
    extras = []
    if person.systems_minder:
        extras.append("systems minder")
    if person.service_user_rep:
        extras.append("service-user representative")
    if not person.local:
        extras.append("works outside the locality")
    tooltip = f"{person.name} — {where}, sits on {plural(seats, 'group')}"
    return f"{tooltip}; {', '.join(extras)}" if extras else tooltip


def person_node(person: Person, index: int, agency: Agency | None, seats: int, url: str | None) -> dict:
    """The node of the ``index``-th person, coloured by their agency's sector and sized by their seats."""
    sector = agency.sector.value if agency is not None else "none"
    node: dict = {
        "id": f"p{index}",
        "label": person.name,
        "kind": "person",
        "ref": person.id,
        "sector": sector,
        "agency": agency.name if agency else "",
        "seats": seats,
        "tooltip": _person_tooltip(person, agency, sector, seats),
        "shape": "dot",
        "size": _person_size(seats),
        "color": _filled(SECTOR_COLOURS[sector], "#FFFFFF", "#111111"),
        "borderWidth": 1.5,
        "borderWidthSelected": 3,
        "font": {"color": "#3E4C59", "size": 15, "strokeWidth": 3},
        "widthConstraint": {"maximum": 150},
        "mass": 1,
    }
    if url is not None:
        node["url"] = url
    return node


def member_edge(person: Person, person_id: str, group: Group, group_id: str, role: str) -> dict:
    """The thin, undirected edge of one seat of a person on a group."""
    return {
        "from": person_id,
        "to": group_id,
        "kind": "member",
        "role": role,
        "tooltip": f"{person.name} — {ROLE_WORDS.get(role, role)} of {group.name}",
        "color": {"color": MEMBER_EDGE_COLOUR, "highlight": "#5F6B7A", "hover": "#5F6B7A"},
        "width": 1,
        "arrows": {"to": {"enabled": False}},
        "smooth": {"enabled": False},
        "length": 95,
    }


def _pair_smooth(index: int) -> dict:
    """Curves for links between the same ordered pair, each bent further than the last.

    ``curvedCW`` bends to the right of the direction of travel, so a link
    back the other way bends to the other side and the two never overlap.
    """
    return {"enabled": True, "type": "curvedCW", "roundness": round(0.12 + 0.2 * index, 2)}


def link_edges(document: LocalityDocument, group_index: dict[str, int]) -> list[dict]:
    """Every directed link between groups, in file order, parallel ones bent apart."""
    groups = {g.id: g for g in document.groups}
    per_pair: Counter = Counter()
    edges = []
    for link in document.links:
        kind, pair = link.kind.value, (link.from_, link.to)
        colour = LINK_COLOURS[kind]
        edges.append(
            {
                "from": f"g{group_index[link.from_]}",
                "to": f"g{group_index[link.to]}",
                "kind": "link",
                "link_kind": kind,
                "ref": link.id,
                "tooltip": f"{groups[link.from_].name} {LINK_LABELS[kind].lower()} {groups[link.to].name}",
                "color": {"color": colour, "highlight": colour, "hover": colour},
                "width": 2.5,
                "arrows": {"to": {"enabled": True, "scaleFactor": 0.8, "type": "arrow"}},
                "dashes": LINK_DASHES[kind],
                "smooth": _pair_smooth(per_pair[pair]),
                "length": 190,
            }
        )
        per_pair[pair] += 1
    return edges


def shared_member_edges(document: LocalityDocument, group_index: dict[str, int]) -> list[dict]:
    """A faint undirected edge between every two groups that share members, thicker for more."""
    if len(document.groups) <= 1:
        return []
    groups = {g.id: g for g in document.groups}
    projection = group_projection(build_graphs(document))
    edges = []
    for u, v, count in sorted(projection.edges(data="weight"), key=lambda e: (group_index[e[0]], group_index[e[1]])):
        if count <= 0:
            continue
        shared = int(count)
        edges.append(
            {
                "from": f"g{group_index[u]}",
                "to": f"g{group_index[v]}",
                "kind": "shared",
                "shared": shared,
                "tooltip": f"{groups[u].name} and {groups[v].name} share {plural(shared, 'member')}",
                "color": {
                    "color": SHARED_EDGE_COLOUR,
                    "highlight": SHARED_EDGE_HIGHLIGHT,
                    "hover": SHARED_EDGE_HIGHLIGHT,
                },
                "width": round(1 + 0.8 * min(shared, 8), 1),
                "arrows": {"to": {"enabled": False}},
                "dashes": [3, 5],
                "smooth": {"enabled": False},
                "length": 220,
            }
        )
    return edges
