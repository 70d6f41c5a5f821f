"""The ``locmap`` command line.

Every command reports problems as plain messages on standard error and exits
non-zero; no Python traceback reaches the user (``LOCMAP_DEBUG=1`` shows one
for unexpected errors, for developers).

The commands live in one module per family, each registering on the one
typer application of :mod:`app.cli.app`: :mod:`~app.cli.files` (validate,
import, export, list, schema), :mod:`~app.cli.audit` (audit, compare, report,
snapshot, diff, map), :mod:`~app.cli.service` (serve, db, backup, restore,
user, keygen), :mod:`~app.cli.synth` and :mod:`~app.cli.census` (the
member census: open, links, status, close, apply, reissue, fill).

This module imports nothing heavy at start: typer, rich and the command
families load in :func:`main`, and ``locmap --version`` is answered before
any of them (``tests/test_startup.py`` holds every command to its imports).
"""

from __future__ import annotations

import gc
import os
import sys

from app import __version__
from app.process import collect_in_batches

#: The family module of each command.  A command loads only its own family,
#: so typer builds a handful of commands, not all twenty; help, and a word
#: that is no command, load them all (``tests/test_startup.py`` checks this
#: table against the commands the families register).
COMMAND_FAMILIES = {
    **dict.fromkeys(("audit", "compare", "report", "snapshot", "diff", "map"), "audit"),
    **dict.fromkeys(("validate", "import", "export", "list", "schema"), "files"),
    **dict.fromkeys(("serve", "db", "backup", "restore", "user", "keygen"), "service"),
    "synth": "synth",
    "directory": "directory",
    "route": "wayfinding",
    "trend": "trend",
    "measures": "measures",
    "census": "census",
}


def register_commands(argv: list[str]) -> None:
    """Import the command family that ``argv`` names, or every family (importing one registers its commands)."""
    command = next((word for word in argv if not word.startswith("-")), None)
    family = COMMAND_FAMILIES.get(command)
    for name in [family] if family else sorted(set(COMMAND_FAMILIES.values())):
        __import__(f"app.cli.{name}")  # the import statement's machinery, which -X importtime reports


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every error into a message and an exit status."""
    # locmap uses no pydantic plugins: without this, pydantic reads the metadata
    # of every installed package to look for some (a few hundredths of a second).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # The analyses multiply sparse matrices, which OpenBLAS does not thread; its idle threads (one per
    # core) spin at start-up, taking a core from the work (a county compare's workers, the server's).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from app.cli.app import cli, close_engines

    register_commands(sys.argv[1:] if argv is None else argv)
    try:
        return _run_cli(cli, argv)
    finally:
        close_engines()


def _run_cli(cli, argv: list[str] | None) -> int:
    import typer
    from typer.exceptions import TyperException

    from app.cli.app import err
    from app.errors import UserError

    try:
        result = cli(args=argv, prog_name="locmap", standalone_mode=False)
    except UserError as exc:
        err.print(f"locmap: {exc}", markup=False)
        return exc.exit_code
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
    except Exception as exc:
        return _unexpected(exc)
    return result if isinstance(result, int) else 0


def _unexpected(exc: Exception) -> int:
    """A bad file or database is the user's to fix; anything else is a bug: say so plainly."""
    if _report_document_error(exc):
        return 1
    problem = _database_problem(exc)
    if problem is not None:
        from app.cli.app import err

        err.print(f"locmap: database error: {problem}", markup=False)
        return 1
    from app.cli.app import err
    from app.config import get_settings

    if get_settings().debug:
        raise exc
    err.print(f"locmap: internal error: {exc.__class__.__name__}: {exc} (set LOCMAP_DEBUG=1 for details)", markup=False)
    return 70


def _report_document_error(exc: Exception) -> bool:
    # Only a command that read a document can raise DocumentError, so start-up need not load pydantic.
    if "models.validation" not in sys.modules:
        return False
    from app.cli.app import report_document_error
    from models.validation import DocumentError

    if not isinstance(exc, DocumentError):
        return False
    report_document_error(exc)
    return True


def _database_problem(exc: Exception) -> str | None:
    # Only a command that loaded sqlalchemy can raise its errors, so start-up need not load it.
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return str(exc.orig)
    if isinstance(exc, SQLAlchemyError):
        return f"{exc.__class__.__name__}: {exc}"
    return None


def run() -> None:  # console script
    """The ``locmap`` console script; ``locmap --version`` answers without loading typer or rich."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"locmap {__version__}\n")
        sys.exit(0)
    collect_in_batches()
    try:
        sys.exit(main())
    finally:
        gc.freeze()  # the process is ending: no full collection at exit of what the system frees anyway
