"""Sheet rows to a checked ``locmap/1`` document, with every problem placed on a sheet, row and column.

Both readers (XLSX and CSV zip) hand :func:`build_document` one row source
per sheet; :class:`SheetsBuilder` converts the cells, notes conversion
problems, validates the data with :func:`models.validation.validate_data`
and maps each validation path (``groups[2].members[0].person``) back to the
row it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from app.formats.spreadsheets import limits
from app.formats.spreadsheets.cells import (
    Cells,
    Special,
    column_letter,
    convert,
    header_key,
    is_blank,
    show,
    to_text,
)
from app.formats.spreadsheets.layout import COLUMNS, LOCALITY_FIELDS, REQUIRED_COLUMNS, SHEETS
from app.formats.spreadsheets.problems import SheetProblem, WorkbookError, tidy
from models.document import LocalityDocument
from models.validation import DocumentError, validate_data
from models.vocab import FORMAT_VERSION

#: Yields (row number, cells) for one sheet when called; called once, when the sheet is read.
RowSource = Callable[[], Iterable[tuple[int, Cells]]]


class SheetsBuilder:
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
        """Note one problem; reading goes on, so that every problem is reported at once."""
        self.problems.append(SheetProblem(sheet, row, column, message))

    # -- reading one sheet's rows into records

    def records(self, sheet: str, rows: Iterable[tuple[int, Cells]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield (row number, {column: raw value}) for each non-empty data row."""
        allowed = COLUMNS[sheet]
        header: dict[int, str] | None = None
        header_row = 1
        unlabelled_reported: set[int] = set()
        count = 0
        for rownum, cells in rows:
            if header is None:
                if all(is_blank(v) for v in cells.values()):
                    continue
                header = self._header(sheet, rownum, cells, allowed)
                header_row = rownum
                continue
            if all(is_blank(v) for v in cells.values()):
                continue
            count += 1
            if count > limits.MAX_ROWS:
                self.problem(sheet, rownum, None, f"too many rows: a sheet may hold at most {limits.MAX_ROWS} rows")
                return
            record: dict[str, Any] = {}
            for index, value in cells.items():
                name = header.get(index)
                if name is None:
                    if not is_blank(value) and index not in unlabelled_reported:
                        unlabelled_reported.add(index)
                        self.problem(
                            sheet,
                            rownum,
                            column_letter(index),
                            f"value in column {column_letter(index)}, which has no heading in row {header_row}",
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

    def _header(self, sheet: str, rownum: int, cells: Cells, allowed: tuple[str, ...]) -> dict[int, str]:
        header: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index in sorted(cells):
            value = cells[index]
            if is_blank(value):
                continue
            key = header_key(value)
            label = (to_text(value)[0] or "") if not isinstance(value, Special) else column_letter(index)
            if key not in allowed:
                self.problem(
                    sheet,
                    rownum,
                    label,
                    f"unknown column {show(label)}: the {sheet} sheet has the columns {', '.join(allowed)}",
                )
                header[index] = ""
            elif key in seen:
                self.problem(
                    sheet,
                    rownum,
                    key,
                    f"column {key!r} appears twice (columns {column_letter(seen[key])} and {column_letter(index)})",
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

    def converted(self, sheet: str, rownum: int, record: dict[str, Any]) -> dict[str, Any]:
        """The record's cells as the values their columns hold, blanks and unreadable cells left out."""
        entry: dict[str, Any] = {}
        for column in COLUMNS[sheet]:
            if column not in record:
                continue
            value, problem = convert(sheet, column, record[column])
            if problem:
                self.problem(sheet, rownum, column, problem)
            elif value is not None:
                entry[column] = value
        return entry

    # -- the sheets

    def locality(self, rows: Iterable[tuple[int, Cells]]) -> None:
        """The ``field, value`` rows of the locality sheet; ``sources`` rows collect into a list."""
        info: dict[str, Any] = {}
        sources: list[str] = []
        for rownum, record in self.records("locality", rows):
            field, problem = to_text(record.get("field"))
            if problem:
                self.problem("locality", rownum, "field", problem)
                continue
            value = record.get("value")
            if field is None:
                self.problem(
                    "locality", rownum, "field", "value without a field name: name the field in column 'field'"
                )
                continue
            key = header_key(field)
            if key not in LOCALITY_FIELDS:
                self.problem(
                    "locality",
                    rownum,
                    "field",
                    f"unknown field {show(field)}: the fields are {', '.join(LOCALITY_FIELDS)}",
                )
                continue
            text, problem = to_text(value)
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

    def entries(self, sheet: str, rows: Iterable[tuple[int, Cells]]) -> None:
        """One entry per row of a list sheet; groups get an empty seat list for the members sheet."""
        items: list[dict[str, Any]] = []
        for rownum, record in self.records(sheet, rows):
            entry = self.converted(sheet, rownum, record)
            if sheet == "groups":
                entry["members"] = []
                group_id = entry.get("id")
                if isinstance(group_id, str) and group_id not in self.group_index:
                    self.group_index[group_id] = len(items)
                self.member_rows.append([])
            items.append(entry)
            self.rows[sheet].append(rownum)
        self.data[sheet] = items

    def members(self, rows: Iterable[tuple[int, Cells]]) -> None:
        """Each seat row into the members of the group it names."""
        groups = self.data.get("groups", [])
        for rownum, record in self.records("members", rows):
            seat = self.converted("members", rownum, record)
            group_id = seat.pop("group", None)
            if group_id is None:
                if ("members", "group") not in self.missing_columns and to_text(record.get("group"))[1] is None:
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
        """The validated document, or :class:`WorkbookError` with every problem found on the way."""
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
                tidy(problems) or [SheetProblem("", None, None, "the workbook is not a valid locality")]
            )
        return document


def build_document(sheets: dict[str, RowSource], builder: SheetsBuilder) -> LocalityDocument:
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
