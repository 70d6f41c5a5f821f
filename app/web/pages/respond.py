"""A respondent's own census page: no sign-in, no JavaScript, readable on a phone.

The personal link's token, in the address, is the only credential: the page
reads no cookie and sets none, and shows only the answers that token finds
(:func:`app.storage.census.answers_of`).  Its form posts back to the same
address; there is no session to forge a request for, so it carries no CSRF
token (the cross-site checks of :class:`app.web.middleware.CrossSiteGuard`
still apply).  Like every page, they go out with ``Referrer-Policy:
same-origin``, so the token never leaves for another site in a ``Referer``;
and with ``Cache-Control: no-store``, so no shared cache keeps them.

A link another locality's, unknown, withdrawn, expired or of a closed
census gets a plain page saying why, with its status (403, 404, 410), and
changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.storage import census
from app.web.deps import SessionDep
from app.web.pages.census import day, run_work
from app.web.pages.rendering import render
from app.web.routing import make_router
from models.census import CensusAnswers, MissingMeeting
from models.vocab import ATTENDANCE_SHARES, BALANCE, STATEMENTS, STEPS

router = make_router(include_in_schema=False)

#: Sent with every answer of these pages: nothing keeps them, nothing indexes them.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
#: Rows for meetings the map does not show the person on (three, so the form needs no script).
MISSING_ROWS = 3
#: Shortest and longest meetings, in hours, as :class:`models.census.SeatAnswer` accepts.
HOURS_RANGE = (0.25, 12.0)
SHARE_VALUES = {f"{share:g}": share for share, _ in ATTENDANCE_SHARES}
STEP_VALUES = {str(value) for value, _, _ in STEPS}
BALANCE_VALUES = {str(value) for value, _ in BALANCE}
#: Where check_answers says a problem is: ``ratings[2]: ...``.
_PLACED = re.compile(r"^(seats|missing|ratings)\[(\d+)\]: (.*)$|^(worry_to): (.*)$")


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


# ---------------------------------------------------------------- reading the form


@dataclass
class Reading:
    """A posted form read: the answers (None if a field could not be read), problems by field, and unplaced ones."""

    answers: CensusAnswers | None = None
    errors: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    #: The field each seat, missing meeting and rating came from, in order, to place later problems.
    places: dict[str, list[str]] = field(default_factory=dict)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _posted_groups(form: Mapping[str, Any], prefix: str) -> list[str]:
    """Group ids named by ``prefix.GROUP.x`` fields, in the order posted (tampered ones included, to be refused)."""
    seen: dict[str, None] = {}
    for key in form:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1]:
            seen.setdefault(parts[1])
    return list(seen)


def _hours(raw: str, group_name: str) -> tuple[float | None, str | None]:
    if not raw:
        return None, None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    low, high = HOURS_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        return None, f"How long the meetings of {group_name} last: give hours from {low:g} to {high:g}, such as 1.5."
    return value, None


def _seats(form, names, reading: Reading) -> list[dict]:
    seats, places = [], []
    for g in _posted_groups(form, "seat"):
        name = names.get(g, g)
        status, share, raw_hours = (_text(form, f"seat.{g}.{part}") for part in ("status", "attendance", "hours"))
        seat: dict[str, Any] = {"group": g}
        if status in ("attend", "left"):
            seat["status"] = status
        elif status:
            reading.errors[f"seat.{g}.status"] = f"{name}: choose “I still attend” or “I have left”."
        if share in SHARE_VALUES:
            seat["attendance"] = SHARE_VALUES[share]
        elif share:
            reading.errors[f"seat.{g}.attendance"] = f"How often you attend {name}: choose one of the answers offered."
        hours, problem = _hours(raw_hours, name)
        if problem:
            reading.errors[f"seat.{g}.hours"] = problem
        elif hours is not None:
            seat["hours"] = hours
        if len(seat) > 1:
            seats.append(seat)
            places.append(f"seat.{g}")
    reading.places["seats"] = places
    return seats


def _ratings(form, names, reading: Reading) -> list[dict]:
    ratings, places = [], []
    for g in _posted_groups(form, "rate"):
        rating: dict[str, Any] = {"group": g}
        for statement, words in STATEMENTS.items():
            raw = _text(form, f"rate.{g}.{statement}")
            if raw in STEP_VALUES:
                rating[statement] = int(raw)
            elif raw:
                reading.errors[f"rate.{g}.{statement}"] = f"{names.get(g, g)}, “{words}”: choose one of the answers."
        if len(rating) > 1:
            ratings.append(rating)
            places.append(f"rate.{g}")
    reading.places["ratings"] = places
    return ratings


def _missing(form, reading: Reading) -> list[dict]:
    rows, places = [], []
    for i in range(MISSING_ROWS):
        group, name = _text(form, f"missing.{i}.group"), _text(form, f"missing.{i}.name")
        if not group and not name:
            continue
        try:
            MissingMeeting.model_validate({"group": group or None, "name": name or None})
        except ValidationError:
            reading.errors[f"missing.{i}"] = (
                "Choose a meeting from the list or describe one that is not listed, not both; "
                "a description is at most 200 characters of plain text."
            )
            continue
        rows.append({"group": group} if group else {"name": name})
        places.append(f"missing.{i}")
    reading.places["missing"] = places
    return rows


def read_form(form: Mapping[str, Any], names: Mapping[str, str]) -> Reading:
    """The respondent's form as :class:`CensusAnswers`, or the problems with it in words, by field.

    Parameters
    ----------
    form : mapping
        The posted fields: ``seat.GROUP.status|attendance|hours``,
        ``rate.GROUP.STATEMENT``, ``missing.N.group|name``, ``balance`` and
        ``worry_to``.  Empty fields are "no answer".
    names : mapping
        The locality's group names by id, for the messages.

    Returns
    -------
    Reading
        ``answers`` is None when any field could not be read; whether the
        answers refer to the respondent's own groups is checked after, by
        :func:`app.storage.census.check_answers`.
    """
    reading = Reading()
    data: dict[str, Any] = {
        "seats": _seats(form, names, reading),
        "missing": _missing(form, reading),
        "ratings": _ratings(form, names, reading),
    }
    balance = _text(form, "balance")
    if balance in BALANCE_VALUES:
        data["balance"] = int(balance)
    elif balance:
        reading.errors["balance"] = "Working across agencies: choose one of the answers offered."
    worry = _text(form, "worry_to")
    if worry:
        data["worry_to"] = worry[:64]
    if reading.errors:
        return reading
    try:
        reading.answers = CensusAnswers.model_validate(data)
    except ValidationError:
        reading.unplaced.append("These answers could not be read: reload the page and answer again.")
    return reading


def place_problems(reading: Reading, problems: list[str]) -> None:
    """Put each problem :func:`app.storage.census.check_answers` found beside its field (else at the top)."""
    for problem in problems:
        found = _PLACED.match(problem)
        if found is None:
            reading.unplaced.append(problem)
        elif found.group(4):
            reading.errors["worry_to"] = found.group(5).capitalize()
        else:
            places = reading.places.get(found.group(1), [])
            index, words = int(found.group(2)), found.group(3).capitalize()
            where = places[index] if index < len(places) else None
            if where is None or where in reading.errors:
                reading.unplaced.append(words)
            else:
                reading.errors[where] = words


# ---------------------------------------------------------------- the page


def prefilled(answers: CensusAnswers) -> dict[str, str]:
    """The form's fields from the answers given so far."""
    values: dict[str, str] = {}
    for seat in answers.seats:
        values[f"seat.{seat.group}.status"] = seat.status or ""
        values[f"seat.{seat.group}.attendance"] = f"{seat.attendance:g}" if seat.attendance is not None else ""
        values[f"seat.{seat.group}.hours"] = f"{seat.hours:g}" if seat.hours is not None else ""
    for rating in answers.ratings:
        for statement, step in rating.steps().items():
            values[f"rate.{rating.group}.{statement}"] = str(step)
    for i, missing in enumerate(answers.missing[:MISSING_ROWS]):
        values[f"missing.{i}.group"] = missing.group or ""
        values[f"missing.{i}.name"] = missing.name or ""
    values["balance"] = str(answers.balance) if answers.balance is not None else ""
    values["worry_to"] = answers.worry_to or ""
    return values


def _as_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


@dataclass(frozen=True)
class GroupLine:
    id: str
    name: str


def page_context(request: Request, respondent: census.Respondent, facts: census.RespondentFacts) -> dict[str, Any]:
    """What the respondent's page shows: their groups, the other groups, the scales and the census's dates."""
    names = facts.groups
    mine = [GroupLine(g, names.get(g, g)) for g in respondent.link.groups]
    return {
        "locality": facts.locality,
        "person": facts.person,
        "mine": mine,
        "others": [GroupLine(g, name) for g, name in names.items() if g not in respondent.link.groups],
        "every_group": [GroupLine(g, name) for g, name in names.items()],
        "until": day(respondent.census.expires_at),
        "k": request.app.state.settings.census_min_respondents,
        "action": census.respond_path(respondent.census.locality, respondent.token),
        "statements": STATEMENTS,
        "steps_options": [(str(value), words) for value, words, _ in STEPS],
        "share_options": [(f"{share:g}", _sentence(words)) for share, words in ATTENDANCE_SHARES],
        "balance_options": [(str(value), _sentence(words)) for value, words in BALANCE],
        "missing_rows": range(MISSING_ROWS),
        "hours_range": HOURS_RANGE,
    }


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _page(request: Request, context: dict, values: dict, status_code: int = 200, **extra) -> Response:
    extra = {"errors": {}, "problems": [], "saved": False, **extra}
    page = render(request, None, "respond.html", status_code, values=values, **context, **extra)
    return _private(page)


def refusal(request: Request, refused: census.CensusRefused) -> Response:
    """The plain page for a link that may not be used, with its status."""
    return _private(render(request, None, "respond_refused.html", refused.status, reason=refused.reason))


@router.get("/localities/{slug}/census/{token}", response_class=HTMLResponse)
def respondent_page(
    slug: str,
    token: str,
    request: Request,
    session: SessionDep,
    saved: Annotated[str | None, Query(max_length=1, pattern="^1$")] = None,
):
    """The respondent's page, holding their own answers so far (or a refusal saying why not)."""
    try:
        respondent = census.visit(session, slug, token)
    except census.CensusRefused as refused:
        return refusal(request, refused)
    values = prefilled(census.answers_of(session, respondent))
    facts = census.respondent_facts(session, respondent)
    return _page(request, page_context(request, respondent, facts), values, saved=bool(saved))


@router.post("/localities/{slug}/census/{token}", response_class=HTMLResponse)
async def save_answers(slug: str, token: str, request: Request):
    """Keep the respondent's answers (replacing earlier ones), or show the form again saying what to put right."""
    form = _as_values(await request.form())

    def work(session: Session):
        try:
            respondent = census.visit(session, slug, token)
        except census.CensusRefused as refused:
            return refusal(request, refused)
        facts = census.respondent_facts(session, respondent)
        reading = read_form(form, facts.groups)
        if reading.answers is not None:
            place_problems(reading, census.check_answers(reading.answers, respondent, facts.groups))
        if reading.answers is None or reading.errors or reading.unplaced:
            session.rollback()
            problems = [*reading.unplaced, *reading.errors.values()]
            context = page_context(request, respondent, facts)
            return _page(request, context, form, 422, errors=reading.errors, problems=problems)
        census.save_answers(session, respondent, reading.answers, facts.groups)
        session.commit()
        return _private(RedirectResponse(f"{census.respond_path(slug, token)}?saved=1", status_code=303))

    return await run_work(request, work)
