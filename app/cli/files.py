"""Commands on locality files: ``validate``, ``import``, ``export``, ``list`` and ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.app import (
    DbOption,
    cli,
    database_url,
    display_url,
    err,
    open_engine,
    out,
    print_json,
    progress,
    report_document_error,
    say_skipped,
    write_atomically,
)
from app.errors import UserError

#: Columns of ``locmap list``, the counts right-aligned.
_LIST_COLUMNS = ("id", "name", "boundary", "local groups", "outside", "people", "agencies", "links", "memberships")
_COUNT_COLUMNS = _LIST_COLUMNS[3:]

#: What ``locmap list`` counts, in the words the pages and the audit use (:mod:`analysis.counts`).
_LIST_NOTE = (
    "local groups: the locality's own; outside: groups outside the locality (such as the county's centre), "
    "which the audit's figures leave out; people: on groups; agencies: on local groups; "
    "'of N': N in the file."
)


@cli.command()
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="locmap/1 files (.yaml, .yml or .json), or folders of them.", show_default=False, metavar="PATH..."
        ),
    ],
) -> None:
    """Check locality files; exit 0 only when every file is valid.

    A folder stands for every .yaml, .yml and .json file in it, sorted by name;
    those without 'format: locmap/1' are skipped with a word on standard error.
    """
    from app.storage.sources import NotALocality, expand_folders, read_file
    from models.validation import DocumentError, school_warnings

    refs = expand_folders(paths)
    failed = checked = 0
    for ref in progress(refs, "validating"):
        path = Path(ref.text)
        try:
            document = read_file(path, in_folder=ref.in_folder)
        except NotALocality as skip:
            say_skipped(skip)
            continue
        except DocumentError as exc:
            failed, checked = failed + 1, checked + 1
            report_document_error(exc)
            continue
        checked += 1
        out.print(
            f"{path}: valid ({len(document.groups)} groups, {len(document.people)} people, "
            f"{len(document.agencies)} agencies, {len(document.links)} links)",
            markup=False,
        )
        for warning in school_warnings(document):
            err.print(f"{path}: warning: {warning}", markup=False)
    if failed:
        err.print(f"{failed} of {checked} file(s) invalid", markup=False)
        raise typer.Exit(1)
    if not checked:
        raise UserError("no locality documents to check")


@cli.command("import")
def import_(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="locmap/1 files (.yaml, .json), folders of them, or spreadsheets (.xlsx, .zip of CSVs).",
            show_default=False,
            metavar="[PATH...]",
        ),
    ] = None,
    samples: Annotated[
        bool, typer.Option("--samples", help="Also import the six Oxfordshire sample localities.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Validate locality files, then store them all in one transaction.

    Nothing is written unless every file is valid.  Re-importing a locality
    replaces the stored one.  A folder stands for every .yaml, .yml and .json
    file in it, sorted by name; those without 'format: locmap/1' are skipped
    with a word on standard error.
    """
    from app.samples import sample_paths
    from app.storage import store
    from app.storage.db import session_scope

    paths = list(paths or [])
    if samples:
        paths += sample_paths()
    if not paths:
        raise UserError("nothing to import: give locality files, or --samples")
    documents = _read_all(paths)
    engine = open_engine(db)
    with session_scope(engine) as session:
        for _, document in progress(documents, "importing"):
            store.import_document(session, document)
    for path, document in documents:
        out.print(
            f"imported {document.locality.id} ({document.locality.name}) from {path}: "
            f"{len(document.groups)} groups, {len(document.people)} people",
            markup=False,
        )


def _read_all(paths: list[Path]) -> list:
    """Every file read and checked, with each problem reported; exits before storing anything if there is one."""
    from app.storage.sources import NotALocality, expand_folders
    from models.validation import DocumentError

    documents, problems = [], 0
    for ref in progress(expand_folders(paths), "reading"):
        path = Path(ref.text)
        try:
            documents.append((path, _read_one(path, ref.in_folder)))
        except NotALocality as skip:
            say_skipped(skip)
        except DocumentError as exc:
            problems += 1
            report_document_error(exc)
    if not documents and not problems:
        raise UserError("nothing to import: no locality documents found")
    seen: dict[str, Path] = {}
    for path, document in documents:
        slug = document.locality.id
        if slug in seen:
            problems += 1
            err.print(f"{path}: locality id {slug!r} is also in {seen[slug]}", markup=False)
        seen[slug] = path
    if problems:
        err.print("nothing imported", markup=False)
        raise typer.Exit(1)
    return documents


def _read_one(path: Path, in_folder: bool):
    """One locality file or spreadsheet, read and checked."""
    from app.storage.sources import read_file
    from models.validation import read_document_bytes

    if path.suffix.lower() not in (".xlsx", ".zip"):
        return read_file(path, in_folder=in_folder)
    from app.formats.exchange import read

    # Bounded like a locality file: an oversized spreadsheet is refused before it is read.
    return read(read_document_bytes(path), path.suffix, str(path))


@cli.command()
def export(
    slug: Annotated[str, typer.Argument(help="Id of a stored locality.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="File to write: .yaml, .json, .xlsx, .zip (CSV files), .gexf or .graphml.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="yaml, json, xlsx, zip, gexf, graphml or kumu (default: from the file's extension)."
        ),
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="New ids in a keyed order, names taken out of free text, (role, agency) held by at least K people.",
        ),
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            metavar="KEY",
            help="Secret key for --pseudonymise: the same key gives the same export (default: a random key).",
        ),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k", metavar="K", help="For --pseudonymise: fewest people sharing a (role, agency) (default 3)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a stored locality as a locmap/1 file, a spreadsheet, or a graph for Gephi, Cytoscape or Kumu.

    With --pseudonymise and a closed member census, its aggregates (under the
    same pseudonyms, small numbers held back) go beside, in FILE.census-aggregates.json.
    """
    from app.formats.exchange import format_for, render
    from app.storage import store
    from app.storage.db import session_scope

    chosen = format_for(output.suffix, fmt)
    key = None
    if not pseudonymise and (key_file is not None or k is not None):
        raise UserError(f"{'--key-file' if key_file is not None else '--k'} needs --pseudonymise")
    if k is not None and k < 1:
        raise UserError(f"--k must be at least 1, not {k}")
    if key_file is not None:
        from app.formats.pseudonym import load_key

        try:
            key = load_key(key_file)
        except (ValueError, OSError) as exc:
            raise UserError(f"{key_file}: {exc}") from None
    engine = open_engine(db)
    with session_scope(engine) as session:
        document = store.export_document(session, slug)
        revision = store.get_locality(session, slug).revision
        held = _stored_census(session, slug) if pseudonymise else None
    aggregates = None
    if pseudonymise:
        from app.formats.pseudonym import DEFAULT_K, pseudonymise_export

        export = pseudonymise_export(document, key, DEFAULT_K if k is None else k, census=held)
        document, aggregates = export.document, export.census
    from app.formats.provenance import provenance, source_of

    # The source's hash is of what is written: a pseudonymised export's, never the original's.
    write_atomically(output, render(document, chosen, provenance([source_of(document, revision=revision)])))
    note = " (pseudonymised)" if pseudonymise else ""
    out.print(f"exported {slug} to {output} as {chosen}{note}", markup=False)
    if aggregates is not None:
        beside = output.with_name(f"{output.stem}.census-aggregates.json")
        write_atomically(beside, json.dumps(aggregates, indent=2, ensure_ascii=False) + "\n")
        out.print(f"wrote the member census's aggregates (pseudonymised) to {beside}", markup=False)


def _stored_census(session, slug: str):
    """The newest closed census in aggregate, for a pseudonymised export (small numbers held back)."""
    from app.cli.batch import stored_census

    return stored_census(session, slug)


@cli.command("list")
def list_(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the stored localities with their counts, counted as the pages and the audit count them."""
    from analysis.counts import locality_counts
    from app.storage import store
    from app.storage.db import session_scope

    engine = open_engine(db)
    with session_scope(engine) as session:
        rows = [
            (row, locality_counts(store.export_document(session, row.id))) for row in store.list_localities(session)
        ]
    if as_json:
        print_json(
            [{**row.__dict__, **counts.as_dict(), "updated_at": row.updated_at.isoformat()} for row, counts in rows]
        )
        return
    if not rows:
        out.print("no localities stored; add some with: locmap import FILE.yaml", markup=False)
        return
    from rich.table import Table

    table = Table(title=f"Localities in {display_url(database_url(db))}", title_justify="left")
    for name in _LIST_COLUMNS:
        table.add_column(name, justify="right" if name in _COUNT_COLUMNS else "left")
    for row, c in rows:
        people = _of(c.people_in_groups, c.people)
        agencies = _of(c.agencies_in_groups, c.agencies)
        figures = (c.local_groups, c.external_groups, people, agencies, c.links, c.memberships)
        table.add_row(row.id, row.name, row.boundary, *map(str, figures))
    out.print(table)
    out.print(_LIST_NOTE, markup=False)


def _of(part: int, whole: int) -> str:
    """``8 of 9`` where a figure leaves some of the file out; the figure alone where it does not."""
    return str(part) if part == whole else f"{part} of {whole}"


@cli.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the JSON Schema of the locmap/1 format."""
    from models.document import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, text)
