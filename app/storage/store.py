"""Storing ``locmap/1`` documents in the database and reading them back.

This is the one adapter between stored localities and documents: import
writes a validated document in one transaction (replacing any locality with
the same id), export rebuilds the document, and everything that analyses
stored data goes through :func:`export_document`.  Rows are written with
bulk inserts, so a county-sized file imports in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session

from app.errors import Conflict, NotFound
from models.document import LocalityDocument
from models.tables import Agency, Group, GroupLink, Locality, Membership, Person, Snapshot, utcnow


@dataclass(frozen=True)
class LocalitySummary:
    id: str
    name: str
    authority: str
    boundary: str
    agencies: int
    people: int
    groups: int
    links: int
    memberships: int
    updated_at: datetime


def get_locality(session: Session, slug: str) -> Locality:
    locality = session.execute(select(Locality).where(Locality.id == slug)).scalars().first()
    if locality is None:
        raise NotFound(f"no locality {slug!r} is stored")
    return locality


def locality_exists(session: Session, slug: str) -> bool:
    return session.execute(select(Locality.pk).where(Locality.id == slug)).first() is not None


def import_document(session: Session, document: LocalityDocument, *, replace: bool = True) -> Locality:
    """Write ``document`` into the session's transaction.

    With ``replace`` (the default) a stored locality with the same id is
    deleted first; without it, an existing id raises :class:`Conflict`.  The
    caller commits: nothing is visible until the whole document is written.
    """
    info = document.locality
    now = utcnow()
    locality = session.execute(select(Locality).where(Locality.id == info.id)).scalars().first()
    if locality is not None:
        if not replace:
            raise Conflict(f"a locality with id {info.id!r} is already stored")
        # Replace in place: the locality row (its key, creation time and
        # anything that refers to it) stays; its contents are rewritten.
        for table in (GroupLink, Group, Person, Agency):
            session.execute(
                delete(table).where(table.locality_pk == locality.pk).execution_options(synchronize_session=False)
            )
        locality.revision += 1
    else:
        locality = Locality(id=info.id, created_at=now, revision=1)
    locality.name = info.name
    locality.authority = info.authority
    locality.boundary = info.boundary.value
    locality.devolved_funding = info.devolved_funding.value
    locality.description = info.description
    locality.sources = list(info.sources)
    locality.note = info.note
    locality.updated_at = now
    session.add(locality)
    session.flush()
    session.expire(locality, ["agencies", "people", "groups", "links"])
    lpk = locality.pk

    def pk_map(table) -> dict[str, int]:
        rows = session.execute(select(table.id, table.pk).where(table.locality_pk == lpk))
        return {row.id: row.pk for row in rows}

    if document.agencies:
        session.execute(
            insert(Agency),
            [
                {
                    "locality_pk": lpk,
                    "id": a.id,
                    "name": a.name,
                    "sector": a.sector.value,
                    "school": a.school,
                    "note": a.note,
                }
                for a in document.agencies
            ],
        )
    agency_pk = pk_map(Agency)

    if document.people:
        session.execute(
            insert(Person),
            [
                {
                    "locality_pk": lpk,
                    "id": p.id,
                    "name": p.name,
                    "role": p.role,
                    "agency_pk": agency_pk[p.agency] if p.agency else None,
                    "systems_minder": p.systems_minder,
                    "service_user_rep": p.service_user_rep,
                    "local": p.local,
                    "hours_per_week": p.hours_per_week,
                    "note": p.note,
                }
                for p in document.people
            ],
        )
    person_pk = pk_map(Person)

    if document.groups:
        session.execute(
            insert(Group),
            [
                {
                    "locality_pk": lpk,
                    "id": g.id,
                    "name": g.name,
                    "type": g.type.value,
                    "focus": g.focus.value if g.focus else None,
                    "membership": g.membership.value if g.membership else None,
                    "meets": g.meets.value if g.meets else None,
                    "meetings_per_year": g.meetings_per_year,
                    "hours": g.hours,
                    "external": g.external,
                    "area": list(g.area),
                    "school_pk": agency_pk[g.school] if g.school else None,
                    "purpose": g.purpose,
                    "venue": g.venue,
                    "note": g.note,
                }
                for g in document.groups
            ],
        )
    group_pk = pk_map(Group)

    seats = [
        {
            "group_pk": group_pk[g.id],
            "person_pk": person_pk[m.person],
            "role": m.role.value,
            "attendance": m.attendance,
            "note": m.note,
            "position": position,
        }
        for g in document.groups
        for position, m in enumerate(g.members)
    ]
    if seats:
        session.execute(insert(Membership), seats)

    if document.links:
        session.execute(
            insert(GroupLink),
            [
                {
                    "locality_pk": lpk,
                    "id": link.id,
                    "from_group_pk": group_pk[link.from_],
                    "to_group_pk": group_pk[link.to],
                    "kind": link.kind.value,
                    "note": link.note,
                }
                for link in document.links
            ],
        )
    session.flush()
    return locality


def _clean(row: dict) -> dict:
    """Drop empty optional values so the document reads like a hand-written file."""
    return {k: v for k, v in row.items() if v is not None}


def export_document(session: Session, slug: str) -> LocalityDocument:
    """Rebuild the ``locmap/1`` document of a stored locality."""
    locality = get_locality(session, slug)
    lpk = locality.pk

    agencies = session.execute(select(Agency).where(Agency.locality_pk == lpk).order_by(Agency.pk)).scalars().all()
    agency_id = {a.pk: a.id for a in agencies}
    people = session.execute(select(Person).where(Person.locality_pk == lpk).order_by(Person.pk)).scalars().all()
    person_id = {p.pk: p.id for p in people}
    groups = session.execute(select(Group).where(Group.locality_pk == lpk).order_by(Group.pk)).scalars().all()
    group_id = {g.pk: g.id for g in groups}

    members: dict[int, list[dict]] = {g.pk: [] for g in groups}
    seats = session.execute(
        select(Membership)
        .join(Group, Group.pk == Membership.group_pk)
        .where(Group.locality_pk == lpk)
        .order_by(Membership.group_pk, Membership.position)
    ).scalars()
    for m in seats:
        members[m.group_pk].append(
            _clean({"person": person_id[m.person_pk], "role": m.role, "attendance": m.attendance, "note": m.note})
        )
    links = (
        session.execute(select(GroupLink).where(GroupLink.locality_pk == lpk).order_by(GroupLink.pk)).scalars().all()
    )

    data = {
        "format": "locmap/1",
        "locality": _clean(
            {
                "id": locality.id,
                "name": locality.name,
                "authority": locality.authority,
                "boundary": locality.boundary,
                "devolved_funding": locality.devolved_funding,
                "description": locality.description,
                "sources": list(locality.sources or []),
                "note": locality.note,
            }
        ),
        "agencies": [
            _clean({"id": a.id, "name": a.name, "sector": a.sector, "school": a.school, "note": a.note})
            for a in agencies
        ],
        "people": [
            _clean(
                {
                    "id": p.id,
                    "name": p.name,
                    "role": p.role,
                    "agency": agency_id.get(p.agency_pk) if p.agency_pk else None,
                    "systems_minder": p.systems_minder,
                    "service_user_rep": p.service_user_rep,
                    "local": p.local,
                    "hours_per_week": p.hours_per_week,
                    "note": p.note,
                }
            )
            for p in people
        ],
        "groups": [
            _clean(
                {
                    "id": g.id,
                    "name": g.name,
                    "type": g.type,
                    "focus": g.focus,
                    "membership": g.membership,
                    "meets": g.meets,
                    "meetings_per_year": g.meetings_per_year,
                    "hours": g.hours,
                    "external": g.external,
                    "area": list(g.area or []),
                    "school": agency_id.get(g.school_pk) if g.school_pk else None,
                    "purpose": g.purpose,
                    "venue": g.venue,
                    "members": members[g.pk],
                    "note": g.note,
                }
            )
            for g in groups
        ],
        "links": [
            _clean(
                {
                    "id": link.id,
                    "from": group_id[link.from_group_pk],
                    "to": group_id[link.to_group_pk],
                    "kind": link.kind,
                    "note": link.note,
                }
            )
            for link in links
        ],
    }
    return LocalityDocument.model_validate(data)


def list_localities(session: Session, slug: str | None = None) -> list[LocalitySummary]:
    """Every stored locality (or just ``slug``) with counts of what it holds, by name."""
    only = select(Locality.pk).where(Locality.id == slug).scalar_subquery() if slug is not None else None

    def count_by_locality(column, *joins) -> dict[int, int]:
        query = select(column, func.count()).group_by(column)
        for join in joins:
            query = query.join(*join)
        if only is not None:
            query = query.where(column == only)
        return {key: count for key, count in session.execute(query)}

    agencies = count_by_locality(Agency.locality_pk)
    people = count_by_locality(Person.locality_pk)
    groups = count_by_locality(Group.locality_pk)
    links = count_by_locality(GroupLink.locality_pk)
    seats = count_by_locality(Group.locality_pk, (Membership, Membership.group_pk == Group.pk))
    query = select(Locality).order_by(Locality.name, Locality.id)
    if slug is not None:
        query = query.where(Locality.id == slug)
    rows = session.execute(query).scalars().all()
    return [
        LocalitySummary(
            id=loc.id,
            name=loc.name,
            authority=loc.authority,
            boundary=loc.boundary,
            agencies=agencies.get(loc.pk, 0),
            people=people.get(loc.pk, 0),
            groups=groups.get(loc.pk, 0),
            links=links.get(loc.pk, 0),
            memberships=seats.get(loc.pk, 0),
            updated_at=loc.updated_at,
        )
        for loc in rows
    ]


def lock_locality(session: Session, slug: str) -> Locality:
    """Start a write to a locality: take its write lock before reading it.

    The first statement of the transaction is an UPDATE of the locality's
    row, so on SQLite the transaction holds the write lock from the start
    (no other writer can slip in between our read and our write) and on
    PostgreSQL the row stays locked until commit.  Concurrent edits of one
    locality therefore apply one after another, and none is lost.
    """
    result = session.execute(
        update(Locality)
        .where(Locality.id == slug)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        raise NotFound(f"no locality {slug!r} is stored")
    return get_locality(session, slug)


def delete_locality(session: Session, slug: str) -> None:
    """Delete a locality and, through the foreign keys, everything in it."""
    locality = get_locality(session, slug)
    session.execute(delete(Locality).where(Locality.pk == locality.pk))


def take_snapshot(session: Session, slug: str, label: str, user: str | None = None) -> Snapshot:
    """Store a dated copy of a locality as it is now."""
    locality = get_locality(session, slug)
    document = export_document(session, slug)
    snapshot = Snapshot(locality=slug, label=label, user=user, revision=locality.revision, document=document.to_data())
    session.add(snapshot)
    session.flush()
    return snapshot


def list_snapshots(session: Session, slug: str) -> list[Snapshot]:
    return list(session.execute(select(Snapshot).where(Snapshot.locality == slug).order_by(Snapshot.pk)).scalars())


def get_snapshot(session: Session, slug: str, ref: str) -> Snapshot:
    """A snapshot of a locality by number or by label (the latest with that label)."""
    query = select(Snapshot).where(Snapshot.locality == slug)
    query = (
        query.where(Snapshot.pk == int(ref))
        if ref.isdigit()
        else query.where(Snapshot.label == ref).order_by(Snapshot.pk.desc())
    )
    snapshot = session.execute(query).scalars().first()
    if snapshot is None:
        raise NotFound(f"locality {slug!r} has no snapshot {ref!r}")
    return snapshot
