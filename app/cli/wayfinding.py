"""Commands that help someone find their way in a locality: ``route``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.app import DbOption, cli, engine_factory, escape, out, print_json
from app.errors import NotFound, UserError

if TYPE_CHECKING:
    from analysis.routes import ConcernRoute, RouteStep
    from models.document import LocalityDocument


@cli.command()
def route(
    locality: Annotated[
        str,
        typer.Argument(
            help="A locality file, the id of a stored locality, or a sample locality's id (thame).",
            metavar="PATH_OR_SLUG",
        ),
    ],
    start: Annotated[
        str,
        typer.Option(
            "--from", metavar="SCHOOL_OR_GROUP", help="Where the worry is raised: a school or a group, by id or name."
        ),
    ],
    concern: Annotated[
        str,
        typer.Option("--concern", metavar="KIND", help="The kind of worry: behaviour, emotional, attendance, ..."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Where does a worry about a child go?  The path of groups it travels, or the gap.

    Each group is described by what it is for, who sits on it (by role), how
    often it meets and how to bring an item.  A route ending at a group that
    does not say what it handles is marked as inferred.
    """
    from analysis.graphs import build_graphs
    from analysis.routes import RouteQuestionError, concern_route

    graphs = build_graphs(_load(locality, db))
    try:
        answer = concern_route(graphs, start, concern)
    except RouteQuestionError as exc:
        option = "--from" if exc.field == "from" else "--concern"
        raise UserError(f"{option} {exc.message}") from None
    if as_json:
        print_json(answer.as_dict())
    else:
        _print_route(answer)


def _load(ref: str, db: str | None) -> LocalityDocument:
    """A file or stored locality, as ``locmap audit`` reads it; else the sample locality of that id."""
    from app.samples import SAMPLE_SLUGS, samples_dir
    from app.storage.sources import load_locality, looks_like_path, read_file

    try:
        return load_locality(ref, engine_factory(db))
    except NotFound:
        if looks_like_path(ref) or ref not in SAMPLE_SLUGS:
            raise
    return read_file(samples_dir() / f"{ref}.yaml")


def _print_step(number: int, step: RouteStep) -> None:
    out.print(f"{number}. [bold]{escape(step.name)}[/bold] ({escape(step.type_words)}): {escape(step.arrives)}")
    facts = [
        ("for", step.purpose),
        ("who sits on it", step.members_in_words),
        ("meets", step.meets_in_words),
        ("when", step.meeting_pattern),
        ("next meeting", step.next_meeting),
        ("to bring an item", step.contact or "not recorded"),
        ("takes", step.takes_in_words),
    ]
    for label, value in facts:
        if value:
            out.print(f"   {label}: {escape(' '.join(value.split()))}")


def _print_route(answer: ConcernRoute) -> None:
    out.print(f"[bold]{escape(answer.concern_words)}[/bold], raised at {escape(answer.start_name)}:")
    for n, found in enumerate(answer.routes, 1):
        heading = "Route" if len(answer.routes) == 1 else f"Route {n}"
        out.print(f"\n{heading}{' (inferred)' if found.inferred else ''}:")
        for i, step in enumerate(found.steps, 1):
            _print_step(i, step)
    if answer.gap is not None:
        out.print(f"\n[bold]{escape(answer.gap.message)}[/bold]")
        if answer.gap.finding_code:
            out.print(f"The audit's finding {answer.gap.finding_code}: {escape(answer.gap.finding_message or '')}")
        out.print(escape(answer.gap.fact))
    if answer.cannot_tell:
        out.print(f"\n{escape(answer.cannot_tell)}")
