"""The member census over HTTP: open, links, status, close, results, corrections, and the respondent's answers.

Editors of the locality (and admins) run a census through the routes under
``/api/localities/{slug}/census``.  A respondent needs no account: the
token in their personal link is the credential, for their own answers only
(:func:`app.storage.census.visit` refuses another locality's, an unknown,
withdrawn or expired link and a closed census).  Those routes read no
sign-in at all, so neither a bearer token nor the session cookie stands in
for the link, and no CSRF token is asked for (no cookie is used).  Nothing
here logs a token.

Results leave only in aggregate (:func:`app.storage.census.summary`, with
small numbers suppressed), and only once the census is closed: while it is
open, results read before and after one person answers would differ by
exactly that person's ratings.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from analysis.census_findings import census_dict
from app.errors import Conflict, NotFound, UserError
from app.formats.spreadsheets.cells import neutralise
from app.storage import census, store
from app.storage.db import queue_for_writing
from app.web.api.history import RowNumber
from app.web.changes import commit_change
from app.web.deps import LocalityEditor, SessionDep, SettingsDep
from app.web.routing import make_router
from models.census import CensusAnswers
from models.document import Id
from models.tables import Census
from models.vocab import ATTENDANCE_SHARES, BALANCE, STATEMENTS, STEPS

router = make_router(prefix="/api/localities/{slug}/census", tags=["census"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "One row per person invited, for a mail merge"}
}
#: The mail-merge CSV's columns.
LINK_COLUMNS = ("person", "name", "agency", "groups", "link", "answered")
#: The refusals of :func:`app.storage.census.visit`, for the OpenAPI description.
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The link belongs to another locality, or was withdrawn"},
    404: {"description": "The link is not known"},
    410: {"description": "The census has closed, or the link has expired"},
}


# ---------------------------------------------------------------- bodies and answers


class ReissueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: Id = Field(description="The person to give a new link (their old one stops working).")


class ApplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corrections: list[Annotated[str, Field(max_length=300)]] | None = Field(
        None, max_length=2000, description="Ids of the proposed corrections to apply; null applies them all."
    )


class CensusPublic(BaseModel):
    """One census of a locality, as listed."""

    locality: str
    number: int
    opened_at: str
    opened_by: str | None
    expires_at: str
    closed_at: str | None
    open: bool
    invited: int
    answered: int
    #: The history entry of the corrections applied from it (None: none applied).
    applied_change: int | None
    applied: bool


class Responses(BaseModel):
    """Response counts of a group or an agency."""

    id: str | None
    name: str
    invited: int
    answered: int
    rate: float | None


class CensusStatus(CensusPublic):
    """A census with its response rate by group and by agency."""

    groups: list[Responses]
    agencies: list[Responses]


class InvitedPublic(BaseModel):
    """One person invited: their link while the census is open, and whether they answered (never what)."""

    person: str
    name: str
    agency: str | None
    groups: list[dict[str, str]]
    link: str | None
    answered: bool
    revoked: bool


class LinkPublic(BaseModel):
    person: str
    link: str


class CorrectionPublic(BaseModel):
    id: str
    kind: str
    group: str | None
    person: str | None
    value: Any
    was: Any
    words: str


class Applied(BaseModel):
    #: The history entry, to revert through ``/api/localities/{slug}/history/{entry}/revert``.
    entry: int
    applied: list[str]


class Named(BaseModel):
    id: str
    name: str


class RespondentPage(BaseModel):
    """What a respondent's link opens: their groups, the locality's, the scales and their own answers so far."""

    locality: Named
    census: int
    #: When the link stops working (the census may close sooner).
    closes_at: str
    #: The groups they are recorded on.
    groups: list[Named]
    #: Every group of the locality, for meetings they attend that the map does not show them on.
    locality_groups: list[Named]
    answers: CensusAnswers
    scales: dict[str, Any]


# ---------------------------------------------------------------- helpers


def _when(moment: datetime | None) -> str | None:
    """An ISO time, as UTC (SQLite hands back times without their zone)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _rate(invited: int, answered: int) -> float | None:
    return answered / invited if invited else None


def census_public(session, c: Census) -> CensusPublic:
    """The listed form of a census, with how many were asked and answered."""
    facts = census.link_facts(session, c)
    return CensusPublic(
        locality=c.locality,
        number=c.number,
        opened_at=_when(c.opened_at) or "",
        opened_by=c.opened_by,
        expires_at=_when(c.expires_at) or "",
        closed_at=_when(c.closed_at),
        open=c.closed_at is None,
        invited=len(facts),
        answered=sum(1 for f in facts if f.answered),
        applied_change=c.applied_change,
        applied=c.applied_change is not None,
    )


def census_status(session, c: Census, min_respondents: int) -> CensusStatus:
    """A census with response counts by group and agency (counts of answers, never their content)."""
    document = store.export_document(session, c.locality)
    group_names = {g.id: g.name for g in document.groups}
    agency_names = {a.id: a.name for a in document.agencies}
    summary = census.summary(session, c, min_respondents)
    groups = [
        Responses(
            id=g.group,
            name=group_names.get(g.group, g.group),
            invited=g.invited,
            answered=g.answered,
            rate=_rate(g.invited, g.answered),
        )
        for g in summary.groups.values()
        if g.invited
    ]
    agencies = [
        Responses(
            id=a, name=agency_names.get(a, a) if a else "no agency recorded", invited=n, answered=m, rate=_rate(n, m)
        )
        for a, (n, m) in summary.response_by_agency.items()
    ]
    return CensusStatus(**census_public(session, c).model_dump(), groups=groups, agencies=agencies)


def link_url(request: Request, path: str | None) -> str | None:
    """The absolute address of a respondent's page, on the address the request came to."""
    return str(request.base_url).rstrip("/") + path if path else None


def invited_public(request: Request, session, c: Census) -> list[InvitedPublic]:
    """Everyone invited to a census, with their link (personal data: for the locality's editors)."""
    names = {g.id: g.name for g in store.export_document(session, c.locality).groups}
    return [
        InvitedPublic(
            person=p.person,
            name=p.name,
            agency=p.agency,
            groups=[{"id": g, "name": names.get(g, g)} for g in p.groups],
            link=link_url(request, p.path),
            answered=p.answered,
            revoked=p.revoked,
        )
        for p in census.invited(session, c)
    ]


def links_csv(people: list[InvitedPublic]) -> str:
    """The mail-merge CSV: a header of :data:`LINK_COLUMNS`, then a person a line, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    for p in people:
        groups = "; ".join(g["name"] for g in p.groups)
        cells = (p.person, p.name, p.agency or "", groups, p.link or "", "yes" if p.answered else "no")
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def closed_census(session, slug: str, number: int) -> Census:
    """A census whose results may be shown: Conflict, in words, while it is open."""
    c = census.get(session, slug, number)
    if c.closed_at is None:
        raise Conflict(
            f"census {number} of {slug!r} is still open: its results are shown once it is closed, "
            "so that no one's answers can be worked out by comparing results before and after they answer"
        )
    return c


def _unprocessable(exc: UserError) -> HTTPException:
    return HTTPException(422, str(exc))


def respondent_page(session, respondent: census.Respondent) -> RespondentPage:
    """What a respondent's own page shows (their groups as recorded when the census opened)."""
    facts = census.respondent_facts(session, respondent)
    names = facts.groups
    return RespondentPage(
        locality=Named(id=respondent.census.locality, name=facts.locality),
        census=respondent.census.number,
        closes_at=_when(respondent.census.expires_at) or "",
        groups=[Named(id=g, name=names.get(g, g)) for g in respondent.link.groups],
        locality_groups=[Named(id=g, name=name) for g, name in names.items()],
        answers=census.answers_of(session, respondent),
        scales={
            "statements": STATEMENTS,
            "steps": [{"value": v, "words": w, "report": r} for v, w, r in STEPS],
            "balance": [{"value": v, "words": w} for v, w in BALANCE],
            "attendance": [{"value": v, "words": w} for v, w in ATTENDANCE_SHARES],
            "worry_elsewhere": list(census.WORRY_ELSEWHERE),
        },
    )


# ---------------------------------------------------------------- the respondent (token-bound, no account)
# Declared first, so ``respond/...`` is never read as a census number.


@router.get("/respond/{token}", response_model=RespondentPage, responses=REFUSALS)
def respondent_get(slug: str, token: str, session: SessionDep) -> RespondentPage:
    """A respondent's page as data: their groups, the locality's groups, the scales and their answers so far.

    The token is the credential, for this one person's answers; no sign-in is read.
    """
    return respondent_page(session, census.visit(session, slug, token))


@router.put("/respond/{token}", response_model=RespondentPage, responses=REFUSALS)
def respondent_put(slug: str, token: str, body: CensusAnswers, session: SessionDep) -> RespondentPage:
    """Save a respondent's answers (replacing any given before); 422, in words, for groups they cannot name."""
    queue_for_writing(session)  # before the link is checked, so a close cannot slip in between
    respondent = census.visit(session, slug, token)
    try:
        census.save_answers(session, respondent, body, census.respondent_facts(session, respondent).groups)
    except UserError as exc:
        session.rollback()
        raise _unprocessable(exc) from None
    session.commit()
    return respondent_page(session, respondent)


# ---------------------------------------------------------------- the locality's editors


@router.post("", response_model=CensusPublic, status_code=status.HTTP_201_CREATED)
def open_census(slug: str, principal: LocalityEditor, session: SessionDep, settings: SettingsDep) -> CensusPublic:
    """Open a census: a personal link for each person on the locality's groups (409 while one is open)."""
    c = census.open_census(session, slug, principal.name, days=settings.census_days)
    session.commit()
    return census_public(session, c)


@router.get("", response_model=list[CensusPublic])
def list_censuses(slug: str, _: LocalityEditor, session: SessionDep) -> list[CensusPublic]:
    """Every census of the locality, oldest first: when, how many asked and answered, whether applied."""
    store.get_locality(session, slug)
    return [census_public(session, c) for c in census.censuses(session, slug)]


@router.post("/close", response_model=CensusPublic)
def close_census(slug: str, _: LocalityEditor, session: SessionDep, request: Request) -> CensusPublic:
    """Close the open census (409 when none is open): every link stops working and the audit reads it."""
    c = census.close(session, slug)
    commit_change(request, session, slug)  # the close moved the revision: cached audits renew
    return census_public(session, c)


@router.post("/reissue", response_model=LinkPublic)
def reissue_link(slug: str, body: ReissueBody, _: LocalityEditor, session: SessionDep, request: Request) -> LinkPublic:
    """A new link for one person of the open census; their old link stops working, their answers stay."""
    link = census.reissue(session, slug, body.person)
    session.commit()
    return LinkPublic(person=link.person_id, link=link_url(request, census.respond_path(slug, link.token or "")) or "")


@router.get("/{number}", response_model=CensusStatus)
def census_state(
    slug: str, number: RowNumber, _: LocalityEditor, session: SessionDep, settings: SettingsDep
) -> CensusStatus:
    """A census with its response rate by group and by agency."""
    return census_status(session, census.get(session, slug, number), settings.census_min_respondents)


@router.get("/{number}/links", response_model=list[InvitedPublic])
def census_links(
    slug: str, number: RowNumber, _: LocalityEditor, session: SessionDep, request: Request
) -> list[InvitedPublic]:
    """The people invited, with their personal links (while open) and whether they answered."""
    return invited_public(request, session, census.get(session, slug, number))


@router.get("/{number}/links.csv", responses=CSV, response_class=Response)
def census_links_csv(
    slug: str, number: RowNumber, _: LocalityEditor, session: SessionDep, request: Request
) -> Response:
    """The same as CSV for the co-ordinator's own mail merge (locmap sends no mail)."""
    people = invited_public(request, session, census.get(session, slug, number))
    disposition = {"Content-Disposition": f'attachment; filename="{slug}-census-{number}-links.csv"'}
    return Response(links_csv(people).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=disposition)


@router.get("/{number}/results")
def census_results(
    slug: str, number: RowNumber, _: LocalityEditor, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """A closed census in aggregate: no score from fewer than ``census_min_respondents``; 409 while open."""
    c = closed_census(session, slug, number)
    return census_dict(census.summary(session, c, settings.census_min_respondents))


@router.get("/{number}/corrections", response_model=list[CorrectionPublic])
def census_corrections(slug: str, number: RowNumber, _: LocalityEditor, session: SessionDep) -> list[CorrectionPublic]:
    """The corrections to the map its answers propose (seats left, attendance, hours, missing meetings)."""
    proposed = census.proposed(session, census.get(session, slug, number))
    return [
        CorrectionPublic(id=c.id, kind=c.kind, group=c.group, person=c.person, value=c.value, was=c.was, words=c.words)
        for c in proposed
    ]


@router.post("/{number}/apply", response_model=Applied, status_code=status.HTTP_201_CREATED)
def apply_corrections(
    slug: str, number: RowNumber, body: ApplyBody, principal: LocalityEditor, session: SessionDep, request: Request
) -> Applied:
    """Apply proposed corrections as one change with its history entry (revert it there); 422 for unknown ids."""
    c = census.get(session, slug, number)
    try:
        applied = census.apply(session, slug, principal.name, c, body.corrections)
    except (Conflict, NotFound):
        raise
    except UserError as exc:
        session.rollback()
        raise _unprocessable(exc) from None
    entry = cast(int, c.applied_change)  # set by the apply, read before the commit expires it
    commit_change(request, session, slug)
    return Applied(entry=entry, applied=sorted(x.id for x in applied))
