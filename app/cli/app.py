"""The one typer application every command registers on, and what the commands share.

This module stays light: commands that read files load nothing of the
database, the web service or the charts, so everything heavy is imported
inside the function that needs it (``tests/test_startup.py`` checks).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app import __version__
from app.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rich.console import Console
    from sqlalchemy.engine import Engine

    from analysis.settings import AuditSettings
    from models.validation import DocumentError

cli = typer.Typer(
    name="locmap",
    help="Map and audit the communication systems of children's-services localities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Console:
    """A rich console made on first use: a command that prints only JSON never loads rich (about 40 ms)."""

    def __init__(self, stderr: bool):
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console

            console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
            if not self._stderr and not console.is_terminal:
                console = Console(highlight=False, soft_wrap=True, width=200)  # pipes and files: don't truncate cells
            self._console = console
        return getattr(self._console, name)


out = _Console(stderr=False)
err = _Console(stderr=True)


def escape(text: str) -> str:
    """``text`` with rich markup escaped, for printing through :data:`out` or :data:`err`."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (default: $LOCMAP_DATABASE_URL, else a SQLite file in the user data directory).",
    ),
]

SettingsOption = Annotated[list[str] | None, typer.Option("--set", metavar="NAME=VALUE", help="Change a threshold.")]


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


def database_url(db: str | None) -> str:
    """The database to use: ``--db``, else the configured one."""
    from app.config import get_settings  # pydantic-settings: loaded only by commands that use a database

    return db or get_settings().resolved_database_url()


#: The engines this command opened, closed when it ends (:func:`close_engines`).
_OPENED: list[Engine] = []


def open_engine(db: str | None) -> Engine:
    """An engine on the chosen database, with the schema created; closed when the command ends."""
    from app.config import get_settings
    from app.storage.db import create_schema, make_engine

    engine = make_engine(database_url(db), busy_timeout=get_settings().sqlite_busy_timeout)
    _OPENED.append(engine)
    create_schema(engine)
    return engine


def close_engines() -> None:
    """Close the connections of every engine the command opened (SQLite folds its write-ahead log back in).

    Done when the command ends rather than left to the garbage collector at
    exit, which the console script skips (:func:`app.cli.run`).
    """
    while _OPENED:
        _OPENED.pop().dispose()


def engine_factory(db: str | None):
    """Open the database only if a stored locality is asked for (a file needs none)."""
    return lambda: open_engine(db)


def display_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def settings_from(assignments: list[str] | None) -> AuditSettings:
    """Audit settings from ``--set NAME=VALUE`` options."""
    from analysis.settings import AuditSettings

    values = {}
    for text in assignments or []:
        try:
            name, value = AuditSettings.parse_assignment(text)
        except ValueError as exc:
            raise UserError(f"--set {text}: {exc}") from None
        values[name] = value
    return AuditSettings(**values)


def say_skipped(skip) -> None:
    """One line on standard error for a file in a folder that is not a locality document."""
    err.print(f"locmap: {skip}", markup=False)


def report_document_error(exc: DocumentError) -> None:
    """Print every problem of a file, one a line."""
    for line in exc.lines():
        err.print(line, markup=False)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write through a temporary file so a failure never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON on standard output, as ``Console.print_json`` would, without re-parsing it.

    A county audit is megabytes of JSON: rich would parse the text again and
    lay it out token by token, most of a second on a large locality.
    """
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def progress(items: Iterable, description: str, total: int | None = None) -> Iterator:
    """Yield ``items``, with a progress bar on standard error when it is a terminal.

    Scripts, pipes and tests see nothing: their standard error stays clean.
    """
    if not err.is_terminal:
        yield from items
        return
    from rich.progress import track

    yield from track(items, description=description, total=total, console=err, transient=True)
