"""Every use of openpyxl's private internals, in one place.

Uploaded workbooks are opened with openpyxl's public
``load_workbook(read_only=True, data_only=True)``, but the rows a read-only
worksheet hands out lose two things the reader must report: whether a cell
holds a formula (a formula saved without its calculated value would read as
a blank cell, and the entry would lose data without a word) and the merged
ranges.  So :class:`ParsedSheet` drives openpyxl's own sheet parser over the
sheet's XML, with one hook that notes formula cells.  It relies on these
internals of openpyxl 3.1 (checked by
``tests/test_spreadsheets.py::test_openpyxl_internals_of_the_xlsx_adapter``):

* ``openpyxl.worksheet._reader.WorkSheetParser``: its constructor
  ``(src, shared_strings, data_only=, epoch=, date_formats=,
  timedelta_formats=)``; ``parse()`` yielding ``(row number, [cell])``
  where each cell is a dict with ``column`` (1-based), ``value`` and
  ``data_type``; ``parse_cell(element)`` building one such dict from the
  ``<c>`` element; and ``merged_cells.mergeCell`` (ranges with ``.ref``)
  filled in once the sheet is parsed;
* on a read-only workbook: ``_archive`` (the open zip), ``shared_strings``,
  ``_date_formats`` and ``_timedelta_formats`` (the style ids that make a
  number a date or a duration);
* on a read-only worksheet: ``_worksheet_path`` (its entry in the zip;
  a chartsheet has none).

When a new openpyxl breaks that test, this module is the only one to change.
openpyxl is imported on first use, so that the CLI starts fast.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, NamedTuple


class XlsxCell(NamedTuple):
    """One stored cell as openpyxl's sheet parser reads it."""

    column: int  # 1-based
    value: Any  # with data_only, a formula's cached value (None when none was saved)
    data_type: str  # openpyxl's type letter: "n", "s", "b", "d" (date), "e" (error), ...
    formula: bool  # whether the cell holds a formula


def is_worksheet(sheet: Any) -> bool:
    """Whether a sheet of a read-only workbook is a worksheet (not a chartsheet)."""
    return hasattr(sheet, "_worksheet_path")


@functools.cache
def _formula_noting_parser() -> type:
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    formula_tag = f"{{{SHEET_MAIN_NS}}}f"

    class FormulaNotingParser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            cell["formula"] = element.find(formula_tag) is not None
            return cell

    return FormulaNotingParser


class ParsedSheet:
    """The cells of one worksheet of a workbook opened read-only, and its merged ranges.

    Iterate :meth:`rows` once; :attr:`merged_ranges` (``"A3:B3"``, ...) is
    filled in when the rows are exhausted.
    """

    def __init__(self, workbook: Any, worksheet: Any):
        self.workbook, self.worksheet = workbook, worksheet
        self.merged_ranges: list[str] = []

    def rows(self) -> Iterator[tuple[int, list[XlsxCell]]]:
        """Yield (row number, stored cells) for each row the sheet's XML holds."""
        workbook = self.workbook
        with workbook._archive.open(self.worksheet._worksheet_path) as src:
            parser = _formula_noting_parser()(
                src,
                workbook.shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for rownum, row in parser.parse():
                yield rownum, [XlsxCell(c["column"], c["value"], c["data_type"], c["formula"]) for c in row]
            merged = getattr(parser.merged_cells, "mergeCell", None) or []
        self.merged_ranges = [merge.ref for merge in merged]
