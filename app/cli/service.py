"""Commands that run and look after the service: ``serve``, ``db``, ``backup``, ``restore``, ``user``, ``keygen``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from app.cli.app import DbOption, cli, database_url, display_url, open_engine, out
from app.errors import UserError


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Let anonymous visitors read (never write).")] = False,
    no_samples: Annotated[
        bool, typer.Option("--no-samples", help="Do not load the sample localities into an empty database.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (needs a file or server database).")
    ] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            metavar="ADDRESSES",
            help="Reverse proxies (comma-separated addresses or networks, '*' for any) whose "
            "X-Forwarded-For and X-Forwarded-Proto are believed. Off by default: the client is the "
            "connection's peer, so no one can pose as many clients to the sign-in limit.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Start the web service: the pages, the map and the API."""
    import uvicorn

    from app.config import get_settings
    from app.web.main import load_samples_if_empty

    settings = get_settings().model_copy(
        update={"database_url": database_url(db), "demo": demo or get_settings().demo, "load_samples": not no_samples}
    )
    engine = open_engine(db)  # fail here, with a clear message, if the database cannot be used
    if settings.load_samples:
        loaded = load_samples_if_empty(engine)
        if loaded:
            out.print(f"loaded {loaded} sample localities", markup=False)
    engine.dispose()
    _announce(settings, host, port, forwarded_allow_ips)
    proxies = forwarded_allow_ips.strip() if forwarded_allow_ips else ""
    # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS).
    options = {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies, "log_level": "warning"}
    if workers > 1:
        # Each worker builds its own app from the environment; they share one sign-in form key.
        os.environ["LOCMAP_DATABASE_URL"] = settings.database_url
        os.environ["LOCMAP_DEMO"] = "true" if settings.demo else "false"
        os.environ["LOCMAP_LOAD_SAMPLES"] = "false"
        os.environ.setdefault("LOCMAP_SIGNIN_SECRET", secrets.token_hex(32))
        uvicorn.run("app.web.main:create_app", factory=True, host=host, port=port, workers=workers, **options)
    else:
        from app.web.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **options)


def _announce(settings, host: str, port: int, proxies: str | None) -> None:
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    out.print(f"locmap is serving {display_url(settings.database_url)}", markup=False)
    out.print(
        f"open http://{shown}:{port}/ in a browser (API: /api/localities, schema: /api/openapi.json)", markup=False
    )
    if settings.demo:
        out.print("demo mode: anyone may read; sign in to write", markup=False)
    else:
        out.print("sign-in required: create a user with `locmap user add NAME --role admin`", markup=False)
    if proxies:
        out.print(f"believing X-Forwarded-For and X-Forwarded-Proto from {proxies}", markup=False)


db_cli = typer.Typer(help="Manage the database.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@db_cli.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the database migrations (also done on every start of locmap serve)."""
    from app.config import get_settings
    from app.storage.db import make_engine
    from app.storage.migrate import upgrade

    engine = make_engine(database_url(db), busy_timeout=get_settings().sqlite_busy_timeout)
    before, after = upgrade(engine)
    engine.dispose()
    if before == after:
        out.print(f"the database is up to date (revision {after})", markup=False)
    else:
        out.print(f"upgraded the database from {before or 'empty'} to {after}", markup=False)


@cli.command("backup")
def backup_(
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="FILE.db (SQLite copy) or FILE.json.gz (any database).", show_default=False
        ),
    ],
    db: DbOption = None,
) -> None:
    """Write a consistent backup, safe while the service runs."""
    from app.storage.backup import backup

    engine = open_engine(db)
    counts = backup(engine, output)
    engine.dispose()
    out.print(
        f"backed up {counts.get('locality', 0)} localities ({sum(counts.values())} rows) to {output}", markup=False
    )


@cli.command("restore")
def restore_(
    source: Annotated[Path, typer.Argument(help="A backup made by locmap backup.", metavar="FILE")],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace the contents of a database that is not empty (its erasure ledger is kept)."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Restore a backup into a database (empty unless --force), then check its integrity."""
    from app.storage.backup import restore

    engine = open_engine(db)
    counts = restore(engine, source, force=force)
    engine.dispose()
    out.print(
        f"restored {counts.get('locality', 0)} localities ({sum(counts.values())} rows); integrity checked",
        markup=False,
    )


user_cli = typer.Typer(help="Manage the service's users.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")


@user_cli.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (lower-case letters, digits, - and _).")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin.")],
    locality: Annotated[
        list[str] | None,
        typer.Option("--locality", metavar="SLUG", help="A locality an editor may change (repeatable)."),
    ] = None,
    password: Annotated[
        bool,
        typer.Option("--password", help="Also set a password for signing in from a browser (asked for, not echoed)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Create a user and print their API token (shown only this once)."""
    from app.storage import store
    from app.storage.accounts import create_user
    from app.storage.db import session_scope
    from models.document import ID_RE

    if not ID_RE.match(name):
        raise UserError(f"invalid user name {name!r}: use lower-case letters, digits, '-' and '_'")
    secret = None
    if password:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(secret) < 10:
            raise UserError("the password must have at least 10 characters")
    engine = open_engine(db)
    with session_scope(engine) as session:
        for slug in locality or []:
            if not store.locality_exists(session, slug):
                raise UserError(f"no locality {slug!r} is stored")
        _, token = create_user(session, name, role, locality or [], secret)
    out.print(f"created {role} {name}" + (f" for {', '.join(locality)}" if locality else ""), markup=False)
    out.print(f"API token (shown once; send as 'Authorization: Bearer TOKEN'): {token}", markup=False)


@user_cli.command("list")
def user_list(db: DbOption = None) -> None:
    """List users with their roles and localities."""
    from sqlalchemy import select

    from app.storage.accounts import grants_of
    from app.storage.db import session_scope
    from models.tables import User

    engine = open_engine(db)
    with session_scope(engine) as session:
        users = session.execute(select(User).order_by(User.name)).scalars().all()
        rows = [
            (
                u.name,
                u.role,
                "active" if u.active else "revoked",
                ", ".join(grants_of(session, u)),
                bool(u.password_hash),
            )
            for u in users
        ]
    if not rows:
        out.print("no users; add one with: locmap user add NAME --role admin", markup=False)
        return
    from rich.table import Table

    table = Table()
    for column in ("name", "role", "status", "localities", "password"):
        table.add_column(column)
    for name, role, state, slugs, has_password in rows:
        table.add_row(name, role, state, slugs or "-", "yes" if has_password else "no")
    out.print(table)


@user_cli.command("revoke")
def user_revoke(name: Annotated[str, typer.Argument(help="The user to revoke.")], db: DbOption = None) -> None:
    """Deactivate a user and revoke all their tokens and sessions."""
    from app.storage.accounts import revoke_user
    from app.storage.db import session_scope

    engine = open_engine(db)
    with session_scope(engine) as session:
        revoke_user(session, name)
    out.print(f"revoked {name}", markup=False)


@cli.command()
def keygen(
    output: Annotated[Path, typer.Argument(help="Where to write the new key.", metavar="KEY_FILE")],
) -> None:
    """Make a secret key for pseudonymised exports (keep it; the same key gives the same pseudonyms)."""
    from app.formats.pseudonym import new_key

    if output.exists():
        raise UserError(f"{output} already exists: a key is never overwritten")
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_key())
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from None
    out.print(f"wrote a new key to {output} (readable only by you)", markup=False)
