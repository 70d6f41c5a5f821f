"""A locality over time: its change history (with revert), snapshots and diffs."""

from typing import Annotated

from fastapi import Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from analysis.diff import diff_localities
from app.errors import NotFound
from app.storage import edits, store
from app.web.changes import commit_change
from app.web.deps import LocalityEditor, Reader, SessionDep
from app.web.routing import make_router
from models.document import LocalityDocument, Name
from models.schemas import AuditLogPublic
from models.validation import validate_data

#: The largest key a database row can have (a signed 64-bit integer).
LARGEST_KEY = 2**63 - 1

#: A history entry's or snapshot's number in an address: a row key, so 1 to 2**63 - 1.
RowNumber = Annotated[int, Path(ge=1, le=LARGEST_KEY, description="Its number, as listed.")]

router = make_router(prefix="/api/localities/{slug}", tags=["history"])


class SnapshotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Name = Field(description="What this snapshot marks, e.g. 'before the new forum'.")


class SnapshotPublic(BaseModel):
    id: int
    locality: str
    label: str
    taken_at: str
    user: str | None
    revision: int


def _snapshot_public(snapshot) -> SnapshotPublic:
    return SnapshotPublic(
        id=snapshot.pk,
        locality=snapshot.locality,
        label=snapshot.label,
        taken_at=snapshot.taken_at.isoformat(),
        user=snapshot.user,
        revision=snapshot.revision,
    )


def version(session, slug: str, ref: str) -> LocalityDocument:
    """``current``, or a snapshot of the locality by number or label."""
    if ref == "current":
        return store.export_document(session, slug)
    if ref.isdigit() and not (ref.isascii() and 1 <= int(ref) <= LARGEST_KEY):
        raise NotFound(f"locality {slug!r} has no snapshot {ref!r}")
    return validate_data(store.get_snapshot(session, slug, ref).document)


@router.get("/history", response_model=list[AuditLogPublic])
def locality_history(
    slug: str, _: LocalityEditor, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[AuditLogPublic]:
    """Changes to this locality, newest first, with who and when (its editors and admins)."""
    store.get_locality(session, slug)
    return [AuditLogPublic.of(e) for e in edits.history(session, slug, limit)]


def revert_entry(session, slug: str, user: str | None, entry_id: int) -> edits.Change:
    """:func:`app.storage.edits.revert`: NotFound for no such change, Conflict (in words) when it cannot be reverted."""
    return edits.revert(session, slug, user, entry_id)


@router.post("/history/{entry_id}/revert", response_model=AuditLogPublic, status_code=status.HTTP_201_CREATED)
def revert_change(
    slug: str, entry_id: RowNumber, principal: LocalityEditor, session: SessionDep, request: Request
) -> AuditLogPublic:
    """Undo one change, recorded as a change of its own (which can be reverted in turn).

    404 when the history has no such change; 409, saying why, when it was already reverted,
    when what it changed is no longer there or was changed again since, or for an erasure.
    """
    revert_entry(session, slug, principal.name, entry_id)
    commit_change(request, session, slug)
    e = edits.history(session, slug, 1)[0]
    return AuditLogPublic.of(e)


@router.get("/snapshots", response_model=list[SnapshotPublic])
def list_snapshots(slug: str, _: Reader, session: SessionDep) -> list[SnapshotPublic]:
    store.get_locality(session, slug)
    return [_snapshot_public(s) for s in store.list_snapshots(session, slug)]


@router.post("/snapshots", response_model=SnapshotPublic, status_code=status.HTTP_201_CREATED)
def create_snapshot(slug: str, body: SnapshotCreate, principal: LocalityEditor, session: SessionDep) -> SnapshotPublic:
    """Store a dated copy of the locality as it is now."""
    snapshot = store.take_snapshot(session, slug, body.label, principal.name)
    session.commit()
    return _snapshot_public(snapshot)


@router.get(
    "/snapshots/{snapshot_id}",
    response_model=LocalityDocument,
    response_model_exclude_none=True,
    response_model_by_alias=True,
)
def get_snapshot(slug: str, snapshot_id: RowNumber, _: Reader, session: SessionDep) -> dict:
    """The locality's document as it was when the snapshot was taken."""
    return store.get_snapshot(session, slug, str(snapshot_id)).document


@router.get("/diff")
def diff(
    slug: str,
    _: Reader,
    session: SessionDep,
    before: Annotated[
        str, Query(alias="from", max_length=200, description="A snapshot number or label, or 'current'.")
    ],
    after: Annotated[str, Query(alias="to", max_length=200)] = "current",
) -> dict:
    """What changed between two versions: structure, findings, profile and metrics."""
    return diff_localities(version(session, slug, before), version(session, slug, after))
