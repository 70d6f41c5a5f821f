"""Where a locality comes from: a file, or the database by its id.

Commands that take ``PATH_OR_SLUG`` read it here, so stored and file data
reach the analyses through the same document (the graph builder in
:mod:`analysis.graphs` never sees the database).
"""

from __future__ import annotations

from pathlib import Path

from app.errors import UserError
from app.storage import store
from app.storage.db import session_scope
from models.document import LocalityDocument
from models.validation import load_path, validate_data

FILE_SUFFIXES = (".yaml", ".yml", ".json")


def looks_like_path(ref: str) -> bool:
    return ref.lower().endswith(FILE_SUFFIXES) or "/" in ref or Path(ref).exists()


def load_locality(ref: str, engine_factory) -> LocalityDocument:
    """Read ``ref`` as a locality file if it looks like one, else as a stored locality's id.

    ``engine_factory`` is called only when the database is needed, so
    auditing a file never creates a database.
    """
    if looks_like_path(ref):
        return load_path(ref)
    with session_scope(engine_factory()) as session:
        return store.export_document(session, ref)


def load_version(ref: str, engine_factory) -> tuple[LocalityDocument, str]:
    """A locality file, a stored locality (``SLUG``) or one of its snapshots (``SLUG@N`` or ``SLUG@LABEL``).

    Returns the document and a description of where it came from.
    """
    if not looks_like_path(ref) and "@" in ref:
        slug, _, snap = ref.partition("@")
        with session_scope(engine_factory()) as session:
            snapshot = store.get_snapshot(session, slug, snap)
            when = snapshot.taken_at.strftime("%Y-%m-%d %H:%M")
            return validate_data(snapshot.document), f"{slug} snapshot {snapshot.pk} '{snapshot.label}' ({when})"
    document = load_locality(ref, engine_factory)
    return document, ref if looks_like_path(ref) else f"{ref} (current)"


def load_localities(refs: list[str], engine_factory) -> list[LocalityDocument]:
    documents = [load_locality(ref, engine_factory) for ref in refs]
    seen: dict[str, str] = {}
    for ref, document in zip(refs, documents):
        slug = document.locality.id
        if slug in seen:
            raise UserError(f"{ref} and {seen[slug]} are the same locality ({slug!r})")
        seen[slug] = ref
    return documents
