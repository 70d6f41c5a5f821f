"""The ``trend`` command: how a stored locality's figures, findings and profile moved across its snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.app import DbOption, cli, escape, open_engine, out, print_json, write_atomically
from app.errors import UserError

if TYPE_CHECKING:
    from analysis.trend import Trend
    from app.formats.provenance import Provenance

#: What each chart file name may end in, and how it is rendered (by name in analysis.charts).
CHART_RENDERERS = {".png": "png_bytes", ".svg": "svg_bytes", ".pdf": "pdf_bytes"}


@cli.command()
def trend(
    slug: Annotated[str, typer.Argument(help="Id of a stored locality.", metavar="SLUG")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the series and changes as JSON.")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="Also write the series as a tidy long CSV table.")
    ] = None,
    chart_file: Annotated[
        Path | None,
        typer.Option("--chart", metavar="FILE", help="Also draw the trend as FILE.png, FILE.svg or FILE.pdf."),
    ] = None,
    db: DbOption = None,
) -> None:
    """How a locality changed: its findings, profile and figures at each snapshot and now.

    The points are the locality's snapshots, oldest first ('locmap snapshot'),
    then the locality as it is now; between each adjacent pair it says what
    moved, in words ('locmap diff SLUG@N SLUG@M' gives the detail).  A
    locality with no snapshots has a trend of one point, the locality now.
    """
    if chart_file is not None and chart_file.suffix.lower() not in CHART_RENDERERS:
        raise UserError(f"{chart_file}: the chart is written as PNG, SVG or PDF; use a .png, .svg or .pdf file name")
    result, origin, name = _stored_trend(slug, db)
    if csv_file is not None:
        from analysis.trend import trend_csv

        write_atomically(csv_file, origin.comment() + trend_csv(result))
    if chart_file is not None:
        _write_chart(chart_file, result, origin, name)
    if as_json:
        print_json({**result.as_dict(), "provenance": origin.as_dict()})
        return
    _print_trend(result, name)
    for path in (csv_file, chart_file):
        if path is not None:
            out.print(f"wrote {path}", markup=False)


def _stored_trend(slug: str, db: str | None) -> tuple[Trend, Provenance, str]:
    """The trend of a stored locality over its snapshots and now, its provenance, and the locality's name."""
    from app.formats.provenance import provenance
    from app.storage.db import session_scope
    from app.storage.trends import stored_trend

    with session_scope(open_engine(db)) as session:
        stored = stored_trend(session, slug)
    return stored.trend, provenance(stored.sources), stored.name


def _write_chart(path: Path, result: Trend, origin: Provenance, name: str) -> None:
    """The trend chart with its provenance footer (matplotlib is loaded only here)."""
    from analysis import charts
    from analysis.trend_chart import trend_figure

    figure = charts.add_footer(trend_figure(result, name), origin.footer())
    render = getattr(charts, CHART_RENDERERS[path.suffix.lower()])
    write_atomically(path, render(figure))


def _print_trend(result: Trend, name: str) -> None:
    from rich.table import Table

    count = len(result.points)
    out.print(f"[bold]How {escape(name)} changed[/bold] ({result.locality}): {count} point{'s' if count != 1 else ''}")
    if count == 1:
        out.print(
            "No snapshots yet: the trend is the locality as it is now alone "
            f"(take one with: locmap snapshot {result.locality} --label ...).",
            markup=False,
        )
    table = Table(title_justify="left")
    table.add_column("measure")
    for number, point in enumerate(result.points, start=1):
        when = f"\n{point.when()}" if point.taken_at else ""
        table.add_column(escape(f"{number}. {point.label}{when}"), justify="right", overflow="fold")
    for previous, s in zip((None, *result.series), result.series, strict=False):
        if previous is not None and previous.kind != s.kind:
            table.add_section()
        table.add_row(escape(s.label), *(escape(s.words(i)) for i in range(count)))
    out.print(table)
    for step in result.steps:
        before, after = result.points[step.before], result.points[step.after]
        out.print(
            f"\n[bold]{step.before + 1} → {step.after + 1}[/bold] ({escape(before.label)} → {escape(after.label)}):"
            f" {escape(step.summary)}"
        )
        for line in step.lines:
            out.print(f"  {line}", markup=False)
