"""The directories for new staff: "who meets where" to print for an induction pack, and who sits where by role.

The people shown are the people the locality page lists, to the same
readers (:data:`~app.web.deps.PageReader`: anyone signed in, and anonymous
visitors of a demo).  Nothing here is cached per reader, so the sign-in
state of one reader never reaches another's page.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from analysis.directory import role_directory, role_key, role_label, who_meets_where
from app.storage import store
from app.web.api.analysis import cached_document
from app.web.cache import all_versions
from app.web.deps import PageReader, SessionDep
from app.web.pages.rendering import render
from app.web.routing import make_router

router = make_router(include_in_schema=False)

#: The longest role a reader may ask for: as long as a person's role may be (models.document.NAME_MAX is for names).
ROLE_MAX = 100


@router.get("/localities/{slug}/directory", response_class=HTMLResponse)
def directory_page(slug: str, request: Request, principal: PageReader, session: SessionDep):
    """Who meets where in one locality, one printable page: a section per kind of group."""
    document = cached_document(request, session, slug)
    return render(
        request,
        principal,
        "directory.html",
        document=document,
        sections=who_meets_where(document),
        role_label=role_label,
    )


def role_problem(role: str) -> str | None:
    """What is wrong with a role asked for, in words for the form, or None."""
    if len(role) > ROLE_MAX:
        return f"The role to find is {len(role)} characters long; at most {ROLE_MAX} are allowed."
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in role):
        return "The role to find holds a hidden formatting character; type the role again, letters and spaces only."
    return None


def _roles_page(request: Request, principal, documents: list, action: str, role: str, locality=None) -> HTMLResponse:
    """The role directory of ``documents`` (all roles, or the one asked for), or the form with its problem.

    ``locality`` is the one locality the page is about, or None across localities.
    """
    asked = role.strip()
    problem = role_problem(asked)
    everyone = role_directory(documents)
    choices = [(e.role, e.label) for e in everyone if e.role is not None]
    entries = everyone if not asked or problem else role_directory(documents, role=asked)
    return render(
        request,
        principal,
        "roles.html",
        400 if problem else 200,
        scope=locality.name if locality else "these localities",
        locality=locality,
        action=action,
        asked=asked,
        asked_key=role_key(asked) if asked and not problem else None,
        problem=problem,
        entries=[] if problem else entries,
        choices=choices,
    )


@router.get("/localities/{slug}/roles", response_class=HTMLResponse)
def locality_roles_page(
    slug: str,
    request: Request,
    principal: PageReader,
    session: SessionDep,
    role: Annotated[str, Query(description="A job role, in any spelling: senco, SENCo, head teacher.")] = "",
):
    """Who sits where in one locality, by job role, with the meetings each person attends and hours a year."""
    document = cached_document(request, session, slug)
    return _roles_page(request, principal, [document], f"/localities/{slug}/roles", role, document.locality)


@router.get("/roles", response_class=HTMLResponse)
def roles_page(
    request: Request,
    principal: PageReader,
    session: SessionDep,
    role: Annotated[str, Query(description="A job role, in any spelling: senco, SENCo, head teacher.")] = "",
):
    """Who sits where across every stored locality, by job role: "which meetings do SENCOs attend?"."""
    versions = all_versions(session)
    documents = [
        cached_document(request, session, summary.id, versions[summary.id])
        for summary in store.list_localities(session)
        if summary.id in versions
    ]
    return _roles_page(request, principal, documents, "/roles", role)
