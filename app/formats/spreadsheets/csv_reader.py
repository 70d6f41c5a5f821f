"""Reading a locality from a zip of CSV files (``locality.csv``, ``agencies.csv``, ...)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from app.formats.spreadsheets import limits
from app.formats.spreadsheets.archive import open_zip
from app.formats.spreadsheets.builder import RowSource, SheetsBuilder, build_document
from app.formats.spreadsheets.cells import Cells
from app.formats.spreadsheets.layout import SHEETS
from app.formats.spreadsheets.problems import WorkbookError, fail, unreadable
from models.document import LocalityDocument


def read_csv_zip(data: bytes) -> LocalityDocument:
    """Read a locality from a zip of CSV files, or raise :class:`WorkbookError`."""
    archive = open_zip(data, "a zip of CSV files")
    try:
        builder = SheetsBuilder()
        texts = _texts(archive, _sheet_entries(archive, builder), builder)
        return build_document({name: _row_source(text, name, builder) for name, text in texts.items()}, builder)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt entry can fail in zlib, zipfile or csv
        raise unreadable("zip of CSV files", exc) from None
    finally:
        archive.close()


def _sheet_entries(archive: zipfile.ZipFile, builder: SheetsBuilder) -> dict[str, zipfile.ZipInfo]:
    """The zip entry of each sheet, found by file name in any folder (macOS and hidden files skipped)."""
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
                stem, None, None, f"the zip holds two files named {stem}.csv ({found[stem].filename}, {info.filename})"
            )
            continue
        found[stem] = info
    if not found:
        if "[Content_Types].xml" in archive.namelist():
            raise fail("this is an XLSX workbook, not a zip of CSV files: upload it as .xlsx")
        raise fail(
            "the zip holds none of the files locality.csv, agencies.csv, people.csv, groups.csv, members.csv, links.csv"
        )
    return found


def _texts(archive: zipfile.ZipFile, found: dict[str, zipfile.ZipInfo], builder: SheetsBuilder) -> dict[str, str]:
    """Each sheet's text, decoded as UTF-8 (with or without a byte-order mark); "" where it is not."""
    texts: dict[str, str] = {}
    for name, info in found.items():
        with archive.open(info) as handle:
            raw = handle.read(limits.MAX_UNCOMPRESSED_BYTES + 1)
        if len(raw) > limits.MAX_UNCOMPRESSED_BYTES:
            raise fail(f"{info.filename} unpacks to more than {limits.MAX_UNCOMPRESSED_BYTES // 2**20} MB", name)
        try:
            texts[name] = raw.decode("utf-8-sig").replace("\x00", "")
        except UnicodeDecodeError as exc:
            builder.problem(
                name,
                None,
                None,
                f"not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}): save the file as 'CSV UTF-8'",
            )
            texts[name] = ""
    return texts


def _row_source(text: str, name: str, builder: SheetsBuilder) -> RowSource:
    def rows() -> Iterator[tuple[int, Cells]]:
        try:
            yield from _csv_rows(text)
        except csv.Error as exc:
            builder.problem(name, None, None, f"not a readable CSV file: {exc}")

    return rows


def _csv_rows(text: str) -> Iterator[tuple[int, Cells]]:
    """Rows of a CSV text, split on ``;`` when the header has semicolons and no commas (a European Excel)."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for rownum, row in enumerate(reader, start=1):
        yield rownum, {i: value for i, value in enumerate(row) if value != ""}
