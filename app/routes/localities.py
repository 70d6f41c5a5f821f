"""Whole localities: list, create from a document, read, replace, delete, export."""


import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from models.document import LocalityDocument
from models.schemas import LocalityPublic, LocalitySummary
from models.validation import validate_data

from .. import store
from ..deps import Admin, LocalityEditor, Reader, SessionDep
from ..edits import Change, log
from ..errors import UserError

router = APIRouter(prefix="/api/localities", tags=["localities"])

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
    counts = next(s for s in store.list_localities(session) if s.id == slug)
    return LocalityPublic(
        id=locality.id,
        name=locality.name,
        authority=locality.authority,
        boundary=locality.boundary,
        devolved_funding=locality.devolved_funding,
        description=locality.description,
        sources=locality.sources or [],
        note=locality.note,
        revision=locality.revision,
        created_at=locality.created_at,
        updated_at=locality.updated_at,
        agencies=counts.agencies,
        people=counts.people,
        groups=counts.groups,
        links=counts.links,
        memberships=counts.memberships,
    )


@router.get("", response_model=list[LocalitySummary])
def list_localities(_: Reader, session: SessionDep) -> list[LocalitySummary]:
    """Every stored locality with counts of its agencies, people, groups, links and seats."""
    return [LocalitySummary(**row.__dict__) for row in store.list_localities(session)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LocalityPublic, openapi_extra=DOCUMENT_BODY)
def create_locality(principal: Admin, session: SessionDep, request: Request, data: DocumentBody) -> LocalityPublic:
    """Store a new locality from a ``locmap/1`` document (409 if its id is taken)."""
    document = validate_data(data)
    store.import_document(session, document, replace=False)
    log(session, principal.name, document.locality.id, Change("create", "locality", document.locality.id, None, document.to_data()))
    session.commit()
    request.app.state.audit_cache.forget(document.locality.id)
    return locality_public(session, document.locality.id)


@router.get("/{slug}", response_model=LocalityPublic)
def get_locality(slug: str, _: Reader, session: SessionDep) -> LocalityPublic:
    return locality_public(session, slug)


@router.put("/{slug}", response_model=LocalityPublic, openapi_extra=DOCUMENT_BODY)
def replace_locality(
    slug: str, principal: LocalityEditor, session: SessionDep, request: Request, data: DocumentBody
) -> LocalityPublic:
    """Replace a locality from a document, all or nothing.  The document's id must match."""
    document = validate_data(data)
    if document.locality.id != slug:
        raise UserError(f"the document is locality {document.locality.id!r}, not {slug!r}")
    store.lock_locality(session, slug)
    before = store.export_document(session, slug).to_data()
    store.import_document(session, document)
    log(session, principal.name, slug, Change("replace", "locality", slug, before, document.to_data()))
    session.commit()
    request.app.state.audit_cache.forget(slug)
    return locality_public(session, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_locality(slug: str, principal: Admin, session: SessionDep, request: Request) -> Response:
    """Delete a locality and everything in it."""
    store.lock_locality(session, slug)
    before = store.export_document(session, slug).to_data()
    store.delete_locality(session, slug)
    log(session, principal.name, slug, Change("delete", "locality", slug, before, None))
    session.commit()
    request.app.state.audit_cache.forget(slug)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{slug}/export", response_model=LocalityDocument, response_model_exclude_none=True, response_model_by_alias=True)
def export_locality(slug: str, _: Reader, session: SessionDep) -> dict:
    """The locality as a ``locmap/1`` document; importing it gives the same locality."""
    return store.export_document(session, slug).to_data()
