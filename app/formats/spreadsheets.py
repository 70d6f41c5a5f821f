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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.document import LocalityDocument, default_link_id
from models.validation import DocumentError, validate_data
from models.vocab import (
    FORMAT_VERSION,
    Boundary,
    DevolvedFunding,
    Focus,
    GroupType,
    LinkKind,
    Meets,
    MemberRole,
    MembershipRule,
    Sector,
)

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
]

# ---------------------------------------------------------------- limits

#: Largest upload accepted, compressed, in bytes.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Largest total uncompressed size of the zip entries read (zip-bomb guard).
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: Most entries a workbook or CSV zip may hold.
MAX_ZIP_ENTRIES = 1000
#: Most data rows read from one sheet.
MAX_ROWS = 200_000
#: Most problems reported; the rest are summarised in one line.
MAX_PROBLEMS = 1000

# ---------------------------------------------------------------- layout

SHEETS = ("locality", "agencies", "people", "groups", "members", "links")
README_SHEET = "README"

#: Rows of the ``locality`` sheet, in order.  ``sources`` may repeat.
LOCALITY_FIELDS = (
    "format",
    "id",
    "name",
    "authority",
    "boundary",
    "devolved_funding",
    "description",
    "sources",
    "note",
)
LOCALITY_COLUMNS = ("field", "value")

#: Columns of the list sheets, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "locality": LOCALITY_COLUMNS,
    "agencies": ("id", "name", "sector", "school", "note"),
    "people": ("id", "name", "role", "agency", "systems_minder", "service_user_rep", "local", "hours_per_week", "note"),
    "groups": (
        "id",
        "name",
        "type",
        "focus",
        "membership",
        "meets",
        "meetings_per_year",
        "hours",
        "external",
        "area",
        "school",
        "purpose",
        "venue",
        "note",
    ),
    "members": ("group", "person", "role", "attendance", "note"),
    "links": ("id", "from", "to", "kind", "note"),
}

#: Columns a sheet must have.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "locality": LOCALITY_COLUMNS,
    "agencies": ("id", "name", "sector"),
    "people": ("id", "name"),
    "groups": ("id", "name", "type"),
    "members": ("group", "person"),
    "links": ("from", "to", "kind"),
}

#: Columns that are not plain text: (sheet, column).
_BOOL_COLUMNS = {
    ("agencies", "school"),
    ("people", "systems_minder"),
    ("people", "service_user_rep"),
    ("people", "local"),
    ("groups", "external"),
}
_NUMBER_COLUMNS = {
    ("people", "hours_per_week"),
    ("groups", "meetings_per_year"),
    ("groups", "hours"),
    ("members", "attendance"),
}
_LIST_COLUMNS = {("groups", "area")}

#: Vocabulary dropdowns: (sheet, column or locality field) -> allowed words.
VOCABULARY_COLUMNS: dict[tuple[str, str], list[str]] = {
    ("locality", "boundary"): [v.value for v in Boundary],
    ("locality", "devolved_funding"): [v.value for v in DevolvedFunding],
    ("agencies", "sector"): [v.value for v in Sector],
    ("groups", "type"): [v.value for v in GroupType],
    ("groups", "focus"): [v.value for v in Focus],
    ("groups", "membership"): [v.value for v in MembershipRule],
    ("groups", "meets"): [v.value for v in Meets],
    ("members", "role"): [v.value for v in MemberRole],
    ("links", "kind"): [v.value for v in LinkKind],
}

#: Columns holding ids of entries on another sheet: (sheet, column) -> sheet.
REFERENCE_COLUMNS: dict[tuple[str, str], str] = {
    ("people", "agency"): "agencies",
    ("groups", "school"): "agencies",
    ("members", "group"): "groups",
    ("members", "person"): "people",
    ("links", "from"): "groups",
    ("links", "to"): "groups",
}

#: What each column means, for the README sheet: (sheet, column) -> (required, help).
COLUMN_HELP: dict[tuple[str, str], tuple[bool, str]] = {
    ("locality", "format"): (False, f"Always {FORMAT_VERSION} (assumed when the row is left out)."),
    ("locality", "id"): (True, "Short id of the locality, used in web addresses, e.g. wantage."),
    ("locality", "name"): (True, "Display name."),
    ("locality", "authority"): (True, "The local authority the locality belongs to."),
    ("locality", "boundary"): (True, "How clearly the patch is bounded and matches how services are organised."),
    ("locality", "devolved_funding"): (
        False,
        "Flexible money held and decided on at locality level; blank means none.",
    ),
    ("locality", "description"): (False, "The area, its schools and services, how the work started."),
    ("locality", "sources"): (False, "Where the information came from. One row named 'sources' per citation."),
    ("locality", "note"): (False, "Assumptions made where the sources are silent."),
    ("agencies", "id"): (True, "Unique id of the agency, e.g. larkrise-school."),
    ("agencies", "name"): (True, "Name of the organisation."),
    ("agencies", "sector"): (True, "The agency's sector (dropdown)."),
    ("agencies", "school"): (False, "TRUE if the agency is a school (default FALSE)."),
    ("agencies", "note"): (False, "Free text."),
    ("people", "id"): (True, "Unique id of the post, e.g. senco-larkrise."),
    ("people", "name"): (True, "A role description rather than a personal name, e.g. 'SENCO, Larkrise School'."),
    ("people", "role"): (False, "Job role, free text: head_teacher, senco, hsclw, ..."),
    ("people", "agency"): (False, "Id of the person's agency (agencies sheet)."),
    ("people", "systems_minder"): (
        False,
        "TRUE if the person minds the communication system as a whole (default FALSE).",
    ),
    ("people", "service_user_rep"): (
        False,
        "TRUE for a parent, young person or community representative (default FALSE).",
    ),
    ("people", "local"): (False, "FALSE if the post covers a much wider area than the locality (default TRUE)."),
    ("people", "hours_per_week"): (False, "Contracted hours a week, more than 0 and at most 100 (37 = full time)."),
    ("people", "note"): (False, "Free text."),
    ("groups", "id"): (True, "Unique id of the group, e.g. steering-group."),
    ("groups", "name"): (True, "Name of the meeting."),
    ("groups", "type"): (True, "The kind of group (dropdown)."),
    ("groups", "focus"): (False, "upstream, downstream, both or strategic; leave blank for the default of the type."),
    ("groups", "membership"): (False, "Who may join: open, representative or fixed."),
    ("groups", "meets"): (False, "How often it meets (dropdown)."),
    ("groups", "meetings_per_year"): (False, "Number of meetings a year, 0 to 366; overrides 'meets'."),
    ("groups", "hours"): (False, "Length of one meeting in hours, more than 0 and at most 24."),
    ("groups", "external"): (
        False,
        "TRUE for a body outside the locality, e.g. the county steering group (default FALSE).",
    ),
    ("groups", "area"): (False, "Ids of the localities the group serves, separated by ';'."),
    ("groups", "school"): (False, "Id of the school agency the group sits in (an agency with school TRUE)."),
    ("groups", "purpose"): (False, "Free text."),
    ("groups", "venue"): (False, "Short text."),
    ("groups", "note"): (False, "Free text."),
    ("members", "group"): (True, "Id of the group (groups sheet). One row per seat."),
    ("members", "person"): (True, "Id of the person (people sheet); a person sits on a group once."),
    ("members", "role"): (False, "The seat's role (dropdown); blank means member."),
    ("members", "attendance"): (False, "Share of meetings attended, 0 to 1 (0.5 = half)."),
    ("members", "note"): (False, "Free text."),
    ("links", "id"): (False, "Optional id; blank means '<from>--<kind>--<to>'."),
    ("links", "from"): (True, "Id of the group the link starts from."),
    ("links", "to"): (True, "Id of the group the link goes to (a different group)."),
    ("links", "kind"): (True, "How the first group passes issues, cases or direction to the second (dropdown)."),
    ("links", "note"): (False, "Free text."),
}

README_INTRO = [
    "locmap locality workbook (locmap/1)",
    "",
    "This workbook describes one locality's communication system: the agencies that work there, the people "
    "(posts) who attend meetings, the groups that meet, who sits on each group, and the links along which "
    "groups pass issues and cases.",
    "Fill in the sheets locality, agencies, people, groups, members and links. This README sheet is ignored "
    "when the workbook is read; other extra sheets are ignored too.",
    "",
    "Rules",
    "- Keep the header row (row 1) of every sheet; columns may be in any order, optional columns may be left out.",
    "- Ids are lower-case letters, digits, '-' and '_', 1-64 characters, starting and ending with a letter or "
    "digit (e.g. sct-larkrise). Each id is unique within its sheet; other sheets refer to entries by id.",
    "- Describe people by role, not by name ('SENCO, Larkrise School'): the workbook should hold no personal data.",
    "- Yes/no columns take TRUE or FALSE (yes/no and 1/0 work too). A blank cell means the default.",
    "- Enter ids and other words as text: do not let the spreadsheet turn them into dates or formulas.",
    "- Do not merge cells; empty rows are ignored.",
    "- A cell that starts with = + - or @ is written with a leading ' so that it is not run as a formula; "
    "the ' is removed again when the workbook is read.",
    "",
    "Columns",
]

# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with a workbook: which sheet, row and column, and what."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where = f"{where} row {self.row}".strip()
        if self.column:
            where = f"{where}, column {self.column}" if where else f"column {self.column}"
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class WorkbookError(Exception):
    """A workbook or CSV zip could not be read; ``problems`` lists every reason."""

    def __init__(self, problems: list[SheetProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the spreadsheet: " + "; ".join(str(p) for p in problems[:3]))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


def _fail(message: str, sheet: str = "") -> WorkbookError:
    return WorkbookError([SheetProblem(sheet, None, None, message)])


# ---------------------------------------------------------------- formula injection

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would treat as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    (after any quotes already there) gets one more leading quote, so that
    :func:`unneutralise` can undo it exactly.
    """
    if value and value.lstrip("'")[:1] in _DANGEROUS_START:
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`."""
    if value.startswith("'") and value.lstrip("'")[:1] in _DANGEROUS_START:
        return value[1:]
    return value


# ---------------------------------------------------------------- cell values


class _Special:
    """A cell value that is not text, a number or a boolean."""

    def __init__(self, kind: str, value: Any = None):
        self.kind, self.value = kind, value


_FORMULA_WITHOUT_VALUE = _Special("formula")
_Cells = dict[int, Any]  # 0-based column index -> value (str, int, float, bool or _Special)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _special_problem(value: _Special, expected: str) -> str:
    if value.kind == "formula":
        return (
            "formula without a calculated value: type the value itself, or open and save the workbook "
            "in a spreadsheet program so it stores the result"
        )
    if value.kind == "error":
        return f"cell holds the spreadsheet error {value.value}; expected {expected}"
    if value.kind == "date":
        when = value.value
        if isinstance(when, dt.datetime) and when.time() == dt.time(0):
            when = when.date()
        shown = when.isoformat() if hasattr(when, "isoformat") else str(when)
        return f"expected {expected}, got a date or time ({shown}): format the cell as Text and retype it"
    return f"expected {expected}"


def _to_text(value: Any) -> tuple[str | None, str | None]:
    """Cell value -> (text or None for blank, problem)."""
    if value is None:
        return None, None
    if isinstance(value, _Special):
        return None, _special_problem(value, "text")
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, (int, float)):
        return _number_text(value), None
    text = str(value).strip()
    if not text:
        return None, None
    return unneutralise(text), None


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _to_bool(value: Any) -> tuple[bool | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, _Special):
        return None, _special_problem(value, "TRUE or FALSE")
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value), None
        return None, f"expected TRUE or FALSE (or yes/no, 1/0), got {_number_text(value)}"
    text = unneutralise(str(value).strip())
    if not text:
        return None, None
    if text.lower() in _TRUE:
        return True, None
    if text.lower() in _FALSE:
        return False, None
    return None, f"expected TRUE or FALSE (or yes/no, 1/0), got {_show(text)}"


def _to_number(value: Any) -> tuple[int | float | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, _Special):
        return None, _special_problem(value, "a number")
    if isinstance(value, bool):
        return None, f"expected a number, got {'TRUE' if value else 'FALSE'}"
    if isinstance(value, (int, float)):
        number = value
    else:
        text = unneutralise(str(value).strip())
        if not text:
            return None, None
        try:
            number = int(text) if re.fullmatch(r"[+-]?\d{1,15}", text) else float(text)
        except ValueError:
            return None, f"expected a number, got {_show(text)}"
    if isinstance(number, float) and not math.isfinite(number):
        return None, f"expected a number, got {_show(value)}"
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        number = int(number)
    return number, None


def _to_list(value: Any) -> tuple[list[str] | None, str | None]:
    text, problem = _to_text(value)
    if text is None:
        return None, problem
    items = [part.strip() for part in re.split(r"[;,\n]", text)]
    return [item for item in items if item], None


def _convert(sheet: str, column: str, value: Any) -> tuple[Any, str | None]:
    if (sheet, column) in _BOOL_COLUMNS:
        return _to_bool(value)
    if (sheet, column) in _NUMBER_COLUMNS:
        return _to_number(value)
    if (sheet, column) in _LIST_COLUMNS:
        return _to_list(value)
    return _to_text(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _header_key(value: Any) -> str:
    text, _ = _to_text(value)
    return re.sub(r"[\s]+", "_", (text or "").strip().lower())


# ---------------------------------------------------------------- sheets -> document


class _Builder:
    """Turns sheet rows into ``locmap/1`` data, remembering where each entry came from."""

    def __init__(self) -> None:
        self.problems: list[SheetProblem] = []
        self.data: dict[str, Any] = {"format": FORMAT_VERSION}
        self.locality_rows: dict[str, int] = {}
        self.source_rows: list[int] = []
        self.rows: dict[str, list[int]] = {s: [] for s in ("agencies", "people", "groups", "links")}
        self.member_rows: list[list[int]] = []
        self.group_index: dict[str, int] = {}
        #: Sheets missing entirely, and (sheet, column) pairs missing from a header:
        #: validation problems about them would repeat what was already said.
        self.missing_sheets: set[str] = set()
        self.missing_columns: set[tuple[str, str]] = set()

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(SheetProblem(sheet, row, column, message))

    # -- reading one sheet's rows into records

    def records(self, sheet: str, rows: Iterable[tuple[int, _Cells]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield (row number, {column: raw value}) for each non-empty data row."""
        allowed = COLUMNS[sheet]
        header: dict[int, str] | None = None
        header_row = 1
        unlabelled_reported: set[int] = set()
        count = 0
        for rownum, cells in rows:
            if header is None:
                if all(_is_blank(v) for v in cells.values()):
                    continue
                header = self._header(sheet, rownum, cells, allowed)
                header_row = rownum
                continue
            if all(_is_blank(v) for v in cells.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                self.problem(sheet, rownum, None, f"too many rows: a sheet may hold at most {MAX_ROWS} rows")
                return
            record: dict[str, Any] = {}
            for index, value in cells.items():
                name = header.get(index)
                if name is None:
                    if not _is_blank(value) and index not in unlabelled_reported:
                        unlabelled_reported.add(index)
                        self.problem(
                            sheet,
                            rownum,
                            _column_letter(index),
                            f"value in column {_column_letter(index)}, which has no heading in row {header_row}",
                        )
                    continue
                if name:  # "" marks an unknown or repeated heading, already reported
                    record[name] = value
            yield rownum, record
        if header is None and sheet == "locality":
            # An empty list sheet simply has no entries; the locality needs its fields.
            self.problem(
                sheet, None, None, f"sheet is empty: expected the columns {', '.join(allowed)} and a row per field"
            )
            self.missing_sheets.add(sheet)

    def _header(self, sheet: str, rownum: int, cells: _Cells, allowed: tuple[str, ...]) -> dict[int, str]:
        header: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index in sorted(cells):
            value = cells[index]
            if _is_blank(value):
                continue
            key = _header_key(value)
            label = (_to_text(value)[0] or "") if not isinstance(value, _Special) else _column_letter(index)
            if key not in allowed:
                self.problem(
                    sheet,
                    rownum,
                    label,
                    f"unknown column {_show(label)}: the {sheet} sheet has the columns {', '.join(allowed)}",
                )
                header[index] = ""
            elif key in seen:
                self.problem(
                    sheet,
                    rownum,
                    key,
                    f"column {key!r} appears twice (columns {_column_letter(seen[key])} and {_column_letter(index)})",
                )
                header[index] = ""
            else:
                seen[key] = index
                header[index] = key
        for column in REQUIRED_COLUMNS[sheet]:
            if column not in seen:
                self.problem(sheet, rownum, column, f"missing required column {column!r}")
                self.missing_columns.add((sheet, column))
        return header

    # -- the sheets

    def locality(self, rows: Iterable[tuple[int, _Cells]]) -> None:
        info: dict[str, Any] = {}
        sources: list[str] = []
        for rownum, record in self.records("locality", rows):
            field, problem = _to_text(record.get("field"))
            if problem:
                self.problem("locality", rownum, "field", problem)
                continue
            value = record.get("value")
            if field is None:
                self.problem(
                    "locality", rownum, "field", "value without a field name: name the field in column 'field'"
                )
                continue
            key = _header_key(field)
            if key not in LOCALITY_FIELDS:
                self.problem(
                    "locality",
                    rownum,
                    "field",
                    f"unknown field {_show(field)}: the fields are {', '.join(LOCALITY_FIELDS)}",
                )
                continue
            text, problem = _to_text(value)
            if problem:
                self.problem("locality", rownum, "value", problem)
            if key == "sources":
                if text is not None:
                    self.source_rows.append(rownum)
                    sources.append(text)
                continue
            if key in self.locality_rows:
                self.problem(
                    "locality",
                    rownum,
                    "field",
                    f"field {key!r} appears twice (first in row {self.locality_rows[key]})",
                )
                continue
            self.locality_rows[key] = rownum
            if text is None:
                continue
            if key == "format":
                self.data["format"] = text
            else:
                info[key] = text
        if sources:
            info["sources"] = sources
        if "locality" not in self.missing_sheets:
            self.data["locality"] = info

    def entries(self, sheet: str, rows: Iterable[tuple[int, _Cells]]) -> None:
        items: list[dict[str, Any]] = []
        for rownum, record in self.records(sheet, rows):
            entry: dict[str, Any] = {}
            for column in COLUMNS[sheet]:
                if column not in record:
                    continue
                value, problem = _convert(sheet, column, record[column])
                if problem:
                    self.problem(sheet, rownum, column, problem)
                elif value is not None:
                    entry[column] = value
            if sheet == "groups":
                entry["members"] = []
                group_id = entry.get("id")
                if isinstance(group_id, str) and group_id not in self.group_index:
                    self.group_index[group_id] = len(items)
                self.member_rows.append([])
            items.append(entry)
            self.rows[sheet].append(rownum)
        self.data[sheet] = items

    def members(self, rows: Iterable[tuple[int, _Cells]]) -> None:
        groups = self.data.get("groups", [])
        for rownum, record in self.records("members", rows):
            seat: dict[str, Any] = {}
            group_id = None
            for column in COLUMNS["members"]:
                if column not in record:
                    continue
                value, problem = _convert("members", column, record[column])
                if problem:
                    self.problem("members", rownum, column, problem)
                elif column == "group":
                    group_id = value
                elif value is not None:
                    seat[column] = value
            if group_id is None:
                if ("members", "group") not in self.missing_columns and _to_text(record.get("group"))[1] is None:
                    self.problem(
                        "members", rownum, "group", "required field is missing: the id of a group on the groups sheet"
                    )
                continue
            index = self.group_index.get(group_id)
            if index is None:
                if "groups" not in self.missing_sheets:
                    self.problem("members", rownum, "group", f"unknown group {group_id!r}")
                continue
            groups[index]["members"].append(seat)
            self.member_rows[index].append(rownum)

    # -- validation problems back to cells

    def locate(self, loc: str) -> tuple[str, int | None, str | None, str] | None:
        """A validation path -> (sheet, row, column, message prefix), or None to drop it."""
        path: list[Any] = [int(p) if p.isdigit() else p for p in loc.replace("]", "").replace("[", ".").split(".") if p]
        if not path:
            return "", None, None, ""
        head = path[0]
        if head == "format":
            return "locality", self.locality_rows.get("format"), "value", ""
        if head == "locality":
            if "locality" in self.missing_sheets:
                return None
            if len(path) == 1:
                return "locality", None, None, ""
            field = str(path[1])
            if field == "sources" and len(path) > 2 and isinstance(path[2], int) and path[2] < len(self.source_rows):
                return "locality", self.source_rows[path[2]], "value", ""
            row = self.locality_rows.get(field)
            if row is None:
                return "locality", None, "field", f"field {field!r}: "
            return "locality", row, "value", ""
        if head in self.rows:
            if head in self.missing_sheets:
                return None
            rows = self.rows[head]
            if len(path) < 2 or not isinstance(path[1], int) or path[1] >= len(rows):
                return head, None, None, ""
            row = rows[path[1]]
            if head == "groups" and len(path) > 2 and path[2] == "members":
                seats = self.member_rows[path[1]]
                if len(path) < 4 or not isinstance(path[3], int) or path[3] >= len(seats):
                    return "members", None, None, f"group {row} on the groups sheet: "
                column = str(path[4]) if len(path) > 4 else None
                if ("members", column) in self.missing_columns:
                    return None
                return "members", seats[path[3]], column, ""
            column = str(path[2]) if len(path) > 2 else None
            if (head, column) in self.missing_columns:
                return None
            return head, row, column, ""
        return "", None, None, f"{loc}: "

    def build(self) -> LocalityDocument:
        problems = list(self.problems)
        # A cell that could not be converted was left out of the data: its
        # "required field is missing" would only repeat the conversion problem.
        flagged = {(p.sheet, p.row, p.column) for p in problems}
        document = None
        try:
            document = validate_data(self.data)
        except DocumentError as exc:
            for p in exc.problems:
                where = self.locate(p.loc)
                if where is None:
                    continue
                sheet, row, column, prefix = where
                if (sheet, row, column) in flagged and row is not None:
                    continue
                problems.append(SheetProblem(sheet, row, column, prefix + p.msg))
        if problems or document is None:
            raise WorkbookError(
                _tidy(problems) or [SheetProblem("", None, None, "the workbook is not a valid locality")]
            )
        return document


def _tidy(problems: list[SheetProblem]) -> list[SheetProblem]:
    """Sort problems by sheet, row and column, drop repeats, cap the count."""
    order = {name: i for i, name in enumerate(SHEETS)}

    def key(p: SheetProblem):
        columns = COLUMNS.get(p.sheet, ())
        col = columns.index(p.column) if p.column in columns else len(columns)
        return (order.get(p.sheet, -1), p.row or 0, col)

    unique = list(dict.fromkeys(problems))
    unique.sort(key=key)
    if len(unique) > MAX_PROBLEMS:
        extra = len(unique) - MAX_PROBLEMS
        unique = unique[:MAX_PROBLEMS] + [SheetProblem("", None, None, f"... and {extra} more problem(s) not listed")]
    return unique


def _build(sheets: dict[str, Callable[[], Iterable[tuple[int, _Cells]]]], builder: _Builder) -> LocalityDocument:
    """Read the sheets (name -> row source; missing ones absent) into a checked document."""
    for name in SHEETS:
        if name not in sheets:
            builder.problem(
                name, None, None, f"missing sheet {name!r}: a locality workbook has the sheets {', '.join(SHEETS)}"
            )
            builder.missing_sheets.add(name)
    for name in SHEETS:
        if name not in sheets:
            continue
        rows = sheets[name]()
        if name == "locality":
            builder.locality(rows)
        elif name == "members":
            builder.members(rows)
        else:
            builder.entries(name, rows)
    return builder.build()


# ---------------------------------------------------------------- zip guards


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _fail(f"expected the bytes of {what}")
    if not data:
        raise _fail(f"the file is empty: expected {what}")
    if len(data) > MAX_FILE_BYTES:
        raise _fail(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        hint = ""
        if what.startswith("an XLSX"):
            hint = " (an old .xls file or a password-protected workbook cannot be read: save it as .xlsx)"
        raise _fail(f"not {what}: the file is not a zip archive{hint}") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _fail(f"the archive holds {len(infos)} files; at most {MAX_ZIP_ENTRIES} are allowed")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _fail(f"the archive unpacks to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB")
    if any(info.flag_bits & 0x1 for info in infos):
        raise _fail("the archive is encrypted: remove the password and try again")
    return archive


# ---------------------------------------------------------------- XLSX reading


def _xlsx_row_source(workbook, worksheet, sheet: str, builder: _Builder) -> Callable[[], Iterator[tuple[int, _Cells]]]:
    """Rows of one worksheet with formula cells and merged ranges noted.

    openpyxl's read-only worksheets lose both, so this drives its sheet
    parser directly (``data_only``: a formula's cached value is the value).
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    formula_tag = f"{{{SHEET_MAIN_NS}}}f"

    class _Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            cell["formula"] = element.find(formula_tag) is not None
            return cell

    def rows() -> Iterator[tuple[int, _Cells]]:
        try:
            yield from parse()
        except Exception as exc:  # noqa: BLE001 - malformed XML or cell data
            builder.problem(sheet, None, None, f"the sheet cannot be read ({type(exc).__name__}: {str(exc)[:200]})")

    def parse() -> Iterator[tuple[int, _Cells]]:
        with workbook._archive.open(worksheet._worksheet_path) as src:
            parser = _Parser(
                src,
                workbook.shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for rownum, row in parser.parse():
                cells: _Cells = {}
                for cell in row:
                    value = cell["value"]
                    kind = cell["data_type"]
                    if cell["formula"] and value is None:
                        value = _FORMULA_WITHOUT_VALUE
                    elif kind == "e":
                        value = _Special("error", value)
                    elif kind == "d" or isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
                        value = _Special("date", value)
                    elif isinstance(value, str) and "\x00" in value:
                        value = value.replace("\x00", "")
                    cells[cell["column"] - 1] = value
                yield rownum, cells
            merged = getattr(parser.merged_cells, "mergeCell", None) or []
        for merge in merged:
            try:
                min_col, min_row, _, _ = range_boundaries(merge.ref)
            except (TypeError, ValueError):
                min_col, min_row = 1, None
            builder.problem(
                sheet,
                min_row,
                _column_letter((min_col or 1) - 1),
                f"merged cells {merge.ref}: unmerge them and fill in every cell",
            )

    return rows


def read_xlsx(data: bytes) -> LocalityDocument:
    """Read a locality from an XLSX workbook, or raise :class:`WorkbookError`."""
    _open_zip(data, "an XLSX workbook").close()
    try:
        import warnings

        from openpyxl import load_workbook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
        raise _fail(f"not a readable XLSX workbook ({type(exc).__name__}: {str(exc)[:200]})") from None
    try:
        builder = _Builder()
        sheets: dict[str, Callable[[], Iterable[tuple[int, _Cells]]]] = {}
        for title in workbook.sheetnames:
            name = title.strip().lower()
            if name not in SHEETS or name in sheets:
                continue
            worksheet = workbook[title]
            if not hasattr(worksheet, "_worksheet_path"):
                builder.problem(name, None, None, "is a chart, not a worksheet")
                continue
            sheets[name] = _xlsx_row_source(workbook, worksheet, name, builder)
        return _build(sheets, builder)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _fail(f"not a readable XLSX workbook ({type(exc).__name__}: {str(exc)[:200]})") from None
    finally:
        workbook.close()


# ---------------------------------------------------------------- CSV reading


def _csv_rows(text: str) -> Iterator[tuple[int, _Cells]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for rownum, row in enumerate(reader, start=1):
        yield rownum, {i: value for i, value in enumerate(row) if value != ""}


def read_csv_zip(data: bytes) -> LocalityDocument:
    """Read a locality from a zip of CSV files, or raise :class:`WorkbookError`."""
    archive = _open_zip(data, "a zip of CSV files")
    try:
        builder = _Builder()
        found: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = info.filename.replace("\\", "/").split("/")
            base = parts[-1]
            if parts[0] == "__MACOSX" or base.startswith("."):
                continue
            stem, _, ext = base.lower().rpartition(".")
            if ext != "csv" or stem not in SHEETS:
                continue
            if stem in found:
                builder.problem(
                    stem,
                    None,
                    None,
                    f"the zip holds two files named {stem}.csv ({found[stem].filename}, {info.filename})",
                )
                continue
            found[stem] = info
        if not found:
            if "[Content_Types].xml" in archive.namelist():
                raise _fail("this is an XLSX workbook, not a zip of CSV files: upload it as .xlsx")
            raise _fail(
                "the zip holds none of the files locality.csv, agencies.csv, people.csv, groups.csv, "
                "members.csv, links.csv"
            )
        texts: dict[str, str] = {}
        for name, info in found.items():
            with archive.open(info) as handle:
                raw = handle.read(MAX_UNCOMPRESSED_BYTES + 1)
            if len(raw) > MAX_UNCOMPRESSED_BYTES:
                raise _fail(f"{info.filename} unpacks to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB", name)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                builder.problem(
                    name,
                    None,
                    None,
                    f"not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}): save the file as 'CSV UTF-8'",
                )
                texts[name] = ""
                continue
            texts[name] = text.replace("\x00", "")

        def source(name: str) -> Callable[[], Iterator[tuple[int, _Cells]]]:
            def rows() -> Iterator[tuple[int, _Cells]]:
                try:
                    yield from _csv_rows(texts[name])
                except csv.Error as exc:
                    builder.problem(name, None, None, f"not a readable CSV file: {exc}")

            return rows

        return _build({name: source(name) for name in texts}, builder)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt entry can fail in zlib, zipfile or csv
        raise _fail(f"not a readable zip of CSV files ({type(exc).__name__}: {str(exc)[:200]})") from None
    finally:
        archive.close()


def read_workbook(path_or_bytes: str | Path | bytes, suffix: str | None = None) -> LocalityDocument:
    """Read an ``.xlsx`` workbook or a ``.zip`` of CSV files, chosen by ``suffix``
    (or by the path's extension)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        suffix = suffix or path.suffix
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise _fail(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
            data = path.read_bytes()
        except IsADirectoryError:
            raise _fail("is a directory, not a spreadsheet") from None
        except FileNotFoundError:
            raise _fail("no such file") from None
        except OSError as exc:
            raise _fail(f"cannot read the file: {exc.strerror or exc}") from None
    kind = (suffix or "").lower()
    if not kind.startswith(".") and kind:
        kind = "." + kind
    if kind == ".xlsx":
        return read_xlsx(data)
    if kind == ".zip":
        return read_csv_zip(data)
    raise _fail(f"unsupported file type {suffix!r}: use an .xlsx workbook or a .zip of CSV files")


# ---------------------------------------------------------------- document -> rows


def _sheet_rows(document: LocalityDocument) -> dict[str, list[list[Any]]]:
    """Each sheet's data rows (no header) as plain values, in document order."""
    data = document.to_data()
    info = document.locality
    locality: list[list[Any]] = [["format", FORMAT_VERSION]]
    for field in LOCALITY_FIELDS[1:]:
        if field == "sources":
            locality.extend(["sources", source] for source in info.sources or [None])
            continue
        value = getattr(info, field)
        locality.append([field, value.value if hasattr(value, "value") else value])

    def table(sheet: str, entries: list[dict]) -> list[list[Any]]:
        return [[entry.get(column) for column in COLUMNS[sheet]] for entry in entries]

    groups = []
    members = []
    for group in data.get("groups", []):
        entry = dict(group)
        if entry.get("area"):
            entry["area"] = "; ".join(entry["area"])
        groups.append(entry)
        for seat in group.get("members", []):
            members.append({"group": group["id"], **seat})
    links = []
    for link in data.get("links", []):
        entry = dict(link)
        if entry.get("id") == default_link_id(link["from"], link["kind"], link["to"]):
            entry.pop("id")
        links.append(entry)
    return {
        "locality": locality,
        "agencies": table("agencies", data.get("agencies", [])),
        "people": table("people", data.get("people", [])),
        "groups": table("groups", groups),
        "members": table("members", members),
        "links": table("links", links),
    }


def _readme_rows() -> list[list[str]]:
    rows = [[line] for line in README_INTRO]
    rows.append(["sheet", "column", "required", "what to enter"])
    for sheet in SHEETS:
        names = LOCALITY_FIELDS if sheet == "locality" else COLUMNS[sheet]
        for column in names:
            required, text = COLUMN_HELP[(sheet, column)]
            words = VOCABULARY_COLUMNS.get((sheet, column))
            if words:
                text = f"{text} One of: {', '.join(words)}."
            label = f"{column} (row)" if sheet == "locality" else column
            rows.append([sheet, label, "yes" if required else "", text])
    return rows


# ---------------------------------------------------------------- XLSX writing


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def _set(cell, value: Any) -> None:
    cell.value = _xlsx_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula or an error code such as '#N/A'


_WIDE_COLUMNS = {"note", "purpose", "description", "value", "name"}


def _workbook(document: LocalityDocument, *, readme_first: bool):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    rows = _sheet_rows(document)

    workbook = Workbook()
    workbook.remove(workbook.active)

    readme = workbook.create_sheet(README_SHEET)
    for r, row in enumerate(_readme_rows(), start=1):
        for c, value in enumerate(row, start=1):
            cell = readme.cell(r, c)
            cell.value = value  # constant text of this module: no neutralising needed
            cell.data_type = "s"
    readme.cell(1, 1).font = Font(bold=True, size=14)
    table_header = len(README_INTRO) + 1
    for c in range(1, 5):
        readme.cell(table_header, c).font = bold
        readme.cell(table_header, c).fill = fill
    for label in ("Rules", "Columns"):
        readme.cell(README_INTRO.index(label) + 1, 1).font = bold
    for letter, width in zip("ABCD", (16, 34, 10, 100)):
        readme.column_dimensions[letter].width = width
    for r in range(table_header + 1, readme.max_row + 1):
        readme.cell(r, 4).alignment = wrap

    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet)
        columns = COLUMNS[sheet]
        for c, column in enumerate(columns, start=1):
            cell = ws.cell(1, c, column)
            cell.font = bold
            cell.fill = fill
        for r, row in enumerate(rows[sheet], start=2):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    _set(ws.cell(r, c), value)
        ws.freeze_panes = "A2"
        last_row = max(len(rows[sheet]) + 1, 2)
        ws.auto_filter.ref = f"A1:{_column_letter(len(columns) - 1)}{last_row}"

        for c, column in enumerate(columns):
            letter = _column_letter(c)
            longest = max(
                [len(column)]
                + [
                    max((len(line) for line in str(row[c]).split("\n")), default=0)
                    for row in rows[sheet]
                    if row[c] is not None
                ]
            )
            limit = 60 if column in _WIDE_COLUMNS else 40
            ws.column_dimensions[letter].width = min(max(longest + 2, 10), limit)
            text = (sheet, column) not in _BOOL_COLUMNS and (sheet, column) not in _NUMBER_COLUMNS
            if text:
                ws.column_dimensions[letter].number_format = "@"  # typed ids stay text, not dates
            for r, row in enumerate(rows[sheet], start=2):
                if row[c] is not None:
                    cell = ws.cell(r, c + 1)
                    cell.alignment = wrap if column in _WIDE_COLUMNS else top
                    if text:
                        cell.number_format = "@"

        # Dropdowns: vocabularies (strict), booleans (strict), references (suggestions).
        end = 1048576
        for c, column in enumerate(columns):
            letter = _column_letter(c)
            words = VOCABULARY_COLUMNS.get((sheet, column))
            if words:
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(words) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=f"{sheet}.{column}",
                    error="Choose one of: " + ", ".join(words),
                )
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{end}")
            elif (sheet, column) in _BOOL_COLUMNS:
                dv = DataValidation(
                    type="list",
                    formula1='"TRUE,FALSE"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=f"{sheet}.{column}",
                    error="Enter TRUE or FALSE, or leave blank for the default.",
                )
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{end}")
            elif (sheet, column) in REFERENCE_COLUMNS:
                target = REFERENCE_COLUMNS[(sheet, column)]
                dv = DataValidation(
                    type="list", formula1=f"{target}!$A$2:$A$10000", allow_blank=True, showErrorMessage=False
                )
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{end}")
        if sheet == "locality":
            for r, (field, _) in enumerate(rows["locality"], start=2):
                words = VOCABULARY_COLUMNS.get(("locality", field))
                if words:
                    dv = DataValidation(
                        type="list",
                        formula1='"' + ",".join(words) + '"',
                        allow_blank=True,
                        showErrorMessage=True,
                        errorTitle=field,
                        error="Choose one of: " + ", ".join(words),
                    )
                    ws.add_data_validation(dv)
                    dv.add(f"B{r}")
            fields = DataValidation(
                type="list",
                formula1='"' + ",".join(LOCALITY_FIELDS) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="field",
                error="Choose one of: " + ", ".join(LOCALITY_FIELDS),
            )
            ws.add_data_validation(fields)
            fields.add(f"A2:A{end}")
            ws.column_dimensions["A"].width = 18
            ws.column_dimensions["B"].width = 100

    if not readme_first:
        workbook.move_sheet(README_SHEET, offset=len(SHEETS))
        workbook.active = 0
    else:
        workbook.active = 0
    return workbook


def write_xlsx(document: LocalityDocument) -> bytes:
    """The document as an XLSX workbook (data sheets first, README last)."""
    buffer = io.BytesIO()
    _workbook(document, readme_first=False).save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- CSV writing


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return neutralise(str(value))


def _zip_entry(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode("utf-8-sig"))


def write_csv_zip(document: LocalityDocument) -> bytes:
    """The document as a zip of UTF-8 CSV files (with a byte-order mark, so
    that Excel opens them correctly) and a README.txt."""
    rows = _sheet_rows(document)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for sheet in SHEETS:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(COLUMNS[sheet])
            for row in rows[sheet]:
                writer.writerow([_csv_value(v) for v in row])
            _zip_entry(archive, f"{sheet}.csv", out.getvalue())
        readme = "\r\n".join("\t".join(row) for row in _readme_rows()) + "\r\n"
        _zip_entry(archive, "README.txt", readme)
    return buffer.getvalue()


# ---------------------------------------------------------------- template

TEMPLATE: dict[str, Any] = {
    "format": FORMAT_VERSION,
    "locality": {
        "id": "example-locality",
        "name": "Example Locality",
        "authority": "Example County Council",
        "boundary": "clear",
        "devolved_funding": "none",
        "description": "One or two paragraphs: the area, its schools and services, and how the interagency work started.",
        "sources": ["Steering group minutes, autumn term", "Interviews with the co-ordinator and two head teachers"],
        "note": "Assumptions made where the sources are silent, e.g. 'panel meeting length assumed to be 2 hours'.",
    },
    "agencies": [
        {"id": "county-council", "name": "Example County Council", "sector": "local_authority"},
        {"id": "larkrise-school", "name": "Larkrise Primary School", "sector": "education", "school": True},
        {"id": "social-care", "name": "Children's Social Care", "sector": "social_care"},
    ],
    "people": [
        {
            "id": "coordinator",
            "name": "Locality co-ordinator",
            "role": "locality_coordinator",
            "agency": "county-council",
            "systems_minder": True,
            "hours_per_week": 37,
        },
        {
            "id": "senco-larkrise",
            "name": "SENCO, Larkrise Primary School",
            "role": "senco",
            "agency": "larkrise-school",
        },
        {
            "id": "social-worker",
            "name": "Social worker",
            "role": "social_worker",
            "agency": "social-care",
            "note": "Covers the whole district.",
            "local": False,
        },
    ],
    "groups": [
        {
            "id": "steering-group",
            "name": "Example Locality steering group",
            "type": "steering_group",
            "membership": "representative",
            "meets": "half_termly",
            "hours": 2,
            "purpose": "Strategic decisions and clearing house for issues in the locality.",
            "members": [
                {"person": "coordinator", "role": "chair"},
                {"person": "social-worker", "role": "representative"},
            ],
        },
        {
            "id": "network",
            "name": "Example Locality Network",
            "type": "network",
            "membership": "open",
            "meets": "termly",
            "hours": 1,
            "area": ["example-locality", "next-door-locality"],
            "venue": "Lunchtime, Larkrise Primary School",
            "members": [
                {"person": "coordinator", "role": "coordinator"},
                {"person": "senco-larkrise"},
                {"person": "social-worker", "attendance": 0.5, "note": "Comes when casework allows."},
            ],
        },
        {
            "id": "sct-larkrise",
            "name": "Larkrise School Consultation Team",
            "type": "school_consultation_team",
            "school": "larkrise-school",
            "meets": "termly",
            "hours": 1.5,
            "members": [{"person": "senco-larkrise", "role": "coordinator"}, {"person": "social-worker"}],
        },
    ],
    "links": [
        {
            "from": "network",
            "to": "steering-group",
            "kind": "feeds_issues_to",
            "note": "The co-ordinator takes issues raised at the Network to the steering group.",
        },
        {"from": "sct-larkrise", "to": "network", "kind": "feeds_issues_to"},
        {"from": "steering-group", "to": "sct-larkrise", "kind": "oversees"},
    ],
}


def template_document() -> LocalityDocument:
    """The example locality of the template workbook."""
    return validate_data(TEMPLATE)


def _reproducible(data: bytes) -> bytes:
    """The same XLSX with fixed timestamps, so regenerating it changes no byte."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2005-01-01T00:00:00Z", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2005, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(fixed, content)
    return buffer.getvalue()


def write_template(path: str | Path) -> None:
    """Write the starting workbook for a new locality (README sheet first),
    as kept in ``sample_localities/template.xlsx``."""
    buffer = io.BytesIO()
    workbook = _workbook(template_document(), readme_first=True)
    workbook.properties.creator = "locmap"
    workbook.save(buffer)
    Path(path).write_bytes(_reproducible(buffer.getvalue()))


if __name__ == "__main__":  # python -m app.formats.spreadsheets [PATH]
    import sys

    from app.samples import template_workbook

    target = sys.argv[1] if len(sys.argv) > 1 else str(template_workbook())
    write_template(target)
    print(target)
