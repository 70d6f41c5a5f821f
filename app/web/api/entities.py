"""Agencies, people, groups, links and group members of a locality.

The four kinds of entry share one set of routes, made by :func:`add_routes`:
list (paginated), create, get, update (PATCH) and delete.  Every write goes
through :mod:`app.storage.edits` row by row: the entry validated by its model,
the references it can break checked in SQL, logged, atomic.  Reads fetch only
the rows asked for (SQL LIMIT/OFFSET for lists).

Reads of one entry carry its ETag, and changes and deletions must send it back
as ``If-Match`` (:mod:`app.web.concurrency`): checked under the locality's
write lock, in the writing transaction.
"""

from typing import Annotated

from fastapi import Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.storage import edits, erasure, store
from app.web.changes import commit_change
from app.web.concurrency import CONDITIONAL, IfMatch, check_entry, entry_tag
from app.web.deps import LocalityEditor, Reader, SessionDep, SettingsDep
from app.web.routing import json_answer, make_router
from models import schemas
from models.document import DESCRIPTIVE_GROUP_FIELDS

router = make_router(prefix="/api/localities/{slug}")

Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Entries to skip.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Entries per page (capped by the server's max_page_size).")]
#: A person's deletion is an erasure: it answers with the places whose free text still names them.
ERASED = {"model": erasure.ErasureReport, "description": "Erased; `free_text` lists the fields to rewrite"}


def _row(model: BaseModel) -> dict:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _committed(request: Request, session, slug: str, change: edits.Change) -> edits.Change:
    commit_change(request, session, slug)
    return change


def _entry(session, slug: str, kind: str, ident: str, status_code: int = status.HTTP_200_OK) -> Response:
    """An entry as stored, its version in the answer's ETag."""
    entry = store.read_entry(session, slug, kind, ident)[1]
    return json_answer(PUBLIC[kind], entry, status_code, {"ETag": entry_tag(slug, kind, entry)})


def may_be_analysed(kind: str, changes: dict) -> bool:
    """Whether a PATCH changes a field an analysis reads (or may: a group's descriptive fields alone do not)."""
    return kind != "group" or not set(changes) <= DESCRIPTIVE_GROUP_FIELDS


#: How each kind of entry is answered (and described in the OpenAPI schema).
PUBLIC: dict[str, type] = {
    "agency": schemas.AgencyPublic,
    "person": schemas.PersonPublic,
    "group": schemas.GroupPublic,
    "link": schemas.LinkPublic,
}


def add_routes(kind: str, section: str, create: type, update: type) -> None:
    """The five routes of one kind of entry."""
    public = PUBLIC[kind]
    title = section.capitalize()
    tags = [section]
    path_id = "{item_id}"

    @router.get(
        f"/{section}", response_model=schemas.Page[public], tags=tags, name=f"list_{section}", summary=f"List {section}"
    )
    def list_entries(
        slug: str, _: Reader, session: SessionDep, settings: SettingsDep, offset: Offset = 0, limit: Limit = 50
    ):
        limit = min(limit, settings.max_page_size)
        items, total = store.read_page(session, slug, kind, offset, limit)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @router.post(
        f"/{section}",
        response_model=public,
        status_code=status.HTTP_201_CREATED,
        tags=tags,
        name=f"create_{kind}",
        summary=f"Add a {kind}",
    )
    def create_entry(
        slug: str,
        body: create,  # type: ignore[valid-type]
        principal: LocalityEditor,
        session: SessionDep,
        request: Request,
    ):
        change = edits.create(session, slug, principal.name, kind, _row(body))
        _committed(request, session, slug, change)
        return _entry(session, slug, kind, change.entity_id, status.HTTP_201_CREATED)

    @router.get(f"/{section}/{path_id}", response_model=public, tags=tags, name=f"get_{kind}", summary=f"Get a {kind}")
    def get_entry(slug: str, item_id: str, _: Reader, session: SessionDep):
        return _entry(session, slug, kind, item_id)

    @router.patch(
        f"/{section}/{path_id}",
        response_model=public,
        tags=tags,
        name=f"update_{kind}",
        summary=f"Change a {kind}",
        responses=CONDITIONAL,
    )
    def update_entry(
        slug: str,
        item_id: str,
        body: update,  # type: ignore[valid-type]
        principal: LocalityEditor,
        session: SessionDep,
        request: Request,
        if_match: IfMatch = None,
    ):
        changes = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        analysed = may_be_analysed(kind, changes)  # if so, the analysed revision moves as the change begins
        begun = check_entry(session, slug, kind, item_id, if_match, analysed=analysed)
        change = edits.update(session, slug, principal.name, kind, item_id, changes, begun)
        _committed(request, session, slug, change)
        return _entry(session, slug, kind, item_id)

    @router.delete(
        f"/{section}/{path_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=tags,
        name=f"delete_{kind}",
        summary=f"Delete a {kind}",
        responses={**CONDITIONAL, 200: ERASED} if kind == "person" else CONDITIONAL,
    )
    def delete_entry(
        slug: str,
        item_id: str,
        principal: LocalityEditor,
        session: SessionDep,
        request: Request,
        if_match: IfMatch = None,
    ):
        begun = check_entry(session, slug, kind, item_id, if_match)
        if kind == "person":  # an erasure answers with the free text still naming them
            erased = erasure.erase_person(session, slug, principal.name, item_id, begun)
            commit_change(request, session, slug)
            return JSONResponse(erased.model_dump(mode="json"))
        else:
            _committed(request, session, slug, edits.delete(session, slug, principal.name, kind, item_id, begun))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    for function in (list_entries, create_entry, get_entry, update_entry, delete_entry):
        function.__doc__ = f"{title}: {function.__name__.replace('_', ' ')}."
    conditional = f" Send the ETag of a GET of the {kind} as If-Match (428 without it, 412 if stale)."
    update_entry.__doc__ = f"{update_entry.__doc__}{conditional}"
    delete_entry.__doc__ = f"{delete_entry.__doc__}{conditional}"


add_routes("agency", "agencies", schemas.AgencyCreate, schemas.AgencyUpdate)
add_routes("person", "people", schemas.PersonCreate, schemas.PersonUpdate)
add_routes("group", "groups", schemas.GroupCreate, schemas.GroupUpdate)
add_routes("link", "links", schemas.LinkCreate, schemas.LinkUpdate)


# ---------------------------------------------------------------- members


def _members(session, slug: str, group_id: str, status_code: int = status.HTTP_200_OK) -> Response:
    """A group's seats; the answer's ETag is the group's (its version covers its seats)."""
    group, members = store.read_group_members(session, slug, group_id)
    tag = entry_tag(slug, "group", group)
    return json_answer(list[schemas.MemberPublic], members, status_code, {"ETag": tag})


@router.get("/groups/{group_id}/members", response_model=list[schemas.MemberPublic], tags=["groups"])
def list_members(slug: str, group_id: str, _: Reader, session: SessionDep):
    """Who sits on a group, with their role in it; the ETag is the group's, for If-Match on member changes."""
    return _members(session, slug, group_id)


@router.post(
    "/groups/{group_id}/members",
    response_model=list[schemas.MemberPublic],
    status_code=status.HTTP_201_CREATED,
    tags=["groups"],
)
def add_member(
    slug: str,
    group_id: str,
    body: schemas.MemberCreate,
    principal: LocalityEditor,
    session: SessionDep,
    request: Request,
):
    """Seat a person on a group (409 if already a member); returns the members."""
    _committed(request, session, slug, edits.add_seat(session, slug, principal.name, group_id, _row(body)))
    return _members(session, slug, group_id, status.HTTP_201_CREATED)


@router.patch(
    "/groups/{group_id}/members/{person_id}",
    response_model=list[schemas.MemberPublic],
    tags=["groups"],
    responses=CONDITIONAL,
)
def update_member(
    slug: str,
    group_id: str,
    person_id: str,
    body: schemas.MemberUpdate,
    principal: LocalityEditor,
    session: SessionDep,
    request: Request,
    if_match: IfMatch = None,
):
    """Change a member's role, attendance or note; returns the members.

    Send the group's ETag as If-Match (428 without it, 412 if stale).
    """
    changes = body.model_dump(mode="json", exclude_unset=True)
    begun = check_entry(session, slug, "group", group_id, if_match)
    change = edits.update_seat(session, slug, principal.name, group_id, person_id, changes, begun)
    _committed(request, session, slug, change)
    return _members(session, slug, group_id)


@router.delete(
    "/groups/{group_id}/members/{person_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["groups"],
    responses=CONDITIONAL,
)
def remove_member(
    slug: str,
    group_id: str,
    person_id: str,
    principal: LocalityEditor,
    session: SessionDep,
    request: Request,
    if_match: IfMatch = None,
):
    """Take a person off a group.  Send the group's ETag as If-Match (428 without it, 412 if stale)."""
    begun = check_entry(session, slug, "group", group_id, if_match)
    _committed(request, session, slug, edits.remove_seat(session, slug, principal.name, group_id, person_id, begun))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- data protection


class PersonExport(BaseModel):
    locality: str
    person: dict
    memberships: list[dict]
    audit_log: list[dict]
    snapshots: list[dict]
    free_text: list[dict]


@router.get("/people/{person_id}/export", response_model=PersonExport, tags=["people"])
def export_person(slug: str, person_id: str, _: LocalityEditor, session: SessionDep) -> dict:
    """Everything held about one person (a subject access request): record, seats, audit log, snapshots, free text."""
    return erasure.subject_access(session, slug, person_id)
