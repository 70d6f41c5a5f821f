"""The audit over HTTP: audits, what-if, comparison and charts.

Plain ``def`` routes: NetworkX and matplotlib work runs in the thread pool,
not on the event loop.  Audits and charts are cached per locality version
(:mod:`app.web.cache`) and sent with ETags.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel

from analysis.audit import Audit, audit, audit_measures
from analysis.charts import (
    add_footer,
    comparison_figure,
    findings_chart,
    meeting_load_chart,
    pdf_bytes,
    png_bytes,
    profile_bars,
    svg_bytes,
)
from analysis.compare import comparison
from analysis.graphs import build_graphs
from analysis.load import meeting_loads
from analysis.settings import DEFAULT_SETTINGS
from analysis.tidy import Column, long_csv, tidy_rows
from analysis.whatif import parse_removal, what_if
from app.errors import NotFound, UserError
from app.formats.provenance import Provenance, Source, provenance, source_of
from app.storage import store
from app.storage.census import audit_summary
from app.storage.trends import snapshot_column as stored_snapshot_column
from app.web.cache import Compressed, Version, cached_answer, cached_or_stale, etag, locality_version, not_modified
from app.web.deps import Reader, SessionDep
from app.web.routing import make_router
from models.tables import Snapshot

router = make_router(tags=["analysis"])

Without = Annotated[
    list[str],
    Query(description="What if: take away person:ID, group:ID or agency:ID (repeatable).", max_length=100),
]
PNG = {200: {"content": {"image/png": {}}, "description": "A PNG chart"}}
SVG = {200: {"content": {"image/svg+xml": {}}, "description": "An SVG chart (text drawn as paths)"}}
PDF = {200: {"content": {"application/pdf": {}}, "description": "A PDF chart (vector)"}}
CSV = {200: {"content": {"text/csv": {}}, "description": "A CSV file, after '# ' provenance lines"}}
#: A chart route ending in .png, .svg or .pdf: how to render it and its media type.
IMAGES = {
    "png": (png_bytes, "image/png"),
    "svg": (svg_bytes, "image/svg+xml"),
    "pdf": (pdf_bytes, "application/pdf"),
}
Localities = Annotated[list[str], Query(max_length=50, description="Locality ids (repeatable).")]
Snapshots = Annotated[
    list[Annotated[int, Query(ge=1, le=2**63 - 1)]], Query(max_length=20, description="Snapshots beside them.")
]


class AuditOut(BaseModel):
    locality: str
    metrics: dict[str, Any]
    findings: list[dict[str, Any]]
    profile: dict[str, dict[str, Any]]
    #: Where it came from (app.formats.provenance): version, input by hash and revision, settings, time.
    provenance: dict[str, Any]
    #: With ``measures=true``: two-mode centralities and clusters of meetings (docs/measures.md).
    measures: dict[str, Any] | None = None


class CompareOut(BaseModel):
    localities: list[str]
    metrics: dict[str, dict[str, Any]]
    profile: dict[str, dict[str, Any]]
    findings: dict[str, dict[str, int]]
    codes: dict[str, list[str]]
    provenance: dict[str, Any]


def cached_document(request: Request, session, slug: str, version: tuple | None = None):
    """A stored locality's ``locmap/1`` document, rebuilt once per version (the pages' and downloads' source)."""
    cache = request.app.state.audit_cache
    version = version or cache.version(slug, lambda: locality_version(session, slug))
    return cache.get_or_compute((slug, version, "document"), lambda: store.export_document(session, slug))


def cached_source(request: Request, session, slug: str, version: tuple | None = None) -> Source:
    """The provenance source of a stored locality: its content's hash and revision (hashed once per version)."""
    cache = request.app.state.audit_cache
    version = version or cache.version(slug, lambda: locality_version(session, slug))

    def compute() -> Source:
        return source_of(cached_document(request, session, slug, version), revision=version[0])  # Version.revision

    return cache.get_or_compute((slug, version, "source"), compute)


def analysed_version(version: tuple) -> tuple:
    """The version an analysis of a stored locality is keyed by (:meth:`Version.for_analysis`).

    Its document is the locality as exported when first analysed at that
    version: its descriptive fields may be older than the revision's, and
    no analysis reads them.
    """
    return version.for_analysis() if isinstance(version, Version) else version


def cached_audit(request: Request, session, slug: str, without: tuple[str, ...] = (), version: tuple | None = None):
    """The document (as analysed) and audit of a stored locality (and, with ``without``, of it as changed)."""
    for item in without:
        try:
            parse_removal(item)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    cache = request.app.state.audit_cache
    version = analysed_version(version or cache.version(slug, lambda: locality_version(session, slug)))
    key = (slug, version, tuple(sorted(without)))

    def compute():
        document = cached_document(request, session, slug, version)
        if not without:
            # Closing a census moves the locality's (analysed) revision, so the version key covers the census too.
            k = request.app.state.settings.census_min_respondents
            return document, audit(document, DEFAULT_SETTINGS, census=audit_summary(session, slug, k))
        try:
            return document, what_if(document, without=list(without)).after
        except KeyError as exc:
            raise UserError(str(exc).strip('"')) from None

    return cache.get_or_compute(key, compute)


@router.get("/api/localities/{slug}/audit", response_model=AuditOut)
async def locality_audit(
    slug: str,
    _: Reader,
    request: Request,
    without: Without = [],  # noqa: B006
    measures: Annotated[bool, Query(description="Add two-mode centralities and clusters of meetings.")] = False,
) -> Response:
    """The audit, as ``locmap audit --json``; repeat ``without=person:ID`` for what-if.

    Its ``provenance`` names the stored locality by revision and content
    hash (for a what-if, the locality the removals were made from).

    A cached audit is answered without leaving the event loop: the
    locality's version is re-read at most once a second
    (:class:`app.web.cache.VersionStamps`), and the audit is cached as
    the bytes sent, with an ETag (``If-None-Match`` gives 304).
    Computing one runs in the thread pool.
    """
    removed = tuple(sorted(without))
    if measures and removed:
        raise UserError("measures are of the locality as stored: ask for them without 'without'")

    def serialised(session, version) -> Compressed:
        document, result = cached_audit(request, session, slug, removed, version)
        made = provenance([cached_source(request, session, slug, version)])
        data = {**result.as_dict(), "provenance": made.as_dict()}
        if measures:
            data["measures"] = audit_measures(document)
        return Compressed(json.dumps(data, separators=(",", ":")).encode())

    variant = (removed, "json", measures)
    version, body = await cached_or_stale(request, slug, variant, serialised, analysed=True)
    return body.answer(request, etag(slug, version, "audit", *removed, measures), "application/json")


@router.get("/api/compare", response_model=CompareOut)
def compare_localities(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Annotated[list[str], Query(min_length=1, max_length=50, description="Locality ids (repeatable).")],
    snapshot: Snapshots = [],  # noqa: B006
) -> dict:
    """Metrics, profiles and finding counts of several localities (and snapshots) side by side, with provenance."""
    columns = compare_columns(request, session, locality, snapshot)
    return {**comparison(columns.audits), "provenance": columns.provenance().as_dict()}


@dataclass(frozen=True)
class Compared:
    """The columns of a comparison and where each came from."""

    #: The stored localities, each once (those asked for, then those of the snapshots).
    localities: list[str]
    columns: list[Column]
    sources: list[Source]

    @property
    def audits(self) -> list[Audit]:
        return [c.audit for c in self.columns]

    @property
    def names(self) -> dict[str, str]:
        """Every column's display name by its key (``slug`` or ``slug@number``)."""
        return {c.audit.locality: c.name for c in self.columns}

    def provenance(self) -> Provenance:
        """Where the comparison came from: every column's source, in order (default settings)."""
        return provenance(self.sources)


def snapshot_column(request: Request, session, taken: Snapshot) -> tuple[Column, Source]:
    """A snapshot as a compare column (:func:`app.storage.trends.snapshot_column`), audited once."""
    key = ("*snapshot*", f"{taken.locality}@{taken.pk}", taken.taken_at.isoformat())
    return request.app.state.audit_cache.get_or_compute(key, lambda: stored_snapshot_column(taken))


def compare_columns(request: Request, session, localities: list[str], snapshots: list[int], versions=None) -> Compared:
    """The columns of a comparison: the localities (with each snapshot's own), then the snapshots.

    ``versions`` maps ids to the versions to read (the chart's, so it matches its ETag).
    Raises :class:`~app.errors.NotFound` for an unknown locality or snapshot.
    """
    taken = [_snapshot(session, number) for number in dict.fromkeys(snapshots)]
    slugs = list(dict.fromkeys([*localities, *(t.locality for t in taken)]))
    columns, sources = [], []
    cache = request.app.state.audit_cache
    for slug in slugs:
        chosen = (versions or {}).get(slug) or cache.version(slug, lambda s=slug: locality_version(session, s))
        version = analysed_version(chosen)
        document, result = cached_audit(request, session, slug, version=version)
        columns.append(Column(slug, document.locality.name, result))
        sources.append(cached_source(request, session, slug, version))
    for column, source in (snapshot_column(request, session, t) for t in taken):
        columns.append(column)
        sources.append(source)
    return Compared(slugs, columns, sources)


def _snapshot(session, number: int) -> Snapshot:
    taken = session.get(Snapshot, number)
    if taken is None:
        raise NotFound(f"no snapshot {number}")
    return taken


def _compare_versions(request: Request, session, locality: list[str], snapshot: list[int]):
    """(versions, snapshots as (slug, number, time)) a comparison is keyed by; NotFound for an unknown one."""
    cache = request.app.state.audit_cache
    rows = [_snapshot(session, number) for number in dict.fromkeys(snapshot)]
    taken = tuple((t.locality, t.pk, t.taken_at.isoformat()) for t in rows)
    slugs = dict.fromkeys([*locality, *(slug for slug, _, _ in taken)])
    versions = tuple(
        (slug, analysed_version(cache.version(slug, lambda s=slug: locality_version(session, s)))) for slug in slugs
    )
    return versions, taken


def _compared_answer(
    request: Request, session, locality: list[str], snapshot: list[int], what: str, made, media: str, headers=None
) -> Response:
    """A comparison's answer ``made(columns)`` (bytes), made once per set of versions, with its ETag and 304."""
    if not locality and not snapshot:
        raise UserError("name at least one locality or snapshot to compare")
    versions, taken = _compare_versions(request, session, locality, snapshot)
    tag = etag("*compare*", versions, what, *taken)
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", media)

    def compute() -> bytes:
        return made(compare_columns(request, session, locality, snapshot, dict(versions)))

    body = request.app.state.audit_cache.get_or_compute(("*compare*", what, versions, *taken), compute)
    return cached_answer(request, tag, body, media, headers)


@router.get("/api/compare/chart.pdf", responses=PDF, response_class=Response)
@router.get("/api/compare/chart.svg", responses=SVG, response_class=Response)
@router.get("/api/compare/chart.png", responses=PNG, response_class=Response)
def compare_chart(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Localities = [],  # noqa: B006
    snapshot: Snapshots = [],  # noqa: B006
) -> Response:
    """The profile matrix and key metrics of several localities and snapshots, with a provenance footer.

    Drawn once per set of versions.
    """
    kind, render, media = _image(request)

    def draw(columns: Compared) -> bytes:
        figure = comparison_figure(columns.audits, columns.names)
        return render(add_footer(figure, columns.provenance().footer()))

    return _compared_answer(request, session, locality, snapshot, kind, draw, media)


@router.get("/api/compare/long.csv", responses=CSV, response_class=Response)
def compare_long_csv(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Localities = [],  # noqa: B006
    snapshot: Snapshots = [],  # noqa: B006
) -> Response:
    """The comparison as a tidy table: one row per locality (or snapshot) and measure (docs/research.md)."""

    def written(columns: Compared) -> bytes:
        return long_csv(tidy_rows(columns.columns), columns.provenance()).encode("utf-8")

    disposition = {"Content-Disposition": 'attachment; filename="locmap-compare-long.csv"'}
    media = "text/csv; charset=utf-8"
    return _compared_answer(request, session, locality, snapshot, "long.csv", written, media, disposition)


@router.get("/api/localities/{slug}/charts/{chart}.pdf", responses=PDF, response_class=Response)
@router.get("/api/localities/{slug}/charts/{chart}.svg", responses=SVG, response_class=Response)
@router.get("/api/localities/{slug}/charts/{chart}.png", responses=PNG, response_class=Response)
def locality_chart(
    slug: str, chart: Literal["profile", "findings", "load"], _: Reader, session: SessionDep, request: Request
) -> Response:
    """A chart of the audit: the profile, findings by principle, or meeting hours per person, with a provenance footer."""
    kind, render, media = _image(request)
    cache = request.app.state.audit_cache
    version = analysed_version(cache.version(slug, lambda: locality_version(session, slug)))
    tag = etag(slug, version, "chart", chart, kind)
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", media)

    def draw() -> bytes:
        document, result = cached_audit(request, session, slug, version=version)
        footer = provenance([cached_source(request, session, slug, version)]).footer()
        return render(add_footer(_chart_figure(chart, document, result), footer))

    return cached_answer(request, tag, cache.get_or_compute((slug, version, "chart", chart, kind), draw), media)


def _image(request: Request) -> tuple[str, Any, str]:
    """The chart format a route's path ends in (``png``, ``svg`` or ``pdf``), its renderer and media type."""
    kind = request.url.path.rsplit(".", 1)[-1]
    render, media = IMAGES[kind]
    return kind, render, media


def _chart_figure(chart: str, document, result):
    name = document.locality.name
    if chart == "profile":
        return profile_bars(result, name)
    if chart == "findings":
        return findings_chart(result, name)
    graphs = build_graphs(document)
    names = {p.id: p.name for p in document.people}
    loads = [
        (names[x.person], x.hours_per_year) for x in meeting_loads(graphs, DEFAULT_SETTINGS) if x.hours_per_year > 0
    ]
    return meeting_load_chart(result, loads, name)
