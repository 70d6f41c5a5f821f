"""``locmap census``: open a member census of a stored locality, list its links, follow it, close it, apply it.

The commands work on the database as the web pages do (:mod:`app.storage.census`);
each is one transaction.  Results leave only in aggregate, with the small
numbers held back, and only once the census is closed (while it is open,
results read before and after one person answers would differ by exactly
that person's ratings).  ``fill`` saves synthetic answers, for the demo and
the benchmark, through the same path as the respondent's page.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.app import DbOption, cli, err, escape, open_engine, out, print_json, write_atomically
from app.errors import UserError

if TYPE_CHECKING:
    from analysis.census import CensusSummary
    from app.storage.census import InvitedPerson
    from models.document import LocalityDocument
    from models.tables import Census

census_cli = typer.Typer(
    help="The member census: personal links for the people on a locality's groups, and their answers.",
    no_args_is_help=True,
)
cli.add_typer(census_cli, name="census")

#: The mail-merge CSV's columns.
LINK_COLUMNS = ("person_id", "name", "agency", "groups", "link")
#: Where the service answers unless --base-url says otherwise (``locmap serve``'s default).
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

SlugArgument = Annotated[str, typer.Argument(help="Id of a stored locality.", metavar="SLUG", show_default=False)]
UserOption = Annotated[
    str | None, typer.Option("--user", metavar="NAME", help="Who is doing this, for the census and the history.")
]
NumberOption = Annotated[
    int | None, typer.Option("--census", metavar="N", min=1, help="An earlier census by number (default: the newest).")
]
BaseUrlOption = Annotated[
    str, typer.Option("--base-url", metavar="URL", help="The service's address, which each link starts with.")
]


def _min_respondents() -> int:
    from app.config import get_settings

    return get_settings().census_min_respondents


def _rate(invited: int, answered: int) -> str:
    return f"{answered} of {invited} answered ({answered / invited:.0%})" if invited else "nobody was asked"


# ---------------------------------------------------------------- open and links


@census_cli.command("open")
def open_(
    slug: SlugArgument,
    days: Annotated[
        float | None,
        typer.Option("--days", min=0.01, max=366, help="Days the links work (default: the setting census_days)."),
    ] = None,
    user: UserOption = None,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    csv_file: Annotated[
        str | None, typer.Option("--csv", metavar="FILE", help="Also write the mail-merge CSV ('-': standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Open a census: one personal link for each person on the locality's groups, then list them.

    Only one census of a locality is open at a time.  locmap sends no mail:
    send each person their link yourself (the CSV is for a mail merge).
    """
    from app.config import get_settings
    from app.storage import census
    from app.storage.db import session_scope

    with session_scope(open_engine(db)) as session:
        opened = census.open_census(session, slug, user, days if days is not None else get_settings().census_days)
        session.flush()
        people = census.invited(session, opened)
        number, expires = opened.number, opened.expires_at
        names = _group_names(session, slug)
    said = f"opened census {number} of {slug}: {len(people)} personal links, working until {expires:%d %B %Y %H:%M} UTC"
    (err if csv_file == "-" else out).print(said, markup=False)  # standard output holds only the CSV
    _show_links(slug, number, None, people, base_url, csv_file, names)


@census_cli.command()
def links(
    slug: SlugArgument,
    number: NumberOption = None,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    csv_file: Annotated[
        str | None, typer.Option("--csv", metavar="FILE", help="Write the mail-merge CSV ('-': standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The printable list of the people asked: name, agency, groups and personal link (personal data)."""
    from app.storage import census
    from app.storage.db import session_scope

    with session_scope(open_engine(db)) as session:
        chosen = census.get(session, slug, number)
        people = census.invited(session, chosen)
        which, closed = chosen.number, chosen.closed_at
        names = _group_names(session, slug)
    _show_links(slug, which, closed, people, base_url, csv_file, names)


def _group_names(session, slug: str) -> dict[str, str]:
    from app.storage import store

    return {g.id: g.name for g in store.export_document(session, slug).groups}


def _show_links(
    slug: str,
    number: int,
    closed,
    people: list[InvitedPerson],
    base_url: str,
    csv_file: str | None,
    names: dict[str, str] | None = None,
) -> None:
    """The links as a table, and as CSV when asked; a closed census has none, which is said."""
    if closed is not None:
        out.print(
            f"census {number} of {slug} closed on {closed:%d %B %Y}: its links no longer work, so none are listed",
            markup=False,
        )
        return
    names = names or {}
    base = base_url.rstrip("/")
    if csv_file is not None:
        text = links_csv(people, base, names)
        if csv_file == "-":
            sys.stdout.write(text)
            return
        write_atomically(Path(csv_file), text)
    _links_table(people, base, names)
    if csv_file is not None:
        out.print(f"wrote {csv_file}", markup=False)


def links_csv(people: list[InvitedPerson], base: str, names: dict[str, str]) -> str:
    """The mail-merge CSV: :data:`LINK_COLUMNS`, one person a line, cells a spreadsheet could run neutralised."""
    from app.formats.spreadsheets.cells import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    for p in people:
        groups = "; ".join(names.get(g, g) for g in p.groups)
        cells = (p.person, p.name, p.agency or "", groups, base + p.path if p.path else "")
        writer.writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def _links_table(people: list[InvitedPerson], base: str, names: dict[str, str]) -> None:
    from rich.table import Table

    table = Table(title_justify="left")
    for column in ("name", "agency", "groups", "link", "answered"):
        table.add_column(column, overflow="fold")
    for p in people:
        link = base + p.path if p.path else "(withdrawn)"
        groups = "; ".join(names.get(g, g) for g in p.groups)
        table.add_row(escape(p.name), escape(p.agency or ""), escape(groups), escape(link), "yes" if p.answered else "")
    out.print(table)


@census_cli.command()
def reissue(
    slug: SlugArgument,
    person: Annotated[str, typer.Argument(help="The person's id.", metavar="PERSON", show_default=False)],
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    db: DbOption = None,
) -> None:
    """A new link for one person of the open census: their old link stops working, their answers stay."""
    from app.storage import census
    from app.storage.db import session_scope

    with session_scope(open_engine(db)) as session:
        link = census.reissue(session, slug, person)
        path = census.respond_path(slug, link.token or "")
    out.print(f"new link for {person}: {base_url.rstrip('/')}{path}", markup=False)


# ---------------------------------------------------------------- status and close


@census_cli.command()
def status(
    slug: SlugArgument,
    number: NumberOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the census as JSON: responses, and once closed its results.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Whether the census is open, its dates and response rate overall, by group and by agency.

    Once it is closed, the results too: per-group scores and the
    advantage/inertia balance, none from fewer respondents than the setting
    census_min_respondents.
    """
    from app.storage import census, store
    from app.storage.db import session_scope

    with session_scope(open_engine(db)) as session:
        chosen = census.get(session, slug, number)
        summary = census.summary(session, chosen, _min_respondents())
        document = store.export_document(session, slug)
        expires = chosen.expires_at
    if as_json:
        print_json(status_dict(summary, document))
        return
    _print_status(slug, summary, document, expires)


def status_dict(summary: CensusSummary, document: LocalityDocument) -> dict:
    """The census as JSON: response counts by group and agency, and (closed) the aggregate results."""
    from analysis.census_findings import census_dict

    agencies = {a.id: a.name for a in document.agencies}
    data = {
        "locality": document.locality.id,
        "open": not summary.closed,
        "response_by_agency": [
            {"agency": a, "name": agencies.get(a, a) if a else None, "invited": n, "answered": m}
            for a, (n, m) in summary.response_by_agency.items()
        ],
    }
    full = census_dict(summary)
    if summary.closed:
        return data | full
    # Open: counts of who answered only, never results (see the module's note).
    keep = ("number", "opened_at", "closed_at", "min_respondents", "invited", "answered")
    groups = {g: {"invited": v["invited"], "answered": v["answered"]} for g, v in full["groups"].items()}
    return data | {k: full[k] for k in keep} | {"groups": groups, "results": "shown once the census is closed"}


def _print_status(slug: str, summary: CensusSummary, document: LocalityDocument, expires) -> None:
    from rich.table import Table

    state = f"closed {summary.closed_at[:10]}" if summary.closed_at else f"open, links work until {expires:%Y-%m-%d}"
    out.print(f"[bold]Census {summary.number} of {escape(document.locality.name)}[/bold] ({slug}): {state}")
    out.print(f"opened {summary.opened_at[:10]}; {_rate(summary.invited, summary.answered)}", markup=False)
    names = {g.id: g.name for g in document.groups}
    k = summary.min_respondents
    table = Table(title="By group", title_justify="left")
    for column in ("group", "invited", "answered", "rate"):
        table.add_column(column, justify="left" if column == "group" else "right")
    if summary.closed:
        for statement in ("purpose", "connections", "acted_on", "worth"):
            table.add_column(f"{statement} holds", justify="right")
    for g in summary.groups.values():
        rate = f"{g.answered / g.invited:.0%}" if g.invited else "–"
        cells = [escape(names.get(g.group, g.group)), str(g.invited), str(g.answered), rate]
        if summary.closed:
            cells += [_holds(g, s, k) for s in ("purpose", "connections", "acted_on", "worth")]
        table.add_row(*cells)
    out.print(table)
    _print_agencies(summary, document)
    if summary.closed:
        _print_balance(summary)
    else:
        out.print("Results are shown once the census is closed (locmap census close).", markup=False)


def _holds(g, statement: str, k: int) -> str:
    """A group's share answering 'mostly' or 'yes, clearly', or why there is none."""
    if not g.shown:
        return f"fewer than {k}"
    t = g.tallies.get(statement)
    return f"{t.holds:.0%} of {t.answers}" if t is not None and t.holds is not None else "–"


def _print_agencies(summary: CensusSummary, document: LocalityDocument) -> None:
    from rich.table import Table

    agencies = {a.id: a.name for a in document.agencies}
    table = Table(title="By agency", title_justify="left")
    for column in ("agency", "invited", "answered", "rate"):
        table.add_column(column, justify="left" if column == "agency" else "right")
    for a, (n, m) in summary.response_by_agency.items():
        name = agencies.get(a, a) if a else "no agency recorded"
        table.add_row(escape(name), str(n), str(m), f"{m / n:.0%}" if n else "–")
    out.print(table)


def _print_balance(summary: CensusSummary) -> None:
    k = summary.min_respondents
    if summary.balance is None:
        out.print(f"Advantage or inertia: fewer than {k} respondents answered, so nothing is shown.", markup=False)
        return
    b = summary.balance
    out.print(
        f"Working across agencies feels like collaborative advantage to {b.advantage:.0%} and inertia to "
        f"{b.inertia:.0%} of {b.answers} respondents (report 5.1).",
        markup=False,
    )


@census_cli.command()
def close(slug: SlugArgument, db: DbOption = None) -> None:
    """Close the open census: every link stops working, and the audit reads its answers."""
    from app.storage import census
    from app.storage.db import session_scope

    with session_scope(open_engine(db)) as session:
        closed = census.close(session, slug)
        facts = census.link_facts(session, closed)
        number = closed.number
    answered = sum(1 for f in facts if f.answered)
    out.print(f"closed census {number} of {slug}: {_rate(len(facts), answered)}", markup=False)


# ---------------------------------------------------------------- corrections


@census_cli.command()
def apply(
    slug: SlugArgument,
    number: NumberOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Apply every proposed correction.")] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", metavar="ID", help="Apply this correction (repeatable).")
    ] = None,
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """The corrections the answers propose to the map; with --yes or --only, apply them as one change.

    Without either, lists them with their ids and changes nothing.  The
    change is one entry in the locality's history, which can be reverted.
    """
    from app.storage import census
    from app.storage.db import session_scope

    if yes and only:
        raise UserError("--yes applies every correction and --only chosen ones: give one of them")
    with session_scope(open_engine(db)) as session:
        chosen = census.get(session, slug, number)
        offered = census.proposed(session, chosen)
        if not (yes or only):
            _list_corrections(slug, chosen.number, offered)
            return
        picked = list(dict.fromkeys(only)) if only else [c.id for c in offered]
        if not picked:
            raise UserError(f"census {chosen.number} of {slug!r} proposes no corrections: there is nothing to apply")
        census.apply(session, slug, user, chosen, picked)
        entry, which = chosen.applied_change, chosen.number
    out.print(f"applied {len(picked)} correction(s) from census {which} as change {entry}", markup=False)
    out.print(
        f"to undo it, revert change {entry} on the locality's history page (/localities/{slug}/history), "
        f"or POST /api/localities/{slug}/history/{entry}/revert",
        markup=False,
    )


def _list_corrections(slug: str, number: int, proposed) -> None:
    if not proposed:
        out.print(f"census {number} of {slug} proposes no corrections to the map", markup=False)
        return
    out.print(f"census {number} of {slug} proposes {len(proposed)} correction(s):", markup=False)
    for c in proposed:
        out.print(f"  {c.id}  {c.words}", markup=False)
    out.print(f"apply them all with: locmap census apply {slug} --yes (or choose with --only ID)", markup=False)


# ---------------------------------------------------------------- synthetic answers


@census_cli.command()
def fill(
    slug: SlugArgument,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same answers.")] = 1,
    rate: Annotated[float, typer.Option("--rate", min=0, max=1, help="Share of the people asked who answer.")] = 0.7,
    answers_file: Annotated[
        Path | None,
        typer.Option("--answers", metavar="FILE", help="Load the answers from a file 'locmap synth --census' wrote."),
    ] = None,
    close_after: Annotated[bool, typer.Option("--close", help="Close the census afterwards.")] = False,
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Fill the open census (opening one if none is) with SYNTHETIC answers, for a demo or a benchmark.

    Nobody gave these answers: they are made up from the locality's structure
    (app.synth.census), or read from a file of such answers.  Never use this
    on a locality whose real members are being asked.
    """
    from app.config import get_settings
    from app.storage import census, store
    from app.storage.db import session_scope

    engine = open_engine(db)
    with session_scope(engine) as session:
        current = census.open_census_of(session, slug)
        opened = current is None
        if current is None:
            current = census.open_census(session, slug, user, get_settings().census_days)
        document = store.export_document(session, slug)
        given = _synthetic(document, slug, seed, rate, answers_file)
        saved = save_all(session, slug, current, document, given)
        number, invited = current.number, len(census.link_facts(session, current))
    said = f"opened census {number} of {slug} and" if opened else f"census {number} of {slug}:"
    out.print(f"{said} saved synthetic answers for {saved} of {invited} people asked", markup=False)
    if close_after:
        with session_scope(engine) as session:
            census.close(session, slug)
        out.print(f"closed census {number} of {slug}", markup=False)


def _synthetic(document: LocalityDocument, slug: str, seed: int, rate: float, path: Path | None) -> dict:
    from app.synth.census import census_answers, read_answers_file

    return read_answers_file(path, slug) if path is not None else census_answers(document, seed, rate)


def save_all(session, slug: str, current: Census, document: LocalityDocument, given: dict) -> int:
    """Save each person's answers through their own link, as their page would; returns how many."""
    from app.storage import census

    tokens = {p.person: p.path.rsplit("/", 1)[1] for p in census.invited(session, current) if p.path}
    groups = {g.id: g.name for g in document.groups}
    for person, answers in given.items():
        if person not in tokens:
            raise UserError(f"{person!r} has no working link in census {current.number} of {slug!r}: nothing saved")
        respondent = census.visit(session, slug, tokens[person])
        try:
            census.save_answers(session, respondent, answers, groups)
        except UserError as exc:
            raise UserError(f"the answers of {person!r}: {exc}; nothing saved") from None
    return len(given)
