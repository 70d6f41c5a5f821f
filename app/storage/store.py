"""Storing ``locmap/1`` documents in the database and reading them back.

This is the one adapter between stored localities and documents: import
writes a validated document in one transaction (replacing any locality with
the same id), export rebuilds the document, and everything that analyses
stored data goes through :func:`export_document`.  Rows are written with
bulk inserts, so a county-sized file imports in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from app.storage.db import queue_for_writing
from models import document as doc
from models.document import LocalityDocument
from models.schemas import LocalitySummary
from models.tables import Agency, Group, GroupLink, Locality, Membership, Person, Snapshot, utcnow
from models.vocab import Boundary

#: The tables holding a locality's contents, each row keyed by ``locality_pk``.
ContentTable = type[Agency] | type[Person] | type[Group] | type[GroupLink]

#: The table of each kind of entry.
TABLES: dict[str, ContentTable] = {"agency": Agency, "person": Person, "group": Group, "link": GroupLink}


# The reads behind every entry's GET and edit are built once, with bound parameters, and run
# again and again: building a statement cost about a third of reading one group with its seats.
_LOCALITY_BY_ID = select(Locality).where(col(Locality.id) == bindparam("slug"))


def get_locality(session: Session, slug: str) -> Locality:
    locality = session.execute(_LOCALITY_BY_ID, {"slug": slug}).scalars().first()
    if locality is None:
        raise NotFound(f"no locality {slug!r} is stored")
    return locality


def locality_exists(session: Session, slug: str) -> bool:
    return session.execute(select(col(Locality.pk)).where(col(Locality.id) == slug)).first() is not None


# ---------------------------------------------------------------- import


def import_document(session: Session, document: LocalityDocument, *, replace: bool = True) -> Locality:
    """Write ``document`` into the session's transaction.

    With ``replace`` (the default) a stored locality with the same id is
    deleted first; without it, an existing id raises :class:`Conflict`.  The
    caller commits: nothing is visible until the whole document is written.
    """
    locality = _write_locality_row(session, document.locality, replace)
    lpk = cast(int, locality.pk)
    agency_pk = _insert_keyed(session, Agency, lpk, [agency_row(a) for a in document.agencies])
    person_pk = _insert_keyed(session, Person, lpk, [person_row(p, agency_pk) for p in document.people])
    group_pk = _insert_keyed(session, Group, lpk, [group_row(g, agency_pk) for g in document.groups])
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
    links = [link_row(link, group_pk) for link in document.links]
    if links:
        session.execute(insert(GroupLink), [{"locality_pk": lpk, **row} for row in links])
    session.flush()
    return locality


def _write_locality_row(session: Session, info: doc.LocalityInfo, replace: bool) -> Locality:
    """The locality's own row, created or (emptied of its contents) updated, and flushed."""
    now = utcnow()
    locality = session.execute(select(Locality).where(col(Locality.id) == info.id)).scalars().first()
    if locality is not None:
        if not replace:
            raise Conflict(f"a locality with id {info.id!r} is already stored")
        # Replace in place: the locality row (its key, creation time and
        # anything that refers to it) stays; its contents are rewritten.
        for table in (GroupLink, Group, Person, Agency):
            session.execute(
                delete(table).where(col(table.locality_pk) == locality.pk).execution_options(synchronize_session=False)
            )
        locality.revision += 1
        locality.analysed_revision = locality.revision
    else:
        locality = Locality(
            id=info.id,
            name=info.name,
            authority=info.authority,
            boundary=info.boundary.value,
            created_at=now,
            revision=1,
        )
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
    return locality


def _insert_keyed(session: Session, table: ContentTable, lpk: int, rows: list[dict]) -> dict[str, int]:
    """Bulk-insert a locality's rows of ``table``; returns the database key of each row by its id."""
    if rows:
        session.execute(insert(table), [{"locality_pk": lpk, **row} for row in rows])
    found = session.execute(select(col(table.id), col(table.pk)).where(col(table.locality_pk) == lpk))
    return {row.id: row.pk for row in found}


def agency_row(a: doc.Agency) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "sector": a.sector.value, "school": a.school, "note": a.note}


def person_row(p: doc.Person, agency_pk: dict[str, int]) -> dict[str, Any]:
    return {
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


def group_row(g: doc.Group, agency_pk: dict[str, int]) -> dict[str, Any]:
    return {
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
        "handles": [concern.value for concern in g.handles],
        "handles_other": g.handles_other,
        "contact": g.contact,
        "meeting_pattern": g.meeting_pattern,
        "next_meeting": g.next_meeting,
        "venue": g.venue,
        "note": g.note,
    }


def link_row(link: doc.Link, group_pk: dict[str, int]) -> dict[str, Any]:
    return {
        "id": link.id,
        "from_group_pk": group_pk[link.from_],
        "to_group_pk": group_pk[link.to],
        "kind": link.kind.value,
        "note": link.note,
    }


# ---------------------------------------------------------------- export


def _clean(row: dict) -> dict:
    """Drop empty optional values so the document reads like a hand-written file."""
    return {k: v for k, v in row.items() if v is not None}


def export_document(session: Session, slug: str) -> LocalityDocument:
    """Rebuild the ``locmap/1`` document of a stored locality."""
    locality = get_locality(session, slug)
    lpk = cast(int, locality.pk)
    agencies = cast(Sequence[Agency], _contents(session, Agency, lpk))
    agency_id = {a.pk: a.id for a in agencies}
    people = cast(Sequence[Person], _contents(session, Person, lpk))
    person_id = {p.pk: p.id for p in people}
    groups = cast(Sequence[Group], _contents(session, Group, lpk))
    group_id = {g.pk: g.id for g in groups}
    members = _members_by_group(session, lpk, groups, person_id)
    links = cast(Sequence[GroupLink], _contents(session, GroupLink, lpk))
    data = {
        "format": "locmap/1",
        "locality": _locality_entry(locality),
        "agencies": [agency_entry(a) for a in agencies],
        "people": [person_entry(p, agency_id) for p in people],
        "groups": [group_entry(g, agency_id, members[g.pk]) for g in groups],
        "links": [link_entry(link, group_id[link.from_group_pk], group_id[link.to_group_pk]) for link in links],
    }
    return LocalityDocument.model_validate(data)


def _contents(session: Session, table: ContentTable, lpk: int) -> Sequence[Any]:
    """A locality's rows of ``table`` in the order they were written, as plain rows.

    Read as columns, not ORM objects: the rows are only read, and building
    and tracking an object per seat was most of the export's time (about
    five times slower on a locality of 3,000 seats).  A row's attributes
    are the model's field names.
    """
    rows = table.__table__  # type: ignore[attr-defined]
    query = select(rows).where(rows.c.locality_pk == lpk).order_by(rows.c.pk)
    return session.execute(query).all()


def _members_by_group(
    session: Session, lpk: int, groups: Sequence[Group], person_id: dict[int | None, str]
) -> dict[int | None, list[dict]]:
    """The seats of every group of a locality, by the group's key, in their stored order."""
    members: dict[int | None, list[dict]] = {g.pk: [] for g in groups}
    seat, group = Membership.__table__, Group.__table__  # type: ignore[attr-defined]
    seats = session.execute(
        select(seat)
        .join(group, group.c.pk == seat.c.group_pk)
        .where(group.c.locality_pk == lpk)
        .order_by(seat.c.group_pk, seat.c.position)
    )
    for m in seats:
        members[m.group_pk].append(member_entry(m, person_id[m.person_pk]))
    return members


def agency_entry(a: Agency) -> dict:
    return _clean({"id": a.id, "name": a.name, "sector": a.sector, "school": a.school, "note": a.note})


def link_entry(link: GroupLink, from_id: str, to_id: str) -> dict:
    return _clean({"id": link.id, "from": from_id, "to": to_id, "kind": link.kind, "note": link.note})


def member_entry(m: Membership, person_id: str) -> dict:
    return _clean({"person": person_id, "role": m.role, "attendance": m.attendance, "note": m.note})


def _locality_entry(locality: Locality) -> dict:
    return _clean(
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
    )


def person_entry(p: Person, agency_id: dict[int | None, str]) -> dict:
    return _clean(
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


def group_entry(g: Group, agency_id: dict[int | None, str], members: list[dict]) -> dict:
    return _clean(
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
            "handles": list(g.handles or []),
            "handles_other": g.handles_other,
            "contact": g.contact,
            "meeting_pattern": g.meeting_pattern,
            "next_meeting": g.next_meeting,
            "venue": g.venue,
            "members": members,
            "note": g.note,
        }
    )


# ---------------------------------------------------------------- listing, locking, snapshots


def list_localities(session: Session, slug: str | None = None) -> list[LocalitySummary]:
    """Every stored locality (or just ``slug``) with counts of what it holds, by name."""
    only = select(col(Locality.pk)).where(col(Locality.id) == slug).scalar_subquery() if slug is not None else None

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
    query = select(Locality).order_by(col(Locality.name), col(Locality.id))
    if slug is not None:
        query = query.where(col(Locality.id) == slug)
    rows = session.execute(query).scalars().all()
    return [
        LocalitySummary(
            id=loc.id,
            name=loc.name,
            authority=loc.authority,
            boundary=Boundary(loc.boundary),
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
    queue_for_writing(session)
    result = session.execute(
        update(Locality)
        .where(col(Locality.id) == slug)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, result).rowcount == 0:
        raise NotFound(f"no locality {slug!r} is stored")
    return get_locality(session, slug)


def begin_edit(session: Session, slug: str, analysed: bool = True) -> int:
    """Start a change to one entry: lock the locality and bump its revision in one UPDATE.

    Like :func:`lock_locality`, the UPDATE is the transaction's first
    statement, so concurrent edits apply one after another; the bump is
    rolled back with the edit if it fails.  With ``analysed`` (the default)
    the analysed revision moves with it; a change that may turn out to be
    descriptive only passes False and calls :func:`mark_analysed` if it is not.
    Call it once per transaction: a second call bumps the revision again.

    Returns
    -------
    int
        The locality's database key.
    """
    queue_for_writing(session)
    pk = session.execute(_begin_edit(analysed), {"slug": slug, "now": utcnow()}).scalar()
    if pk is None:
        raise NotFound(f"no locality {slug!r} is stored")
    return pk


@cache
def _begin_edit(analysed: bool):
    """The UPDATE that begins a change (parameters ``slug`` and ``now``), moving the analysed revision or not."""
    moved = {"analysed_revision": col(Locality.revision) + 1} if analysed else {}
    return (
        update(Locality)
        .where(col(Locality.id) == bindparam("slug"))
        .values(updated_at=bindparam("now"), revision=col(Locality.revision) + 1, **moved)
        .returning(col(Locality.pk))
        .execution_options(synchronize_session=False)
    )


_MARK_ANALYSED = (
    update(Locality)
    .where(col(Locality.pk) == bindparam("lpk"))
    .values(analysed_revision=col(Locality.revision))
    .execution_options(synchronize_session=False)
)


def mark_analysed(session: Session, locality_pk: int) -> None:
    """Say that the change under way (after :func:`begin_edit`) is one the analyses can see."""
    session.execute(_MARK_ANALYSED, {"lpk": locality_pk})


def delete_locality(session: Session, slug: str) -> None:
    """Delete a locality and, through the foreign keys, everything in it."""
    locality = get_locality(session, slug)
    session.execute(delete(Locality).where(col(Locality.pk) == locality.pk))


def take_snapshot(session: Session, slug: str, label: str, user: str | None = None) -> Snapshot:
    """Store a dated copy of a locality as it is now."""
    locality = get_locality(session, slug)
    document = export_document(session, slug)
    snapshot = Snapshot(locality=slug, label=label, user=user, revision=locality.revision, document=document.to_data())
    session.add(snapshot)
    session.flush()
    return snapshot


def list_snapshots(session: Session, slug: str) -> list[Snapshot]:
    return list(
        session.execute(select(Snapshot).where(col(Snapshot.locality) == slug).order_by(col(Snapshot.pk))).scalars()
    )


def get_snapshot(session: Session, slug: str, ref: str) -> Snapshot:
    """A snapshot of a locality by number or by label (the latest with that label)."""
    query = select(Snapshot).where(col(Snapshot.locality) == slug)
    query = (
        query.where(col(Snapshot.pk) == int(ref))
        if ref.isdigit()
        else query.where(col(Snapshot.label) == ref).order_by(col(Snapshot.pk).desc())
    )
    snapshot = session.execute(query).scalars().first()
    if snapshot is None:
        raise NotFound(f"locality {slug!r} has no snapshot {ref!r}")
    return snapshot


# ---------------------------------------------------------------- one entry, or one page, at a time


def entry_key(session: Session, lpk: int, kind: str, ident: str) -> int | None:
    """The database key of a locality's entry by its id, or None."""
    table = TABLES[kind]
    query = select(col(table.pk)).where(col(table.locality_pk) == lpk, col(table.id) == ident)
    return session.execute(query).scalar()


def _entry_query(kind: str, lpk: int):
    """A locality's rows of one kind, with the ids of the entries they refer to, in file order."""
    table = TABLES[kind]
    return _joined(kind).where(col(table.locality_pk) == lpk).order_by(col(table.pk))


@cache
def _entry_by_id(kind: str):
    """The row of one entry (parameters ``lpk`` and ``ident``), with the ids it refers to."""
    table = TABLES[kind]
    return _joined(kind).where(col(table.locality_pk) == bindparam("lpk"), col(table.id) == bindparam("ident"))


def _joined(kind: str):
    """Rows of one kind with the ids of the entries they refer to."""
    if kind == "person":
        return select(Person, Agency.id).outerjoin(Agency, col(Agency.pk) == Person.agency_pk)
    if kind == "group":
        return select(Group, Agency.id).outerjoin(Agency, col(Agency.pk) == Group.school_pk)
    if kind == "link":
        source, target = aliased(Group), aliased(Group)
        return (
            select(GroupLink, source.id, target.id)
            .join(source, source.pk == GroupLink.from_group_pk)
            .join(target, target.pk == GroupLink.to_group_pk)
        )
    return select(Agency)


def _as_entries(session: Session, kind: str, rows: Sequence[Any], members: bool) -> list[dict]:
    if kind == "agency":
        return [agency_entry(row[0]) for row in rows]
    if kind == "person":
        return [person_entry(p, {p.agency_pk: agency}) for p, agency in rows]
    if kind == "link":
        return [link_entry(link, source, target) for link, source, target in rows]
    seats = seats_of(session, [g.pk for g, _ in rows]) if members else {}
    return [group_entry(g, {g.school_pk: school}, seats.get(g.pk, [])) for g, school in rows]


# Plain rows, not ORM objects: a large group's seats are read back after every edit of it.
_SEAT, _PERSON = Membership.__table__, Person.__table__  # type: ignore[attr-defined]
_SEATS_OF_GROUPS = (
    select(_SEAT, _PERSON.c.id.label("person_id"), _PERSON.c.name.label("person_name"))
    .join(_PERSON, _PERSON.c.pk == _SEAT.c.person_pk)
    .where(_SEAT.c.group_pk.in_(bindparam("groups", expanding=True)))
    .order_by(_SEAT.c.group_pk, _SEAT.c.position)
)


def seats_of(session: Session, group_pks: list, *, names: bool = False) -> dict[int, list[dict]]:
    """The seats of some groups, by group key, in their stored order (with the person's name if asked)."""
    out: dict[int, list[dict]] = {pk: [] for pk in group_pks}
    if not group_pks:
        return out
    for row in session.execute(_SEATS_OF_GROUPS, {"groups": group_pks}):
        entry = member_entry(row, row.person_id)
        out[row.group_pk].append({**entry, "name": row.person_name} if names else entry)
    return out


def read_entry(session: Session, slug: str, kind: str, ident: str, *, members: bool = True) -> tuple[int, dict]:
    """One entry of a stored locality, read from its own rows: its key and its document entry.

    Parameters
    ----------
    session : Session
    slug : str
        The locality's id.
    kind : str
        ``agency``, ``person``, ``group`` or ``link``.
    ident : str
        The entry's id.
    members : bool
        For a group, read its seats too.

    Returns
    -------
    tuple of (int, dict)
        The entry's database key and the entry as :func:`export_document` writes it.
    """
    lpk = cast(int, get_locality(session, slug).pk)
    return read_entry_in(session, lpk, slug, kind, ident, members=members)


@dataclass(frozen=True)
class StoredEntry:
    """An entry read under the write lock of a change begun with :func:`begin_edit`.

    Its locality's key, its kind, id, database key and document entry (a
    group's with its seats), and whether the change was begun as one the
    analyses see (``analysed``): an edit handed it neither begins the change
    again nor reads the entry again.
    """

    locality_pk: int
    kind: str
    ident: str
    pk: int
    entry: dict
    analysed: bool = False
    #: The entry's row as read (an object of its table): an update writes only the columns that differ from it.
    row: Any = None


def read_entry_in(session: Session, lpk: int, slug: str, kind: str, ident: str, *, members: bool = True):
    """:func:`read_entry` in a locality whose key is known (raises NotFound)."""
    rows = _entry_rows(session, lpk, slug, kind, ident)
    return rows[0][0].pk, _as_entries(session, kind, rows, members)[0]


def _entry_rows(session: Session, lpk: int, slug: str, kind: str, ident: str) -> Sequence[Any]:
    rows = session.execute(_entry_by_id(kind), {"lpk": lpk, "ident": ident}).all()
    if not rows:
        raise NotFound(f"no {kind} {ident!r} in locality {slug!r}")
    return rows


def begin_edit_of(session: Session, slug: str, kind: str, ident: str, *, analysed: bool) -> StoredEntry:
    """Begin a change (:func:`begin_edit`) and read the entry it is to, under the lock (raises NotFound)."""
    lpk = begin_edit(session, slug, analysed=analysed)
    rows = _entry_rows(session, lpk, slug, kind, ident)
    row = rows[0][0]
    return StoredEntry(lpk, kind, ident, row.pk, _as_entries(session, kind, rows, True)[0], analysed, row)


def read_page(session: Session, slug: str, kind: str, offset: int, limit: int) -> tuple[list[dict], int]:
    """A page of a locality's entries of one kind (SQL LIMIT/OFFSET) and how many there are in all."""
    lpk = cast(int, get_locality(session, slug).pk)
    table = TABLES[kind]
    total = session.execute(select(func.count()).where(col(table.locality_pk) == lpk)).scalar_one()
    rows = session.execute(_entry_query(kind, lpk).offset(offset).limit(limit)).all()
    return _as_entries(session, kind, rows, members=True), total


def read_group_members(session: Session, slug: str, group_id: str) -> tuple[dict, list[dict]]:
    """A group's entry (with its seats) and its seats each with the person's name, from one read of the seats."""
    pk, entry = read_entry(session, slug, "group", group_id, members=False)
    named = seats_of(session, [pk], names=True)[pk]
    seats = [{k: v for k, v in seat.items() if k != "name"} for seat in named]
    return {**entry, "members": seats}, named


# ---------------------------------------------------------------- places: where an entry stands, to put it back there


def places(session: Session, lpk: int, kind: str, pk: int) -> dict[str, dict]:
    """Where an entry and what goes with it stand: the positions of a group's seats (by person) and
    the keys of its links (by id), or the positions of a person's seats (by group).

    A deleted entry put back at the same keys and positions is exported exactly where it was.
    """
    if kind == "group":
        seats = select(col(Person.id), col(Membership.position)).join(Person, col(Person.pk) == Membership.person_pk)
        touching = (col(GroupLink.from_group_pk) == pk) | (col(GroupLink.to_group_pk) == pk)
        links = select(col(GroupLink.id), col(GroupLink.pk)).where(col(GroupLink.locality_pk) == lpk, touching)
        return {
            "members": {person: at for person, at in session.execute(seats.where(col(Membership.group_pk) == pk))},
            "links": {ident: key for ident, key in session.execute(links)},
        }
    if kind == "person":
        seats = select(col(Group.id), col(Membership.position)).join(Group, col(Group.pk) == Membership.group_pk)
        return {"seats": {group: at for group, at in session.execute(seats.where(col(Membership.person_pk) == pk))}}
    return {}


def seat_position(session: Session, group_pk: int, person_pk: int) -> int | None:
    key = (col(Membership.group_pk) == group_pk) & (col(Membership.person_pk) == person_pk)
    return session.execute(select(col(Membership.position)).where(key)).scalar()


def move_row(session: Session, kind: str, pk: int, wanted: Any) -> None:
    """Give a row just written, before anything refers to it, the key it had (if no row holds it now).

    Keys are never issued twice by PostgreSQL's sequences, and SQLite's next key is one past the
    largest, so a key freed by a deletion is free again once the changes after it are undone.
    """
    table = TABLES[kind]
    if not isinstance(wanted, int) or wanted == pk:
        return
    if session.execute(select(col(table.pk)).where(col(table.pk) == wanted)).first() is not None:
        return
    session.execute(
        update(table).where(col(table.pk) == pk).values(pk=wanted).execution_options(synchronize_session=False)
    )


def place_seat(session: Session, group_pk: int, person_pk: int, position: Any) -> None:
    """Put a seat just written back at the position it had (if no other seat of the group holds it)."""
    if not isinstance(position, int):
        return
    taken = select(col(Membership.person_pk)).where(
        col(Membership.group_pk) == group_pk, col(Membership.position) == position
    )
    if session.execute(taken).first() is not None:
        return
    key = (col(Membership.group_pk) == group_pk) & (col(Membership.person_pk) == person_pk)
    session.execute(
        update(Membership).where(key).values(position=position).execution_options(synchronize_session=False)
    )
