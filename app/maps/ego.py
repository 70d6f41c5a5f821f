"""A person's or a group's neighbourhood, as a small document the people view can draw.

A group's neighbourhood is its members and the groups one link away (with
the seats its members hold there); a person's is the groups they sit on and
their colleagues on them.  Only the links between the groups kept are drawn.
"""

from __future__ import annotations

from typing import NamedTuple

from app.errors import NotFound
from models.document import Group, LocalityDocument

#: The kinds of entry a neighbourhood can be centred on, as written in ``?ego=KIND:ID``.
EGO_KINDS = ("group", "person")


class EgoNotFound(NotFound, ValueError):
    """The centre of a neighbourhood names no group or person of the locality."""


class Ego(NamedTuple):
    """The centre of a neighbourhood: ``kind`` (group or person), its ``ref`` and ``name``."""

    kind: str
    ref: str
    name: str


def parse_ego(ego: str) -> tuple[str, str]:
    """``"group:panel"`` as ``("group", "panel")``; a ``ValueError`` in words for anything else."""
    kind, _, ref = ego.partition(":")
    if kind not in EGO_KINDS or not ref:
        raise ValueError(f"ego {ego!r}: write group:ID or person:ID, with the id of a group or a person")
    return kind, ref


def _restricted(document: LocalityDocument, groups: list[Group], people: set[str]) -> LocalityDocument:
    """The document cut down to some groups, their seats held by ``people``, and the links between them."""
    kept = {g.id for g in groups}
    cut = [g.model_copy(update={"members": [m for m in g.members if m.person in people]}) for g in groups]
    return document.model_copy(
        update={
            "groups": cut,
            "people": [p for p in document.people if p.id in people],
            "links": [link for link in document.links if link.from_ in kept and link.to in kept],
        }
    )


def ego_document(document: LocalityDocument, ego: str) -> tuple[LocalityDocument, Ego]:
    """The neighbourhood of a group or a person, and its centre.

    Parameters
    ----------
    document : LocalityDocument
        The locality.
    ego : str
        ``group:ID`` or ``person:ID``.

    Returns
    -------
    (LocalityDocument, Ego)
        The neighbourhood (copies of the entries kept, not validated again:
        every reference in it is to an entry kept) and its centre.

    Raises
    ------
    ValueError
        When ``ego`` is not written ``KIND:ID``.
    EgoNotFound
        When no group or person has that id.
    """
    kind, ref = parse_ego(ego)
    if kind == "group":
        centre = next((g for g in document.groups if g.id == ref), None)
        if centre is None:
            raise EgoNotFound(f"no group called {ref!r} in {document.locality.name}")
        near = {link.to for link in document.links if link.from_ == ref}
        near |= {link.from_ for link in document.links if link.to == ref}
        groups = [g for g in document.groups if g.id == ref or g.id in near]
        people = {m.person for m in centre.members}
        return _restricted(document, groups, people), Ego(kind, ref, centre.name)
    person = next((p for p in document.people if p.id == ref), None)
    if person is None:
        raise EgoNotFound(f"no person called {ref!r} in {document.locality.name}")
    groups = [g for g in document.groups if any(m.person == ref for m in g.members)]
    people = {m.person for g in groups for m in g.members} | {ref}
    return _restricted(document, groups, people), Ego(kind, ref, person.name)
