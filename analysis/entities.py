"""Measures beside the audit, per group, person and agency: for the audit's JSON and as tidy tables.

:func:`locality_measures` computes, once per locality, what researchers set
beside the audit: seats, meeting hours a year (:mod:`analysis.load`),
two-mode degree and betweenness (:mod:`analysis.twomode`) and clusters of
meetings (:mod:`analysis.clusters`).  :func:`measures_dict` is its JSON
shape (the ``measures`` of ``locmap audit --json --measures``);
:func:`entity_rows` the same figures as tidy rows, one per locality,
entity and measure (Wickham 2014), which is what ``locmap measures`` and
``/api/localities/{slug}/measures.csv`` write.

People appear by id only, never by name: a table of measures is a research
output, and the id is enough to join it to the locality file by those
allowed to read names.  Groups and agencies are named.

References
----------
Borgatti, S. P., & Everett, M. G. (1997). Network analysis of 2-mode data.
*Social Networks*, 19(3), 243-269.
Wickham, H. (2014). Tidy data. *Journal of Statistical Software*, 59(10).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .clusters import STABILITY_RUNS, Cluster, cluster_of_group, clusters_of_person, group_clusters
from .graphs import AGENCY, GROUP, PERSON, LocalityGraphs
from .load import group_year, meeting_loads
from .settings import DEFAULT_SETTINGS, AuditSettings
from .twomode import TwoModeScores, two_mode_betweenness, two_mode_degree

#: The columns of a tidy table of measures.
COLUMNS = ("locality", "kind", "id", "name", "measure", "value")
#: What each measure rests on: the file's declared seats and meetings, or locmap's inference.
BASIS = {
    "seats": "declared",
    "meeting_hours_per_year": "declared",
    "two_mode_degree": "declared",
    "two_mode_betweenness": "declared",
    "groups": "declared",
    "cluster": "inferred",
    "clusters": "inferred",
}
#: Decimal places kept: centralities and hours.
PLACES = 6


@dataclass(frozen=True)
class LocalityMeasures:
    """Everything :func:`measures_dict` and :func:`entity_rows` report, computed once."""

    graphs: LocalityGraphs
    settings: AuditSettings
    degree: TwoModeScores
    betweenness: TwoModeScores
    clusters: list[Cluster]
    group_hours: dict[str, float]
    person_hours: dict[str, float]


@dataclass(frozen=True)
class EntityRow:
    """One figure of one entity: a row of the tidy table (``name`` is empty for people)."""

    locality: str
    kind: str
    id: str
    name: str
    measure: str
    value: float


def locality_measures(graphs: LocalityGraphs, settings: AuditSettings = DEFAULT_SETTINGS) -> LocalityMeasures:
    """Seats, hours, two-mode centralities and clusters of a locality (clusters seeded by ``settings.seed``)."""
    return LocalityMeasures(
        graphs=graphs,
        settings=settings,
        degree=two_mode_degree(graphs),
        betweenness=two_mode_betweenness(graphs, settings),
        clusters=group_clusters(graphs, seed=settings.seed),
        group_hours={g.id: group_year(g, settings)[1] for g in graphs.document.groups},
        person_hours={load.person: load.hours_per_year for load in meeting_loads(graphs, settings)},
    )


def measures_dict(measures: LocalityMeasures) -> dict:
    """The JSON shape: ``people`` (by id), ``groups`` (by id and name), ``clusters`` and how they were made."""
    graphs, settings = measures.graphs, measures.settings
    where = cluster_of_group(measures.clusters)
    joined = clusters_of_person(graphs, measures.clusters)
    return {
        "people": [
            {"person": p.id, **_figures(measures, PERSON, p.id), "clusters": joined[p.id]}
            for p in graphs.document.people
        ],
        "groups": [
            {"group": g.id, "name": g.name, **_figures(measures, GROUP, g.id), "cluster": where.get(g.id)}
            for g in graphs.document.groups
        ],
        "clusters": [c.as_dict() for c in measures.clusters],
        "method": {
            "graph": "membership: people x groups, one edge a seat (links left out)",
            "two_mode_degree": "seats over the size of the other mode (Borgatti & Everett 1997)",
            "two_mode_betweenness": "shortest paths through a node over the most its mode allows "
            "(Borgatti & Everett 1997)",
            "betweenness_estimated": measures.betweenness.estimated,
            "clusters": "Louvain on the group projection, weighted by shared members; clusters of two or more groups",
            "seed": settings.seed,
            "stability_runs": STABILITY_RUNS,
        },
        "basis": dict(BASIS),
    }


def _figures(measures: LocalityMeasures, kind: str, ident: str) -> dict[str, float]:
    graphs = measures.graphs
    if kind == GROUP:
        seats, hours = len(graphs.members_of[ident]), measures.group_hours[ident]
        degree, between = measures.degree.groups[ident], measures.betweenness.groups[ident]
    else:
        seats, hours = len(graphs.groups_of[ident]), measures.person_hours[ident]
        degree, between = measures.degree.people[ident], measures.betweenness.people[ident]
    return {
        "seats": seats,
        "meeting_hours_per_year": round(hours, PLACES),
        "two_mode_degree": round(degree, PLACES),
        "two_mode_betweenness": round(between, PLACES),
    }


def entity_rows(measures: LocalityMeasures) -> Iterator[EntityRow]:
    """The measures as tidy rows: groups, then people, then agencies, each in file order.

    Every value is a float.  Groups: seats, meeting hours a year, two-mode
    degree and betweenness, and ``cluster`` (its number; no row for a group
    in no cluster).  People (by id, no name): the same, with ``clusters``,
    how many clusters their groups fall in (two or more: they join them).
    Agencies: the ``seats`` and ``meeting_hours_per_year`` of their people,
    and ``groups``, how many groups their people sit on.
    """
    graphs = measures.graphs
    slug = graphs.slug
    where = cluster_of_group(measures.clusters)
    joined = clusters_of_person(graphs, measures.clusters)
    for g in graphs.document.groups:
        cluster = {"cluster": where[g.id]} if g.id in where else {}
        yield from _rows(slug, GROUP, g.id, g.name, {**_figures(measures, GROUP, g.id), **cluster})
    for p in graphs.document.people:
        figures = {**_figures(measures, PERSON, p.id), "clusters": len(joined[p.id])}
        yield from _rows(slug, PERSON, p.id, "", figures)
    for a in graphs.document.agencies:
        yield from _rows(slug, AGENCY, a.id, a.name, _agency_figures(measures, a.id))


def _agency_figures(measures: LocalityMeasures, agency: str) -> dict[str, float]:
    graphs = measures.graphs
    people = graphs.people_by_agency.get(agency, [])
    return {
        "seats": sum(len(graphs.groups_of[p]) for p in people),
        "meeting_hours_per_year": round(sum(measures.person_hours[p] for p in people), PLACES),
        "groups": len({g for p in people for g in graphs.groups_of[p]}),
    }


def _rows(slug: str, kind: str, ident: str, name: str, figures: dict[str, float]) -> Iterator[EntityRow]:
    for measure, value in figures.items():
        yield EntityRow(slug, kind, ident, name, measure, float(value))


def rows_csv(rows: Iterable[EntityRow], *, comment: str = "", text: Callable[[str], str]) -> str:
    """The rows as CSV text under ``comment`` lines (each starting ``#``).

    Parameters
    ----------
    rows : iterable of EntityRow
    comment : str
        Lines to put first, each ending in a newline (the provenance).
    text : callable
        Makes a name safe for a spreadsheet (the caller's formula neutraliser).

    Returns
    -------
    str
        A header of :data:`COLUMNS`, then a line a row: text quoted, values
        bare numbers, so ``pandas.read_csv(path, comment="#")`` reads the
        values as floats and a ``#`` inside a quoted name stays text.
    """
    out = io.StringIO()
    out.write(comment)
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.locality, r.kind, r.id, text(r.name), r.measure, r.value])
    return out.getvalue()
