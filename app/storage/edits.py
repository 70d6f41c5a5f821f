"""Changing stored localities: every write validated, logged, and atomic.

Two paths, one set of rules.  An entry edit (:func:`create`, :func:`update`,
:func:`delete`, :func:`add_member`, ...) writes only the rows it touches,
through :mod:`app.storage.rows`, which checks the entry with its own model
and the references it can break with targeted queries; its cost does not
grow with the locality.  The whole-document path (:func:`edit` with a
mutation such as :func:`create_entry`) reads the locality as a ``locmap/1``
document, changes it, re-validates all of it and writes it back: it stays
for replacing a locality, and as the reference the row path is tested
against.  Either way the change, its audit-log entry (with everything it
removed, so a revert restores it exactly) and the revision bump share the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.storage import rows, store
from models.document import LocalityDocument
from models.tables import AuditLogEntry
from models.validation import validate_data

#: Document section of each kind of entry.
SECTIONS = {"agency": "agencies", "person": "people", "group": "groups", "link": "links"}


@dataclass
class Change:
    action: str
    entity: str
    entity_id: str | None
    before: dict | None
    after: dict | None


def log(session: Session, user: str | None, locality: str | None, change: Change) -> None:
    session.add(
        AuditLogEntry(
            user=user,
            action=change.action,
            locality=locality,
            entity=change.entity,
            entity_id=change.entity_id,
            before=change.before,
            after=change.after,
        )
    )


# ---------------------------------------------------------------- entry edits, row by row


def _row_edit(session: Session, slug: str, user: str | None, change: Callable[[rows.Target], Change]) -> Change:
    """Lock the locality and bump its revision, make one row-level change and log it, in one transaction."""
    target = rows.Target(session, store.begin_edit(session, slug), slug)
    done = change(target)
    log(session, user, slug, done)
    return done


def create(session: Session, slug: str, user: str | None, kind: str, row: dict) -> Change:
    """Add an agency, person, group (with its members) or link; Conflict if its id is taken."""
    return _row_edit(session, slug, user, lambda t: _create(t, kind, row))


def update(session: Session, slug: str, user: str | None, kind: str, ident: str, changes: dict[str, Any]) -> Change:
    """Change fields of an entry; a field set to None is cleared (back to its default)."""
    return _row_edit(
        session, slug, user, lambda t: _update(t, kind, ident, lambda before: rows.apply_changes(before, changes))
    )


def replace(session: Session, slug: str, user: str | None, kind: str, ident: str, row: dict) -> Change:
    """Rewrite an entry as ``row`` (as an edit form does); a group keeps its seats unless ``row`` has members."""
    return _row_edit(session, slug, user, lambda t: _update(t, kind, ident, lambda _: dict(row)))


def delete(session: Session, slug: str, user: str | None, kind: str, ident: str) -> Change:
    """Delete an entry: a person with their seats, a group with its seats and links.

    An agency still named by people or groups is refused (Conflict), to lose nothing.
    """
    return _row_edit(session, slug, user, lambda t: _delete(t, kind, ident))


def add_seat(session: Session, slug: str, user: str | None, group_id: str, member: dict) -> Change:
    """Seat a person on a group (Conflict if already a member)."""
    return _row_edit(session, slug, user, lambda t: _add_seat(t, group_id, member))


def update_seat(
    session: Session, slug: str, user: str | None, group_id: str, person: str, changes: dict[str, Any]
) -> Change:
    """Change a member's role, attendance or note."""
    return _row_edit(session, slug, user, lambda t: _update_seat(t, group_id, person, changes))


def remove_seat(session: Session, slug: str, user: str | None, group_id: str, person: str) -> Change:
    """Take a person off a group."""
    return _row_edit(session, slug, user, lambda t: _remove_seat(t, group_id, person))


def _create(t: rows.Target, kind: str, row: dict) -> Change:
    entry = rows.create_entry(t, kind, row)
    return Change("create", kind, entry.id, None, row)


def _update(t: rows.Target, kind: str, ident: str, after: Callable[[dict], dict]) -> Change:
    before, changed = rows.update_entry(t, kind, ident, after)
    return Change("update", kind, ident, before, changed)


def _delete(t: rows.Target, kind: str, ident: str) -> Change:
    return Change("delete", kind, ident, rows.delete_entry(t, kind, ident), None)


def _restore(t: rows.Target, kind: str, before: dict) -> Change:
    """Put a deleted entry back with what went with it: a group's links, a person's seats."""
    entry = {k: v for k, v in before.items() if k not in ("links", "seats")}
    change = _create(t, kind, entry)
    for link in before.get("links", []) if kind == "group" else []:
        rows.create_entry(t, "link", link)
    for seat in before.get("seats", []) if kind == "person" else []:
        member = {k: v for k, v in seat.items() if k != "group"}
        try:
            rows.add_seat(t, seat["group"], member)
        except NotFound as exc:
            raise Conflict(f"cannot give {kind} {entry.get('id')!r} back their seat: {exc}") from None
    change.after = before
    return change


def _add_seat(t: rows.Target, group_id: str, member: dict) -> Change:
    rows.add_seat(t, group_id, member)
    return Change("add_member", "group", group_id, None, {"member": member})


def _update_seat(t: rows.Target, group_id: str, person: str, changes: dict[str, Any]) -> Change:
    before, after = rows.update_seat(t, group_id, person, changes)
    return Change("update_member", "group", group_id, {"member": before}, {"member": after})


def _remove_seat(t: rows.Target, group_id: str, person: str) -> Change:
    return Change("remove_member", "group", group_id, {"member": rows.remove_seat(t, group_id, person)}, None)


# ---------------------------------------------------------------- the whole-document path


def edit(
    session: Session, slug: str, user: str | None, mutate: Callable[[dict], Change]
) -> tuple[LocalityDocument, Change]:
    """Apply ``mutate`` to the locality's document data, validate, store and log it."""
    store.lock_locality(session, slug)
    data = store.export_document(session, slug).to_data()
    change = mutate(data)
    document = validate_data(data)
    store.import_document(session, document)
    log(session, user, slug, change)
    return document, change


def _find(data: dict, kind: str, ident: str) -> tuple[list, int]:
    entries = data.setdefault(SECTIONS[kind], [])
    for i, row in enumerate(entries):
        if row.get("id") == ident:
            return entries, i
    raise NotFound(f"no {kind} {ident!r} in locality {data['locality']['id']!r}")


def entry(document: LocalityDocument, kind: str, ident: str):
    """One entry of a stored document, or NotFound."""
    for item in getattr(document, SECTIONS[kind]):
        if item.id == ident:
            return item
    raise NotFound(f"no {kind} {ident!r} in locality {document.locality.id!r}")


def create_entry(kind: str, row: dict) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        entries = data.setdefault(SECTIONS[kind], [])
        if any(r.get("id") == row["id"] for r in entries):
            raise Conflict(f"{kind} {row['id']!r} already exists in locality {data['locality']['id']!r}")
        entries.append(row)
        return Change("create", kind, row["id"], None, row)

    return mutate


def update_entry(kind: str, ident: str, changes: dict[str, Any]) -> Callable[[dict], Change]:
    """Change fields of an entry; a field set to null is cleared (back to its default)."""

    def mutate(data: dict) -> Change:
        entries, i = _find(data, kind, ident)
        before = dict(entries[i])
        after = rows.apply_changes(before, changes)
        entries[i] = after
        return Change("update", kind, ident, before, after)

    return mutate


def delete_entry(kind: str, ident: str) -> Callable[[dict], Change]:
    """Delete an entry.  A person's seats and a group's links go with them;
    an agency still named by people or groups is refused (409), to lose nothing."""

    def mutate(data: dict) -> Change:
        entries, i = _find(data, kind, ident)
        before = entries.pop(i)
        if kind == "person":
            seats = [{"group": g["id"], **m} for g in data.get("groups", []) for m in g.get("members", [])]
            seats = [seat for seat in seats if seat["person"] == ident]
            for group in data.get("groups", []):
                group["members"] = [m for m in group.get("members", []) if m["person"] != ident]
            before = {**before, "seats": seats} if seats else before
        elif kind == "group":
            touching = [link for link in data.get("links", []) if ident in (link["from"], link["to"])]
            data["links"] = [link for link in data.get("links", []) if ident not in (link["from"], link["to"])]
            before = {**before, "links": touching} if touching else before
        elif kind == "agency":
            people = [p["id"] for p in data.get("people", []) if p.get("agency") == ident]
            groups = [g["id"] for g in data.get("groups", []) if g.get("school") == ident]
            if people or groups:
                named = ", ".join([*(f"person {p!r}" for p in people), *(f"group {g!r}" for g in groups)][:10])
                raise Conflict(f"agency {ident!r} is still named by {named}; change or delete them first")
        return Change("delete", kind, ident, before, None)

    return mutate


def add_member(group_id: str, member: dict) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        entries, i = _find(data, "group", group_id)
        members = entries[i].setdefault("members", [])
        if any(m["person"] == member["person"] for m in members):
            raise Conflict(f"person {member['person']!r} is already a member of group {group_id!r}")
        members.append(member)
        return Change("add_member", "group", group_id, None, {"member": member})

    return mutate


def update_member(group_id: str, person: str, changes: dict[str, Any]) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        entries, i = _find(data, "group", group_id)
        for seat in entries[i].get("members", []):
            if seat["person"] == person:
                before = dict(seat)
                seat.clear()
                seat.update(rows.apply_changes(before, changes))
                return Change("update_member", "group", group_id, {"member": before}, {"member": dict(seat)})
        raise NotFound(f"person {person!r} is not a member of group {group_id!r}")

    return mutate


def remove_member(group_id: str, person: str) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        entries, i = _find(data, "group", group_id)
        members = entries[i].get("members", [])
        for j, seat in enumerate(members):
            if seat["person"] == person:
                members.pop(j)
                return Change("remove_member", "group", group_id, {"member": seat}, None)
        raise NotFound(f"person {person!r} is not a member of group {group_id!r}")

    return mutate


# ---------------------------------------------------------------- revert


def replace_entry(kind: str, ident: str, row: dict) -> Callable[[dict], Change]:
    """Put an entry back exactly as ``row`` (its seats kept if ``row`` has none)."""

    def mutate(data: dict) -> Change:
        entries, i = _find(data, kind, ident)
        before = entries[i]
        restored = dict(row)
        if kind == "group" and "members" not in restored:
            restored["members"] = before.get("members", [])
        entries[i] = restored
        return Change("update", kind, ident, before, restored)

    return mutate


def replace_locality(document_data: dict) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        before = {k: v for k, v in data.items()}
        data.clear()
        data.update(document_data)
        return Change("replace", "locality", document_data["locality"]["id"], before, document_data)

    return mutate


def revert(session: Session, slug: str, user: str | None, entry_pk: int) -> Change:
    """Undo one logged change to a locality, as a new, logged change.

    Entry changes are undone row by row: a deleted group comes back with its
    members and links, a deleted person with their seats.  A change that
    later changes depend on (a group created, then linked) may no longer
    revert cleanly: a revert that would leave a dangling reference is
    refused with the reason, and nothing of it is written.
    """
    entry = session.get(AuditLogEntry, entry_pk)
    if entry is None or entry.locality != slug:
        raise NotFound(f"no change {entry_pk} in the history of locality {slug!r}")
    kind, ident, action = entry.entity, entry.entity_id, entry.action
    if action == "erase" or ident is None:
        raise Conflict("an erasure cannot be reverted: the person's data is gone by design")
    if action == "revert":
        raise Conflict("revert the original change again instead of reverting a revert")
    if kind == "locality":
        if action != "replace" or entry.before is None:
            raise Conflict(f"a locality {action} cannot be reverted here")
        mutate = replace_locality(entry.before)
        _, change = edit(session, slug, user, lambda data: _as_revert(mutate(data), entry_pk))
        return change
    if kind not in SECTIONS:
        raise Conflict(f"changes to {kind} records cannot be reverted")
    target = rows.Target(session, store.begin_edit(session, slug), slug)
    change = _as_revert(_undo(target, entry), entry_pk)
    log(session, user, slug, change)
    return change


def _as_revert(change: Change, entry_pk: int) -> Change:
    change.action = "revert"
    change.after = {"reverts": entry_pk, **(change.after or {})}
    return change


def _undo(t: rows.Target, entry: AuditLogEntry) -> Change:
    """The row-level change that undoes one logged entry change."""
    kind, ident, action = entry.entity, cast(str, entry.entity_id), entry.action
    before, after = entry.before or {}, entry.after or {}
    if action == "create":
        return _delete(t, kind, ident)
    if action == "delete":
        return _restore(t, kind, before)
    if action == "update":
        return _update(t, kind, ident, lambda _: dict(before))
    if action == "add_member":
        return _remove_seat(t, ident, after["member"]["person"])
    if action == "remove_member":
        return _add_seat(t, ident, before["member"])
    if action == "update_member":
        seat = before["member"]
        return _update_seat(t, ident, seat["person"], {k: seat.get(k) for k in ("role", "attendance", "note")})
    raise Conflict(f"a {action} cannot be reverted")


def history(session: Session, slug: str, limit: int = 200) -> list[AuditLogEntry]:
    return list(
        session.execute(
            select(AuditLogEntry).where(AuditLogEntry.locality == slug).order_by(AuditLogEntry.pk.desc()).limit(limit)
        ).scalars()
    )
