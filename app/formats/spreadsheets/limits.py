"""How much of an uploaded spreadsheet is read.

The readers look these up on this module when they run (``limits.MAX_ROWS``),
not at import, so that a deployment or a test can lower them.
"""

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
