"""The audit over HTTP: audits, what-if, comparison and charts.

Plain ``def`` routes: NetworkX and matplotlib work runs in the thread pool,
not on the event loop.  Audits are cached per locality revision.
"""

import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from analysis.audit import audit
from analysis.charts import comparison_figure, findings_chart, meeting_load_chart, png_bytes, profile_bars
from analysis.compare import comparison
from analysis.graphs import build_graphs
from analysis.load import meeting_loads
from analysis.settings import DEFAULT_SETTINGS
from analysis.whatif import parse_removal, what_if
from app.errors import UserError
from app.storage import store
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


def _revision(session, slug: str) -> int:
    return store.get_locality(session, slug).revision


def cached_audit(request: Request, session, slug: str, without: tuple[str, ...] = ()):
    """The audit of a stored locality (and, with ``without``, of the locality as changed)."""
    for item in without:
        try:
            parse_removal(item)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    key = (slug, _revision(session, slug), tuple(sorted(without)))

    def compute():
        document = store.export_document(session, slug)
        if not without:
            return document, audit(document, DEFAULT_SETTINGS)
        try:
            return document, what_if(document, without=list(without)).after
        except KeyError as exc:
            raise UserError(str(exc).strip('"')) from None

    return request.app.state.audit_cache.get_or_compute(key, compute)


@router.get("/api/localities/{slug}/audit", response_model=AuditOut)
async def locality_audit(slug: str, _: Reader, request: Request, without: Without = []) -> Response:  # noqa: B006
    """The audit, as ``locmap audit --json``; repeat ``without=person:ID`` for what-if.

    A cached audit is answered without leaving the event loop: the
    locality's revision is re-read at most once a second
    (:class:`app.web.cache.VersionStamps`), and the audit is cached as
    the bytes sent.  Computing one runs in the thread pool.
    """
    cache = request.app.state.audit_cache
    now = time.monotonic()
    revision = cache.stamps.get(slug, now)
    if revision is None:
        revision = await run_in_threadpool(_read_revision, request.app.state.engine, slug)
        cache.stamps.put(slug, now, revision)
    key = (slug, revision, tuple(sorted(without)), "json")
    body = cache.peek(key)
    if body is None:
        body = await run_in_threadpool(_serialised_audit, request, slug, tuple(without), key)
    return Response(body, media_type="application/json")


def _read_revision(engine, slug: str) -> int:
    with Session(engine) as session:
        return _revision(session, slug)


def _serialised_audit(request: Request, slug: str, without: tuple[str, ...], key: tuple) -> bytes:
    with Session(request.app.state.engine) as session:

        def serialise() -> bytes:
            return json.dumps(
                cached_audit(request, session, slug, without)[1].as_dict(), separators=(",", ":")
            ).encode()

        return request.app.state.audit_cache.get_or_compute(key, serialise)


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
    """The profile matrix and key metrics of several localities."""
    pairs = [cached_audit(request, session, slug) for slug in dict.fromkeys(locality)]
    names = {d.locality.id: d.locality.name for d, _ in pairs}
    return _png(comparison_figure([a for _, a in pairs], names))


@router.get("/api/localities/{slug}/charts/{chart}.png", responses=PNG, response_class=Response)
def locality_chart(
    slug: str, chart: Literal["profile", "findings", "load"], _: Reader, session: SessionDep, request: Request
) -> Response:
    """A chart of the audit: the profile, findings by principle, or meeting hours per person."""
    document, result = cached_audit(request, session, slug)
    name = document.locality.name
    if chart == "profile":
        figure = profile_bars(result, name)
    elif chart == "findings":
        figure = findings_chart(result, name)
    else:
        graphs = build_graphs(document)
        names = {p.id: p.name for p in document.people}
        loads = [
            (names[x.person], x.hours_per_year) for x in meeting_loads(graphs, DEFAULT_SETTINGS) if x.hours_per_year > 0
        ]
        figure = meeting_load_chart(result, loads, name)
    return _png(figure)


def _png(figure) -> Response:
    return Response(png_bytes(figure), media_type="image/png", headers={"Cache-Control": "no-store"})
