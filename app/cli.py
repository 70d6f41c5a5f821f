"""The ``locmap`` command line.

Every command reports problems as plain messages on standard error and exits
non-zero; no Python traceback reaches the user (``LOCMAP_DEBUG=1`` shows one
for unexpected errors, for developers).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.exceptions import TyperException
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from models.document import json_schema
from models.validation import DocumentError, dump_document, load_path

from . import __version__
from .config import get_settings
from .db import create_schema, make_engine, session_scope
from .errors import UserError
from . import store
from .samples import sample_paths

cli = typer.Typer(
    name="locmap",
    help="Map and audit the communication systems of children's-services localities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    out = Console(highlight=False, soft_wrap=True, width=200)  # pipes and files: don't truncate table cells
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (default: $LOCMAP_DATABASE_URL, else a SQLite file in the user data directory).",
    ),
]


def database_url(db: str | None) -> str:
    return db or get_settings().resolved_database_url()


def open_engine(db: str | None):
    settings = get_settings()
    engine = make_engine(database_url(db), busy_timeout=settings.sqlite_busy_timeout)
    create_schema(engine)
    return engine


def _version(value: bool) -> None:
    if value:
        out.print(f"locmap {__version__}")
        raise typer.Exit()


@cli.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Map and audit the communication systems of children's-services localities."""


def _report_document_error(exc: DocumentError) -> None:
    for line in exc.lines():
        err.print(line, markup=False)


@cli.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="locmap/1 files (.yaml, .yml or .json).", show_default=False, metavar="PATH...")],
) -> None:
    """Check locality files; exit 0 only when every file is valid."""
    failed = 0
    for path in paths:
        try:
            document = load_path(path)
        except DocumentError as exc:
            failed += 1
            _report_document_error(exc)
            continue
        out.print(
            f"{path}: valid ({len(document.groups)} groups, {len(document.people)} people, "
            f"{len(document.agencies)} agencies, {len(document.links)} links)",
            markup=False,
        )
    if failed:
        err.print(f"{failed} of {len(paths)} file(s) invalid", markup=False)
        raise typer.Exit(1)


@cli.command("import")
def import_(
    paths: Annotated[
        Optional[list[Path]], typer.Argument(help="locmap/1 files to store.", show_default=False, metavar="[PATH...]")
    ] = None,
    samples: Annotated[
        bool, typer.Option("--samples", help="Also import the six Oxfordshire sample localities.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Validate locality files, then store them all in one transaction.

    Nothing is written unless every file is valid.  Re-importing a locality
    replaces the stored one.
    """
    paths = list(paths or [])
    if samples:
        paths += sample_paths()
    if not paths:
        raise UserError("nothing to import: give locality files, or --samples")
    documents, problems = [], 0
    for path in paths:
        try:
            documents.append((path, load_path(path)))
        except DocumentError as exc:
            problems += 1
            _report_document_error(exc)
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
    engine = open_engine(db)
    with session_scope(engine) as session:
        for _, document in documents:
            store.import_document(session, document)
    for path, document in documents:
        out.print(
            f"imported {document.locality.id} ({document.locality.name}) from {path}: "
            f"{len(document.groups)} groups, {len(document.people)} people",
            markup=False,
        )


@cli.command()
def export(
    slug: Annotated[str, typer.Argument(help="Id of a stored locality.", show_default=False)],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write; .yaml, .yml or .json.", show_default=False)
    ],
    db: DbOption = None,
) -> None:
    """Write a stored locality as a locmap/1 file."""
    suffix = output.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise UserError(f"{output}: unsupported extension {output.suffix or '(none)'!r}; use .yaml, .yml or .json")
    engine = open_engine(db)
    with session_scope(engine) as session:
        document = store.export_document(session, slug)
    text = dump_document(document, suffix)
    _write_atomically(output, text)
    out.print(f"exported {slug} to {output}", markup=False)


@cli.command("list")
def list_(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the stored localities with their counts."""
    engine = open_engine(db)
    with session_scope(engine) as session:
        rows = store.list_localities(session)
    if as_json:
        out.print_json(json.dumps([{**row.__dict__, "updated_at": row.updated_at.isoformat()} for row in rows]))
        return
    if not rows:
        out.print("no localities stored; add some with: locmap import FILE.yaml", markup=False)
        return
    table = Table(title=f"Localities in {_display_url(database_url(db))}", title_justify="left")
    for name in ("id", "name", "boundary", "groups", "people", "agencies", "links", "memberships"):
        table.add_column(name, justify="right" if name in ("groups", "people", "agencies", "links", "memberships") else "left")
    for row in rows:
        table.add_row(
            row.id, row.name, row.boundary, str(row.groups), str(row.people), str(row.agencies), str(row.links), str(row.memberships)
        )
    out.print(table)


@cli.command()
def schema(
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Print the JSON Schema of the locmap/1 format."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(output, text)


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file so a failure never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every error into a message and an exit status."""
    try:
        result = cli(args=argv, prog_name="locmap", standalone_mode=False)
    except UserError as exc:
        err.print(f"locmap: {exc}", markup=False)
        return exc.exit_code
    except DocumentError as exc:
        _report_document_error(exc)
        return 1
    except OperationalError as exc:
        err.print(f"locmap: database error: {exc.orig}", markup=False)
        return 1
    except SQLAlchemyError as exc:
        err.print(f"locmap: database error: {exc.__class__.__name__}: {exc}", markup=False)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted", markup=False)
        return 130
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    except TyperException as exc:  # usage errors: unknown option, missing argument, ...
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            err.print(f"locmap: {exc}", markup=False)
        return getattr(exc, "exit_code", 2)
    except Exception as exc:  # a bug: say so plainly
        if get_settings().debug:
            raise
        err.print(f"locmap: internal error: {exc.__class__.__name__}: {exc} (set LOCMAP_DEBUG=1 for details)", markup=False)
        return 70
    return result if isinstance(result, int) else 0


def run() -> None:  # console script
    sys.exit(main())


if __name__ == "__main__":
    run()
