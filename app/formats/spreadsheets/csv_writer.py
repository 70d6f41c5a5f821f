"""Writing a locality as a zip of CSV files with a README.txt (and a PROVENANCE.txt)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from app.formats.provenance import Provenance
from app.formats.spreadsheets.cells import neutralise, number_text
from app.formats.spreadsheets.layout import COLUMNS, SHEETS, readme_rows
from app.formats.spreadsheets.rows import sheet_rows
from models.document import LocalityDocument


def write_csv_zip(document: LocalityDocument, provenance: Provenance | None = None) -> bytes:
    """The document as a zip of UTF-8 CSV files (with a byte-order mark, so
    that Excel opens them correctly), a README.txt and, given ``provenance``,
    a PROVENANCE.txt (which reading skips, as it skips the README)."""
    rows = sheet_rows(document)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for sheet in SHEETS:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(COLUMNS[sheet])
            for row in rows[sheet]:
                writer.writerow([_csv_value(v) for v in row])
            _zip_entry(archive, f"{sheet}.csv", out.getvalue())
        readme = "\r\n".join("\t".join(row) for row in readme_rows()) + "\r\n"
        _zip_entry(archive, "README.txt", readme)
        if provenance is not None:
            _zip_entry(archive, "PROVENANCE.txt", "\r\n".join(provenance.lines()) + "\r\n")
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    return neutralise(str(value))


def _zip_entry(archive: zipfile.ZipFile, name: str, text: str) -> None:
    """One entry with a fixed date and mode, so the same document gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode("utf-8-sig"))
