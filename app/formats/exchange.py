"""Localities in and out of every format locmap speaks, for the CLI, the API and the upload form.

``locmap/1`` YAML and JSON; spreadsheets (XLSX, a zip of CSV files); and,
out only, GEXF and GraphML (Gephi, Cytoscape) and Kumu's JSON.  A
pseudonymised export applies :func:`app.formats.pseudonym.pseudonymise` first.
"""

from __future__ import annotations

import json

from app.errors import UserError
from models.document import LocalityDocument
from models.validation import DocumentError, Problem, dump_document, load_text

#: Output formats and their (suffix, media type).
OUTPUTS = {
    "yaml": (".yaml", "application/yaml"),
    "json": (".json", "application/json"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "zip": (".zip", "application/zip"),
    "gexf": (".gexf", "application/gexf+xml"),
    "graphml": (".graphml", "application/graphml+xml"),
    "kumu": (".json", "application/json"),
}
SUFFIX_FORMATS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".xlsx": "xlsx",
    ".zip": "zip",
    ".gexf": "gexf",
    ".graphml": "graphml",
}
INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".zip")


def format_for(suffix: str, requested: str | None) -> str:
    """The output format: as requested, or implied by the file's extension."""
    if requested is not None:
        if requested not in OUTPUTS:
            raise UserError(f"unknown format {requested!r}: use one of {', '.join(OUTPUTS)}")
        return requested
    try:
        return SUFFIX_FORMATS[suffix.lower()]
    except KeyError:
        raise UserError(
            f"cannot tell the format from {suffix or 'a name without an extension'!r}: use "
            f"{', '.join(SUFFIX_FORMATS)} or --format"
        ) from None


def render(document: LocalityDocument, fmt: str) -> bytes:
    """The document in an output format, as bytes."""
    if fmt in ("yaml", "json"):
        return dump_document(document, f".{fmt}").encode("utf-8")
    if fmt == "xlsx":
        from app.formats.spreadsheets import write_xlsx

        return write_xlsx(document)
    if fmt == "zip":
        from app.formats.spreadsheets import write_csv_zip

        return write_csv_zip(document)
    if fmt == "kumu":
        from app.formats.graph_exports import to_kumu

        return (json.dumps(to_kumu(document), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    from app.formats.graph_exports import export_bytes

    content, _ = export_bytes(document, fmt)
    return content


def read(content: bytes, suffix: str, source: str | None = None) -> LocalityDocument:
    """A document from a file's bytes (YAML, JSON, XLSX or a zip of CSVs).

    Spreadsheet problems are raised as :class:`DocumentError` whose
    locations name the sheet, row and column.
    """
    suffix = suffix.lower()
    if suffix in (".xlsx", ".zip"):
        from app.formats.spreadsheets import WorkbookError, read_csv_zip, read_xlsx

        try:
            return read_xlsx(content) if suffix == ".xlsx" else read_csv_zip(content)
        except WorkbookError as exc:
            raise DocumentError([Problem(_sheet_loc(p), p.message) for p in exc.problems], source) from None
    if suffix in (".yaml", ".yml", ".json"):
        return load_text(content, suffix=suffix, source=source)
    raise UserError(
        f"{source or 'the file'}: unsupported extension {suffix or '(none)'!r}; use {', '.join(INPUT_SUFFIXES)}"
    )


def _sheet_loc(problem) -> str:
    parts = [problem.sheet]
    if problem.row is not None:
        parts.append(f"row {problem.row}")
    if problem.column:
        parts.append(f"column {problem.column}")
    return ", ".join(parts)
