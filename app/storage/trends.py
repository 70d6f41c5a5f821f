"""A stored locality's trend: its snapshots and its state now, audited, with where each point came from.

Shared by ``locmap trend`` and the trend page (:mod:`app.web.pages.trend`),
which caches it per version and set of snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.audit import audit
from analysis.trend import Trend, TrendPoint, trend
from app.formats.provenance import Source, source_of
from app.storage import store
from models.document import LocalityDocument
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
    sources = [source_of(document, snapshot=s.pk) for s, document in taken]
    sources.append(source_of(now, revision=revision if revision is not None else locality.revision))
    return StoredTrend(now.locality.name, trend(points, names), tuple(sources))
