"""Reading a spreadsheet file of either kind, chosen by its extension."""

from __future__ import annotations

from pathlib import Path

from app.formats.spreadsheets import limits
from app.formats.spreadsheets.archive import too_large
from app.formats.spreadsheets.csv_reader import read_csv_zip
from app.formats.spreadsheets.problems import fail
from app.formats.spreadsheets.xlsx_reader import read_xlsx
from models.document import LocalityDocument


def read_workbook(path_or_bytes: str | Path | bytes, suffix: str | None = None) -> LocalityDocument:
    """Read an ``.xlsx`` workbook or a ``.zip`` of CSV files, chosen by ``suffix``
    (or by the path's extension)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        suffix = suffix or path.suffix
        data = _read_file(path)
    kind = (suffix or "").lower()
    if not kind.startswith(".") and kind:
        kind = "." + kind
    if kind == ".xlsx":
        return read_xlsx(data)
    if kind == ".zip":
        return read_csv_zip(data)
    raise fail(f"unsupported file type {suffix!r}: use an .xlsx workbook or a .zip of CSV files")


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > limits.MAX_FILE_BYTES:
            raise too_large()
        return path.read_bytes()
    except IsADirectoryError:
        raise fail("is a directory, not a spreadsheet") from None
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
