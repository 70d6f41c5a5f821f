"""A document as the rows of each sheet, the one layout both writers share."""

from __future__ import annotations

from typing import Any

from app.formats.spreadsheets.layout import COLUMNS, LOCALITY_FIELDS
from models.document import LocalityDocument, default_link_id
from models.vocab import FORMAT_VERSION


def sheet_rows(document: LocalityDocument) -> dict[str, list[list[Any]]]:
    """Each sheet's data rows (no header) as plain values, in document order.

    Seats move from their group to the ``members`` sheet, ``area`` and ``handles`` lists are
    joined with ``;`` and link ids that are the default are left blank.
    """
    data = document.to_data()
    groups: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for group in data.get("groups", []):
        entry = dict(group)
        for listed in ("area", "handles"):
            if entry.get(listed):
                entry[listed] = "; ".join(entry[listed])
        groups.append(entry)
        members.extend({"group": group["id"], **seat} for seat in group.get("members", []))
    links: list[dict[str, Any]] = []
    for link in data.get("links", []):
        entry = dict(link)
        if entry.get("id") == default_link_id(link["from"], link["kind"], link["to"]):
            entry.pop("id")
        links.append(entry)
    return {
        "locality": _locality_rows(document),
        "agencies": _table("agencies", data.get("agencies", [])),
        "people": _table("people", data.get("people", [])),
        "groups": _table("groups", groups),
        "members": _table("members", members),
        "links": _table("links", links),
    }


def _locality_rows(document: LocalityDocument) -> list[list[Any]]:
    """``field, value`` rows: every field, blank or not, and one ``sources`` row per citation."""
    info = document.locality
    locality: list[list[Any]] = [["format", FORMAT_VERSION]]
    for field in LOCALITY_FIELDS[1:]:
        if field == "sources":
            sources: list[str | None] = list(info.sources) or [None]  # one row, blank, when there are none
            locality.extend(["sources", source] for source in sources)
            continue
        value = getattr(info, field)
        locality.append([field, value.value if hasattr(value, "value") else value])
    return locality


def _table(sheet: str, entries: list[dict]) -> list[list[Any]]:
    return [[entry.get(column) for column in COLUMNS[sheet]] for entry in entries]
