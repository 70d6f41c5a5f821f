"""Localities in and out of every format locmap speaks, for the CLI, the API and the upload form.

``locmap/1`` YAML and JSON; spreadsheets (XLSX, a zip of CSV files); and,
out only, GEXF and GraphML (Gephi, Cytoscape) and Kumu's JSON.  A
pseudonymised export applies :func:`app.formats.pseudonym.pseudonymise` first.

Every export says where it came from (:mod:`app.formats.provenance`) where
its format has room that reading ignores: YAML ``#`` lines, the XLSX README
sheet and document properties, a ``PROVENANCE.txt`` in the CSV zip, GEXF's
``<meta>``, an XML comment in GraphML, a ``provenance`` key in Kumu's JSON.
``locmap/1`` JSON has none: its schema admits no key beyond the document's
own, and a comment key would make the file unreadable to locmap itself.
Apart from the time line, the same locality gives the same bytes.
"""

from __future__ import annotations

from app.errors import UserError
from app.formats.provenance import Provenance, of_documents
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


def render(document: LocalityDocument, fmt: str, provenance: Provenance | None = None) -> bytes:
    """The document in an output format, as bytes, carrying ``provenance`` where the format has room.

    Parameters
    ----------
    document : LocalityDocument
    fmt : str
        One of :data:`OUTPUTS`.
    provenance : Provenance, optional
        Where the document came from; a stored locality's callers name its
        revision (``provenance([source_of(document, revision=...)])``).
        Without one, the document alone, by its content hash.

    Returns
    -------
    bytes
        The file; it reads back (YAML, JSON, XLSX, zip) to the same document.
    """
    made = of_documents([document]) if provenance is None else provenance
    if fmt == "yaml":
        return (made.comment() + dump_document(document, ".yaml")).encode("utf-8")
    if fmt == "json":
        return dump_document(document, ".json", made.as_dict()).encode("utf-8")
    if fmt == "xlsx":
        from app.formats.spreadsheets import write_xlsx

        return write_xlsx(document, made)
    if fmt == "zip":
        from app.formats.spreadsheets import write_csv_zip

        return write_csv_zip(document, made)
    from app.formats.graph_exports import export_bytes

    content, _ = export_bytes(document, fmt, made)
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
