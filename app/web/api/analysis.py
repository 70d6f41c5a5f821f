"""The audit over HTTP: audits, what-if, comparison and charts.

Plain ``def`` routes: NetworkX and matplotlib work runs in the thread pool,
not on the event loop.  Audits and charts are cached per locality version
(:mod:`app.web.cache`) and sent with ETags.
"""

import dataclasses
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from analysis.audit import Audit, audit
from analysis.charts import comparison_figure, findings_chart, meeting_load_chart, png_bytes, profile_bars, svg_bytes
from analysis.compare import comparison
from analysis.graphs import build_graphs
from analysis.load import meeting_loads
from analysis.settings import DEFAULT_SETTINGS
from analysis.whatif import parse_removal, what_if
from app.errors import NotFound, UserError
from app.storage import store
from app.web.cache import Compressed, cached_answer, cached_or_stale, etag, locality_version, not_modified
from app.web.deps import Reader, SessionDep
from models.tables import Snapshot
from models.validation import validate_data

router = APIRouter(tags=["analysis"])

Without = Annotated[
    list[str],
    Query(description="What if: take away person:ID, group:ID or agency:ID (repeatable).", max_length=100),
]
PNG = {200: {"content": {"image/png": {}}, "description": "A PNG chart"}}
SVG = {200: {"content": {"image/svg+xml": {}}, "description": "An SVG chart (text drawn as paths)"}}
#: A chart route ending in .png or .svg: how to render it and its media type.
IMAGES = {"png": (png_bytes, "image/png"), "svg": (svg_bytes, "image/svg+xml")}


class AuditOut(BaseModel):
    locality: str
    metrics: dict[str, Any]
    findings: list[dict[str, Any]]
    profile: dict[str, dict[str, Any]]


class CompareOut(BaseModel):
    localities: list[str]
    metrics: dict[str, dict[str, Any]]
    profile: dict[str, dict[str, Any]]
    findings: dict[str, dict[str, int]]
    codes: dict[str, list[str]]


def cached_document(request: Request, session, slug: str, version: tuple | None = None):
    """A stored locality's ``locmap/1`` document, rebuilt once per version (the pages' and downloads' source)."""
    cache = request.app.state.audit_cache
    version = version or cache.version(slug, lambda: locality_version(session, slug))
    return cache.get_or_compute((slug, version, "document"), lambda: store.export_document(session, slug))


def cached_audit(request: Request, session, slug: str, without: tuple[str, ...] = (), version: tuple | None = None):
    """The document and audit of a stored locality (and, with ``without``, of the locality as changed)."""
    for item in without:
        try:
            parse_removal(item)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    cache = request.app.state.audit_cache
    version = version or cache.version(slug, lambda: locality_version(session, slug))
    key = (slug, version, tuple(sorted(without)))

    def compute():
        document = cached_document(request, session, slug, version)
        if not without:
            return document, audit(document, DEFAULT_SETTINGS)
        try:
            return document, what_if(document, without=list(without)).after
        except KeyError as exc:
            raise UserError(str(exc).strip('"')) from None

    return cache.get_or_compute(key, compute)


@router.get("/api/localities/{slug}/audit", response_model=AuditOut)
async def locality_audit(slug: str, _: Reader, request: Request, without: Without = []) -> Response:  # noqa: B006
    """The audit, as ``locmap audit --json``; repeat ``without=person:ID`` for what-if.

    A cached audit is answered without leaving the event loop: the
    locality's version is re-read at most once a second
    (:class:`app.web.cache.VersionStamps`), and the audit is cached as
    the bytes sent, with an ETag (``If-None-Match`` gives 304).
    Computing one runs in the thread pool.
    """
    removed = tuple(sorted(without))

    def serialised(session, version) -> Compressed:
        result = cached_audit(request, session, slug, removed, version)[1]
        return Compressed(json.dumps(result.as_dict(), separators=(",", ":")).encode())

    version, body = await cached_or_stale(request, slug, (removed, "json"), serialised)
    return body.answer(request, etag(slug, version, "audit", *removed), "application/json")


@router.get("/api/compare", response_model=CompareOut)
def compare_localities(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Annotated[list[str], Query(min_length=1, max_length=50, description="Locality ids (repeatable).")],
) -> dict:
    """Metrics, profiles and finding counts of several localities side by side."""
    slugs = list(dict.fromkeys(locality))
    return comparison([cached_audit(request, session, slug)[1] for slug in slugs])


def snapshot_column(request: Request, session, taken: Snapshot) -> tuple[str, Audit]:
    """A snapshot as a compare column: its display name and its audit, keyed ``slug@number`` (audited once)."""
    key = f"{taken.locality}@{taken.pk}"

    def compute() -> tuple[str, Audit]:
        document = validate_data(taken.document)
        name = f"{document.locality.name} at '{taken.label}' ({taken.taken_at:%Y-%m-%d})"
        return name, dataclasses.replace(audit(document, DEFAULT_SETTINGS), locality=key)

    return request.app.state.audit_cache.get_or_compute(("*snapshot*", key, taken.taken_at.isoformat()), compute)


def compare_columns(request: Request, session, localities: list[str], snapshots: list[int], versions=None):
    """The columns of a comparison: the localities (with each snapshot's own), then the snapshots.

    Returns the locality ids, the audits in column order and every column's display name;
    ``versions`` maps ids to the versions to read (the chart's, so it matches its ETag).
    """
    taken = [_snapshot(session, number) for number in dict.fromkeys(snapshots)]
    slugs = list(dict.fromkeys([*localities, *(t.locality for t in taken)]))
    pairs = [cached_audit(request, session, slug, version=(versions or {}).get(slug)) for slug in slugs]
    names = {d.locality.id: d.locality.name for d, _ in pairs}
    earlier = [snapshot_column(request, session, t) for t in taken]
    names.update({result.locality: name for name, result in earlier})
    return slugs, [a for _, a in pairs] + [result for _, result in earlier], names


def _snapshot(session, number: int) -> Snapshot:
    taken = session.get(Snapshot, number)
    if taken is None:
        raise NotFound(f"no snapshot {number}")
    return taken


@router.get("/api/compare/chart.svg", responses=SVG, response_class=Response)
@router.get("/api/compare/chart.png", responses=PNG, response_class=Response)
def compare_chart(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    snapshot: Annotated[
        list[Annotated[int, Query(ge=1, le=2**63 - 1)]], Query(max_length=20, description="Snapshots beside them.")
    ] = [],  # noqa: B006
) -> Response:
    """The profile matrix and key metrics of several localities and snapshots (drawn once per set of versions)."""
    if not locality and not snapshot:
        raise UserError("name at least one locality or snapshot to chart")
    kind, render, media = _image(request)
    cache = request.app.state.audit_cache
    rows = [_snapshot(session, number) for number in dict.fromkeys(snapshot)]
    taken = [(t.locality, t.pk, t.taken_at.isoformat()) for t in rows]
    slugs = dict.fromkeys([*locality, *(slug for slug, _, _ in taken)])
    versions = tuple((slug, cache.version(slug, lambda s=slug: locality_version(session, s))) for slug in slugs)
    tag = etag("*compare*", versions, kind, *taken)
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", media)

    def draw() -> bytes:
        _, audits, names = compare_columns(request, session, locality, snapshot, dict(versions))
        return render(comparison_figure(audits, names))

    return cached_answer(request, tag, cache.get_or_compute(("*compare*", kind, versions, *taken), draw), media)


@router.get("/api/localities/{slug}/charts/{chart}.svg", responses=SVG, response_class=Response)
@router.get("/api/localities/{slug}/charts/{chart}.png", responses=PNG, response_class=Response)
def locality_chart(
    slug: str, chart: Literal["profile", "findings", "load"], _: Reader, session: SessionDep, request: Request
) -> Response:
    """A chart of the audit: the profile, findings by principle, or meeting hours per person."""
    kind, render, media = _image(request)
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))
    tag = etag(slug, version, "chart", chart, kind)
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", media)

    def draw() -> bytes:
        document, result = cached_audit(request, session, slug, version=version)
        return render(_chart_figure(chart, document, result))

    return cached_answer(request, tag, cache.get_or_compute((slug, version, "chart", chart, kind), draw), media)


def _image(request: Request) -> tuple[str, Any, str]:
    """The chart format a route's path ends in (``png`` or ``svg``), its renderer and media type."""
    kind = "svg" if request.url.path.endswith(".svg") else "png"
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
