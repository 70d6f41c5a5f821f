"""The search page: one box over the groups, people and agencies of every locality, with filters.

Results come from the full-text index (:mod:`app.storage.search`), grouped
by kind, their matches marked from plain-text segments (the template
escapes every part).  A bad query or filter is answered on the form, beside
its field, with a 400.  The page is not cached: it is per query.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams

from app.storage import store
from app.storage.search import KINDS, SearchError, SearchResults, search
from app.web.api.search import entry_path, may_see_people, read_query
from app.web.deps import PageReader, SessionDep
from app.web.pages.rendering import render, words
from app.web.routing import make_router
from models.vocab import GROUP_TYPE_LABELS, Sector

router = make_router(include_in_schema=False)

#: Each kind in words, as the results' headings and the kind filter show them.
KIND_WORDS = {"group": "Groups", "person": "People", "agency": "Agencies"}


def choices(session, people: bool) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers, as (value, words)."""
    return {
        "locality": [(s.id, s.name) for s in store.list_localities(session)],
        "kind": [(k, KIND_WORDS[k]) for k in KINDS if people or k != "person"],
        "type": sorted(GROUP_TYPE_LABELS.items(), key=lambda item: item[1]),
        "sector": [(s.value, words(s.value).capitalize()) for s in Sector],
    }


def page_url(params, page: int) -> str:
    """This search's address at another page."""
    kept = [(k, v) for k, v in params.multi_items() if k != "page" and v]
    return "/search?" + urlencode([*kept, ("page", str(page))])


def grouped(results: SearchResults) -> list[dict]:
    """The page's hits by kind, in the kinds' order, each with its address."""
    sections = []
    for kind in KINDS:
        hits = [(hit, entry_path(hit.locality, hit.kind, hit.ref)) for hit in results.hits if hit.kind == kind]
        if hits:
            sections.append({"kind": kind, "label": KIND_WORDS[kind], "hits": hits})
    return sections


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, principal: PageReader, session: SessionDep):
    """Search with filters; with no words, just the form."""
    people = may_see_people(principal)
    context: dict = {"q": request.query_params.get("q", "")[:300], "error": None, "results": None}
    chosen = {name: request.query_params.get(name, "") for name in ("locality", "kind", "type", "sector")}
    status = 200
    try:
        query = read_query(request.query_params)
        if query.text.strip():
            results = search(session, query, people=people)
            context.update(results=results, sections=grouped(results), query=query)
            context.update(pages=_pages(request, results))
    except SearchError as error:
        context["error"], status = error, 400
    return render(
        request,
        principal,
        "search.html",
        status,
        choices=choices(session, people),
        chosen=chosen,
        kind_words=KIND_WORDS,
        kind_urls={k: page_url(_with_kind(request, k), 1) for k in KINDS},
        group_url=lambda hit, group: entry_path(hit.locality, "group", group),
        **context,
    )


def _with_kind(request: Request, kind: str) -> QueryParams:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "kind"]
    return QueryParams([*kept, ("kind", kind)])


def _pages(request: Request, results: SearchResults) -> dict:
    return {
        "previous": page_url(request.query_params, results.page - 1) if results.page > 1 else None,
        "next": page_url(request.query_params, results.page + 1) if results.page < results.pages else None,
    }
