"""The member census for a locality's editors: open, send the links, follow the answers, close, apply.

Every page here needs an editor of the locality (or an admin): the census
page (response rates, results, proposed corrections, earlier censuses), the
printable list of personal links and its CSV, the chart of scores, and the
forms that open and close a census and apply its corrections.  Results come
only through :func:`app.storage.census.summary`, so no figure from fewer
respondents than the setting ``census_min_respondents`` reaches a page.

The respondent's own page is :mod:`app.web.pages.respond`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from analysis import charts
from analysis.census import OTHER_AGENCIES, CensusSummary
from analysis.census_chart import STATEMENT_SHORT, held_back_words, scores_figure
from app.errors import Conflict, UserError
from app.formats.spreadsheets.cells import neutralise
from app.storage import census, edits, store
from app.web import flash
from app.web.changes import commit_change
from app.web.deps import PageEditor, SessionDep
from app.web.pages.rendering import render
from app.web.routing import make_router
from app.web.security import checked_form, csrf_token
from models.tables import Census, utcnow
from models.vocab import STATEMENTS

router = make_router(include_in_schema=False)

#: A census's number in an address.
CensusNumber = Annotated[int, Path(ge=1, le=1_000_000, description="The census's number, as listed.")]
#: Pages holding personal links are never kept by a browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}
#: The chart's formats: how each is rendered and its media type.
CHART_FORMATS = {"svg": (charts.svg_bytes, "image/svg+xml"), "png": (charts.png_bytes, "image/png")}
#: What a worry answer other than a group reads as.
WORRY_WORDS = {"person": "a person, not a meeting", "unsure": "not sure"}


def day(moment: datetime | None) -> str:
    """A date in words: "3 May 2025" (empty for none)."""
    return f"{moment.day} {moment:%B %Y}" if moment is not None else ""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def status_words(c: Census, now: datetime | None = None) -> str:
    """Whether a census is open, expired but not closed, or closed, in words."""
    if c.closed_at is not None:
        return f"closed on {day(c.closed_at)}"
    if (now or utcnow()) >= _aware(c.expires_at):
        return f"open, but its links expired on {day(c.expires_at)}: close it to make its results final"
    return f"open: its links work until {day(c.expires_at)}"


def rate(invited: int, answered: int) -> str:
    """A response rate in words: "12 of 18 (67%)"."""
    return f"{answered} of {invited} ({answered / invited:.0%})" if invited else "nobody was asked"


def share(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"


# ---------------------------------------------------------------- what the census page shows


@dataclass(frozen=True)
class ScoreRow:
    """One group's line of the scores table: its name, and per statement (share, answers), or why none."""

    group: str
    name: str
    scores: tuple[tuple[str, int], ...] | None


@dataclass(frozen=True)
class BalanceRow:
    """The advantage/inertia balance of the locality or one agency."""

    who: str
    answers: int
    advantage: str
    inertia: str


def score_rows(summary: CensusSummary, names: Mapping[str, str]) -> list[ScoreRow]:
    """Every group of the census: its four scores, or None when fewer than the threshold rated it."""
    rows = []
    for g in summary.groups.values():
        scores = None
        if g.shown:
            scores = tuple(
                (share(t.holds), t.answers) if (t := g.tallies.get(s)) else ("no answers", 0) for s in STATEMENTS
            )
        rows.append(ScoreRow(g.group, names.get(g.group, g.group), scores))
    return rows


def balance_rows(summary: CensusSummary, agencies: Mapping[str, str]) -> list[BalanceRow]:
    """The balance by agency (agencies held back pooled as "other agencies")."""
    return [
        BalanceRow(agencies.get(a, a) if a != OTHER_AGENCIES else OTHER_AGENCIES, b.answers, *_sides(b))
        for a, b in summary.balance_by_agency.items()
    ]


def _sides(balance) -> tuple[str, str]:
    return share(balance.advantage), share(balance.inertia)


def response_by_agency(summary: CensusSummary, agencies: Mapping[str, str]) -> list[tuple[str, str]]:
    return [
        (agencies.get(a, a) if a else "no agency recorded", rate(n, m))
        for a, (n, m) in summary.response_by_agency.items()
    ]


def worry_rows(summary: CensusSummary, names: Mapping[str, str]) -> list[tuple[str, int]]:
    """Where respondents take a worry about a child, most named first."""
    counted = sorted(summary.worry_to.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(WORRY_WORDS.get(w, names.get(w, w)), n) for w, n in counted]


def _names(document) -> tuple[dict[str, str], dict[str, str]]:
    return {g.id: g.name for g in document.groups}, {a.id: a.name for a in document.agencies}


def _earlier(session: Session, slug: str, shown: Census | None) -> list[dict]:
    """Every other census of the locality, newest first, with its dates and response rate."""
    out = []
    for c in reversed(census.censuses(session, slug)):
        if shown is not None and c.pk == shown.pk:
            continue
        facts = census.link_facts(session, c)
        out.append(
            {
                "number": c.number,
                "opened": day(c.opened_at),
                "status": status_words(c),
                "rate": rate(len(facts), sum(f.answered for f in facts)),
            }
        )
    return out


def census_context(session: Session, slug: str, k: int, number: int | None) -> dict[str, Any]:
    """What the census page shows of census ``number`` (the newest by default), or of none yet."""
    document = store.export_document(session, slug)
    shown = census.get(session, slug, number) if number is not None else census.latest(session, slug)
    context: dict[str, Any] = {"document": document, "shown": shown, "earlier": _earlier(session, slug, shown)}
    context["open_one"] = census.open_census_of(session, slug)
    if shown is None:
        return context
    summary = census.summary(session, shown, k)
    groups, agencies = _names(document)
    context.update(
        summary=summary,
        status=status_words(shown),
        opened=day(shown.opened_at),
        overall=rate(summary.invited, summary.answered),
        group_response=[(groups.get(g.group, g.group), rate(g.invited, g.answered)) for g in summary.groups.values()],
        agency_response=response_by_agency(summary, agencies),
        scores=score_rows(summary, groups),
        held_back=held_back_words(summary, groups),
        balance=BalanceRow("the locality", summary.balance.answers, *_sides(summary.balance))
        if summary.balance
        else None,
        balance_by_agency=balance_rows(summary, agencies),
        worry=worry_rows(summary, groups),
        corrections=census.proposed(session, shown, document) if summary.answered else [],
        chart=f"/localities/{slug}/census/{shown.number}/chart",
    )
    return context


def _census_page(request: Request, principal, session: Session, slug: str, number: int | None, **extra):
    k = request.app.state.settings.census_min_respondents
    status_code = extra.pop("status_code", 200)
    context = census_context(session, slug, k, number)
    return render(
        request,
        principal,
        "census.html",
        status_code,
        csrf=csrf_token(request),
        k=k,
        days=f"{request.app.state.settings.census_days:g}",
        statements=STATEMENTS,
        short=STATEMENT_SHORT,
        **context,
        **extra,
    )


@router.get("/localities/{slug}/census", response_class=HTMLResponse)
def census_page(
    slug: str,
    request: Request,
    principal: PageEditor,
    session: SessionDep,
    number: Annotated[int | None, Query(alias="census", ge=1, le=1_000_000)] = None,
):
    """The census page: open one, follow its answers, see its results and corrections, earlier ones listed."""
    return _census_page(request, principal, session, slug, number)


# ---------------------------------------------------------------- opening, closing, applying


def _redirect(request: Request, path: str, said: str) -> RedirectResponse:
    response = RedirectResponse(path, status_code=303)
    flash.add(request, response, said)
    return response


@router.post("/localities/{slug}/census", response_class=HTMLResponse)
async def open_census(slug: str, request: Request, principal: PageEditor):
    """Open a census: one personal link for each person on the locality's groups."""
    await checked_form(request)
    days = request.app.state.settings.census_days

    def work(session: Session):
        try:
            opened = census.open_census(session, slug, principal.name, days=days)
        except (Conflict, UserError) as exc:
            session.rollback()
            code = 409 if isinstance(exc, Conflict) else 422
            return _census_page(request, principal, session, slug, None, problem=str(exc), status_code=code)
        count = len(census.link_facts(session, opened))
        number, until = opened.number, day(opened.expires_at)
        commit_change(request, session, slug)
        said = (
            f"Opened census {number}: a personal link for each of the {count} people on the locality's groups, "
            f"working until {until}. Print the list or download it as CSV to send them."
        )
        return _redirect(request, f"/localities/{slug}/census", said)

    return await run_work(request, work)


def _numbered(session: Session, slug: str, number: int) -> Census:
    return census.get(session, slug, number)


@router.get("/localities/{slug}/census/{number}/close", response_class=HTMLResponse)
def confirm_close(slug: str, number: CensusNumber, request: Request, principal: PageEditor, session: SessionDep):
    """Ask before closing, saying what closing does."""
    shown = _numbered(session, slug, number)
    if shown.closed_at is not None:
        raise Conflict(f"census {number} closed on {day(shown.closed_at)} already")
    facts = census.link_facts(session, shown)
    return render(
        request,
        principal,
        "census_close.html",
        document=store.export_document(session, slug),
        shown=shown,
        response=rate(len(facts), sum(f.answered for f in facts)),
        csrf=csrf_token(request),
    )


@router.post("/localities/{slug}/census/{number}/close", response_class=HTMLResponse)
async def close_census(slug: str, number: CensusNumber, request: Request, principal: PageEditor):
    """Close the open census: every link stops working and its results are final."""
    await checked_form(request)

    def work(session: Session):
        shown = _numbered(session, slug, number)
        if shown.closed_at is not None:
            raise Conflict(f"census {number} closed on {day(shown.closed_at)} already")
        census.close(session, slug)
        commit_change(request, session, slug)
        said = f"Closed census {number}: every personal link has stopped working, and its results are final."
        return _redirect(request, f"/localities/{slug}/census?census={number}", said)

    return await run_work(request, work)


@router.post("/localities/{slug}/census/{number}/apply", response_class=HTMLResponse)
async def apply_corrections(slug: str, number: CensusNumber, request: Request, principal: PageEditor):
    """Apply the ticked corrections as one change, then show the history (where it can be reverted)."""
    form = await checked_form(request)
    chosen = _as_list(form.get("chosen"))

    def work(session: Session):
        shown = _numbered(session, slug, number)
        try:
            census.apply(session, slug, principal.name, shown, chosen)
        except UserError as exc:
            session.rollback()
            return _census_page(request, principal, session, slug, number, apply_problem=str(exc), status_code=422)
        commit_change(request, session, slug)
        entry = newest_change(session, slug)
        said = (
            f"Applied {_counted(len(chosen), 'correction')} from census {number} as change {entry}, "
            "which can be reverted from this history."
        )
        return _redirect(request, f"/localities/{slug}/history", said)

    return await run_work(request, work)


def newest_change(session: Session, slug: str) -> int | None:
    """The number of the locality's newest history entry."""
    newest = edits.history(session, slug, 1)
    return newest[0].pk if newest else None


def _counted(n: int, one: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {one}s"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


async def run_work(request: Request, work):
    """Run database work in the thread pool with its own session (forms are read asynchronously)."""

    def call():
        with Session(request.app.state.engine) as session:
            return work(session)

    return await run_in_threadpool(call)


# ---------------------------------------------------------------- the links, printable and as CSV


@dataclass(frozen=True)
class LinkLine:
    name: str
    agency: str
    groups: str
    url: str | None
    answered: bool


def link_lines(request: Request, session: Session, shown: Census) -> list[LinkLine]:
    """Each invited person with their agency, groups (by name) and full link (None once closed or withdrawn)."""
    groups = _names(store.export_document(session, shown.locality))[0]
    base = str(request.base_url).rstrip("/")
    return [
        LinkLine(
            p.name,
            p.agency or "",
            ", ".join(groups.get(g, g) for g in p.groups),
            base + p.path if p.path else None,
            p.answered,
        )
        for p in census.invited(session, shown)
    ]


@router.get("/localities/{slug}/census/{number}/links", response_class=HTMLResponse)
def links_page(slug: str, number: CensusNumber, request: Request, principal: PageEditor, session: SessionDep):
    """The printable list of personal links: name, agency, groups and the link itself."""
    shown = _numbered(session, slug, number)
    page = render(
        request,
        principal,
        "census_links.html",
        document=store.export_document(session, slug),
        shown=shown,
        status=status_words(shown),
        lines=link_lines(request, session, shown),
    )
    page.headers.update(PRIVATE)
    return page


LINK_COLUMNS = ("name", "agency", "groups", "link", "answered")


def links_csv(lines: Sequence[LinkLine]) -> str:
    """The links as CSV for a mail merge; every text cell neutralised so no spreadsheet runs it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LINK_COLUMNS)
    for line in lines:
        cells = (line.name, line.agency, line.groups, line.url or "", "yes" if line.answered else "no")
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


@router.get("/localities/{slug}/census/{number}/links.csv", response_class=Response)
def links_csv_download(slug: str, number: CensusNumber, request: Request, _: PageEditor, session: SessionDep):
    shown = _numbered(session, slug, number)
    body = links_csv(link_lines(request, session, shown))
    disposition = f'attachment; filename="{slug}-census-{number}-links.csv"'
    headers = {**PRIVATE, "Content-Disposition": disposition}
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)


# ---------------------------------------------------------------- the chart


@router.get("/localities/{slug}/census/{number}/chart.svg", response_class=Response)
@router.get("/localities/{slug}/census/{number}/chart.png", response_class=Response)
def census_chart(slug: str, number: CensusNumber, request: Request, _: PageEditor, session: SessionDep) -> Response:
    """The scores as a bar chart (groups below the threshold are named, never drawn)."""
    kind = request.url.path.rsplit(".", 1)[1]
    render_bytes, media = CHART_FORMATS[kind]
    shown = _numbered(session, slug, number)
    document = store.export_document(session, slug)
    summary = census.summary(session, shown, request.app.state.settings.census_min_respondents)
    title = f"Member census {number} of {document.locality.name}"
    figure = scores_figure(summary, _names(document)[0], title)
    said = f"Census {number}, {status_words(shown).split(':')[0]}: {rate(summary.invited, summary.answered)} answered."
    footer = " ".join(filter(None, [said, held_back_words(summary, _names(document)[0])]))
    body = render_bytes(charts.add_footer(figure, footer))
    headers = {"Content-Disposition": f'inline; filename="{slug}-census-{number}.{kind}"', "Cache-Control": "no-cache"}
    return Response(body, media_type=media, headers=headers)


# ---------------------------------------------------------------- the locality page's headline


def headline(read: dict | None) -> str | None:
    """The census the audit read (``Audit.census``: the newest closed one) in one sentence, or None."""
    if read is None:
        return None
    closed = datetime.fromisoformat(read["closed_at"])
    said = (
        f"Member census {read['number']}, closed on {day(closed)}: {rate(read['invited'], read['answered'])} answered."
    )
    if (balance := read["balance"]) is not None:
        said += (
            f" {share(balance['advantage'])} say working across agencies here mostly feels like "
            f"collaborative advantage, {share(balance['inertia'])} collaborative inertia."
        )
    return said
