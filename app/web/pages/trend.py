"""How a locality changed over time: its snapshots and now, as a page and a chart.

The page sets the audits of the locality's snapshots (oldest first) and of
the locality as it is now side by side (:func:`analysis.trend.trend`): a
chart, a table of every series readable without it, and what changed
between each adjacent pair in words, each linked to the diff page of that
pair.  Readers are those of the snapshots page (:data:`PageReader`).

A trend depends on the locality's version and on its snapshots (taking one
does not change the version), so it is cached under both, and the chart is
sent with an ETag naming both.
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlmodel import col

from analysis import charts
from analysis.trend_chart import trend_figure
from app.formats.provenance import provenance
from app.storage.trends import StoredTrend, stored_trend
from app.web.api.analysis import cached_document
from app.web.cache import cached_answer, etag, locality_version, not_modified
from app.web.deps import PageReader, SessionDep
from app.web.pages.rendering import render
from app.web.routing import make_router
from models.tables import Snapshot

router = make_router(include_in_schema=False)

#: The chart's formats: how each is rendered and its media type.
FORMATS = {
    "svg": (charts.svg_bytes, "image/svg+xml"),
    "png": (charts.png_bytes, "image/png"),
    "pdf": (charts.pdf_bytes, "application/pdf"),
}
#: The headline figures, first in the table as in the chart.
HEADLINE = tuple(metric for metric, _, _ in charts.CHART_METRICS)


def snapshot_stamps(session, slug: str) -> tuple[tuple[int, str], ...]:
    """The locality's snapshots as (number, time taken): with its version, all a trend depends on."""
    query = (
        select(col(Snapshot.pk), col(Snapshot.taken_at))
        .where(col(Snapshot.locality) == slug)
        .order_by(col(Snapshot.pk))
    )
    return tuple((pk, taken_at.isoformat()) for pk, taken_at in session.execute(query))


def _compute(request: Request, session, slug: str, version) -> StoredTrend:
    """Audit every snapshot and the locality now (its document as cached for ``version``)."""
    return stored_trend(session, slug, cached_document(request, session, slug, version), version.revision)


def trend_key(request: Request, session, slug: str) -> tuple:
    """What the locality's trend is cached under: its version and its snapshots (raises NotFound)."""
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))
    return (slug, version, "trend", snapshot_stamps(session, slug))


def cached_trend(request: Request, session, key: tuple) -> StoredTrend:
    """The trend under ``key`` (from :func:`trend_key`), computed once per version and set of snapshots."""
    slug, version = key[0], key[1]
    return request.app.state.audit_cache.get_or_compute(key, lambda: _compute(request, session, slug, version))


@router.get("/localities/{slug}/trend", response_class=HTMLResponse)
def trend_page(slug: str, request: Request, principal: PageReader, session: SessionDep):
    """The locality's trend: the chart, the series as a table, and the changes in words, linked to their diffs."""
    stored = cached_trend(request, session, trend_key(request, session, slug))
    result = stored.trend
    metrics = result.of_kind("metric")
    sections = [
        ("Findings", [*result.of_kind("findings")[:1], *result.of_kind("severity"), *result.of_kind("findings")[1:]]),
        ("Collaborative-advantage profile", result.of_kind("profile")),
        ("Headline figures", [s for s in metrics if s.measure in HEADLINE]),
        ("Every other figure", [s for s in metrics if s.measure not in HEADLINE]),
    ]
    return render(
        request,
        principal,
        "trend.html",
        slug=slug,
        name=stored.name,
        trend=result,
        sections=[(heading, rows) for heading, rows in sections if rows],
        chart=f"/localities/{slug}/trend",
    )


@router.get("/localities/{slug}/trend.svg", response_class=Response)
@router.get("/localities/{slug}/trend.png", response_class=Response)
@router.get("/localities/{slug}/trend.pdf", response_class=Response)
def trend_chart(slug: str, request: Request, _: PageReader, session: SessionDep) -> Response:
    """The trend chart with its provenance footer, drawn once per version, set of snapshots and format."""
    kind = request.url.path.rsplit(".", 1)[1]
    render_bytes, media = FORMATS[kind]
    key = trend_key(request, session, slug)
    tag = etag(slug, key[1], "trend", kind, key[3])
    if not_modified(request.headers.get("if-none-match"), tag):
        return cached_answer(request, tag, b"", media)

    def draw() -> bytes:
        stored = cached_trend(request, session, key)
        figure = trend_figure(stored.trend, stored.name)
        return render_bytes(charts.add_footer(figure, provenance(stored.sources).footer()))

    body = request.app.state.audit_cache.get_or_compute((*key, kind), draw)
    headers = {"Content-Disposition": f'inline; filename="{slug}-trend.{kind}"'}
    return cached_answer(request, tag, body, media, headers)
