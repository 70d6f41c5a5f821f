"""Stored snapshots, audited: a locality's trend, and a snapshot as a compare column, each with its source.

Shared by the command line (``locmap trend``, ``locmap compare SLUG@N``) and
the service (the trend page, the compare page and API), which cache them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from analysis.audit import audit
from analysis.settings import DEFAULT_SETTINGS, AuditSettings
from analysis.tidy import Column, taken_at_text
from analysis.trend import Trend, TrendPoint, trend
from app.formats.provenance import Source, source_of
from app.storage import store
from models.document import LocalityDocument
from models.tables import Snapshot
from models.validation import validate_data


@dataclass(frozen=True)
class StoredTrend:
    """A stored locality's trend, with its name and where each point came from."""

    name: str
    trend: Trend
    sources: tuple[Source, ...]


def stored_trend(session, slug: str, now: LocalityDocument | None = None, revision: int | None = None) -> StoredTrend:
    """Audit every snapshot of ``slug`` (oldest first) and the locality now.

    ``now`` and ``revision`` give the current document where the caller holds
    it already (the service's cache); else it is exported here.
    """
    locality = store.get_locality(session, slug)
    now = now if now is not None else store.export_document(session, slug)
    taken = [(s, validate_data(s.document)) for s in store.list_snapshots(session, slug)]
    points = [TrendPoint(s.label, s.taken_at, audit(document), str(s.pk)) for s, document in taken]
    points.append(TrendPoint("now", locality.updated_at, audit(now), "current"))
    names = {g.id: g.name for _, document in taken for g in document.groups} | {g.id: g.name for g in now.groups}
    sources = [snapshot_source(s, document) for s, document in taken]
    sources.append(source_of(now, revision=revision if revision is not None else locality.revision))
    return StoredTrend(now.locality.name, trend(points, names), tuple(sources))


def snapshot_source(taken: Snapshot, document: LocalityDocument) -> Source:
    """A snapshot's provenance source: its content's hash, its number and the revision it copied."""
    return source_of(document, revision=taken.revision or None, snapshot=taken.pk)


def snapshot_column(taken: Snapshot, settings: AuditSettings = DEFAULT_SETTINGS) -> tuple[Column, Source]:
    """A snapshot as a compare column, its audit keyed ``slug@number``, and its source."""
    document = validate_data(taken.document)
    name = f"{document.locality.name} at '{taken.label}' ({taken.taken_at:%Y-%m-%d})"
    result = dataclasses.replace(audit(document, settings), locality=f"{taken.locality}@{taken.pk}")
    column = Column(taken.locality, name, result, snapshot=taken.pk, taken_at=taken_at_text(taken.taken_at))
    return column, snapshot_source(taken, document)
