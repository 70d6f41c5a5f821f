"""Summaries of a locality too big to draw node by node, as small documents for the groups view."""

from __future__ import annotations

from collections import Counter

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
