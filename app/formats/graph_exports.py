"""Exports of a locality for other network tools: Gephi, Cytoscape, Kumu.

One graph holds the whole locality (:func:`export_graph`); GEXF (Gephi) and
GraphML (Cytoscape, yEd, igraph, networkx) are that graph written by
networkx, and the Kumu blueprint (:func:`to_kumu`) is built from the same
attributes.  Nothing here touches the database or the web: the CLI and the
routes call :func:`export_bytes` and choose the file name themselves.

The graph
---------
A directed multigraph (``nx.MultiDiGraph``).

Nodes, named ``group:ID``, ``person:ID`` and ``agency:ID`` (ids are unique
only within their section, so the kind is part of the name).  Every node has
``kind`` (``group``, ``person`` or ``agency``), ``label`` (the entity's name)
and ``locmap_id`` (its id in the file), then the entity's fields that have a
value, as scalars (str, int, float, bool):

- group: ``type``, ``focus`` (the *effective* focus: the declared one or the
  default for the type), ``focus_declared`` (bool), ``membership``, ``meets``,
  ``meetings_per_year`` (as written), ``yearly_meetings`` (as used by the
  audit: written, or implied by ``meets``), ``hours``, ``external``, ``area``
  (locality ids joined with ``;``), ``school``, ``purpose``, ``handles``
  (concerns joined with ``;``), ``handles_other``, ``contact``,
  ``meeting_pattern``, ``next_meeting``, ``venue``, ``note``;
- person: ``role``, ``agency``, ``sector`` (of the agency), ``systems_minder``,
  ``service_user_rep``, ``local``, ``hours_per_week``, ``note``;
- agency: ``sector``, ``is_school`` (the file's ``school`` flag, renamed
  because a group's ``school`` holds an agency id and GEXF needs one type per
  attribute name), ``note``.

Edges, each with ``kind``; the multigraph key is a unique edge id, which is
also the GraphML edge id:

- a seat, person -> group, key ``member:GROUP:PERSON``: ``kind="member"``,
  ``role``, ``attendance`` (when recorded), ``note``;
- a link, group -> group, key ``link:LINK_ID``: ``kind`` (the link kind, e.g.
  ``reports_to``), ``link_id``, ``note``;
- employment, person -> agency, key ``works_for:PERSON``:
  ``kind="works_for"``.

Graph attributes: ``name`` (the locality's name), ``locality`` (its id),
``authority``, ``boundary``, ``devolved_funding``, ``format`` and, when
present, ``description``, ``note`` and ``sources`` (one per line).  GraphML
keeps them all; GEXF has no graph attributes, so :func:`to_gexf` writes them
into the file's ``<meta><description>``.

Provenance (:mod:`app.formats.provenance`): GEXF carries it in ``<meta>``
(``creator``, ``lastmodifieddate`` at its date, and its lines closing the
description), GraphML as an XML comment after the declaration (GraphML's
readers skip comments), Kumu as a top-level ``provenance`` object beside
``elements`` and ``connections``.  None of them becomes a node, an edge or a
graph attribute.

Values that are ``None`` are left out (GEXF and GraphML cannot hold them).
Characters XML 1.0 cannot carry (lone surrogates, U+FFFE, U+FFFF) are
replaced by U+FFFD in the XML exports; the ``locmap/1`` format already
refuses control characters.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from enum import Enum
from typing import Any
from xml.etree.ElementTree import SubElement

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from app.formats.provenance import Provenance, of_documents
from models.document import Agency, Group, LocalityDocument, Person
from models.vocab import FORMAT_VERSION

FORMATS = ("gexf", "graphml", "kumu")

MEDIA_TYPES = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "kumu": "application/json",
}

GROUP, PERSON, AGENCY = "group", "person", "agency"

#: Element ``type`` in Kumu for each kind of node.
KUMU_TYPES = {GROUP: "Group", PERSON: "Person", AGENCY: "Agency"}
#: Connection directions Kumu understands.
KUMU_DIRECTIONS = ("directed", "undirected", "mutual")


def node_name(kind: str, ident: str) -> str:
    """The export node name of an entity: ``group:ID``, ``person:ID``, ``agency:ID``."""
    return f"{kind}:{ident}"


def _scalar(value: Any) -> Any:
    """A field value as a scalar GEXF and GraphML accept, or ``None`` to leave it out."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return ";".join(str(_scalar(v)) for v in value) if value else None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in attrs.items():
        value = _scalar(value)
        if value is not None:
            out[key] = value
    return out


def group_attributes(g: Group) -> dict[str, Any]:
    """A group's node attributes (without ``kind`` and ``label``)."""
    return _clean(
        {
            "locmap_id": g.id,
            "type": g.type,
            "focus": g.effective_focus,
            "focus_declared": g.focus is not None,
            "membership": g.membership,
            "meets": g.meets,
            "meetings_per_year": g.meetings_per_year,
            "yearly_meetings": g.yearly_meetings,
            "hours": g.hours,
            "external": g.external,
            "area": g.area,
            "school": g.school,
            "purpose": g.purpose,
            "handles": [concern.value for concern in g.handles],
            "handles_other": g.handles_other,
            "contact": g.contact,
            "meeting_pattern": g.meeting_pattern,
            "next_meeting": g.next_meeting,
            "venue": g.venue,
            "note": g.note,
        }
    )


def person_attributes(p: Person, sector: str | None) -> dict[str, Any]:
    """A person's node attributes (without ``kind`` and ``label``)."""
    return _clean(
        {
            "locmap_id": p.id,
            "role": p.role,
            "agency": p.agency,
            "sector": sector,
            "systems_minder": p.systems_minder,
            "service_user_rep": p.service_user_rep,
            "local": p.local,
            "hours_per_week": p.hours_per_week,
            "note": p.note,
        }
    )


def agency_attributes(a: Agency) -> dict[str, Any]:
    """An agency's node attributes (without ``kind`` and ``label``)."""
    return _clean({"locmap_id": a.id, "sector": a.sector, "is_school": a.school, "note": a.note})


def graph_attributes(document: LocalityDocument) -> dict[str, Any]:
    loc = document.locality
    return _clean(
        {
            "name": loc.name,
            "locality": loc.id,
            "authority": loc.authority,
            "boundary": loc.boundary,
            "devolved_funding": loc.devolved_funding,
            "format": FORMAT_VERSION,
            "description": loc.description,
            "note": loc.note,
            "sources": "\n".join(loc.sources) if loc.sources else None,
        }
    )


def export_graph(document: LocalityDocument) -> nx.MultiDiGraph:
    """The whole locality as one directed multigraph; see the module docstring."""
    graph = nx.MultiDiGraph(**graph_attributes(document))
    sector = {a.id: a.sector.value for a in document.agencies}
    for g in document.groups:
        graph.add_node(node_name(GROUP, g.id), kind=GROUP, label=g.name, **group_attributes(g))
    for p in document.people:
        graph.add_node(
            node_name(PERSON, p.id),
            kind=PERSON,
            label=p.name,
            **person_attributes(p, sector.get(p.agency) if p.agency else None),
        )
    for a in document.agencies:
        graph.add_node(node_name(AGENCY, a.id), kind=AGENCY, label=a.name, **agency_attributes(a))
    for g in document.groups:
        for m in g.members:
            graph.add_edge(
                node_name(PERSON, m.person),
                node_name(GROUP, g.id),
                key=f"member:{g.id}:{m.person}",
                **_clean({"kind": "member", "role": m.role, "attendance": m.attendance, "note": m.note}),
            )
    for link in document.links:
        graph.add_edge(
            node_name(GROUP, link.from_),
            node_name(GROUP, link.to),
            key=f"link:{link.id}",
            **_clean({"kind": link.kind, "link_id": link.id, "note": link.note}),
        )
    for p in document.people:
        if p.agency is not None:
            graph.add_edge(
                node_name(PERSON, p.id), node_name(AGENCY, p.agency), key=f"works_for:{p.id}", kind="works_for"
            )
    return graph


# ---------------------------------------------------------------- XML formats

# Characters outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: Any) -> Any:
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` whose strings XML can carry."""
    out = nx.MultiDiGraph(**{k: _xml_text(v) for k, v in graph.graph.items()})
    for n, data in graph.nodes(data=True):
        out.add_node(_xml_text(n), **{k: _xml_text(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        out.add_edge(_xml_text(u), _xml_text(v), key=_xml_text(key), **{k: _xml_text(v2) for k, v2 in data.items()})
    return out


def _describe(graph: nx.MultiDiGraph) -> str:
    lines = [f"{key}: {value}" for key, value in graph.graph.items() if key not in ("description", "note", "sources")]
    for key in ("description", "note", "sources"):
        if key in graph.graph:
            lines.append(f"{key}:\n{graph.graph[key]}")
    return "\n".join(lines)


def to_gexf(document: LocalityDocument, provenance: Provenance | None = None) -> bytes:
    """The locality as GEXF 1.2 (Gephi), UTF-8.

    GEXF has no graph attributes: the locality's are written, one per line,
    in ``<meta><description>``, then the provenance's lines; ``nx.read_gexf``
    ignores them.  The meta's date is the provenance's, not today's.
    """
    made = of_documents([document]) if provenance is None else provenance
    graph = _xml_safe(export_graph(document))
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph(graph)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.set("lastmodifieddate", made.generated_at[:10])
        creator = meta.find("creator")
        if creator is not None:
            creator.text = f"locmap {made.version}"
        SubElement(meta, "keywords").text = f"locmap, {graph.graph.get('locality', '')}"
        provenance_text = "provenance:\n" + "\n".join(made.lines())
        SubElement(meta, "description").text = _xml_text(_describe(graph) + "\n" + provenance_text)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def xml_comment(lines: list[str]) -> bytes:
    """``lines`` as one XML comment: no ``--`` inside and no ``-`` before its end, as XML requires."""
    text = _xml_text("\n".join(lines))
    while "--" in text:
        text = text.replace("--", "- -")
    return f"<!-- {text.rstrip('-')} -->\n".encode()


def to_graphml(document: LocalityDocument, provenance: Provenance | None = None) -> bytes:
    """The locality as GraphML (Cytoscape, yEd, igraph), UTF-8, its provenance in a comment after the declaration."""
    made = of_documents([document]) if provenance is None else provenance
    buffer = io.BytesIO()
    nx.write_graphml(_xml_safe(export_graph(document)), buffer, encoding="utf-8", prettyprint=True)
    declaration, _, rest = buffer.getvalue().partition(b"\n")
    return declaration + b"\n" + xml_comment(made.lines()) + rest


# ---------------------------------------------------------------- Kumu


def kumu_labels(document: LocalityDocument) -> dict[str, str]:
    """A unique Kumu label for every node of :func:`export_graph`, by node name.

    Kumu joins connections to elements by label, so a name shared by two
    entries (of any kinds) becomes ``Name (id)``, or ``Name (kind id)`` when
    that is still taken.  Uniqueness ignores case, as a person reading the
    map would.
    """
    entries = (
        [(GROUP, g.id, g.name) for g in document.groups]
        + [(PERSON, p.id, p.name) for p in document.people]
        + [(AGENCY, a.id, a.name) for a in document.agencies]
    )
    shared = Counter(name.casefold() for _, _, name in entries)
    used = {name.casefold() for _, _, name in entries if shared[name.casefold()] == 1}
    out: dict[str, str] = {}
    for kind, ident, name in entries:
        if shared[name.casefold()] == 1:
            out[node_name(kind, ident)] = name
            continue
        candidates = [f"{name} ({ident})", f"{name} ({kind} {ident})"]
        label = next((c for c in candidates if c.casefold() not in used), None)
        number = 2
        while label is None:
            if f"{name} ({kind} {ident} {number})".casefold() not in used:
                label = f"{name} ({kind} {ident} {number})"
            number += 1
        used.add(label.casefold())
        out[node_name(kind, ident)] = label
    return out


def _tags(kind: str, attrs: dict[str, Any]) -> list[str]:
    if kind == GROUP:
        tags = (
            [attrs["type"]]
            + ([attrs["focus"]] if "focus" in attrs else [])
            + (["external"] if attrs.get("external") else [])
        )
    elif kind == PERSON:
        tags = (
            ([attrs["role"]] if "role" in attrs else [])
            + [flag for flag in ("systems_minder", "service_user_rep") if attrs.get(flag)]
            + ([] if attrs.get("local", True) else ["not_local"])
        )
    else:
        tags = [attrs["sector"]] + (["school"] if attrs.get("is_school") else [])
    return tags


def to_kumu(document: LocalityDocument, provenance: Provenance | None = None) -> dict:
    """The locality as a Kumu JSON blueprint (https://docs.kumu.io/guides/import/blueprints).

    The blueprint also holds the provenance's :meth:`~Provenance.as_dict`
    (by default the document's own) under ``provenance``, a key Kumu's
    import does not read.

    Shape::

        {
          "elements": [
            {"label": str,                      # unique (see kumu_labels)
             "type": "Group" | "Person" | "Agency",
             "description": str,                # group purpose, else the note; optional
             "tags": [str, ...],                # group type, focus, "external"; person role
                                                # and flags; agency sector and "school"
             "locmap_id": str, ...}             # the node attributes of export_graph, flat:
                                                # str, int, float or bool (a group's "type"
                                                # becomes "group_type"; "area" stays a list)
          ],
          "connections": [
            {"from": label, "to": label,        # labels of elements
             "type": "member" | "works for" | link kind in words ("reports to", ...),
             "direction": "directed",
             "description": str,                # the note; optional
             "kind": str, "role": str, "attendance": float, "link_id": str}   # when present
          ]
        }

    Connections name elements by label, not ``id``: Kumu matches by label
    unless elements carry ids, and the ``locmap_id`` field keeps the file id.
    :func:`validate_kumu` checks this shape.
    """
    labels = kumu_labels(document)
    graph = export_graph(document)
    elements = []
    for n, data in graph.nodes(data=True):
        kind = data["kind"]
        attrs = {k: v for k, v in data.items() if k not in ("kind", "label")}
        element: dict[str, Any] = {"label": labels[n], "type": KUMU_TYPES[kind]}
        description = attrs.pop("purpose", None) if kind == GROUP else attrs.pop("note", None)
        if description and description.strip():
            element["description"] = description
        element["tags"] = [tag for tag in _tags(kind, attrs) if tag.strip()]
        if kind == GROUP:
            attrs["group_type"] = attrs.pop("type")
            if "area" in attrs:
                attrs["area"] = attrs["area"].split(";")
        if labels[n] != data["label"]:
            attrs["name"] = data["label"]
        element.update(attrs)
        elements.append(element)
    connections = []
    for u, v, data in graph.edges(data=True):
        connection: dict[str, Any] = {
            "from": labels[u],
            "to": labels[v],
            "type": data["kind"].replace("_", " "),
            "direction": "directed",
        }
        if data.get("note", "").strip():
            connection["description"] = data["note"]
        connection.update({k: val for k, val in data.items() if k != "note"})
        connections.append(connection)
    made = of_documents([document]) if provenance is None else provenance
    return {"elements": elements, "connections": connections, "provenance": made.as_dict()}


_KUMU_SCALARS = (str, int, float, bool)
_KUMU_ELEMENT_RESERVED = ("label", "type", "description", "tags", "id")
_KUMU_CONNECTION_RESERVED = ("from", "to", "type", "direction", "description", "tags", "id")


def _check_value(where: str, value: Any, problems: list[str]) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, _KUMU_SCALARS):
                problems.append(f"{where}[{i}]: expected a string, number or boolean, got {type(item).__name__}")
    elif not isinstance(value, _KUMU_SCALARS):
        problems.append(f"{where}: expected a string, number, boolean or list, got {type(value).__name__}")


def _check_optional_str(where: str, item: dict, key: str, problems: list[str]) -> None:
    if key in item and not (isinstance(item[key], str) and item[key].strip()):
        problems.append(f"{where}.{key}: expected a non-empty string")


def _check_tags(where: str, item: dict, problems: list[str]) -> None:
    if "tags" in item:
        tags = item["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            problems.append(f"{where}.tags: expected a list of non-empty strings")


def _check_fields(where: str, item: dict, reserved: tuple[str, ...], problems: list[str]) -> None:
    """The checks elements and connections share: ``type``, ``description``, ``tags`` and custom fields."""
    _check_optional_str(where, item, "type", problems)
    _check_optional_str(where, item, "description", problems)
    _check_tags(where, item, problems)
    for key, value in item.items():
        if key not in reserved:
            _check_value(f"{where}.{key}", value, problems)


def validate_kumu(data: Any) -> list[str]:
    """Problems with a Kumu blueprint of the shape :func:`to_kumu` produces ([] if none).

    Checks: an object with ``elements`` and ``connections``, both lists of
    objects, and perhaps a ``provenance`` object; every element has a
    non-empty string ``label``, unique ignoring case; ``type`` and
    ``description`` are non-empty strings and ``tags`` a list of strings
    when given; every connection's ``from`` and
    ``to`` name an element label; ``direction`` is one of Kumu's; every
    other field is a string, number, boolean or list of them (never null).
    """
    if not isinstance(data, dict):
        return [f"expected an object with 'elements' and 'connections', got {type(data).__name__}"]
    problems = []
    for key in ("elements", "connections"):
        if key not in data:
            problems.append(f"missing '{key}'")
        elif not isinstance(data[key], list):
            problems.append(f"{key}: expected a list, got {type(data[key]).__name__}")
    for key in data:
        if key not in ("elements", "connections", "provenance"):
            problems.append(f"unexpected key {key!r}")
    if "provenance" in data and not isinstance(data["provenance"], dict):
        problems.append(f"provenance: expected an object, got {type(data['provenance']).__name__}")
    if problems:
        return problems

    labels: dict[str, int] = {}
    exact: set[str] = set()
    for i, element in enumerate(data["elements"]):
        where = f"elements[{i}]"
        if not isinstance(element, dict):
            problems.append(f"{where}: expected an object, got {type(element).__name__}")
            continue
        label = element.get("label")
        if not (isinstance(label, str) and label.strip()):
            problems.append(f"{where}.label: required, a non-empty string")
        else:
            folded = label.strip().casefold()
            if folded in labels:
                problems.append(f"{where}.label: duplicate label {label!r} (elements[{labels[folded]}])")
            else:
                labels[folded] = i
            exact.add(label)
        _check_fields(where, element, _KUMU_ELEMENT_RESERVED, problems)

    for i, connection in enumerate(data["connections"]):
        where = f"connections[{i}]"
        if not isinstance(connection, dict):
            problems.append(f"{where}: expected an object, got {type(connection).__name__}")
            continue
        for end in ("from", "to"):
            value = connection.get(end)
            if not (isinstance(value, str) and value.strip()):
                problems.append(f"{where}.{end}: required, the label of an element")
            elif value not in exact:
                problems.append(f"{where}.{end}: {value!r} is not the label of any element")
        if "direction" in connection and connection["direction"] not in KUMU_DIRECTIONS:
            problems.append(
                f"{where}.direction: {connection['direction']!r} is not one of {', '.join(KUMU_DIRECTIONS)}"
            )
        _check_fields(where, connection, _KUMU_CONNECTION_RESERVED, problems)
    return problems


# ---------------------------------------------------------------- dispatch


def export_bytes(document: LocalityDocument, fmt: str, provenance: Provenance | None = None) -> tuple[bytes, str]:
    """The locality in one of :data:`FORMATS`, with its media type; the caller picks the file name.

    ``provenance`` defaults to the document's own (its content hash, no stored revision).
    """
    made = of_documents([document]) if provenance is None else provenance
    if fmt == "gexf":
        return to_gexf(document, made), MEDIA_TYPES[fmt]
    if fmt == "graphml":
        return to_graphml(document, made), MEDIA_TYPES[fmt]
    if fmt == "kumu":
        text = json.dumps(to_kumu(document, made), indent=2, ensure_ascii=False) + "\n"
        return text.encode("utf-8"), MEDIA_TYPES[fmt]
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
