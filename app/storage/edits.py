"""Changing stored localities: every write validated as a whole, logged, and atomic.

An edit locks the locality (:func:`app.storage.store.lock_locality`), reads it as a
``locmap/1`` document, applies the change to the document, re-validates the
whole document (so no edit can leave a dangling reference), writes it back
and records the change in the audit log, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.storage import store
from models.document import LocalityDocument
from models.tables import AuditLogEntry
from models.validation import validate_data

#: Document section of each kind of entry.
SECTIONS = {"agency": "agencies", "person": "people", "group": "groups", "link": "links"}
ERASED = "[erased]"


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
    rows = data.setdefault(SECTIONS[kind], [])
    for i, row in enumerate(rows):
        if row.get("id") == ident:
            return rows, i
    raise NotFound(f"no {kind} {ident!r} in locality {data['locality']['id']!r}")


def entry(document: LocalityDocument, kind: str, ident: str):
    """One entry of a stored document, or NotFound."""
    for item in getattr(document, SECTIONS[kind]):
        if item.id == ident:
            return item
    raise NotFound(f"no {kind} {ident!r} in locality {document.locality.id!r}")


def create_entry(kind: str, row: dict) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        rows = data.setdefault(SECTIONS[kind], [])
        if any(r.get("id") == row["id"] for r in rows):
            raise Conflict(f"{kind} {row['id']!r} already exists in locality {data['locality']['id']!r}")
        rows.append(row)
        return Change("create", kind, row["id"], None, row)

    return mutate


def update_entry(kind: str, ident: str, changes: dict[str, Any]) -> Callable[[dict], Change]:
    """Change fields of an entry; a field set to null is cleared (back to its default)."""

    def mutate(data: dict) -> Change:
        rows, i = _find(data, kind, ident)
        before = dict(rows[i])
        after = dict(before)
        for name, value in changes.items():
            if value is None:
                after.pop(name, None)
            else:
                after[name] = value
        rows[i] = after
        return Change("update", kind, ident, before, after)

    return mutate


def delete_entry(kind: str, ident: str) -> Callable[[dict], Change]:
    """Delete an entry.  A person's seats and a group's links go with them;
    an agency still named by people or groups is refused (409), to lose nothing."""

    def mutate(data: dict) -> Change:
        rows, i = _find(data, kind, ident)
        before = rows.pop(i)
        if kind == "person":
            for group in data.get("groups", []):
                group["members"] = [m for m in group.get("members", []) if m["person"] != ident]
        elif kind == "group":
            data["links"] = [link for link in data.get("links", []) if ident not in (link["from"], link["to"])]
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
        rows, i = _find(data, "group", group_id)
        members = rows[i].setdefault("members", [])
        if any(m["person"] == member["person"] for m in members):
            raise Conflict(f"person {member['person']!r} is already a member of group {group_id!r}")
        members.append(member)
        return Change("add_member", "group", group_id, None, {"member": member})

    return mutate


def update_member(group_id: str, person: str, changes: dict[str, Any]) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        rows, i = _find(data, "group", group_id)
        for seat in rows[i].get("members", []):
            if seat["person"] == person:
                before = dict(seat)
                for name, value in changes.items():
                    if value is None:
                        seat.pop(name, None)
                    else:
                        seat[name] = value
                return Change("update_member", "group", group_id, {"member": before}, {"member": dict(seat)})
        raise NotFound(f"person {person!r} is not a member of group {group_id!r}")

    return mutate


def remove_member(group_id: str, person: str) -> Callable[[dict], Change]:
    def mutate(data: dict) -> Change:
        rows, i = _find(data, "group", group_id)
        members = rows[i].get("members", [])
        for j, seat in enumerate(members):
            if seat["person"] == person:
                members.pop(j)
                return Change("remove_member", "group", group_id, {"member": seat}, None)
        raise NotFound(f"person {person!r} is not a member of group {group_id!r}")

    return mutate


# ---------------------------------------------------------------- erasure


def erase_person(session: Session, slug: str, user: str | None, person_id: str) -> None:
    """Delete a person everywhere: their entry, their seats, and their traces in the audit log.

    The log keeps the fact that someone was erased, without who.
    """
    document = store.export_document(session, slug)
    person = entry(document, "person", person_id)
    edit(session, slug, user, delete_entry("person", person_id))
    scrub_audit_log(session, slug, person_id, person.name)
    # The deletion just logged names the person: rewrite it as an erasure.
    last = (
        session.execute(
            select(AuditLogEntry).where(AuditLogEntry.locality == slug).order_by(AuditLogEntry.pk.desc()).limit(1)
        )
        .scalars()
        .first()
    )
    if last is not None:
        last.action, last.entity_id, last.before = "erase", None, None
        session.add(last)


def scrub_audit_log(session: Session, slug: str, person_id: str, name: str) -> None:
    """Remove a person's id, seats and name from every audit-log entry of a locality."""
    session.flush()
    entries = session.execute(select(AuditLogEntry).where(AuditLogEntry.locality == slug)).scalars().all()
    for row in entries:
        if row.entity == "person" and row.entity_id == person_id:
            row.entity_id, row.before, row.after = None, None, None
        else:
            row.before = _scrub(row.before, person_id, name)
            row.after = _scrub(row.after, person_id, name)
        session.add(row)


def _scrub(value: Any, person_id: str, name: str, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key == "people" and value.get("id") == person_id:
            return None
        if value.get("person") == person_id:
            return None
        out = {}
        for k, v in value.items():
            cleaned = _scrub(v, person_id, name, k)
            if cleaned is not None or v is None:
                out[k] = cleaned
        return out
    if isinstance(value, list):
        return [c for c in (_scrub(v, person_id, name, key) for v in value) if c is not None]
    if isinstance(value, str) and name and name in value:
        return value.replace(name, ERASED)
    return value


def person_record(session: Session, slug: str, person_id: str) -> dict:
    """Everything held about one person: their entry, their seats and audit-log entries about them."""
    document = store.export_document(session, slug)
    person = entry(document, "person", person_id)
    seats = [
        {"group": g.id, "group_name": g.name, **m.model_dump(mode="json", exclude_none=True)}
        for g in document.groups
        for m in g.members
        if m.person == person_id
    ]
    log_rows = (
        session.execute(select(AuditLogEntry).where(AuditLogEntry.locality == slug).order_by(AuditLogEntry.pk))
        .scalars()
        .all()
    )
    mentions = [
        row
        for row in log_rows
        if (row.entity == "person" and row.entity_id == person_id)
        or _mentions(row.before, person_id, person.name)
        or _mentions(row.after, person_id, person.name)
    ]
    return {
        "locality": slug,
        "person": person.model_dump(mode="json", exclude_none=True),
        "memberships": seats,
        "audit_log": [
            {
                "id": row.pk,
                "at": row.at.isoformat(),
                "user": row.user,
                "action": row.action,
                "entity": row.entity,
                "entity_id": row.entity_id,
                "before": row.before,
                "after": row.after,
            }
            for row in mentions
        ],
    }


def _mentions(value: Any, person_id: str, name: str) -> bool:
    return _scrub(value, person_id, name) != value


# ---------------------------------------------------------------- revert


def replace_entry(kind: str, ident: str, row: dict) -> Callable[[dict], Change]:
    """Put an entry back exactly as ``row`` (its seats kept if ``row`` has none)."""

    def mutate(data: dict) -> Change:
        rows, i = _find(data, kind, ident)
        before = rows[i]
        restored = dict(row)
        if kind == "group" and "members" not in restored:
            restored["members"] = before.get("members", [])
        rows[i] = restored
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

    A change that later changes depend on (a group created, then linked) may
    no longer revert cleanly: the whole locality is re-validated, and a
    revert that would leave a dangling reference is refused with the reason.
    """
    entry = session.get(AuditLogEntry, entry_pk)
    if entry is None or entry.locality != slug:
        raise NotFound(f"no change {entry_pk} in the history of locality {slug!r}")
    kind, ident, action = entry.entity, entry.entity_id, entry.action
    if action == "erase" or ident is None:
        raise Conflict("an erasure cannot be reverted: the person's data is gone by design")
    if kind == "locality":
        if action != "replace" or entry.before is None:
            raise Conflict(f"a locality {action} cannot be reverted here")
        mutate = replace_locality(entry.before)
    elif kind not in SECTIONS:
        raise Conflict(f"changes to {kind} records cannot be reverted")
    elif action == "create":
        mutate = delete_entry(kind, ident)
    elif action == "delete":
        mutate = create_entry(kind, entry.before)
    elif action == "update":
        mutate = replace_entry(kind, ident, entry.before)
    elif action == "add_member":
        mutate = remove_member(ident, entry.after["member"]["person"])
    elif action == "remove_member":
        mutate = add_member(ident, entry.before["member"])
    elif action == "update_member":
        seat = entry.before["member"]
        mutate = update_member(ident, seat["person"], {k: seat.get(k) for k in ("role", "attendance", "note")})
    elif action == "revert":
        raise Conflict("revert the original change again instead of reverting a revert")
    else:
        raise Conflict(f"a {action} cannot be reverted")

    def logged(data: dict) -> Change:
        change = mutate(data)
        change.action = "revert"
        change.after = (
            {"reverts": entry_pk, **(change.after or {})} if isinstance(change.after, dict) else {"reverts": entry_pk}
        )
        return change

    _, change = edit(session, slug, user, logged)
    return change


def history(session: Session, slug: str, limit: int = 200) -> list[AuditLogEntry]:
    return list(
        session.execute(
            select(AuditLogEntry).where(AuditLogEntry.locality == slug).order_by(AuditLogEntry.pk.desc()).limit(limit)
        ).scalars()
    )
