"""Reading and auditing many localities at once: on every core when they are files.

``compare``, ``report`` and ``audit FOLDER`` read and audit each locality
independently, and for a county folder that is seconds of validation and
exact betweenness.  Files are read and audited by a pool of worker
processes, one per core, which send back only the audits unless the
documents themselves are wanted (sending a county locality's document back
costs more than reading it again); stored localities, fewer than
:data:`PARALLEL_FROM` files, or a one-core machine take the serial path.
The parallel path is only ever a faster way to the same answer: if any
worker fails, everything is read again serially, so a bad file is reported
exactly as the serial path reports it, in order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, NamedTuple

from app.storage.sources import (
    NotALocality,
    Ref,
    check_distinct,
    expand_folders,
    load_localities,
    load_locality,
    looks_like_path,
)

if TYPE_CHECKING:
    from analysis.audit import Audit
    from analysis.settings import AuditSettings
    from app.formats.provenance import Source
    from models.document import LocalityDocument


class Read(NamedTuple):
    """What reading and auditing gives, in order: the documents (if wanted), audits, provenance sources and names."""

    documents: list[LocalityDocument] | None
    audits: list[Audit]
    sources: list[Source]
    names: list[str]


#: Files from which a pool of workers pays for itself (starting one costs about a tenth of a second).
PARALLEL_FROM = 4


def read_and_audit(
    refs: list[str],
    engine_factory,
    thresholds: AuditSettings,
    *,
    on_skip: Callable[[NotALocality], None],
    progress: Callable,
    documents: bool = True,
) -> Read:
    """Every locality referred to (folders expanded) and its audit, source and name, in order.

    ``progress(items, description, total=None)`` wraps an iterable in a
    progress bar (or not); ``on_skip`` is told of each file in a folder that
    is not a locality document.  With ``documents=False`` the documents are
    not returned (None), which spares the workers sending them back: each
    sends its audit, the document's provenance source (its hash) and name.
    """
    expanded = expand_folders(refs)
    workers = min(os.cpu_count() or 1, len(expanded))
    if len(expanded) >= PARALLEL_FROM and workers > 1 and all(_is_file(ref) for ref in expanded):
        done = _in_parallel(expanded, thresholds, workers, progress, documents)
        if done is not None:
            read_from, outcomes, skipped = done
            for skip in skipped:
                on_skip(skip)
            check_distinct(read_from, [outcome[1].locality for outcome in outcomes])
            return _gathered(outcomes, documents)
    read = load_localities(expanded, engine_factory, on_skip=on_skip, each=lambda items: progress(items, "reading"))
    held = stored_censuses(engine_factory, [ref.text for ref in expanded if not _is_file(ref)])
    outcomes = [
        _outcome(document, thresholds, True, held.get(document.locality.id)) for document in progress(read, "auditing")
    ]
    return _gathered(outcomes, documents)


def stored_censuses(engine_factory, slugs: list[str]) -> dict:
    """The census each stored locality's audit reads (its newest closed one), by id; none for files."""
    if not slugs:
        return {}
    from app.storage.db import session_scope

    with session_scope(engine_factory()) as session:
        return {slug: census for slug in slugs if (census := stored_census(session, slug)) is not None}


def stored_census(session, slug: str):
    """A stored locality's newest closed census in aggregate, suppressed at the configured threshold, or None."""
    from app.config import get_settings
    from app.storage import census

    return census.audit_summary(session, slug, get_settings().census_min_respondents)


def _gathered(outcomes: list[tuple], documents: bool) -> Read:
    """The workers' (document, audit, source, name) tuples as one :class:`Read`."""
    kept = [o[0] for o in outcomes] if documents else None
    return Read(kept, [o[1] for o in outcomes], [o[2] for o in outcomes], [o[3] for o in outcomes])


def _is_file(ref: Ref) -> bool:
    return ref.in_folder or looks_like_path(ref.text)


def _in_parallel(refs: list[Ref], thresholds: AuditSettings, workers: int, progress: Callable, documents: bool):
    """(read_from, outcomes, skipped) from a pool of ``workers`` processes, or None if any failed."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    forking = context.get_start_method() == "fork"
    if forking:
        _load_the_analysis()  # once, here: forked workers inherit it instead of each importing it again
        gc.freeze()  # what they inherit is never collected there, so it is never traversed and its pages stay shared
    try:
        return _pooled(refs, thresholds, workers, progress, documents, context)
    except Exception:  # a bad file, or a worker that died: the serial path says exactly what
        return None
    finally:
        if forking:
            gc.unfreeze()


def _pooled(refs: list[Ref], thresholds: AuditSettings, workers: int, progress: Callable, documents: bool, context):
    read_from, outcomes, skipped = [], [], []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # Every task is submitted (and every worker started) before a progress bar's thread exists;
        # the largest first, so that no worker is left with a large one when the others are done.
        futures: list = [None] * len(refs)
        for i in sorted(range(len(refs)), key=lambda i: -_size(refs[i])):
            futures[i] = pool.submit(_read_and_audit_one, refs[i], thresholds, documents)
        for ref, future in zip(refs, progress(futures, "reading and auditing", total=len(futures)), strict=True):
            outcome = future.result()
            if isinstance(outcome, NotALocality):
                skipped.append(outcome)
                continue
            read_from.append(ref.text)
            outcomes.append(outcome)
    return read_from, outcomes, skipped


def _size(ref: Ref) -> int:
    """A file's size in bytes, for the order of the work (0 if it cannot be read: the worker says why)."""
    try:
        return os.path.getsize(ref.text)
    except OSError:
        return 0


def _read_and_audit_one(ref: Ref, thresholds: AuditSettings, documents: bool):
    """In a worker: the document (or None), audit, source and name of one file, or the reason it is skipped."""
    try:
        document = load_locality(ref, engine_factory=None)
    except NotALocality as skip:
        return skip
    return _outcome(document, thresholds, documents)


def _outcome(document: LocalityDocument, thresholds: AuditSettings, keep: bool, census=None) -> tuple:
    from app.formats.provenance import source_of

    audited = _audit(document, thresholds, census)
    return (document if keep else None), audited, source_of(document), document.locality.name


def _load_the_analysis() -> None:
    """Import the validation and the audit (numpy, igraph, pydantic's models) in this process."""
    import analysis.audit  # noqa: F401
    import app.formats.provenance  # noqa: F401
    import models.validation  # noqa: F401


def _audit(document: LocalityDocument, thresholds: AuditSettings, census=None) -> Audit:
    from analysis.audit import audit

    return audit(document, thresholds, census=census)
