"""The map's key and the filters on offer: only what the map shows, with counts."""

from __future__ import annotations

from collections import Counter

from app.maps.elements import focus_of
from app.maps.styles import (
    FOCUS_COLOURS,
    FOCUS_LABELS,
    GROUP_SWATCHES,
    LINK_COLOURS,
    LINK_DASHES,
    LINK_LABELS,
    MEMBER_EDGE_COLOUR,
    SECTOR_COLOURS,
    SECTOR_LABELS,
    SHARED_EDGE_COLOUR,
)
from models.document import LocalityDocument
from models.vocab import GROUP_TYPE_LABELS, Focus, GroupType, LinkKind, Sector


def _group_types(document: LocalityDocument) -> list[dict]:
    present = Counter(g.type.value for g in document.groups)
    return [
        {
            "value": t.value,
            "label": GROUP_TYPE_LABELS[t.value],
            "shape": GROUP_SWATCHES[t.value],
            "count": present[t.value],
        }
        for t in GroupType
        if present[t.value]
    ]


def _focus(document: LocalityDocument) -> list[dict]:
    present = Counter(focus_of(g) for g in document.groups)
    return [
        {"value": f, "label": FOCUS_LABELS[f], "color": FOCUS_COLOURS[f], "count": present[f]}
        for f in (*(x.value for x in Focus), "none")
        if present[f]
    ]


def _sectors(nodes: list[dict]) -> list[dict]:
    present = Counter(n["sector"] for n in nodes if n["kind"] == "person")
    return [
        {"value": s, "label": SECTOR_LABELS[s], "color": SECTOR_COLOURS[s], "count": present[s]}
        for s in (*(x.value for x in Sector), "none")
        if present[s]
    ]


def _link_kinds(document: LocalityDocument) -> list[dict]:
    present = Counter(link.kind.value for link in document.links)
    return [
        {
            "value": k.value,
            "label": LINK_LABELS[k.value],
            "color": LINK_COLOURS[k.value],
            "dashes": LINK_DASHES[k.value],
            "count": present[k.value],
        }
        for k in LinkKind
        if present[k.value]
    ]


def _edge_kinds(member_edges: int, shared_pairs: int) -> list[dict]:
    kinds = []
    if member_edges:
        kinds.append(
            {"value": "member", "label": "Sits on (membership)", "color": MEMBER_EDGE_COLOUR, "count": member_edges}
        )
    if shared_pairs:
        kinds.append({"value": "shared", "label": "Share members", "color": SHARED_EDGE_COLOUR, "count": shared_pairs})
    return kinds


def legend_and_filters(document: LocalityDocument, nodes: list[dict], edges: list[dict]) -> tuple[dict, dict]:
    """The key of the map and the filters on offer, from the nodes and edges it draws.

    Returns
    -------
    (dict, dict)
        The legend (group types, focus, sectors, link kinds, edge kinds, the
        external border and the person size, each ``None`` when absent) and
        the filters (sectors, group types, link kinds, edge kinds).
    """
    group_types = _group_types(document)
    sectors = _sectors(nodes)
    link_kinds = _link_kinds(document)
    member_edges = sum(1 for e in edges if e["kind"] == "member")
    edge_kinds = _edge_kinds(member_edges, sum(1 for e in edges if e["kind"] == "shared"))
    external = sum(1 for g in document.groups if g.external)
    people_shown = any(n["kind"] == "person" for n in nodes)
    legend = {
        "group_types": group_types,
        "focus": _focus(document),
        "sectors": sectors,
        "link_kinds": link_kinds,
        "edges": edge_kinds,
        "external": {"label": "Dashed border: outside the locality", "count": external} if external else None,
        "people_size": "Bigger dot: sits on more groups" if people_shown else None,
        "measure": None,
        "levels": None,
    }
    filters = {"sectors": sectors, "group_types": group_types, "link_kinds": link_kinds, "edges": edge_kinds}
    return legend, filters


def _counted(nodes: list[dict], key: str, labels: dict, colours: dict) -> list[dict]:
    present = Counter(n[key] for n in nodes if key in n)
    return [{"value": v, "label": labels[v], "color": colours[v], "count": present[v]} for v in labels if present[v]]


def summary_legend(nodes: list[dict], edges: list[dict]) -> tuple[dict, dict]:
    """The key and filters of a summary (by kind or by agency): what each merged node and line stands for."""
    kinds = Counter(n["type"] for n in nodes if n["kind"] == "group")
    group_types = [
        {"value": t, "label": GROUP_TYPE_LABELS[t], "shape": GROUP_SWATCHES[t], "count": kinds[t]}
        for t in GROUP_TYPE_LABELS
        if kinds[t]
    ]
    merged: Counter = Counter()
    for edge in edges:
        if edge["kind"] == "link":
            merged[edge["link_kind"]] += edge["merged"]
    link_kinds = [
        {
            "value": k,
            "label": f"{LINK_LABELS[k]} (merges {merged[k]} link{'s' if merged[k] != 1 else ''})",
            "color": LINK_COLOURS[k],
            "dashes": LINK_DASHES[k],
            "count": sum(1 for e in edges if e.get("link_kind") == k),
        }
        for k in LINK_LABELS
        if merged[k]
    ]
    shared = sum(1 for e in edges if e["kind"] == "shared")
    edge_kinds = (
        [
            {
                "value": "shared",
                "label": "Sit together on groups (merges shared seats; thicker: more groups)",
                "color": SHARED_EDGE_COLOUR,
                "count": shared,
            }
        ]
        if shared
        else []
    )
    sectors = [dict(s) for s in _counted(nodes, "sector", SECTOR_LABELS, SECTOR_COLOURS)]
    legend = {
        "group_types": group_types,
        "focus": _counted(nodes, "focus", FOCUS_LABELS, FOCUS_COLOURS),
        "sectors": sectors,
        "link_kinds": link_kinds,
        "edges": edge_kinds,
        "external": None,
        "people_size": "Bigger dot: more people on groups" if sectors else None,
        "measure": None,
        "levels": None,
    }
    filters = {"sectors": sectors, "group_types": group_types, "link_kinds": link_kinds, "edges": edge_kinds}
    return legend, filters
