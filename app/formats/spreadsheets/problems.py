"""What can be wrong with a workbook, and the one exception that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.formats.spreadsheets import limits
from app.formats.spreadsheets.layout import COLUMNS, SHEETS


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


def fail(message: str, sheet: str = "") -> WorkbookError:
    """A :class:`WorkbookError` with one problem about the file as a whole (or one sheet)."""
    return WorkbookError([SheetProblem(sheet, None, None, message)])


def unreadable(what: str, exc: Exception) -> WorkbookError:
    """The error for a file that failed somewhere inside a parser."""
    return fail(f"not a readable {what} ({type(exc).__name__}: {str(exc)[:200]})")


def tidy(problems: list[SheetProblem]) -> list[SheetProblem]:
    """Sort problems by sheet, row and column, drop repeats, cap the count."""
    order = {name: i for i, name in enumerate(SHEETS)}

    def key(p: SheetProblem) -> tuple[int, int, int]:
        columns = COLUMNS.get(p.sheet, ())
        col = columns.index(p.column) if p.column in columns else len(columns)
        return (order.get(p.sheet, -1), p.row or 0, col)

    unique = list(dict.fromkeys(problems))
    unique.sort(key=key)
    if len(unique) > limits.MAX_PROBLEMS:
        extra = len(unique) - limits.MAX_PROBLEMS
        unique = unique[: limits.MAX_PROBLEMS] + [
            SheetProblem("", None, None, f"... and {extra} more problem(s) not listed")
        ]
    return unique
