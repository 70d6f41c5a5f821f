"""The ``directory`` command: who meets where in a locality, and who sits where by job role, for new staff."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from app.cli.app import DbOption, cli, engine_factory, escape, out, print_json
from app.errors import UserError


@cli.command()
def directory(
    locality: Annotated[
        str, typer.Argument(help="A locality file, or the id of a stored locality.", metavar="PATH_OR_SLUG")
    ],
    role: Annotated[
        str | None,
        typer.Option("--role", metavar="ROLE", help="Only this job role, in any spelling: senco, SENCo, head teacher."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the directory as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Who meets where: each group, what it is for and takes, when it meets, how to bring an item, who sits on it.

    With --role, the people in that job role instead and the meetings they
    attend, with hours a year.  --json prints {"locality", "sections",
    "roles"} ({"locality", "role", "roles"} with --role).
    """
    from analysis.directory import role_directory, role_key, role_label, who_meets_where
    from app.storage.sources import load_locality

    document = load_locality(locality, engine_factory(db))
    entries = role_directory([document], role=role)
    if role is not None and not entries:
        held = sorted({k for e in role_directory([document]) if (k := e.role) is not None})
        raise UserError(
            f"no one in {document.locality.name} has the role {role!r}; roles recorded: {', '.join(held) or 'none'}"
        )
    roles = [
        {"role": e.role, "label": e.label, "people": e.people, "rows": [asdict(r) for r in e.rows]} for e in entries
    ]
    if as_json:
        if role is not None:
            print_json({"locality": document.locality.id, "role": role_key(role), "roles": roles})
        else:
            sections = [asdict(s) for s in who_meets_where(document)]
            print_json({"locality": document.locality.id, "sections": sections, "roles": roles})
    elif role is not None:
        _print_roles(entries)
    else:
        _print_sections(document.locality.name, who_meets_where(document), role_label)


def _hours(hours: float | None) -> str:
    return "hours not recorded" if hours is None else f"{round(hours, 1):g} hours a year"


def _print_sections(name: str, sections, role_label) -> None:
    """Who meets where as text: a heading per section, a paragraph per group."""
    missing = "not recorded"
    out.print(f"[bold]Who meets where: {escape(name)}[/bold]")
    for section in sections:
        out.print(f"\n[bold underline]{escape(section.label)}[/bold underline]")
        for g in section.groups:
            out.print(f"\n[bold]{escape(g.name)}[/bold]" + (" (outside the locality)" if g.external else ""))
            meets = g.meeting_pattern or g.meets or missing
            facts = {
                "For": " ".join((g.purpose or missing).split()),
                "Takes": ", ".join(g.handles) or missing,
                "Meets": meets
                + (f"; next on {g.next_meeting}" if g.next_meeting else "")
                + f"; {_hours(g.hours_per_year)}",
                "Bring an item": g.contact or missing,
            }
            for label, text in facts.items():
                out.print(f"  {label}: {text}", markup=False)
            out.print("  Who sits on it:" + ("" if g.seats else " no one recorded"), markup=False)
            for s in g.seats:
                seat = "" if s.seat_role == "member" else f", {s.seat_role.replace('_', ' ')}"
                out.print(f"    - {s.name} ({role_label(s.role)}{seat})", markup=False)


def _print_roles(entries) -> None:
    """Each role's people and the meetings they attend, one line a meeting."""
    for e in entries:
        out.print(f"[bold]{escape(e.label)}[/bold]: {e.people} {'person' if e.people == 1 else 'people'}")
        for r in e.rows:
            where = f"{r.group_name}: {_hours(r.hours_per_year)}" if r.group else "sits on no group"
            out.print(f"  {r.name} ({r.locality_name}) - {where}", markup=False)
