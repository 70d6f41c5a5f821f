"""The concern-route page: "a worry about a child at this school, of this kind: where does it go?"

A GET form (it works without JavaScript, and an answer's address can be
shared); the answer is the path of groups the worry travels
(:func:`analysis.routes.concern_route`), or the gap with the audit's finding.
Groups are described by role, never by people's names.  Nothing here is
cached per reader.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from analysis.graphs import build_graphs
from analysis.routes import RouteQuestionError, concern_route, parse_concern, resolve_start, start_choices
from app.web.api.analysis import cached_audit, cached_document
from app.web.deps import PageReader, SessionDep
from app.web.pages.rendering import render
from app.web.routing import make_router
from models.vocab import CONCERN_LABELS

router = make_router(include_in_schema=False)

#: The longest answer a field takes: longer than any name or concern's words (checked here, in words).
ASKED_MAX = 200


def _start_problem(graphs, start: str) -> str | None:
    """What is wrong with where the worry is said to be raised, in plain words, or None."""
    if not start.strip():
        return "Choose where the worry is raised: a school or a group."
    if len(start) > ASKED_MAX:
        return f"This is longer than {ASKED_MAX} characters: no school or group's name is."
    try:
        resolve_start(graphs, start)
    except RouteQuestionError as exc:
        return exc.message
    return None


def _concern_problem(concern: str) -> str | None:
    """What is wrong with the kind of worry asked about, in plain words, or None."""
    if not concern.strip():
        return "Choose the kind of worry."
    if len(concern) > ASKED_MAX:
        return f"This is longer than {ASKED_MAX} characters: no kind of concern is."
    try:
        parse_concern(concern)
    except RouteQuestionError as exc:
        return exc.message
    return None


def _chosen_start(choices: list[tuple[str, str, str]], answer, start: str) -> str:
    """The value of the ``from`` option to show selected; a group outside the choices is added to them."""
    if answer is None:
        return start
    if answer.start_kind == "school":
        return answer.start
    chosen = next((v for v, _, _ in choices if v in (answer.start, f"group:{answer.start}")), None)
    if chosen is None:
        choices.append((answer.start, answer.start_name, "group"))
        chosen = answer.start
    return chosen


@router.get("/localities/{slug}/route", response_class=HTMLResponse)
def route_page(
    slug: str,
    request: Request,
    principal: PageReader,
    session: SessionDep,
    start: Annotated[str, Query(alias="from")] = "",
    concern: str = "",
):
    """The form, and with ``from`` and ``concern`` its answer; problems are shown beside their fields (400).

    A school's page links here with ``from`` alone: the form opens with the school chosen.
    """
    result = cached_audit(request, session, slug)[1]
    document = cached_document(request, session, slug)  # the revision itself: a route shows contacts and dates
    graphs = build_graphs(document)
    asked = "concern" in request.query_params
    found = {"from": _start_problem(graphs, start) if asked or start else None}
    found["concern"] = _concern_problem(concern) if asked else None
    problems = {field: text for field, text in found.items() if text}
    answer = None
    if asked and not problems:
        answer = concern_route(graphs, start, concern, findings=result.findings)
    choices = start_choices(graphs)
    chosen_start = _chosen_start(choices, answer, start)
    if answer is None and start and not problems:
        kind, ident = resolve_start(graphs, start)
        chosen_start = _chosen_start(choices, _Start(kind, ident, graphs), start)
    return render(
        request,
        principal,
        "route.html",
        400 if problems else 200,
        document=document,
        schools=[(v, name) for v, name, kind in choices if kind == "school"],
        groups=[(v, name) for v, name, kind in choices if kind == "group"],
        concerns=CONCERN_LABELS,
        chosen_start=chosen_start,
        chosen_concern=answer.concern.value if answer is not None else concern,
        problems=problems,
        answer=answer,
    )


class _Start:
    """Where a worry is raised, before the kind of worry is chosen: enough for :func:`_chosen_start`."""

    def __init__(self, kind: str, ident: str, graphs):
        self.start_kind, self.start = kind, ident
        self.start_name = graphs.agencies[ident].name if kind == "school" else graphs.groups[ident].name
