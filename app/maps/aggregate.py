"""Summaries of a locality too big to draw node by node, as small documents for the groups view."""

from __future__ import annotations

import math
from collections import Counter

from app.maps.elements import focus_of, group_look, plural
from app.maps.legend import summary_legend
from app.maps.styles import (
    FOCUS_LABELS,
    LINK_COLOURS,
    LINK_DASHES,
    LINK_LABELS,
    SECTOR_COLOURS,
    SECTOR_LABELS,
    SHARED_EDGE_COLOUR,
)
from models.document import LocalityDocument
from models.vocab import GROUP_TYPE_LABELS

AGGREGATIONS = ("kind", "agency")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _by_kind(document: LocalityDocument) -> tuple[list[dict], list[dict]]:
    """One group per kind of group, one link per kind of link between two kinds."""
    kinds = Counter(g.type.value for g in document.groups)
    groups = [
        {"id": kind.replace("_", "-"), "name": f"{GROUP_TYPE_LABELS.get(kind, kind)} ({count})", "type": kind}
        for kind, count in kinds.most_common()
    ]
    type_of = {g.id: g.type.value for g in document.groups}
    pairs = Counter((type_of[link.from_], link.kind.value, type_of[link.to]) for link in document.links)
    links = [
        {"from": source.replace("_", "-"), "to": target.replace("_", "-"), "kind": kind, "note": _plural(count, "link")}
        for (source, kind, target), count in sorted(pairs.items())
        # a kind linked to itself: drawn as the node, counted in its name
        if source != target
    ]
    return groups, links


def _by_agency(document: LocalityDocument) -> tuple[list[dict], list[dict]]:
    """One group per agency with people on groups, a ``consults`` link between agencies that meet."""
    import scipy.sparse as sp

    agencies = list(document.agencies)
    index = {a.id: i for i, a in enumerate(agencies)}
    person_agency = {p.id: p.agency for p in document.people if p.agency in index}
    rows, cols = [], []
    for j, g in enumerate(document.groups):
        for m in g.members:
            agency = person_agency.get(m.person)
            if agency is not None:
                rows.append(index[agency])
                cols.append(j)
    # agencies x groups incidence, present or not whatever the number of its
    # people there; then the agencies that meet are A @ A.T
    incidence = sp.csr_matrix(([1] * len(rows), (rows, cols)), shape=(len(agencies), len(document.groups)))
    incidence.sum_duplicates()
    incidence.data[:] = 1
    meets = sp.triu(incidence @ incidence.T, k=1).tocoo()
    present = set(rows)
    staff = Counter(person_agency.values())
    groups = [
        {"id": agency.id, "name": f"{agency.name} ({staff[agency.id]} people)", "type": "other"}
        for i, agency in enumerate(agencies)
        if i in present
    ]
    links = [
        {
            "from": agencies[i].id,
            "to": agencies[j].id,
            "kind": "consults",
            "note": f"meet in {_plural(int(count), 'group')}",
        }
        for i, j, count in zip(meets.row, meets.col, meets.data)
    ]
    return groups, links


def aggregate_document(document: LocalityDocument, by: str = "kind") -> LocalityDocument:
    """A summary of a locality too big to draw node by node, as a small document for the groups view.

    Parameters
    ----------
    document : LocalityDocument
        The locality to summarise.
    by : str
        ``"kind"``: one node per kind of group (named with how many groups it
        stands for), and one link per kind of link between two kinds, noting
        how many links it stands for.  ``"agency"``: one node per agency with
        people on groups, and a ``consults`` link between two agencies for
        every pair that meets in at least one group (the note says in how
        many).

    Returns
    -------
    LocalityDocument
        The summary.  Counts come from sparse products, so a county or
        national set is summarised in about a second.
    """
    if by not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {by!r}: use one of {', '.join(AGGREGATIONS)}")
    groups, links = _by_kind(document) if by == "kind" else _by_agency(document)
    locality = document.locality
    return LocalityDocument.model_validate(
        {
            "format": "locmap/1",
            "locality": {
                "id": locality.id,
                "name": f"{locality.name} (by {'kind of group' if by == 'kind' else 'agency'})",
                "authority": locality.authority,
                "boundary": locality.boundary.value,
            },
            "agencies": [],
            "people": [],
            "groups": groups,
            "links": links,
        }
    )


# ---------------------------------------------------------------- summaries drawn as what they stand for


def _kind_nodes(document: LocalityDocument) -> tuple[list[dict], dict[str, str]]:
    """One node per kind of group, shaped as the kind and filled with its groups' usual focus."""
    kinds = Counter(g.type.value for g in document.groups)
    focus: dict[str, Counter] = {kind: Counter() for kind in kinds}
    for group in document.groups:
        focus[group.type.value][focus_of(group)] += 1
    nodes, node_of = [], {}
    for i, (kind, count) in enumerate(kinds.most_common()):
        usual = focus[kind].most_common(1)[0][0]
        node_of[kind] = f"k{i}"
        label = GROUP_TYPE_LABELS.get(kind, kind)
        focus_words = FOCUS_LABELS[usual].lower() if usual != "none" else "no stated focus"
        nodes.append(
            {
                "id": f"k{i}",
                "label": f"{label} ({count})",
                "kind": "group",
                "ref": kind,
                "type": kind,
                "focus": usual,
                "external": False,
                **group_look(kind, usual),
                "tooltip": f"{label}: {_plural(count, 'group')}, most of them {focus_words}",
                "members": sum(len(g.members) for g in document.groups if g.type.value == kind),
            }
        )
    return nodes, node_of


def _kind_edges(document: LocalityDocument, node_of: dict[str, str]) -> list[dict]:
    """One edge per kind of link between two kinds of group, drawn as that kind of link."""
    type_of = {g.id: g.type.value for g in document.groups}
    pairs = Counter((type_of[link.from_], link.kind.value, type_of[link.to]) for link in document.links)
    edges = []
    for (source, kind, target), count in sorted(pairs.items()):
        if source == target:
            continue  # a kind linked to itself: the node stands for both ends
        colour = LINK_COLOURS[kind]
        edges.append(
            {
                "from": node_of[source],
                "to": node_of[target],
                "kind": "link",
                "link_kind": kind,
                "merged": count,
                "tooltip": f"{GROUP_TYPE_LABELS[source]} {LINK_LABELS[kind].lower()} "
                f"{GROUP_TYPE_LABELS[target]}: {_plural(count, 'link')}",
                "color": {"color": colour, "highlight": colour, "hover": colour},
                "width": round(1.5 + 1.2 * math.log2(count), 1),
                "arrows": {"to": {"enabled": True, "scaleFactor": 0.8, "type": "arrow"}},
                "dashes": LINK_DASHES[kind],
                "smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.15},
                "length": 260,
            }
        )
    return edges


def _agency_nodes(document: LocalityDocument) -> tuple[list[dict], dict[str, set[str]]]:
    """One node per agency with people on groups, coloured by its sector, sized by its people."""
    agency_of = {p.id: p.agency for p in document.people if p.agency}
    groups_of: dict[str, set[str]] = {}
    staff: dict[str, set[str]] = {}
    for group in document.groups:
        for member in group.members:
            agency_id = agency_of.get(member.person)
            if agency_id is not None:
                groups_of.setdefault(agency_id, set()).add(group.id)
                staff.setdefault(agency_id, set()).add(member.person)
    nodes = []
    for i, agency in enumerate(document.agencies):
        if agency.id not in groups_of:
            continue
        sector, people, seats = agency.sector.value, len(staff[agency.id]), len(groups_of[agency.id])
        colour = SECTOR_COLOURS[sector]
        state = {"background": colour, "border": "#111111"}
        nodes.append(
            {
                "id": f"a{i}",
                "label": f"{agency.name} ({plural(people, 'person', 'people')})",
                "kind": "agency",
                "ref": agency.id,
                "sector": sector,
                "tooltip": f"{agency.name} — {SECTOR_LABELS[sector].lower()}: "
                f"{plural(people, 'person', 'people')} on {_plural(seats, 'group')}",
                "shape": "dot",
                "size": round(min(8 + 4 * math.sqrt(people), 40), 1),
                "color": {"background": colour, "border": "#FFFFFF", "highlight": state, "hover": dict(state)},
                "borderWidth": 1.5,
                "font": {"color": "#1F2933", "size": 16, "strokeWidth": 3},
                "widthConstraint": {"maximum": 170},
                "members": people,
            }
        )
    return nodes, groups_of


def _agency_edges(document: LocalityDocument, nodes: list[dict], groups_of: dict[str, set[str]]) -> list[dict]:
    """An undirected "sit together" edge between two agencies with people on the same groups."""
    ids = [(n["id"], n["ref"]) for n in nodes]
    names = {a.id: a.name for a in document.agencies}
    edges = []
    for i, (a_id, a) in enumerate(ids):
        for b_id, b in ids[i + 1 :]:
            together = len(groups_of[a] & groups_of[b])
            if not together:
                continue
            edges.append(
                {
                    "from": a_id,
                    "to": b_id,
                    "kind": "shared",
                    "shared": together,
                    "tooltip": f"{names[a]} and {names[b]} sit together on {_plural(together, 'group')}",
                    "color": {"color": SHARED_EDGE_COLOUR, "highlight": "#52606D", "hover": "#52606D"},
                    "width": round(1 + 0.7 * min(together, 10), 1),
                    "arrows": {"to": {"enabled": False}},
                    "dashes": [3, 5],
                    "smooth": {"enabled": False},
                    "length": 240,
                }
            )
    return edges


def summary_elements(document: LocalityDocument, by: str) -> tuple[list[dict], list[dict], dict, dict]:
    """The nodes, edges, key and filters of a summary of the locality, each drawn as what it stands for.

    Parameters
    ----------
    document : LocalityDocument
        The locality.
    by : str
        ``"kind"``: a node per kind of group, shaped as that kind and filled
        with its groups' most common focus; an arrow per kind of link between
        two kinds, drawn as that kind of link, its tooltip saying how many it
        merges.  ``"agency"``: a node per agency with people on groups,
        coloured by sector; an undirected "sit together" edge between two
        agencies for the groups they share, thicker for more.

    Returns
    -------
    (list, list, dict, dict)
        Nodes, edges, legend and filters, as :func:`app.maps.map_payload` gives them.
    """
    if by not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {by!r}: use one of {', '.join(AGGREGATIONS)}")
    if by == "kind":
        nodes, node_of = _kind_nodes(document)
        edges = _kind_edges(document, node_of)
    else:
        nodes, groups_of = _agency_nodes(document)
        edges = _agency_edges(document, nodes, groups_of)
    legend, filters = summary_legend(nodes, edges)
    return nodes, edges, legend, filters
