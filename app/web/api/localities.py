"""Whole localities: list, create from a document, read, replace, delete, export.

A read of a locality (or its export) carries its version as the ETag; a
replace or a delete must send it back as ``If-Match`` (:mod:`app.web.concurrency`).
"""

import json
import time
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Query, Request, Response, status
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import UserError
from app.formats.exchange import OUTPUTS, read, render
from app.formats.provenance import provenance
from app.storage import store
from app.storage.edits import Change, log
from app.web.api.analysis import cached_document, cached_source
from app.web.cache import cached_answer, etag, locality_version, not_modified
from app.web.changes import commit_change
from app.web.concurrency import CONDITIONAL, ApiUploader, IfMatch, check_locality, locality_tag
from app.web.deps import Admin, LocalityEditor, Reader, SessionDep
from app.web.routing import make_router
from models.document import LocalityDocument
from models.schemas import LocalityPublic, LocalitySummary
from models.tables import Locality
from models.validation import validate_data

router = make_router(prefix="/api/localities", tags=["localities"])

DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LocalityDocument"}}},
    }
}


async def document_body(request: Request) -> Any:
    """The request body as JSON, checked later as a whole ``locmap/1`` document."""
    body = await request.body()
    if not body.strip():
        raise UserError("empty body: expected a locmap/1 document as JSON")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError("the body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise UserError(f"invalid JSON: {exc}") from None


DocumentBody = Annotated[Any, Depends(document_body)]


def locality_public(session, slug: str) -> LocalityPublic:
    locality = store.get_locality(session, slug)
    (counts,) = store.list_localities(session, slug)
    return LocalityPublic(
        **counts.model_dump(),
        devolved_funding=locality.devolved_funding,
        description=locality.description,
        sources=locality.sources or [],
        note=locality.note,
        revision=locality.revision,
        created_at=locality.created_at,
    )


@router.get("", response_model=list[LocalitySummary])
async def list_localities(_: Reader, request: Request) -> Response:
    """Every stored locality with counts of its agencies, people, groups, links and seats."""
    cache = request.app.state.audit_cache
    now = time.monotonic()
    version = cache.stamps.get("*list*", now)
    if version is None:
        version = await run_in_threadpool(_list_version, request.app.state.engine)
        cache.stamps.put("*list*", now, version)
    body = cache.peek(("*list*", version))
    if body is None:
        body = await run_in_threadpool(_serialised_list, request, version)
    return Response(body, media_type="application/json")


def _list_version(engine) -> tuple:
    """Changes whenever any locality is added, changed or deleted."""
    with Session(engine) as session:
        return tuple(
            session.execute(select(func.count(), func.sum(Locality.revision), func.max(Locality.updated_at))).one()
        )


def _serialised_list(request: Request, version: tuple) -> bytes:
    with Session(request.app.state.engine) as session:

        def serialise() -> bytes:
            rows = [row.model_dump(mode="json") for row in store.list_localities(session)]
            return json.dumps(rows, separators=(",", ":")).encode()

        return request.app.state.audit_cache.get_or_compute(("*list*", version), serialise)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LocalityPublic, openapi_extra=DOCUMENT_BODY)
def create_locality(principal: Admin, session: SessionDep, request: Request, data: DocumentBody) -> LocalityPublic:
    """Store a new locality from a ``locmap/1`` document (409 if its id is taken)."""
    document = validate_data(data)
    store.import_document(session, document, replace=False)
    log(
        session,
        principal.name,
        document.locality.id,
        Change("create", "locality", document.locality.id, None, document.to_data()),
    )
    commit_change(request, session, document.locality.id)
    return locality_public(session, document.locality.id)


def _tag_current(session, slug: str, response: Response) -> None:
    """Put the locality's version in the answer's ETag (read before the answer, so never newer than it)."""
    response.headers["ETag"] = locality_tag(slug, locality_version(session, slug))


@router.get("/{slug}", response_model=LocalityPublic)
def get_locality(slug: str, _: Reader, session: SessionDep, response: Response) -> LocalityPublic:
    """One locality with its counts; the ETag is its version, for If-Match on PUT and DELETE."""
    _tag_current(session, slug, response)
    return locality_public(session, slug)


@router.put("/{slug}", response_model=LocalityPublic, openapi_extra=DOCUMENT_BODY, responses=CONDITIONAL)
def replace_locality(
    slug: str,
    principal: LocalityEditor,
    session: SessionDep,
    request: Request,
    response: Response,
    data: DocumentBody,
    if_match: IfMatch = None,
) -> LocalityPublic:
    """Replace a locality from a document, all or nothing.  The document's id must match.

    Send the ETag of a GET of the locality (or its export) as If-Match: 428
    without it, 412 when someone changed the locality since.
    """
    document = validate_data(data)
    if document.locality.id != slug:
        raise UserError(f"the document is locality {document.locality.id!r}, not {slug!r}")
    check_locality(session, slug, if_match)
    before = store.export_document(session, slug).to_data()
    store.import_document(session, document)
    log(session, principal.name, slug, Change("replace", "locality", slug, before, document.to_data()))
    commit_change(request, session, slug)
    _tag_current(session, slug, response)
    return locality_public(session, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT, responses=CONDITIONAL)
def delete_locality(
    slug: str, principal: Admin, session: SessionDep, request: Request, if_match: IfMatch = None
) -> Response:
    """Delete a locality and everything in it (If-Match: its ETag; 428 without it, 412 if stale)."""
    check_locality(session, slug, if_match)
    before = store.export_document(session, slug).to_data()
    store.delete_locality(session, slug)
    log(session, principal.name, slug, Change("delete", "locality", slug, before, None))
    commit_change(request, session, slug)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{slug}/export", response_model=LocalityDocument, response_model_exclude_none=True, response_model_by_alias=True
)
def export_locality(slug: str, _: Reader, session: SessionDep, response: Response) -> dict:
    """The locality as a ``locmap/1`` document; importing it gives the same locality.

    The ETag is the locality's version, for If-Match on a PUT of the changed document.
    """
    _tag_current(session, slug, response)
    return store.export_document(session, slug).to_data()


# ---------------------------------------------------------------- other formats

DOWNLOADS = Literal["yaml", "json", "xlsx", "zip", "gexf", "graphml", "kumu"]
UPLOADS = Literal["yaml", "json", "xlsx", "zip"]


#: Each download's real media type, as the schema declares them.
DOWNLOAD_TYPES: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for _, media in OUTPUTS.values()}, "description": "The file"}
}


@router.get("/{slug}/download/{fmt}", response_class=Response, responses=DOWNLOAD_TYPES)
def download(slug: str, fmt: DOWNLOADS, _: Reader, session: SessionDep, request: Request) -> Response:
    """The locality as a file: locmap/1 YAML or JSON, XLSX, a zip of CSVs, GEXF, GraphML or Kumu JSON.

    Each format is rendered once per version of the locality and sent with an ETag.
    """
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))
    suffix, media = OUTPUTS[fmt]
    name = f"{slug}-kumu{suffix}" if fmt == "kumu" else f"{slug}{suffix}"
    tag = etag(slug, version, "download", fmt)
    if not not_modified(request.headers.get("if-none-match"), tag):

        def written() -> bytes:
            made = provenance([cached_source(request, session, slug, version)])  # names the stored revision
            return render(cached_document(request, session, slug, version), fmt, made)

        body = cache.get_or_compute((slug, version, "download", fmt), written)
    else:
        body = b""
    return cached_answer(request, tag, body, media, {"Content-Disposition": f'attachment; filename="{name}"'})


def store_upload(request: Request, session, principal, document: LocalityDocument) -> tuple[LocalityPublic, bool]:
    """Create or replace a locality from an uploaded document, if the user may."""
    slug = document.locality.id
    exists = store.locality_exists(session, slug)
    if exists and not principal.may_edit(slug):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not change locality {slug!r}")
    if not exists and principal.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"only an admin may add a new locality ({slug!r})")
    if exists:
        store.lock_locality(session, slug)
        before = store.export_document(session, slug).to_data()
        store.import_document(session, document)
        log(session, principal.name, slug, Change("replace", "locality", slug, before, document.to_data()))
    else:
        store.import_document(session, document, replace=False)
        log(session, principal.name, slug, Change("create", "locality", slug, None, document.to_data()))
    commit_change(request, session, slug)
    return locality_public(session, slug), not exists


async def raw_body(request: Request) -> bytes:
    return await request.body()


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/import", response_model=LocalityPublic, openapi_extra=UPLOAD_BODY, status_code=status.HTTP_200_OK)
def import_file(
    principal: ApiUploader,
    session: SessionDep,
    request: Request,
    response: Response,
    fmt: Annotated[UPLOADS, Query(alias="format", description="The body's format.")],
    body: Annotated[bytes, Depends(raw_body)],
) -> LocalityPublic:
    """Create or replace a locality from a file (YAML, JSON, XLSX or a zip of CSVs), all or nothing.

    Problems are listed as ``{loc, msg}``, where ``loc`` names the sheet, row
    and column for spreadsheets.  Editors may replace their localities; only
    admins may add new ones.  Who may is checked before the body is read: a
    viewer is refused unread.  A browser signed in by its session cookie sends
    its CSRF token as ``X-CSRF-Token`` (or the ``csrf`` query parameter).
    """
    if not body:
        raise UserError("empty body: send the file's bytes")
    document = read(body, f".{fmt}", "upload")
    public, created = store_upload(request, session, principal, document)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return public
