"""Erasing a person: by identity, never by text.

An erasure removes a person's row and seats, then rewrites them out of
everything that copied them: the locality's snapshots and the before/after
images of its audit log (whole-document images of replaces and imports
included).  They are found by structure, by their id, as an entry of a
``people`` list, a seat of a ``members`` list or the subject of a logged
change, never by looking for their name in text: a two-letter name is inside
thousands of words and ids.  Free text (a group's name or purpose, a note) is
never rewritten; where it names the person, the erasure lists the place for
an editor to rewrite.

Each erasure is kept in a ledger as a digest of the locality and the
person's id, so it names no one, and :func:`reapply_erasures` erases again
anyone a restored backup brings back.  The erasure raises the locality's
``shown_from`` to the revision it commits, so no page cached before it is
shown again.  All of it shares the caller's transaction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Engine, String, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlmodel import Session, col

from app.storage import census, edits, rows, store
from models.document import LocalityDocument
from models.tables import AuditLogEntry, ErasureRecord, Locality, Person, Snapshot

#: The entity of an audit-log entry that was about a person since erased: it names no one and reverts nothing.
ERASED = "erased person"
#: Audit-log entries rewritten per flush, so a long history is not held in memory at once.
BATCH = 200


class FreeTextPlace(BaseModel):
    """A field of free text that still names an erased person, for an editor to rewrite."""

    entity: str
    id: str
    field: str


class ErasureReport(BaseModel):
    """What an erasure did, without saying who was erased."""

    locality: str
    revision: int
    free_text: list[FreeTextPlace]

    def notice(self) -> str | None:
        """A line for the editor naming the places still to rewrite (None when there are none)."""
        if not self.free_text:
            return None
        places = "; ".join(f"{p.entity} {p.id} ({p.field})" for p in self.free_text)
        return f"Erased. Free text still names them; rewrite it: {places}"


def person_digest(slug: str, person_id: str) -> str:
    """The ledger's pseudonymous key of a person: SHA-256 of ``locality:person-id``."""
    return hashlib.sha256(f"{slug}:{person_id}".encode()).hexdigest()


# ---------------------------------------------------------------- erasing


def erase_person(
    session: Session, slug: str, user: str | None, person_id: str, begun: store.StoredEntry | None = None
) -> ErasureReport:
    """Erase a person from a locality: their rows, seats and every copy of them in its history.

    Parameters
    ----------
    session : Session
        The caller commits; nothing is visible before.
    slug : str
        The locality's id.
    user : str or None
        Who erases (kept in the audit log; the erased person is not).
    person_id : str
        The person's id in the locality.
    begun : StoredEntry, optional
        The person as an If-Match check read them under the lock, the change begun.

    Returns
    -------
    ErasureReport
        The revision the erasure commits and the free text that still names the person.

    Raises
    ------
    NotFound
        If the locality or the person is not stored.
    """
    if begun is None:
        target = rows.Target(session, store.begin_edit(session, slug), slug)
        entry = store.read_entry_in(session, target.lpk, slug, "person", person_id)[1]
    else:
        target = rows.Target(session, begun.locality_pk, slug)
        if not begun.analysed:  # an erasure is never descriptive only
            store.mark_analysed(session, target.lpk)
        entry = begun.entry
    places = free_text_naming(store.export_document(session, slug), person_id, entry["name"])
    rows.delete_entry(target, "person", person_id)
    forget(session, slug, person_id)
    after = {"free_text": [p.model_dump() for p in places]} if places else None
    edits.log(session, user, slug, edits.Change("erase", "person", None, None, after))
    _record(session, slug, person_id)
    session.execute(
        update(Locality)
        .where(col(Locality.pk) == target.lpk)
        .values(shown_from=Locality.revision)
        .execution_options(synchronize_session=False)
    )
    revision = session.execute(select(col(Locality.revision)).where(col(Locality.pk) == target.lpk)).scalar_one()
    return ErasureReport(locality=slug, revision=revision, free_text=places)


def _record(session: Session, slug: str, person_id: str) -> None:
    """Add the erasure to the ledger, once."""
    digest = person_digest(slug, person_id)
    query = select(col(ErasureRecord.pk)).where(
        col(ErasureRecord.locality) == slug, col(ErasureRecord.person_digest) == digest
    )
    if session.execute(query).first() is None:
        session.add(ErasureRecord(locality=slug, person_digest=digest))


def forget(session: Session, slug: str, person_id: str) -> None:
    """Rewrite a person out of a locality's audit log and snapshots, by structure.

    An entry about the person (a change to their entry or to one of their
    seats) keeps only who made a change and when: its entity becomes
    :data:`ERASED`, so it names no one and offers no revert.  Any other
    entry, and every snapshot, loses the person's ``people`` entry and seats
    and keeps everything else as it was, so its revert still applies.
    Their census answers and ballots go too, and their links stop working.
    """
    for entry in _batches(session, _log_holding(slug, person_id)):
        if _about(entry, person_id):
            entry.entity, entry.entity_id, entry.before, entry.after = ERASED, None, None, None
        else:
            entry.before, entry.after = without(entry.before, person_id), without(entry.after, person_id)
    for snapshot in _batches(session, _snapshots_holding(slug, person_id)):
        snapshot.document = cast(dict, without(snapshot.document, person_id))
    census.erase_person(session, slug, person_id)
    session.flush()


def _mentions_id(column, person_id: str):
    # Only a prefilter, to leave most rows unread: what is rewritten is decided by structure.
    return sql_cast(column, String).contains(f'"{person_id}"', autoescape=True)


def _log_holding(slug: str, person_id: str):
    held = or_(
        col(AuditLogEntry.entity_id) == person_id,
        _mentions_id(col(AuditLogEntry.before), person_id),
        _mentions_id(col(AuditLogEntry.after), person_id),
    )
    return select(AuditLogEntry).where(col(AuditLogEntry.locality) == slug, held)


def _snapshots_holding(slug: str, person_id: str):
    return select(Snapshot).where(col(Snapshot.locality) == slug, _mentions_id(col(Snapshot.document), person_id))


def _batches(session: Session, query) -> Iterator[Any]:
    """The rows of ``query``, read and flushed :data:`BATCH` at a time."""
    model = query.column_descriptions[0]["entity"]
    keys = session.execute(query.with_only_columns(col(model.pk)).order_by(col(model.pk))).scalars().all()
    for start in range(0, len(keys), BATCH):
        batch = session.execute(select(model).where(col(model.pk).in_(keys[start : start + BATCH]))).scalars().all()
        yield from batch
        session.flush()
        for row in batch:  # written: the session need not keep them
            session.expunge(row)


def _about(entry: AuditLogEntry, person_id: str) -> bool:
    """Whether a logged change was to the person's entry or to one of their seats."""
    if entry.entity == "person":
        return entry.entity_id == person_id
    seats = [(image or {}).get("member") for image in (entry.before, entry.after)]
    return any(isinstance(seat, dict) and seat.get("person") == person_id for seat in seats)


def without(value: Any, person_id: str) -> Any:
    """A JSON value (a document, an entry, an image) with a person's ``people`` entry and seats taken out."""
    if isinstance(value, list):
        return [without(v, person_id) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "people" and isinstance(item, list):
            item = [p for p in item if not (isinstance(p, dict) and p.get("id") == person_id)]
        elif key == "members" and isinstance(item, list):
            item = [m for m in item if not (isinstance(m, dict) and m.get("person") == person_id)]
        out[key] = without(item, person_id)
    return out


# ---------------------------------------------------------------- free text that names the person


def name_pattern(name: str) -> re.Pattern | None:
    """The person's whole name as it may be written in text: any case, any spacing, not inside a longer word.

    Scripts written without spaces between words (Chinese, Japanese) have no
    word boundaries to look for, so there the name is matched wherever it is.
    """
    words = unicodedata.normalize("NFC", name).split()
    if not words:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    if any(unicodedata.east_asian_width(c) in "WF" for c in name):
        return re.compile(body, re.IGNORECASE)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


#: A group's fields of free text (a contact is refused if it names a person, but is searched all the same).
GROUP_TEXT = ("id", "name", "purpose", "contact", "meeting_pattern", "handles_other", "venue", "note")


def _fields(document: LocalityDocument, person_id: str) -> Iterator[tuple[str, str, str, str | None]]:
    """Every field of free text in a locality, as (entity, id, field, text), the person's own entry left out."""
    info = document.locality
    yield from (("locality", info.id, f, getattr(info, f)) for f in ("name", "description", "note"))
    yield from (("locality", info.id, f"sources[{i}]", s) for i, s in enumerate(info.sources))
    for a in document.agencies:
        yield from (("agency", a.id, f, getattr(a, f)) for f in ("id", "name", "note"))
    for p in document.people:
        if p.id != person_id:
            yield from (("person", p.id, f, getattr(p, f)) for f in ("role", "note"))
    for g in document.groups:
        yield from (("group", g.id, f, getattr(g, f)) for f in GROUP_TEXT)
        yield from (("group", g.id, f"area[{i}]", a) for i, a in enumerate(g.area))
        yield from (("group", g.id, f"members[{m.person}].note", m.note) for m in g.members if m.person != person_id)
    for link in document.links:
        yield "link", cast(str, link.id), "note", link.note


def free_text_naming(document: LocalityDocument, person_id: str, name: str) -> list[FreeTextPlace]:
    """The places in a locality whose free text names a person (ids included, read as words)."""
    pattern = name_pattern(name)
    if pattern is None:
        return []
    return [
        FreeTextPlace(entity=entity, id=ident, field=field)
        for entity, ident, field, text in _fields(document, person_id)
        if isinstance(text, str) and pattern.search(_readable(text) if field == "id" else text)
    ]


def _readable(ident: str) -> str:
    """An id read as words (``jo-forum``: ``jo forum``), so a name inside it is found like one in text."""
    return ident.replace("-", " ").replace("_", " ")


# ---------------------------------------------------------------- the ledger, on restore


def reapply_erasures(session: Session) -> int:
    """Erase again everyone in the ledger that the database holds (after a restore from a backup).

    A person whose row came back is erased as :func:`erase_person` does; a
    person known only to the history or the snapshots is rewritten out of
    them.  The caller commits.

    Returns
    -------
    int
        How many people were erased again.
    """
    ledger: dict[str, set[str]] = {}
    for slug, digest in session.execute(select(col(ErasureRecord.locality), col(ErasureRecord.person_digest))):
        ledger.setdefault(slug, set()).add(digest)
    again = 0
    for slug, digests in ledger.items():
        if not store.locality_exists(session, slug):
            continue
        stored = set(_stored_people(session, slug))
        for person_id in sorted(_known_people(session, slug) | stored):
            if person_digest(slug, person_id) not in digests:
                continue
            if person_id in stored:
                erase_person(session, slug, None, person_id)
                again += 1
            else:
                forget(session, slug, person_id)
    return again


def reapply_erasures_in(engine: Engine) -> int:
    """:func:`reapply_erasures` in a transaction of its own (the last step of a restore)."""
    with Session(engine) as session:
        again = reapply_erasures(session)
        session.commit()
    return again


def _stored_people(session: Session, slug: str) -> list[str]:
    query = (
        select(col(Person.id)).join(Locality, col(Locality.pk) == Person.locality_pk).where(col(Locality.id) == slug)
    )
    return list(session.execute(query).scalars())


def _known_people(session: Session, slug: str) -> set[str]:
    """The ids of every person a locality's history or snapshots hold."""
    known = set(
        session.execute(
            select(col(AuditLogEntry.entity_id)).where(
                col(AuditLogEntry.locality) == slug, col(AuditLogEntry.entity) == "person"
            )
        ).scalars()
    )
    images = session.execute(
        select(col(AuditLogEntry.before), col(AuditLogEntry.after)).where(col(AuditLogEntry.locality) == slug)
    ).all()
    documents = session.execute(select(col(Snapshot.document)).where(col(Snapshot.locality) == slug)).scalars()
    for value in [*(v for pair in images for v in pair), *documents]:
        known |= _people_in(value)
    known |= census.people_asked(session, slug)
    return {k for k in known if k}


def _people_in(value: Any) -> set[str]:
    """Person ids a JSON value holds by structure: ``people`` entries and seats."""
    if isinstance(value, list):
        return set().union(*(_people_in(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = {value["person"]} if isinstance(value.get("person"), str) else set()
    for key, item in value.items():
        if key == "people" and isinstance(item, list):
            found |= {p["id"] for p in item if isinstance(p, dict) and isinstance(p.get("id"), str)}
        found |= _people_in(item)
    return found


# ---------------------------------------------------------------- subject access


def subject_access(session: Session, slug: str, person_id: str) -> dict:
    """Everything held about one person: record, seats, audit-log entries, snapshots and free text naming them.

    Raises
    ------
    NotFound
        If the locality or the person is not stored.
    """
    document = store.export_document(session, slug)
    person = edits.entry(document, "person", person_id)
    log = session.execute(_log_holding(slug, person_id).order_by(col(AuditLogEntry.pk))).scalars().all()
    held = [e for e in log if _about(e, person_id) or without([e.before, e.after], person_id) != [e.before, e.after]]
    places = free_text_naming(document, person_id, person.name)
    texts = {(e, i, f): t for e, i, f, t in _fields(document, person_id)}
    return {
        "locality": slug,
        "person": person.model_dump(mode="json", exclude_none=True),
        "memberships": _seats(document.to_data(), person_id),
        "audit_log": [_log_entry(e) for e in held],
        "snapshots": [s for s in (_snapshot_holding(s, person_id) for s in store.list_snapshots(session, slug)) if s],
        "free_text": [{**p.model_dump(), "text": texts[(p.entity, p.id, p.field)]} for p in places],
    }


def _seats(data: dict, person_id: str) -> list[dict]:
    return [
        {"group": g["id"], "group_name": g["name"], **m}
        for g in data.get("groups", [])
        for m in g.get("members", [])
        if isinstance(m, dict) and m.get("person") == person_id
    ]


def _snapshot_holding(snapshot: Snapshot, person_id: str) -> dict | None:
    """What a snapshot holds about the person, or None if nothing."""
    data = snapshot.document
    entries = [p for p in data.get("people", []) if isinstance(p, dict) and p.get("id") == person_id]
    seats = _seats(data, person_id)
    if not entries and not seats:
        return None
    return {
        "id": snapshot.pk,
        "label": snapshot.label,
        "taken_at": snapshot.taken_at.isoformat(),
        "revision": snapshot.revision,
        "person": entries[0] if entries else None,
        "memberships": seats,
    }


def _log_entry(row: AuditLogEntry) -> dict:
    return {
        "id": row.pk,
        "at": row.at.isoformat(),
        "user": row.user,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }
