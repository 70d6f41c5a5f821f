"""What is wrong with a document, and the bounds a document is read within.

The leaf of the reading modules: :mod:`models.validation` (JSON, fields and
references) and :mod:`models.yaml_text` (YAML, loaded only for YAML text)
both raise and report these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .document import TEXT_MAX

#: Largest locality file accepted, in bytes (a national synthetic set is ~60 MB).
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted (a locality file needs five levels).
MAX_NESTING = 32
#: Longest string accepted while parsing; the models refuse free text over TEXT_MAX with its place.
MAX_STRING_CHARS = 10 * TEXT_MAX
#: Integers must be smaller than this in magnitude, as a database's 64-bit integers are.
INTEGER_LIMIT = 2**63
#: Longest integer literal read at all: longer text is refused before ``int()`` (which stops at 4,300 digits).
INTEGER_CHARS = 40


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: where, and what."""

    loc: str
    msg: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.loc}: {self.msg}" if self.loc else f"{where}{self.msg}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loc": self.loc, "msg": self.msg}
        if self.line:
            out["line"] = self.line
        return out


class DocumentError(Exception):
    """A document could not be read; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = problems
        self.source = source
        super().__init__(f"{source or 'document'}: {len(problems)} problem(s)")

    def lines(self) -> list[str]:
        prefix = f"{self.source}: " if self.source else ""
        return [f"{prefix}{p}" for p in self.problems]


class Refused(Exception):
    """Input refused while parsing, before any value is built: why, and the line (YAML) or place (JSON)."""

    def __init__(self, msg: str, line: int | None = None, loc: str = ""):
        super().__init__(msg)
        self.msg, self.line, self.loc = msg, line, loc


class DuplicateKey(Exception):
    """A mapping names a key twice: the key, its line (YAML) and, for JSON, which mapping."""

    def __init__(self, key: Any, line: int | None, context: str = ""):
        self.key, self.line, self.context = key, line, context


def bounded_integer(text: str, line_of: Callable[[], int | None], convert: Callable[[str], int] = int) -> int:
    """An integer literal, read only when it is short and refused when 2**63 or more.

    ``line_of`` is called only to locate a refusal.
    """
    if len(text) > INTEGER_CHARS:
        digits = sum(ch.isdigit() for ch in text)
        raise Refused(
            f"a number of {digits} digits is too large: numbers in a locality file are below 2**63", line_of()
        )
    value = convert(text)
    if abs(value) >= INTEGER_LIMIT:
        raise Refused(f"the number {value} is too large: numbers in a locality file are below 2**63", line_of())
    return value


def too_long(length: int) -> str:
    return f"a string {length} characters long is too long: the longest text a locality file holds is {TEXT_MAX}"


@dataclass
class Parsed:
    """A document's text parsed: its plain data, and the line of each path in it (YAML only)."""

    data: Any
    lines: dict[tuple, int]
