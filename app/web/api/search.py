"""Search across the groups, people and agencies of every locality: ``GET /api/search``.

Reading the query and its filters, and the path of each hit, are shared
with the search page (:mod:`app.web.pages.search`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from app.storage.search import Hit, SearchError, SearchQuery, search
from app.web.deps import Reader, SessionDep
from app.web.routing import make_router

router = make_router(tags=["search"])

#: The path segment of each kind of entry, as its page's address has it.
SEGMENTS = {"group": "groups", "person": "people", "agency": "agencies"}
FILTERS = ("locality", "kind", "type", "sector")


def read_query(params) -> SearchQuery:
    """The search a request asks for, from its query parameters; blanks mean "any".

    Parameters are read here, not declared on the route, so a bad value is
    answered in the search's own words, never as a validation error.

    Raises
    ------
    SearchError
        For a page that is not a number.
    """
    given = {name: (params.get(name) or "").strip() or None for name in FILTERS}
    page = (params.get("page") or "1").strip()
    if not page.isdigit() or len(page) > 6:
        raise SearchError("page", f"Page {page[:20]!r} is not a page number: give a whole number such as 2.")
    return SearchQuery(
        text=params.get("q") or "",
        locality=given["locality"],
        kind=given["kind"],
        group_type=given["type"],
        sector=given["sector"],
        page=int(page),
    )


def may_see_people(principal) -> bool:
    """Whether a reader may find people: whoever may read people's pages (as :data:`app.web.deps.PageReader`).

    Names and roles are personal data: this is the one place the search decides it.
    """
    return principal is not None


def entry_path(locality: str, kind: str, ref: str) -> str:
    return f"/localities/{locality}/{SEGMENTS[kind]}/{ref}"


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit as the API answers it: what it is, where, and its name and snippet with the matches marked."""
    out: dict[str, Any] = {
        "kind": hit.kind,
        "id": hit.ref,
        "name": hit.plain_name,
        "url": entry_path(hit.locality, hit.kind, hit.ref),
        "locality": {"id": hit.locality, "name": hit.locality_name},
        "highlighted_name": [{"text": part, "match": match} for part, match in hit.name],
        "snippet": [{"text": part, "match": match} for part, match in hit.snippet],
    }
    if hit.kind == "group":
        out.update(type=hit.about["type"], handles=hit.about["handles"], contact=hit.about.get("contact"))
    elif hit.kind == "person":
        groups = [{"id": g, "name": n, "url": entry_path(hit.locality, "group", g)} for g, n in hit.about["groups"]]
        out.update(role=hit.about["role"], agency=hit.about["agency"], groups=groups)
    else:
        out.update(sector=hit.about["sector"], school=hit.about["school"])
    return out


@router.get("/api/search")
def search_api(request: Request, principal: Reader, session: SessionDep) -> JSONResponse:
    """Groups, people and agencies matching ``q``, best first, twenty a ``page``.

    Filters (each optional): ``locality`` (an id), ``kind`` (group, person or
    agency), ``type`` (a group type) and ``sector`` (an agency's sector; its
    people too).  A word of the concern vocabulary finds its whole concern
    ("emotional" finds groups handling emotional and mental health).  A bad
    query or filter answers 422 naming the parameter.
    """
    try:
        query = read_query(request.query_params)
        results = search(session, query, people=may_see_people(principal))
    except SearchError as error:
        return JSONResponse({"detail": [{"loc": f"query.{error.field}", "msg": error.message}]}, 422)
    return JSONResponse(
        {
            "query": query.text,
            "total": results.total,
            "by_kind": results.by_kind,
            "page": results.page,
            "pages": results.pages,
            "results": [hit_json(hit) for hit in results.hits],
        }
    )
