"""Writing a locality as an XLSX workbook: styled sheets, dropdowns and a README sheet.

openpyxl is imported on first use, so that the CLI starts fast.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from typing import Any, NamedTuple

from app.formats.provenance import Provenance
from app.formats.spreadsheets.cells import column_letter, neutralise
from app.formats.spreadsheets.layout import (
    BOOL_COLUMNS,
    COLUMNS,
    LOCALITY_FIELDS,
    NUMBER_COLUMNS,
    README_INTRO,
    README_SHEET,
    REFERENCE_COLUMNS,
    SHEETS,
    VOCABULARY_COLUMNS,
    readme_rows,
)
from app.formats.spreadsheets.rows import sheet_rows
from models.document import LocalityDocument

#: Columns of long text: wider, and wrapped.
_WIDE_COLUMNS = {"note", "purpose", "description", "value", "name"}
#: The last row of a sheet: dropdowns reach every row a user may add.
_LAST_ROW = 1048576


class _Styles(NamedTuple):
    bold: Any
    fill: Any
    wrap: Any
    top: Any


@functools.cache
def _styles() -> _Styles:
    from openpyxl.styles import Alignment, Font, PatternFill

    return _Styles(
        bold=Font(bold=True),
        fill=PatternFill("solid", fgColor="DDEBF7"),
        wrap=Alignment(wrap_text=True, vertical="top"),
        top=Alignment(vertical="top"),
    )


def write_xlsx(document: LocalityDocument, provenance: Provenance | None = None) -> bytes:
    """The document as an XLSX workbook (data sheets first, README last).

    Given ``provenance``, its lines close the README sheet (which reading
    ignores) and fill the document properties (author, description, dates at
    its time), and the archive's own dates are fixed: the same document and
    provenance give the same bytes.
    """
    buffer = io.BytesIO()
    workbook = build_workbook(document, readme_first=False)
    if provenance is None:
        workbook.save(buffer)
        return buffer.getvalue()
    _add_provenance(workbook, provenance)
    workbook.save(buffer)
    return reproducible(buffer.getvalue(), provenance.generated_at)


def reproducible(data: bytes, stamp: str = "2005-01-01T00:00:00Z") -> bytes:
    """The same XLSX with its document dates at ``stamp`` (ISO, UTC, to the second) and its
    archive's dates fixed, so regenerating it changes no byte."""
    when = stamp.encode("ascii")
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when, content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2005, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(fixed, content)
    return buffer.getvalue()


def _add_provenance(workbook, provenance: Provenance) -> None:
    """The provenance in the README sheet, below a blank row, and in the workbook's properties."""
    readme = workbook[README_SHEET]
    first = readme.max_row + 2
    readme.cell(first, 1, "Provenance").font = _styles().bold
    for offset, line in enumerate(provenance.lines(), start=1):
        cell = readme.cell(first + offset, 1)
        cell.value = neutralise(line)  # holds a locality id: never a formula
        cell.data_type = "s"
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "locmap"
    properties.description = "\n".join(provenance.lines())


def build_workbook(document: LocalityDocument, *, readme_first: bool):
    """The document as an openpyxl ``Workbook``, its README sheet first or last."""
    from openpyxl import Workbook

    rows = sheet_rows(document)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _fill_readme(workbook.create_sheet(README_SHEET))
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet)
        _fill_sheet(ws, sheet, rows[sheet])
        _add_dropdowns(ws, sheet)
        if sheet == "locality":
            _add_locality_dropdowns(ws, rows["locality"])
            ws.column_dimensions["A"].width = 18
            ws.column_dimensions["B"].width = 100
    if not readme_first:
        workbook.move_sheet(README_SHEET, offset=len(SHEETS))
    workbook.active = 0
    return workbook


def _fill_readme(readme) -> None:
    from openpyxl.styles import Font

    styles = _styles()
    for r, row in enumerate(readme_rows(), start=1):
        for c, value in enumerate(row, start=1):
            cell = readme.cell(r, c)
            cell.value = value  # constant text of this package: no neutralising needed
            cell.data_type = "s"
    readme.cell(1, 1).font = Font(bold=True, size=14)
    table_header = len(README_INTRO) + 1
    for c in range(1, 5):
        readme.cell(table_header, c).font = styles.bold
        readme.cell(table_header, c).fill = styles.fill
    for label in ("Rules", "Columns"):
        readme.cell(README_INTRO.index(label) + 1, 1).font = styles.bold
    for letter, width in zip("ABCD", (16, 34, 10, 100)):
        readme.column_dimensions[letter].width = width
    for r in range(table_header + 1, readme.max_row + 1):
        readme.cell(r, 4).alignment = styles.wrap


def _fill_sheet(ws, sheet: str, rows: list[list[Any]]) -> None:
    """Header, values, frozen header row and filter, then each column's width and format."""
    styles = _styles()
    columns = COLUMNS[sheet]
    for c, column in enumerate(columns, start=1):
        cell = ws.cell(1, c, column)
        cell.font = styles.bold
        cell.fill = styles.fill
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is not None:
                _set(ws.cell(r, c), value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{column_letter(len(columns) - 1)}{max(len(rows) + 1, 2)}"
    for c, column in enumerate(columns):
        _format_column(ws, sheet, c, column, rows)


def _format_column(ws, sheet: str, c: int, column: str, rows: list[list[Any]]) -> None:
    """Width from the longest line, alignment, and the text format for columns that are not numbers."""
    styles = _styles()
    letter = column_letter(c)
    values = [str(row[c]) for row in rows if row[c] is not None]
    longest = max([len(column)] + [max((len(line) for line in v.split("\n")), default=0) for v in values])
    limit = 60 if column in _WIDE_COLUMNS else 40
    ws.column_dimensions[letter].width = min(max(longest + 2, 10), limit)
    text = (sheet, column) not in BOOL_COLUMNS and (sheet, column) not in NUMBER_COLUMNS
    if text:
        ws.column_dimensions[letter].number_format = "@"  # typed ids stay text, not dates
    for r, row in enumerate(rows, start=2):
        if row[c] is not None:
            cell = ws.cell(r, c + 1)
            cell.alignment = styles.wrap if column in _WIDE_COLUMNS else styles.top
            if text:
                cell.number_format = "@"


def _add_dropdowns(ws, sheet: str) -> None:
    """Vocabularies and booleans as strict lists; references as suggestions from the other sheet."""
    for c, column in enumerate(COLUMNS[sheet]):
        letter = column_letter(c)
        cells = f"{letter}2:{letter}{_LAST_ROW}"
        words = VOCABULARY_COLUMNS.get((sheet, column))
        if words:
            _dropdown(ws, cells, _choice(words), f"{sheet}.{column}", "Choose one of: " + ", ".join(words))
        elif (sheet, column) in BOOL_COLUMNS:
            error = "Enter TRUE or FALSE, or leave blank for the default."
            _dropdown(ws, cells, '"TRUE,FALSE"', f"{sheet}.{column}", error)
        elif (sheet, column) in REFERENCE_COLUMNS:
            _dropdown(ws, cells, f"{REFERENCE_COLUMNS[(sheet, column)]}!$A$2:$A$10000")


def _add_locality_dropdowns(ws, rows: list[list[Any]]) -> None:
    """The vocabulary of each locality field's value cell, and the field names."""
    for r, (field, _) in enumerate(rows, start=2):
        words = VOCABULARY_COLUMNS.get(("locality", field))
        if words:
            _dropdown(ws, f"B{r}", _choice(words), field, "Choose one of: " + ", ".join(words))
    error = "Choose one of: " + ", ".join(LOCALITY_FIELDS)
    _dropdown(ws, f"A2:A{_LAST_ROW}", _choice(LOCALITY_FIELDS), "field", error)


def _dropdown(ws, cells: str, formula: str, title: str | None = None, error: str | None = None) -> None:
    """A list dropdown on ``cells``; with an ``error``, other values are refused."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=error is not None,
        errorTitle=title,
        error=error,
    )
    ws.add_data_validation(dv)
    dv.add(cells)


def _choice(words) -> str:
    return '"' + ",".join(words) + '"'


def _set(cell, value: Any) -> None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cell.value = neutralise(value) if isinstance(value, str) else value
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula or an error code such as '#N/A'
