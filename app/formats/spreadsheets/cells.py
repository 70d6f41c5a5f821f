"""Cell values: formula neutralising, and turning a cell into text, a boolean, a number or a list.

Each ``to_*`` converter answers ``(value, problem)``: ``(None, None)`` for a
blank cell, ``(None, message)`` for a cell that cannot be read as that kind.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from app.formats.spreadsheets.layout import BOOL_COLUMNS, DATE_COLUMNS, LIST_COLUMNS, NUMBER_COLUMNS

#: Characters that start a formula; and those a spreadsheet reads as the start of a cell on their own.
_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r")


def _dangerous(value: str) -> bool:
    """Whether a spreadsheet could run ``value`` (leading quotes aside) as a formula.

    Programs that trim a cell on import see a formula after leading spaces,
    tabs or line breaks too, so the first character after those counts.
    """
    text = value.lstrip("'")
    return text[:1] in _CONTROL_START or text.lstrip()[:1] in _FORMULA_START


def neutralise(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would treat as a formula.

    Text whose first character after any whitespace is ``=``, ``+``, ``-`` or
    ``@``, or that starts with a tab or carriage return (after any quotes
    already there), gets one more leading quote, so that :func:`unneutralise`
    can undo it exactly.
    """
    if value and _dangerous(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`."""
    if value.startswith("'") and _dangerous(value):
        return value[1:]
    return value


class Special:
    """A cell value that is not text, a number or a boolean."""

    def __init__(self, kind: str, value: Any = None):
        self.kind, self.value = kind, value


FORMULA_WITHOUT_VALUE = Special("formula")
Cells = dict[int, Any]  # 0-based column index -> value (str, int, float, bool or Special)


def is_blank(value: Any) -> bool:
    """Whether a cell is empty or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    """A value as quoted in a problem, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number_text(value: int | float) -> str:
    """A number as text, without the ``.0`` of a whole float."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def special_problem(value: Special, expected: str) -> str:
    """The problem with a formula, error or date cell where ``expected`` was wanted."""
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


def to_text(value: Any) -> tuple[str | None, str | None]:
    """Cell value -> (text or None for blank, problem)."""
    if value is None:
        return None, None
    if isinstance(value, Special):
        return None, special_problem(value, "text")
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, (int, float)):
        return number_text(value), None
    text = str(value).strip()
    if not text:
        return None, None
    return unneutralise(text), None


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def to_bool(value: Any) -> tuple[bool | None, str | None]:
    """Cell value -> (boolean or None for blank, problem); yes/no and 1/0 count."""
    if value is None:
        return None, None
    if isinstance(value, Special):
        return None, special_problem(value, "TRUE or FALSE")
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value), None
        return None, f"expected TRUE or FALSE (or yes/no, 1/0), got {number_text(value)}"
    text = unneutralise(str(value).strip())
    if not text:
        return None, None
    if text.lower() in _TRUE:
        return True, None
    if text.lower() in _FALSE:
        return False, None
    return None, f"expected TRUE or FALSE (or yes/no, 1/0), got {show(text)}"


def to_number(value: Any) -> tuple[int | float | None, str | None]:
    """Cell value -> (int, finite float or None for blank, problem)."""
    if value is None:
        return None, None
    if isinstance(value, Special):
        return None, special_problem(value, "a number")
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
            return None, f"expected a number, got {show(text)}"
    if isinstance(number, float) and not math.isfinite(number):
        return None, f"expected a number, got {show(value)}"
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        number = int(number)
    return number, None


def to_list(value: Any) -> tuple[list[str] | None, str | None]:
    """Cell value -> (items separated by ``;``, ``,`` or new lines, or None for blank, problem)."""
    text, problem = to_text(value)
    if text is None:
        return None, problem
    items = [part.strip() for part in re.split(r"[;,\n]", text)]
    return [item for item in items if item], None


def to_date(value: Any) -> tuple[str | None, str | None]:
    """Cell value -> (date text or None for blank, problem): a date cell is read as YYYY-MM-DD.

    Spreadsheets turn a typed 2025-03-11 into a date; the date is what was meant.
    """
    if isinstance(value, Special) and value.kind == "date":
        when = value.value
        if isinstance(when, dt.datetime) and when.time() == dt.time(0):
            when = when.date()
        if type(when) is dt.date:
            return when.isoformat(), None
    return to_text(value)


def convert(sheet: str, column: str, value: Any) -> tuple[Any, str | None]:
    """A cell of ``sheet``.``column`` as the kind of value that column holds."""
    if (sheet, column) in BOOL_COLUMNS:
        return to_bool(value)
    if (sheet, column) in NUMBER_COLUMNS:
        return to_number(value)
    if (sheet, column) in LIST_COLUMNS:
        return to_list(value)
    if (sheet, column) in DATE_COLUMNS:
        return to_date(value)
    return to_text(value)


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_key(value: Any) -> str:
    """A heading or field name as a column key: lower case, spaces as ``_``."""
    text, _ = to_text(value)
    return re.sub(r"[\s]+", "_", (text or "").strip().lower())
