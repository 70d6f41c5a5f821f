"""The guard every upload passes first: a zip archive of a sane size, unencrypted.

An XLSX workbook is a zip archive too, so both readers open their bytes here
before any parser sees them.
"""

from __future__ import annotations

import io
import zipfile

from app.formats.spreadsheets import limits
from app.formats.spreadsheets.problems import WorkbookError, fail

_NOT_A_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError)


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive in ``data``, or a :class:`WorkbookError` naming ``what`` was expected.

    Refuses empty and oversized files, more than ``limits.MAX_ZIP_ENTRIES``
    entries, more than ``limits.MAX_UNCOMPRESSED_BYTES`` unpacked (a zip
    bomb) and encrypted entries.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise fail(f"expected the bytes of {what}")
    if not data:
        raise fail(f"the file is empty: expected {what}")
    if len(data) > limits.MAX_FILE_BYTES:
        raise too_large()
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = archive.infolist()
    except _NOT_A_ZIP:
        hint = ""
        if what.startswith("an XLSX"):
            hint = " (an old .xls file or a password-protected workbook cannot be read: save it as .xlsx)"
        raise fail(f"not {what}: the file is not a zip archive{hint}") from None
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise fail(f"the archive holds {len(infos)} files; at most {limits.MAX_ZIP_ENTRIES} are allowed")
    if sum(info.file_size for info in infos) > limits.MAX_UNCOMPRESSED_BYTES:
        raise fail(f"the archive unpacks to more than {limits.MAX_UNCOMPRESSED_BYTES // 2**20} MB")
    if any(info.flag_bits & 0x1 for info in infos):
        raise fail("the archive is encrypted: remove the password and try again")
    return archive


def too_large() -> WorkbookError:
    """The error for an upload over ``limits.MAX_FILE_BYTES``."""
    return fail(f"the file is larger than {limits.MAX_FILE_BYTES // 2**20} MB")
