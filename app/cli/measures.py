"""The ``measures`` command: per-group, per-person and per-agency measures beside the audit, as a tidy table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.app import (
    DbOption,
    SettingsOption,
    cli,
    engine_factory,
    escape,
    out,
    print_json,
    say_skipped,
    settings_from,
    write_atomically,
)
from app.errors import UserError

#: How many people and groups the text summary names, by two-mode betweenness.
TOP = 5


@cli.command()
def measures(
    localities: Annotated[
        list[str],
        typer.Argument(help="Locality files, folders of them, or ids of stored localities.", metavar="PATH_OR_SLUG..."),
    ],
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", metavar="FILE", help="Write every measure as a tidy CSV table ('-' for standard output)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the measures of each locality as JSON.")] = False,
    settings: SettingsOption = None,
    db: DbOption = None,
) -> None:
    """Two-mode degree and betweenness, seats, meeting hours and clusters of meetings, per group, person and agency.

    --csv writes one row per (locality, kind, id, name, measure, value),
    after '#' lines saying where it came from: people by id only, groups
    and agencies named; pandas.read_csv(FILE, comment="#") reads it.
    --json prints {"provenance", "localities": [{"locality", "people",
    "groups", "clusters", ...}]}.  Without either, a summary.  See
    docs/measures.md.
    """
    from analysis.entities import entity_rows, locality_measures, measures_dict, rows_csv
    from analysis.graphs import build_graphs
    from app.formats.provenance import of_documents
    from app.formats.spreadsheets.cells import neutralise
    from app.storage.sources import load_localities

    to_stdout = csv_file is not None and str(csv_file) == "-"
    if to_stdout and as_json:
        raise UserError("--csv - and --json both write to standard output: choose one, or give --csv a file name")
    thresholds = settings_from(settings)
    documents = load_localities(localities, engine_factory(db), on_skip=say_skipped)
    found = [locality_measures(build_graphs(d), thresholds) for d in documents]
    made = of_documents(documents, thresholds)
    if csv_file is not None:
        rows = [row for m in found for row in entity_rows(m)]
        _write(csv_file, rows_csv(rows, comment=made.comment(), text=neutralise))
    if as_json:
        print_json(
            {
                "provenance": made.as_dict(),
                "localities": [{"locality": m.graphs.slug, **measures_dict(m)} for m in found],
            }
        )
    elif not to_stdout:
        for document, m in zip(documents, found, strict=True):
            _print_summary(document, m)
        if csv_file is not None:
            out.print(f"wrote {csv_file}", markup=False)


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomically(path, text)


def _print_summary(document, m) -> None:
    """The clusters by their groups' names, and the people (by id) and groups most between others."""
    names = {g.id: g.name for g in document.groups}
    out.print(f"[bold]{escape(document.locality.name)}[/bold] ({escape(document.locality.id)})")
    out.print(f"  Clusters of meetings that share people ({len(m.clusters)}):", markup=False)
    for c in m.clusters:
        groups = "; ".join(names[g] for g in c.groups)
        out.print(
            f"    {c.number}. {groups}: {len(c.shared_people)} people shared, {c.internal_weight} shared seats "
            f"inside, {c.external_weight} with others; stability {c.stability:.0%}",
            markup=False,
        )
    if not m.clusters:
        out.print("    none: no two groups share people more among themselves than with the rest", markup=False)
    for label, scores, named in (
        ("People", m.betweenness.people, lambda p: p),
        ("Groups", m.betweenness.groups, names.get),
    ):
        top = sorted(((v, k) for k, v in scores.items() if v > 0), key=lambda item: (-item[0], item[1]))[:TOP]
        shown = "; ".join(f"{named(k)} {v:.3f}" for v, k in top) or "none lies between others"
        estimated = " (estimated)" if m.betweenness.estimated else ""
        out.print(f"  {label} most between others, two-mode betweenness{estimated}: {shown}", markup=False)
    out.print()
