"""The audit over HTTP: audits, what-if, comparison and charts.

Plain ``def`` routes: NetworkX and matplotlib work runs in the thread pool,
not on the event loop.  Audits and charts are cached per locality version
(:mod:`app.web.cache`) and sent with ETags.
"""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from analysis.audit import audit
from analysis.charts import comparison_figure, findings_chart, meeting_load_chart, png_bytes, profile_bars
from analysis.compare import comparison
from analysis.graphs import build_graphs
from analysis.load import meeting_loads
from analysis.settings import DEFAULT_SETTINGS
from analysis.whatif import parse_removal, what_if
from app.errors import UserError
from app.storage import store
from app.web.cache import Compressed, cached_answer, cached_or_stale, etag, locality_version, not_modified
from app.web.deps import Reader, SessionDep

router = APIRouter(tags=["analysis"])

Without = Annotated[
    list[str],
    Query(description="What if: take away person:ID, group:ID or agency:ID (repeatable).", max_length=100),
]
PNG = {200: {"content": {"image/png": {}}, "description": "A PNG chart"}}


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


@router.get("/api/compare/chart.png", responses=PNG, response_class=Response)
def compare_chart(
    _: Reader,
    session: SessionDep,
    request: Request,
    locality: Annotated[list[str], Query(min_length=1, max_length=50)],
) -> Response:
    """The profile matrix and key metrics of several localities (drawn once per set of versions)."""
    cache = request.app.state.audit_cache
    versions = tuple(
        (slug, cache.version(slug, lambda s=slug: locality_version(session, s))) for slug in dict.fromkeys(locality)
    )
    tag = etag("*compare*", versions, "png")
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", "image/png")

    def draw() -> bytes:
        pairs = [cached_audit(request, session, slug, version=version) for slug, version in versions]
        names = {d.locality.id: d.locality.name for d, _ in pairs}
        return png_bytes(comparison_figure([a for _, a in pairs], names))

    return cached_answer(request, tag, cache.get_or_compute(("*compare*", versions), draw), "image/png")


@router.get("/api/localities/{slug}/charts/{chart}.png", responses=PNG, response_class=Response)
def locality_chart(
    slug: str, chart: Literal["profile", "findings", "load"], _: Reader, session: SessionDep, request: Request
) -> Response:
    """A chart of the audit: the profile, findings by principle, or meeting hours per person."""
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))
    tag = etag(slug, version, "chart", chart)
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", "image/png")

    def draw() -> bytes:
        document, result = cached_audit(request, session, slug, version=version)
        return png_bytes(_chart_figure(chart, document, result))

    return cached_answer(request, tag, cache.get_or_compute((slug, version, "chart", chart), draw), "image/png")


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
