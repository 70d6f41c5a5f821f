"""Reading a locality from an XLSX workbook."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from typing import Any

from app.formats.spreadsheets import xlsx_adapter
from app.formats.spreadsheets.archive import open_zip
from app.formats.spreadsheets.builder import RowSource, SheetsBuilder, build_document
from app.formats.spreadsheets.cells import FORMULA_WITHOUT_VALUE, Cells, Special, column_letter
from app.formats.spreadsheets.layout import SHEETS
from app.formats.spreadsheets.problems import WorkbookError, unreadable
from models.document import LocalityDocument

_DATES = (dt.datetime, dt.date, dt.time, dt.timedelta)


def read_xlsx(data: bytes) -> LocalityDocument:
    """Read a locality from an XLSX workbook, or raise :class:`WorkbookError`."""
    open_zip(data, "an XLSX workbook").close()
    try:
        from openpyxl import load_workbook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; nothing for the user
            workbook = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
        raise unreadable("XLSX workbook", exc) from None
    try:
        builder = SheetsBuilder()
        return build_document(_worksheets(workbook, builder), builder)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise unreadable("XLSX workbook", exc) from None
    finally:
        workbook.close()


def _worksheets(workbook: Any, builder: SheetsBuilder) -> dict[str, RowSource]:
    """The locality's sheets, by name; titles match in any case, the first of a repeated one counts."""
    sheets: dict[str, RowSource] = {}
    for title in workbook.sheetnames:
        name = title.strip().lower()
        if name not in SHEETS or name in sheets:
            continue
        worksheet = workbook[title]
        if not xlsx_adapter.is_worksheet(worksheet):
            builder.problem(name, None, None, "is a chart, not a worksheet")
            continue
        sheets[name] = _row_source(workbook, worksheet, name, builder)
    return sheets


def _row_source(workbook: Any, worksheet: Any, sheet: str, builder: SheetsBuilder) -> RowSource:
    """Rows of one worksheet, with formula cells, errors and dates marked and merged ranges reported."""

    def rows():
        parsed = xlsx_adapter.ParsedSheet(workbook, worksheet)
        try:
            for rownum, row in parsed.rows():
                cells: Cells = {cell.column - 1: _cell_value(cell) for cell in row}
                yield rownum, cells
        except Exception as exc:  # noqa: BLE001 - malformed XML or cell data
            builder.problem(sheet, None, None, f"the sheet cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
            return
        for ref in parsed.merged_ranges:
            builder.problem(sheet, *_merged_corner(ref), f"merged cells {ref}: unmerge them and fill in every cell")

    return rows


def _cell_value(cell: xlsx_adapter.XlsxCell) -> Any:
    if cell.formula and cell.value is None:
        return FORMULA_WITHOUT_VALUE
    if cell.data_type == "e":
        return Special("error", cell.value)
    if cell.data_type == "d" or isinstance(cell.value, _DATES):
        return Special("date", cell.value)
    if isinstance(cell.value, str) and "\x00" in cell.value:
        return cell.value.replace("\x00", "")
    return cell.value


def _merged_corner(ref: str) -> tuple[int | None, str]:
    """(row, column letter) of a merged range's top-left cell."""
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, _, _ = range_boundaries(ref)
    except (TypeError, ValueError):
        min_col, min_row = 1, None
    return min_row, column_letter((min_col or 1) - 1)
