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
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from typer.exceptions import TyperException

from analysis.audit import audit as run_audit
from analysis.settings import AuditSettings
from analysis.whatif import apply_patch, what_if
from app import __version__
from app.config import get_settings
from app.errors import UserError
from app.samples import sample_paths
from app.storage import store
from app.storage.db import create_schema, make_engine, session_scope
from app.storage.sources import load_localities, load_locality, load_version
from models.document import json_schema
from models.validation import DocumentError, Problem, load_path, parse_text

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
    str | None,
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
    paths: Annotated[
        list[Path], typer.Argument(help="locmap/1 files (.yaml, .yml or .json).", show_default=False, metavar="PATH...")
    ],
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
        list[Path] | None,
        typer.Argument(
            help="locmap/1 files (.yaml, .json) or spreadsheets (.xlsx, .zip of CSVs).",
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
    replaces the stored one.
    """
    from app.formats.exchange import read

    paths = list(paths or [])
    if samples:
        paths += sample_paths()
    if not paths:
        raise UserError("nothing to import: give locality files, or --samples")
    documents, problems = [], 0
    for path in paths:
        try:
            if path.suffix.lower() in (".xlsx", ".zip"):
                try:
                    content = path.read_bytes()
                except OSError as exc:
                    raise DocumentError([Problem("", f"cannot read: {exc.strerror}")], str(path)) from None
                documents.append((path, read(content, path.suffix, str(path))))
            else:
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
        typer.Option("--pseudonymise", help="Replace people's names and ids with keyed pseudonyms; drop free text."),
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", metavar="K", help="Secret key for --pseudonymise (make one with locmap keygen)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a stored locality as a locmap/1 file, a spreadsheet, or a graph for Gephi, Cytoscape or Kumu."""
    from app.formats.exchange import format_for, render

    chosen = format_for(output.suffix, fmt)
    key = None
    if pseudonymise or key_file is not None:
        if not (pseudonymise and key_file is not None):
            raise UserError("--pseudonymise and --key-file go together")
        from app.formats.pseudonym import load_key

        try:
            key = load_key(key_file)
        except (ValueError, OSError) as exc:
            raise UserError(f"{key_file}: {exc}") from None
    engine = open_engine(db)
    with session_scope(engine) as session:
        document = store.export_document(session, slug)
    if key is not None:
        from app.formats.pseudonym import pseudonymise as apply

        document = apply(document, key)
    _write_atomically(output, render(document, chosen))
    note = " (pseudonymised)" if key is not None else ""
    out.print(f"exported {slug} to {output} as {chosen}{note}", markup=False)


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
        table.add_column(
            name, justify="right" if name in ("groups", "people", "agencies", "links", "memberships") else "left"
        )
    for row in rows:
        table.add_row(
            row.id,
            row.name,
            row.boundary,
            str(row.groups),
            str(row.people),
            str(row.agencies),
            str(row.links),
            str(row.memberships),
        )
    out.print(table)


def _settings_from(assignments: list[str] | None) -> AuditSettings:
    values = {}
    for text in assignments or []:
        try:
            name, value = AuditSettings.parse_assignment(text)
        except ValueError as exc:
            raise UserError(f"--set {text}: {exc}") from None
        values[name] = value
    return AuditSettings(**values)


def _engine_factory(db: str | None):
    return lambda: open_engine(db)


SEVERITY_STYLE = {
    "high": "bold white on red",
    "medium": "black on dark_orange",
    "low": "black on wheat1",
    "info": "black on light_cyan1",
}


def _print_findings(findings, heading: str) -> None:
    out.print(f"\n[bold]{heading}[/bold] ({len(findings)})")
    if not findings:
        out.print("  none", markup=False)
    for f in findings:
        out.print(
            f"  [{SEVERITY_STYLE[f.severity.value]}] {f.severity.value.upper():6} [/] [bold]{f.code}[/bold]", end=" "
        )
        out.print(f.message, markup=False)
        out.print(f"         → {f.suggestion}", markup=False, style="dim")


def _print_audit(document, result) -> None:
    from analysis.charts import DIMENSION_LABELS
    from analysis.profile import DIMENSIONS, LEVEL_WORDS

    m = result.metrics
    out.print(f"[bold]Audit of {escape(document.locality.name)}[/bold] ({result.locality})")
    key = m["key_group"] and next(g.name for g in document.groups if g.id == m["key_group"])
    out.print(
        f"{m['local_groups']} groups, {m['people_in_groups']} people on groups from {m['agencies_in_groups']} agencies, "
        f"{m['links']} links; {m['meetings_per_year']:g} meetings and {m['meeting_hours_per_year']:g} group-hours a year; "
        f"key communication group: {key or 'none'}.",
        markup=False,
    )
    _print_findings(result.findings, "Findings")
    table = Table(title="Collaborative-advantage profile", title_justify="left", show_lines=False)
    table.add_column("dimension")
    table.add_column("level")
    table.add_column("evidence", overflow="fold")
    for dim in DIMENSIONS:
        entry = result.profile[dim]
        table.add_row(DIMENSION_LABELS[dim], LEVEL_WORDS[entry["level"]], escape(entry["evidence"]))
    out.print()
    out.print(table)


@cli.command()
def audit(
    locality: Annotated[
        str, typer.Argument(help="A locality file, or the id of a stored locality.", metavar="PATH_OR_SLUG")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the audit as JSON.")] = False,
    without: Annotated[
        list[str] | None,
        typer.Option(
            "--without", metavar="KIND:ID", help="What if: take away person:ID, group:ID or agency:ID (repeatable)."
        ),
    ] = None,
    with_patch: Annotated[
        Path | None,
        typer.Option(
            "--with",
            metavar="PATCH.yaml",
            help="What if: add or replace agencies, people, groups and links from a file.",
        ),
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="NAME=VALUE", help="Change a threshold (see docs/analysis.md)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Audit a locality's communication system: findings, metrics and profile.

    With --without or --with, audits the locality as changed and prints which
    findings appear and which are resolved.
    """
    thresholds = _settings_from(settings)
    document = load_locality(locality, _engine_factory(db))
    if not without and with_patch is None:
        result = run_audit(document, thresholds)
        if as_json:
            out.print_json(json.dumps(result.as_dict()))
        else:
            _print_audit(document, result)
        return
    patched = None
    if with_patch is not None:
        try:
            raw = with_patch.read_bytes()
        except OSError as exc:
            raise UserError(f"{with_patch}: cannot read: {exc.strerror}") from None
        parsed = parse_text(raw, suffix=with_patch.suffix.lower())
        patched = apply_patch(document, parsed.data, str(with_patch))
    try:
        change = what_if(document, without=without or [], patch=patched, settings=thresholds)
    except (KeyError, ValueError) as exc:
        raise UserError(str(exc).strip('"')) from None
    if as_json:
        out.print_json(json.dumps(change.as_dict()))
        return
    described = ", ".join([*(without or []), *([f"with {with_patch}"] if with_patch else [])])
    out.print(f"[bold]What if[/bold] ({escape(described)}) for {escape(document.locality.name)}:")
    _print_findings(change.appeared, "Findings that appear")
    _print_findings(change.resolved, "Findings resolved")
    if change.profile_changes:
        out.print("\n[bold]Profile changes[/bold]")
        for dim, (before, after) in change.profile_changes.items():
            out.print(f"  {dim}: {before} → {after}", markup=False)
    if change.metric_changes:
        out.print("\n[bold]Metric changes[/bold]")
        for name, (before, after) in change.metric_changes.items():
            out.print(f"  {name}: {before} → {after}", markup=False)


@cli.command()
def compare(
    localities: Annotated[
        list[str], typer.Argument(help="Locality files or ids of stored localities.", metavar="PATH_OR_SLUG...")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="Also write the comparison as CSV.")
    ] = None,
    png_file: Annotated[
        Path | None,
        typer.Option("--png", metavar="FILE", help="Also draw the profile matrix and key metrics as a PNG."),
    ] = None,
    settings: Annotated[
        list[str] | None, typer.Option("--set", metavar="NAME=VALUE", help="Change a threshold.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Compare localities side by side: metrics, profiles and findings."""
    from analysis.charts import DIMENSION_LABELS, comparison_figure, png_bytes
    from analysis.compare import comparison, comparison_csv

    thresholds = _settings_from(settings)
    documents = load_localities(localities, _engine_factory(db))
    audits = [run_audit(d, thresholds) for d in documents]
    data = comparison(audits)
    if csv_file is not None:
        _write_atomically(csv_file, comparison_csv(audits))
    if png_file is not None:
        if png_file.suffix.lower() != ".png":
            raise UserError(f"{png_file}: the chart is written as PNG; use a .png file name")
        figure = comparison_figure(audits, {d.locality.id: d.locality.name for d in documents})
        _write_atomically(png_file, png_bytes(figure))
    if as_json:
        out.print_json(json.dumps(data))
        return
    slugs = data["localities"]
    table = Table(title="Metrics", title_justify="left")
    table.add_column("measure")
    for slug in slugs:
        table.add_column(slug, justify="right")
    for metric, values in data["metrics"].items():
        table.add_row(metric, *("–" if values[s] is None else f"{values[s]:g}" for s in slugs))
    out.print(table)
    table = Table(
        title="Collaborative-advantage profile (0 not evident, 0.5 emergent, 1 evident, 2 strongly evident)",
        title_justify="left",
    )
    table.add_column("dimension")
    for slug in slugs:
        table.add_column(slug, justify="center")
    for dim, values in data["profile"].items():
        table.add_row(DIMENSION_LABELS[dim], *("n/a" if values[s] is None else f"{values[s]:g}" for s in slugs))
    out.print(table)
    table = Table(title="Findings", title_justify="left")
    table.add_column("severity")
    for slug in slugs:
        table.add_column(slug, justify="right")
    for severity in ("high", "medium", "low", "info"):
        table.add_row(severity, *(str(data["findings"][s][severity]) for s in slugs))
    out.print(table)
    for path in (csv_file, png_file):
        if path is not None:
            out.print(f"wrote {path}", markup=False)


@cli.command()
def report(
    localities: Annotated[
        list[str], typer.Argument(help="Locality files or ids of stored localities.", metavar="PATH_OR_SLUG...")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.md or FILE.html.", show_default=False)],
    settings: Annotated[
        list[str] | None, typer.Option("--set", metavar="NAME=VALUE", help="Change a threshold.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the audit as a readable document (Markdown or self-contained HTML).

    With several localities the report starts with a comparison chart (for
    Markdown, written beside the report as FILE.png).
    """
    from analysis.charts import comparison_figure, png_bytes
    from app.formats.report import html_report, markdown_report

    suffix = output.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise UserError(f"{output}: unsupported extension {output.suffix or '(none)'!r}; use .md or .html")
    thresholds = _settings_from(settings)
    documents = load_localities(localities, _engine_factory(db))
    pairs = [(d, run_audit(d, thresholds)) for d in documents]
    if suffix == ".md":
        chart = None
        if len(pairs) > 1:
            chart_path = output.with_suffix(".png")
            figure = comparison_figure([a for _, a in pairs], {d.locality.id: d.locality.name for d in documents})
            _write_atomically(chart_path, png_bytes(figure))
            chart = chart_path.name
        _write_atomically(output, markdown_report(pairs, chart))
    else:
        _write_atomically(output, html_report(pairs))
    out.print(f"wrote {output}", markup=False)


@cli.command()
def snapshot(
    slug: Annotated[str, typer.Argument(help="Id of a stored locality.", show_default=False)],
    label: Annotated[str, typer.Option("--label", help="What this snapshot marks, e.g. 'before the new forum'.")],
    db: DbOption = None,
) -> None:
    """Store a dated copy of a locality, to compare with later (locmap diff)."""
    label = label.strip()
    if not label or len(label) > 200 or any(ord(c) < 32 for c in label):
        raise UserError("--label must be 1-200 printable characters")
    engine = open_engine(db)
    with session_scope(engine) as session:
        taken = store.take_snapshot(session, slug, label)
        number, when = taken.pk, taken.taken_at
    out.print(
        f"snapshot {number} of {slug}: '{label}' ({when:%Y-%m-%d %H:%M}); refer to it as {slug}@{number}", markup=False
    )


@cli.command()
def diff(
    before: Annotated[
        str, typer.Argument(help="A file, a stored locality SLUG, or a snapshot SLUG@N / SLUG@LABEL.", metavar="A")
    ],
    after: Annotated[str, typer.Argument(help="The same kinds of reference.", metavar="B")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """What changed between two versions of a locality: structure, findings and profile."""
    from analysis.diff import diff_localities

    old, old_name = load_version(before, _engine_factory(db))
    new, new_name = load_version(after, _engine_factory(db))
    result = diff_localities(old, new)
    if as_json:
        out.print_json(json.dumps(result))
        return
    out.print(f"[bold]From[/bold] {escape(old_name)} [bold]to[/bold] {escape(new_name)}")
    changed_any = False
    for section, entries in result["structure"].items():
        if not (entries["added"] or entries["removed"] or entries["changed"]):
            continue
        changed_any = True
        out.print(f"\n[bold]{section}[/bold]")
        for ident in entries["added"]:
            out.print(f"  + {ident}", markup=False)
        for ident in entries["removed"]:
            out.print(f"  - {ident}", markup=False)
        for ident, fields in entries["changed"].items():
            details = "; ".join(f"{name}: {a!r} → {b!r}" for name, (a, b) in fields.items())
            out.print(f"  ~ {ident}: {details}", markup=False)
    if not changed_any:
        out.print("\nno structural changes", markup=False)
    for title, key in (("Findings that appear", "appeared"), ("Findings resolved", "resolved")):
        findings = result["findings"][key]
        out.print(f"\n[bold]{title}[/bold] ({len(findings)})")
        for f in findings:
            out.print(f"  {f['severity'].upper():6} {f['code']}: {f['message']}", markup=False)
    if result["profile"]:
        out.print("\n[bold]Profile changes[/bold]")
        for dim, change in result["profile"].items():
            out.print(f"  {dim}: {change['before']} → {change['after']}", markup=False)


@cli.command()
def synth(
    scale: Annotated[
        str, typer.Option("--scale", help="locality (one file), county or national (a folder of locality files).")
    ],
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same data.")] = 1,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="A .yaml/.json file (locality) or a folder (county, national).", show_default=False
        ),
    ] = Path("synthetic"),
) -> None:
    """Make realistic synthetic localities for tests and benchmarks, with planted defects."""
    from app.synth import SCALES, write

    if scale not in SCALES:
        raise UserError(f"--scale {scale!r}: use one of {', '.join(SCALES)}")
    if scale == "locality" and output.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise UserError(f"{output}: a locality is one file; use a .yaml or .json name")
    if scale != "locality" and output.exists() and not output.is_dir():
        raise UserError(f"{output} exists and is not a folder")
    paths = write(scale, seed, output)
    out.print(f"wrote {len(paths)} file(s) of synthetic {scale} data (seed {seed}) to {output}", markup=False)


@cli.command("map")
def map_(
    locality: Annotated[
        str, typer.Argument(help="A locality file, or the id of a stored locality.", metavar="PATH_OR_SLUG")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.", show_default=False)],
    view: Annotated[
        str, typer.Option("--view", help="people (who meets where) or groups (groups and their links).")
    ] = "people",
    aggregate: Annotated[
        str | None,
        typer.Option("--aggregate", help="kind or agency: summarise a locality too big to draw node by node."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a standalone, single-file interactive map that opens offline."""
    from app.maps.mapview import AGGREGATIONS, VIEWS, aggregate_document, standalone_map_html

    if view not in VIEWS:
        raise UserError(f"--view {view!r}: use one of {', '.join(VIEWS)}")
    if aggregate is not None and aggregate not in AGGREGATIONS:
        raise UserError(f"--aggregate {aggregate!r}: use one of {', '.join(AGGREGATIONS)}")
    if output.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"{output}: the map is an HTML file; use a .html name")
    document = load_locality(locality, _engine_factory(db))
    if aggregate is not None:
        document, view = aggregate_document(document, aggregate), "groups"
    _write_atomically(output, standalone_map_html(document, view))
    out.print(
        f"wrote {output} ({view} view of {document.locality.name}); open it in any browser, offline", markup=False
    )


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
    db: DbOption = None,
) -> None:
    """Start the web service (the API, and the pages of later releases)."""
    import uvicorn

    settings = get_settings().model_copy(
        update={"database_url": database_url(db), "demo": demo or get_settings().demo, "load_samples": not no_samples}
    )
    engine = open_engine(db)  # fail here, with a clear message, if the database cannot be used
    from app.web.main import load_samples_if_empty

    if settings.load_samples:
        loaded = load_samples_if_empty(engine)
        if loaded:
            out.print(f"loaded {loaded} sample localities", markup=False)
    engine.dispose()
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    out.print(f"locmap is serving {_display_url(settings.database_url)}", markup=False)
    out.print(
        f"open http://{shown}:{port}/ in a browser (API: /api/localities, schema: /api/openapi.json)", markup=False
    )
    if settings.demo:
        out.print("demo mode: anyone may read; sign in to write", markup=False)
    else:
        out.print("sign-in required: create a user with `locmap user add NAME --role admin`", markup=False)
    if workers > 1:
        os.environ["LOCMAP_DATABASE_URL"] = settings.database_url
        os.environ["LOCMAP_DEMO"] = "true" if settings.demo else "false"
        os.environ["LOCMAP_LOAD_SAMPLES"] = "false"
        uvicorn.run("app.web.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")
    else:
        from app.web.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


db_cli = typer.Typer(help="Manage the database.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@db_cli.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the database migrations (also done on every start of locmap serve)."""
    from app.storage.migrate import upgrade

    settings = get_settings()
    engine = make_engine(database_url(db), busy_timeout=settings.sqlite_busy_timeout)
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
        bool, typer.Option("--force", help="Replace the contents of a database that is not empty.")
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
    from app.storage.accounts import create_user
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

    engine = open_engine(db)
    with session_scope(engine) as session:
        revoke_user(session, name)
    out.print(f"revoked {name}", markup=False)


@cli.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the JSON Schema of the locmap/1 format."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(output, text)


def _write_atomically(path: Path, content: str | bytes) -> None:
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
        err.print(
            f"locmap: internal error: {exc.__class__.__name__}: {exc} (set LOCMAP_DEBUG=1 for details)", markup=False
        )
        return 70
    return result if isinstance(result, int) else 0


def run() -> None:  # console script
    sys.exit(main())


if __name__ == "__main__":
    run()
