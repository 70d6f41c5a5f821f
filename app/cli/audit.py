"""Commands that read a locality and say what it shows: ``audit``, ``compare``, ``report``, ``snapshot``, ``diff``, ``map``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.app import (
    DbOption,
    SettingsOption,
    cli,
    engine_factory,
    escape,
    open_engine,
    out,
    print_json,
    progress,
    say_skipped,
    settings_from,
    write_atomically,
)
from app.errors import UserError

if TYPE_CHECKING:
    from rich.table import Table

LocalityArgument = Annotated[
    str, typer.Argument(help="A locality file, or the id of a stored locality.", metavar="PATH_OR_SLUG")
]
LocalitiesArgument = Annotated[
    list[str],
    typer.Argument(help="Locality files, folders of them, or ids of stored localities.", metavar="PATH_OR_SLUG..."),
]

SEVERITY_STYLE = {
    "high": "bold white on red",
    "medium": "black on dark_orange",
    "low": "black on wheat1",
    "info": "black on light_cyan1",
}


@cli.command()
def audit(
    locality: Annotated[
        str,
        typer.Argument(
            help="A locality file, a folder of locality files, or the id of a stored locality.",
            metavar="PATH_OR_SLUG",
        ),
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
    measures: Annotated[
        bool,
        typer.Option("--measures", help="Add two-mode centralities and clusters of meetings (docs/measures.md)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Audit a locality's communication system: findings, metrics and profile.

    With --without or --with, audits the locality as changed and prints which
    findings appear and which are resolved.

    A folder audits every locality file in it (sorted by name; files without
    'format: locmap/1' are skipped with a word on standard error), then
    compares them.  With --json it prints {"localities": [AUDIT, ...],
    "comparison": COMPARISON}: each AUDIT as for one file, the COMPARISON as
    'locmap compare --json' prints it.
    """
    from analysis.audit import audit as run_audit
    from app.storage.sources import load_locality

    thresholds = settings_from(settings)
    if Path(locality).is_dir():
        if without or with_patch is not None:
            raise UserError(f"{locality}: --without and --with take one locality, not a folder")
        _audit_folder(locality, thresholds, as_json, db)
        return
    if without or with_patch is not None:
        _what_if(load_locality(locality, engine_factory(db)), without or [], with_patch, thresholds, as_json)
        return
    document, source, census = _read_one(locality, engine_factory(db))
    result = run_audit(document, thresholds, measures=measures, census=census)
    if as_json:
        print_json(_with_provenance(result.as_dict(), [source], thresholds))
    else:
        _print_audit(document, result)


def _read_one(ref: str, factory):
    """A locality file or stored locality, the provenance source naming it (a stored one's revision too),
    and the census its audit reads (a stored locality's newest closed one; None for a file)."""
    from app.formats.provenance import source_of
    from app.storage.sources import load_locality, looks_like_path

    if looks_like_path(ref):
        document = load_locality(ref, factory)
        return document, source_of(document), None
    from app.cli.batch import stored_census
    from app.storage import store
    from app.storage.db import session_scope

    with session_scope(factory()) as session:  # the document, its revision and its census read together
        document = store.export_document(session, ref)
        revision = store.get_locality(session, ref).revision
        return document, source_of(document, revision=revision), stored_census(session, ref)


def _with_provenance(data: dict, sources: list, thresholds) -> dict:
    """``data`` with a ``provenance`` key naming ``sources`` and the changed thresholds."""
    from app.formats.provenance import provenance

    return {**data, "provenance": provenance(sources, thresholds).as_dict()}


def _read_and_audit(refs: list[str], db: str | None, thresholds, documents: bool = True):
    """The localities referred to, folders expanded: their audits, sources, names (and documents), with progress.

    An :class:`app.cli.batch.Read`.
    """
    from app.cli.batch import read_and_audit

    factory = engine_factory(db)
    return read_and_audit(refs, factory, thresholds, on_skip=say_skipped, progress=progress, documents=documents)


def _audit_folder(folder: str, thresholds, as_json: bool, db: str | None) -> None:
    """Every locality of a folder audited, then compared."""
    from analysis.compare import comparison

    documents, audits, sources, _ = _read_and_audit([folder], db, thresholds, documents=not as_json)
    if as_json:
        data = {
            "localities": [
                _with_provenance(a.as_dict(), [source], thresholds) for a, source in zip(audits, sources, strict=True)
            ],
            "comparison": _with_provenance(comparison(audits), sources, thresholds),
        }
        print_json(data)
        return
    assert documents is not None  # read for the text
    for document, result in zip(documents, audits, strict=True):
        _print_audit(document, result)
        out.print()
    _print_comparison(comparison(audits))


def _what_if(document, without: list[str], with_patch: Path | None, thresholds, as_json: bool) -> None:
    """Audit the locality as changed, and print what the change makes appear or resolves."""
    from analysis.whatif import apply_patch, what_if
    from models.validation import parse_text

    patched = None
    if with_patch is not None:
        try:
            raw = with_patch.read_bytes()
        except OSError as exc:
            raise UserError(f"{with_patch}: cannot read: {exc.strerror}") from None
        parsed = parse_text(raw, suffix=with_patch.suffix.lower())
        patched = apply_patch(document, parsed.data, str(with_patch))
    try:
        change = what_if(document, without=without, patch=patched, settings=thresholds)
    except (KeyError, ValueError) as exc:
        raise UserError(str(exc).strip('"')) from None
    if as_json:
        print_json(change.as_dict())
        return
    described = _described(document, without, with_patch)
    out.print(f"[bold]What if[/bold] ({escape(described)}) for {escape(document.locality.name)}:")
    _print_findings(change.appeared, "Findings that appear")
    _print_findings(change.resolved, "Findings resolved")
    _print_changes("Profile changes", change.profile_words())
    _print_changes("Metric changes", change.metric_words())


def _described(document, without: list[str], with_patch: Path | None) -> str:
    from analysis.whatif import parse_removal
    from analysis.whatif_words import describe_change

    removed: dict[str, list[str]] = {"person": [], "group": [], "agency": []}
    for item in without:
        kind, ident = parse_removal(item)
        removed[kind].append(ident)
    parts = [describe_change(document, people=removed["person"], groups=removed["group"], agencies=removed["agency"])]
    if with_patch is not None:
        parts = [*(parts if without else []), f"with {with_patch}"]
    return "; ".join(parts)


def _print_changes(heading: str, lines: list[str]) -> None:
    if lines:
        out.print(f"\n[bold]{heading}[/bold]")
        for line in lines:
            out.print(f"  {line}", markup=False)


def _print_findings(findings, heading: str) -> None:
    out.print(f"\n[bold]{heading}[/bold] ({len(findings)})")
    if not findings:
        out.print("  none", markup=False)
    for f in findings:
        out.print(
            f"  [{SEVERITY_STYLE[f.severity.value]}] {f.severity.value.upper():6} [/] [bold]{f.code}[/bold]", end=" "
        )
        out.print(f.message, markup=False)
        if f.basis.value != "declared":
            rests = "the member census's answers" if f.basis.value == "census" else "what locmap inferred"
            out.print(
                f"         ({f.basis.value}: rests on {rests}, not on what the file declares)",
                markup=False,
                style="dim",
            )
        out.print(f"         → {f.suggestion}", markup=False, style="dim")


def _print_audit(document, result) -> None:
    from analysis.profile import DIMENSION_LABELS, DIMENSIONS, LEVEL_WORDS, margins

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
    from rich.table import Table

    table = Table(title="Collaborative-advantage profile", title_justify="left", show_lines=False)
    table.add_column("dimension")
    table.add_column("level")
    table.add_column("basis")
    table.add_column("evidence", overflow="fold")
    for dim in DIMENSIONS:
        entry = result.profile[dim]
        table.add_row(DIMENSION_LABELS[dim], LEVEL_WORDS[entry["level"]], entry["basis"], escape(entry["evidence"]))
    out.print()
    out.print(table)
    near = margins(result.profile)
    if near:
        out.print("\n[bold]Margins[/bold]: how far each level rated on a figure is from changing")
        for margin in near:
            out.print(f"  {margin.text}", markup=False)


@cli.command()
def compare(
    localities: Annotated[
        list[str],
        typer.Argument(
            help="Locality files, folders of them, ids of stored localities, or their snapshots SLUG@N / SLUG@LABEL.",
            metavar="PATH_OR_SLUG...",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="Also write the comparison as CSV.")
    ] = None,
    long_csv_file: Annotated[
        Path | None,
        typer.Option("--long-csv", metavar="FILE", help="Also write it as a tidy table, one row per measure (CSV)."),
    ] = None,
    chart_file: Annotated[
        Path | None,
        typer.Option(
            "--chart", metavar="FILE", help="Also draw the profile matrix and key metrics (.png, .svg or .pdf)."
        ),
    ] = None,
    png_file: Annotated[Path | None, typer.Option("--png", metavar="FILE", help="The same chart as a PNG.")] = None,
    settings: SettingsOption = None,
    db: DbOption = None,
) -> None:
    """Compare localities side by side: metrics, profiles and findings.

    A folder stands for every locality file in it, sorted by name; SLUG@N
    sets a stored snapshot beside the others (with --db).  Every file
    written and the JSON say where they came from (docs/research.md).
    """
    from analysis.compare import comparison, comparison_csv
    from analysis.tidy import long_csv, tidy_rows
    from app.formats.provenance import provenance

    charts = [(path, _chart_format(path)) for path in (chart_file, png_file) if path is not None]
    if png_file is not None and png_file.suffix.lower() != ".png":
        raise UserError(f"{png_file}: --png writes a PNG; use a .png file name, or --chart for SVG and PDF")
    thresholds = settings_from(settings)
    compared = _read_compared(localities, db, thresholds)
    columns = [column for column, _ in compared]
    audits = [column.audit for column in columns]
    made = provenance([source for _, source in compared], thresholds)
    written = []
    if csv_file is not None:
        written.append(_write(csv_file, comparison_csv(audits, made)))
    if long_csv_file is not None:
        written.append(_write(long_csv_file, long_csv(tidy_rows(columns), made)))
    for path, kind in charts:
        written.append(_write(path, _chart_bytes(columns, kind, made.footer())))
    if as_json:
        print_json({**comparison(audits), "provenance": made.as_dict()})
        return
    _print_comparison(comparison(audits))
    for path in written:
        out.print(f"wrote {path}", markup=False)


def _write(path: Path, content: str | bytes) -> Path:
    write_atomically(path, content)
    return path


def _read_compared(refs: list[str], db: str | None, thresholds) -> list:
    """(Column, provenance Source) for each locality referred to, in order: files and folders, stored, snapshots.

    Runs of files and folders are read and audited together (on every core);
    a stored locality or snapshot is read with its revision in one transaction.
    """
    from analysis.tidy import Column
    from app.storage.sources import looks_like_path

    compared: list = []
    files: list[str] = []

    def read_files() -> None:
        if files:
            _, audits, sources, names = _read_and_audit(files, db, thresholds, documents=False)
            for result, source, name in zip(audits, sources, names, strict=True):
                compared.append((Column(result.locality, name, result), source))
            files.clear()

    for ref in refs:
        if looks_like_path(ref):
            files.append(ref)
            continue
        read_files()
        compared.append(_stored_column(ref, engine_factory(db), thresholds))
    read_files()
    _check_columns(refs, [column.audit.locality for column, _ in compared])
    return compared


def _stored_column(ref: str, factory, thresholds):
    """A stored locality (SLUG) or snapshot (SLUG@N, SLUG@LABEL) as a compare column, with its source."""
    from analysis.audit import audit as run_audit
    from analysis.tidy import Column
    from app.storage import store
    from app.storage.db import session_scope
    from app.storage.trends import snapshot_column

    slug, at, label = ref.partition("@")
    if not at:
        document, source, census = _read_one(slug, factory)
        return Column(slug, document.locality.name, run_audit(document, thresholds, census=census)), source
    with session_scope(factory()) as session:
        return snapshot_column(store.get_snapshot(session, slug, label), thresholds)


def _check_columns(refs: list[str], keys: list[str]) -> None:
    """Refuse a locality (or snapshot) named twice: its columns would be one."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise UserError(f"{key!r} is named twice among {', '.join(refs)}: name each locality or snapshot once")
        seen.add(key)


CHART_FORMATS = (".png", ".svg", ".pdf")


def _chart_format(path: Path) -> str:
    """The chart format a file name asks for, or a plain error naming the ones there are."""
    suffix = path.suffix.lower()
    if suffix not in CHART_FORMATS:
        raise UserError(
            f"{path}: a chart is written as PNG, SVG or PDF; use a file name ending in {', '.join(CHART_FORMATS)}"
        )
    return suffix[1:]


def _chart_bytes(columns, kind: str, footer: str | None = None) -> bytes:
    """The comparison chart of ``columns`` as ``kind`` (png, svg or pdf), with a provenance footer."""
    from analysis import charts

    figure = charts.comparison_figure([c.audit for c in columns], {c.audit.locality: c.name for c in columns})
    if footer is not None:
        charts.add_footer(figure, footer)
    if kind == "svg":
        return charts.svg_bytes(figure)
    return {"png": charts.png_bytes, "pdf": charts.pdf_bytes}[kind](figure)


def _write_chart(path: Path, audits, documents) -> None:
    """The comparison chart as a PNG, for a report (matplotlib is loaded only here)."""
    from analysis.tidy import Column

    columns = [Column(a.locality, d.locality.name, a) for a, d in zip(audits, documents, strict=True)]
    write_atomically(path, _chart_bytes(columns, "png"))


def _comparison_table(title: str, slugs: list[str], first: str, justify: str) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for slug in slugs:
        table.add_column(slug, justify=justify)
    return table


def _print_comparison(data: dict) -> None:
    from analysis.profile import DIMENSION_LABELS

    slugs = data["localities"]
    table = _comparison_table("Metrics", slugs, "measure", "right")
    for metric, values in data["metrics"].items():
        table.add_row(metric, *("–" if values[s] is None else f"{values[s]:g}" for s in slugs))
    out.print(table)
    table = _comparison_table(
        "Collaborative-advantage profile (0 not evident, 0.5 emergent, 1 evident, 2 strongly evident)",
        slugs,
        "dimension",
        "center",
    )
    for dim, values in data["profile"].items():
        table.add_row(DIMENSION_LABELS[dim], *("n/a" if values[s] is None else f"{values[s]:g}" for s in slugs))
    out.print(table)
    table = _comparison_table("Findings", slugs, "severity", "right")
    for severity in ("high", "medium", "low", "info"):
        table.add_row(severity, *(str(data["findings"][s][severity]) for s in slugs))
    out.print(table)
    census = data.get("census", {})
    if any(v is not None for values in census.values() for v in values.values()):
        table = _comparison_table(
            "Member census (–: no census, or held back: too few respondents)", slugs, "measure", "right"
        )
        for name, values in census.items():
            table.add_row(name, *("–" if values[s] is None else f"{values[s]:.3g}" for s in slugs))
        out.print(table)


@cli.command()
def report(
    localities: LocalitiesArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.md or FILE.html.", show_default=False)],
    settings: SettingsOption = None,
    db: DbOption = None,
) -> None:
    """Write the audit as a readable document (Markdown or self-contained HTML).

    With several localities the report starts with a comparison chart (for
    Markdown, written beside the report as FILE.png).  A folder stands for
    every locality file in it, sorted by name.
    """
    from app.formats.report import html_report, markdown_report

    suffix = output.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise UserError(f"{output}: unsupported extension {output.suffix or '(none)'!r}; use .md or .html")
    thresholds = settings_from(settings)
    documents, audits, _, _ = _read_and_audit(localities, db, thresholds)
    assert documents is not None  # read for the report
    pairs = list(zip(documents, audits, strict=True))
    if suffix == ".md":
        chart = None
        if len(pairs) > 1:
            chart_path = output.with_suffix(".png")
            _write_chart(chart_path, [a for _, a in pairs], documents)
            chart = chart_path.name
        write_atomically(output, markdown_report(pairs, chart))
    else:
        write_atomically(output, html_report(pairs))
    out.print(f"wrote {output}", markup=False)


@cli.command()
def snapshot(
    slug: Annotated[str, typer.Argument(help="Id of a stored locality.", show_default=False)],
    label: Annotated[str, typer.Option("--label", help="What this snapshot marks, e.g. 'before the new forum'.")],
    db: DbOption = None,
) -> None:
    """Store a dated copy of a locality, to compare with later (locmap diff)."""
    from app.storage import store
    from app.storage.db import session_scope

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
    from app.storage.sources import load_version

    old, old_name = load_version(before, engine_factory(db))
    new, new_name = load_version(after, engine_factory(db))
    result = diff_localities(old, new)
    if as_json:
        print_json(result)
        return
    out.print(f"[bold]From[/bold] {escape(old_name)} [bold]to[/bold] {escape(new_name)}")
    _print_structure_changes(result["structure"])
    for title, key in (("Findings that appear", "appeared"), ("Findings resolved", "resolved")):
        findings = result["findings"][key]
        out.print(f"\n[bold]{title}[/bold] ({len(findings)})")
        for f in findings:
            out.print(f"  {f['severity'].upper():6} {f['code']}: {f['message']}", markup=False)
    if result["profile"]:
        out.print("\n[bold]Profile changes[/bold]")
        for dim, change in result["profile"].items():
            out.print(f"  {dim}: {change['before']} → {change['after']}", markup=False)


def _print_structure_changes(structure: dict) -> None:
    changed_any = False
    for section, entries in structure.items():
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


@cli.command("map")
def map_(
    locality: LocalityArgument,
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
    from app.maps import AGGREGATIONS, VIEWS, standalone_map_html
    from app.storage.sources import load_locality

    if view not in VIEWS:
        raise UserError(f"--view {view!r}: use one of {', '.join(VIEWS)}")
    if aggregate is not None and aggregate not in AGGREGATIONS:
        raise UserError(f"--aggregate {aggregate!r}: use one of {', '.join(AGGREGATIONS)}")
    if output.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"{output}: the map is an HTML file; use a .html name")
    document = load_locality(locality, engine_factory(db))
    if aggregate is not None:
        view = aggregate  # the page's styled summary, drawn as what it stands for
    write_atomically(output, standalone_map_html(document, view))
    out.print(
        f"wrote {output} ({view} view of {document.locality.name}); open it in any browser, offline", markup=False
    )
