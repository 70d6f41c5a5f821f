"""The measures beside the audit as a download: a tidy CSV table per locality (as ``locmap measures --csv``).

People appear by id only, but the table sits beside files that name them,
so it has the access of the other downloads (:data:`~app.web.deps.Reader`:
signed-in readers, and anonymous visitors only of a demo).
"""

from fastapi import Request, Response

from analysis.entities import entity_rows, locality_measures, rows_csv
from analysis.graphs import build_graphs
from analysis.settings import DEFAULT_SETTINGS
from app.formats.provenance import provenance, source_of
from app.formats.spreadsheets.cells import neutralise
from app.web.api.analysis import cached_document
from app.web.cache import cached_answer, etag, locality_version, not_modified
from app.web.deps import Reader, SessionDep
from app.web.routing import make_router

router = make_router(tags=["analysis"])

CSV = {200: {"content": {"text/csv": {}}, "description": "One row per (locality, kind, id, name, measure, value)"}}


@router.get("/api/localities/{slug}/measures.csv", responses=CSV, response_class=Response)
def locality_measures_csv(slug: str, _: Reader, session: SessionDep, request: Request) -> Response:
    """Seats, meeting hours, two-mode degree and betweenness and clusters of each group, person and agency.

    Rendered once per version of the locality and sent with an ETag; the
    ``#`` lines at the top give its provenance (``pandas.read_csv(url,
    comment="#")`` reads it).  See ``docs/measures.md``.
    """
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))
    tag = etag(slug, version, "measures.csv")
    body = b""
    if not not_modified(request.headers.get("if-none-match"), tag):

        def render() -> bytes:
            document = cached_document(request, session, slug, version)
            made = provenance([source_of(document, revision=version.revision)], DEFAULT_SETTINGS)
            rows = entity_rows(locality_measures(build_graphs(document), DEFAULT_SETTINGS))
            return rows_csv(rows, comment=made.comment(), text=neutralise).encode("utf-8")

        body = cache.get_or_compute((slug, version, "measures.csv"), render)
    disposition = {"Content-Disposition": f'attachment; filename="{slug}-measures.csv"'}
    return cached_answer(request, tag, body, "text/csv; charset=utf-8", disposition)
