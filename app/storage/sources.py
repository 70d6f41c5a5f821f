"""Where a locality comes from: a file, a folder of files, or the database by its id.

Commands that take ``PATH_OR_SLUG`` read it here, so stored and file data
reach the analyses through the same document (the graph builder in
:mod:`analysis.graphs` never sees the database).  The database layer and the
pydantic models are imported only when a locality is actually read, so a
command that reads files never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import UserError

if TYPE_CHECKING:
    from models.document import LocalityDocument

FILE_SUFFIXES = (".yaml", ".yml", ".json")
LOCALITY_FORMAT = "locmap/1"


@dataclass(frozen=True)
class Ref:
    """One locality to read: a file, or a stored locality's id; ``in_folder`` when found in a folder given."""

    text: str
    in_folder: bool = False


class NotALocality(Exception):
    """A file in a folder that holds something other than a ``locmap/1`` document (such as a synthetic index)."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"skipped {path}: {reason}")

    def __reduce__(self):  # sent back from a worker process (app.cli.batch)
        return NotALocality, (self.path, self.reason)


def looks_like_path(ref: str) -> bool:
    return ref.lower().endswith(FILE_SUFFIXES) or "/" in ref or Path(ref).exists()


def folder_files(folder: Path) -> list[Path]:
    """The ``.yaml``, ``.yml`` and ``.json`` files directly inside ``folder``, sorted by name."""
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FILE_SUFFIXES and p.is_file())
    except OSError as exc:
        raise UserError(f"{folder}: cannot read the folder: {exc.strerror}") from None
    if not files:
        raise UserError(f"{folder}: is a directory with no locality files (.yaml, .yml or .json) in it")
    return files


def expand_folders(refs: Iterable[str | Path]) -> list[Ref]:
    """Each reference, with every folder replaced by the locality files inside it."""
    expanded = []
    for ref in refs:
        path = Path(ref)
        if path.is_dir():
            expanded += [Ref(str(p), in_folder=True) for p in folder_files(path)]
        else:
            expanded.append(Ref(str(ref)))
    return expanded


def _not_a_locality(data: object) -> str | None:
    """Why parsed data is not a locality document, or None if it claims to be one.

    Decided by the ``format`` field, never by the file's name.
    """
    fmt = data.get("format") if isinstance(data, dict) else None
    if fmt == LOCALITY_FORMAT:
        return None
    if fmt is None:
        return f"not a locality document (no 'format: {LOCALITY_FORMAT}')"
    return f"not a locality document (format {str(fmt)[:60]!r}, not {LOCALITY_FORMAT!r})"


def read_file(path: Path, *, in_folder: bool = False) -> LocalityDocument:
    """Read and check one locality file.

    Raises :class:`models.validation.DocumentError` naming the file for every
    problem; with ``in_folder``, a file without ``format: locmap/1`` raises
    :class:`NotALocality` instead, for the caller to skip with a word.
    """
    from models.validation import DocumentError, parse_text, read_document_bytes, validate_data

    raw = read_document_bytes(path)
    try:
        parsed = parse_text(raw, suffix=path.suffix.lower())
        if in_folder:
            reason = _not_a_locality(parsed.data)
            if reason is not None:
                raise NotALocality(path, reason)
        return validate_data(parsed.data, parsed.lines)
    except DocumentError as exc:
        exc.source = str(path)
        raise


def load_locality(ref: str | Ref, engine_factory) -> LocalityDocument:
    """Read ``ref`` as a locality file if it looks like one, else as a stored locality's id.

    ``engine_factory`` is called only when the database is needed, so
    auditing a file never creates a database (nor loads SQLAlchemy).
    """
    ref = ref if isinstance(ref, Ref) else Ref(ref)
    if ref.in_folder or looks_like_path(ref.text):
        return read_file(Path(ref.text), in_folder=ref.in_folder)
    from app.storage import store
    from app.storage.db import session_scope

    with session_scope(engine_factory()) as session:
        return store.export_document(session, ref.text)


def load_version(ref: str, engine_factory) -> tuple[LocalityDocument, str]:
    """A locality file, a stored locality (``SLUG``) or one of its snapshots (``SLUG@N`` or ``SLUG@LABEL``).

    Returns the document and a description of where it came from.
    """
    if not looks_like_path(ref) and "@" in ref:
        from app.storage import store
        from app.storage.db import session_scope
        from models.validation import validate_data

        slug, _, snap = ref.partition("@")
        with session_scope(engine_factory()) as session:
            snapshot = store.get_snapshot(session, slug, snap)
            when = snapshot.taken_at.strftime("%Y-%m-%d %H:%M")
            return validate_data(snapshot.document), f"{slug} snapshot {snapshot.pk} '{snapshot.label}' ({when})"
    document = load_locality(ref, engine_factory)
    return document, ref if looks_like_path(ref) else f"{ref} (current)"


def load_localities(
    refs: Iterable[str | Ref],
    engine_factory,
    *,
    on_skip: Callable[[NotALocality], None] | None = None,
    each: Callable[[list[Ref]], Iterable[Ref]] = iter,
) -> list[LocalityDocument]:
    """Every locality referred to, folders expanded, in order; two references to one locality are an error.

    Parameters
    ----------
    refs : iterable of str or Ref
        Files, folders or stored ids; a folder stands for its locality files, sorted.
    engine_factory : callable
        Opens the database, called only if a stored locality is asked for.
    on_skip : callable, optional
        Told of each file in a folder that is not a locality document; without it
        such a file is an error.
    each : callable, optional
        Wraps the list of references as it is read (a progress bar).
    """
    refs = [ref if isinstance(ref, Ref) else Ref(ref) for ref in refs]
    refs = [entry for ref in refs for entry in (expand_folders([ref.text]) if not ref.in_folder else [ref])]
    documents, read_from = [], []
    for ref in each(refs):
        try:
            documents.append(load_locality(ref, engine_factory))
        except NotALocality as skip:
            if on_skip is None:
                raise UserError(str(skip)) from None
            on_skip(skip)
            continue
        read_from.append(ref.text)
    check_distinct(read_from, [document.locality.id for document in documents])
    return documents


def check_distinct(read_from: list[str], slugs: list[str]) -> None:
    """Refuse no localities, or two references to one locality, naming both."""
    if not slugs:
        raise UserError("no locality documents to read")
    seen: dict[str, str] = {}
    for ref, slug in zip(read_from, slugs, strict=True):
        if slug in seen:
            raise UserError(f"{ref} and {seen[slug]} are the same locality ({slug!r})")
        seen[slug] = ref
