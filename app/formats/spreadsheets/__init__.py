"""Locality documents as spreadsheets: an XLSX workbook or a zip of CSV files.

Locality co-ordinators keep their structures in spreadsheets, so a
``locmap/1`` document can be read from and written to

* an XLSX workbook with the sheets ``locality``, ``agencies``, ``people``,
  ``groups``, ``members`` and ``links`` (plus a ``README`` sheet, ignored
  when reading), or
* a zip of ``locality.csv``, ``agencies.csv``, ... with the same columns.

Each sheet has a header row and one entry per row.  ``locality`` is a
two-column ``field, value`` list (one ``sources`` row per citation);
``members`` holds one row per seat, naming the group in its ``group`` column;
``groups.area`` lists locality ids separated by ``;``.

Reading first turns the sheets into ``locmap/1`` data, noting conversion
problems (bad booleans and numbers, unknown or missing columns, dates,
formulas without values, merged cells ...), then checks that data with
:func:`models.validation.validate_data` and locates each of its problems
back on a sheet, row and column.  Every problem is reported together in one
:class:`WorkbookError`; no other exception escapes for bad input.

Writing neutralises text that a spreadsheet program would run as a formula
(OWASP "CSV injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return gets a leading ``'``, which reading strips again, so a
round trip is lossless.

The package, by responsibility: :mod:`.layout` (the sheets and columns),
:mod:`.cells` (cell values and formula neutralising), :mod:`.problems`,
:mod:`.limits`, :mod:`.archive` (the zip guard), :mod:`.builder` (rows to a
checked document), :mod:`.xlsx_reader` with :mod:`.xlsx_adapter` (every
private openpyxl access), :mod:`.csv_reader`, :mod:`.reader` (either kind by
extension), :mod:`.rows` (a document as rows), :mod:`.xlsx_writer`,
:mod:`.csv_writer` and :mod:`.template`.
"""

from app.formats.spreadsheets.cells import neutralise, unneutralise
from app.formats.spreadsheets.csv_reader import read_csv_zip
from app.formats.spreadsheets.csv_writer import write_csv_zip
from app.formats.spreadsheets.layout import COLUMNS, LOCALITY_FIELDS, SHEETS
from app.formats.spreadsheets.problems import SheetProblem, WorkbookError
from app.formats.spreadsheets.reader import read_workbook
from app.formats.spreadsheets.template import template_document, write_template
from app.formats.spreadsheets.xlsx_reader import read_xlsx
from app.formats.spreadsheets.xlsx_writer import write_xlsx

__all__ = [
    "SheetProblem",
    "WorkbookError",
    "read_xlsx",
    "read_csv_zip",
    "read_workbook",
    "write_xlsx",
    "write_csv_zip",
    "write_template",
    "template_document",
    "neutralise",
    "unneutralise",
    "SHEETS",
    "COLUMNS",
    "LOCALITY_FIELDS",
]
