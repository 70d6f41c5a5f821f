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
from functools import partial
from typing import Any, cast

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from app.storage import rows, store
from models import document as doc
from models.document import LocalityDocument
from models.tables import AuditLogEntry
from models.validation import DocumentError, canonical, validate_data

#: Changes that rewrote the whole locality, reverted by putting back its earlier document: a replace
#: (an upload or import) and corrections applied from a member census (:mod:`app.storage.census`).
WHOLE_LOCALITY_ACTIONS = ("replace", "census")

#: Document section of each kind of entry.
SECTIONS = {"agency": "agencies", "person": "people", "group": "groups", "link": "links"}


@dataclass
class Change:
    action: str
    entity: str
    entity_id: str | None
    before: dict | None
    after: dict | None


def log(session: Session, user: str | None, locality: str | None, change: Change) -> AuditLogEntry:
    """Add the change's history entry to the session (its number is known once flushed)."""
    entry = AuditLogEntry(
        user=user,
        action=change.action,
        locality=locality,
        entity=change.entity,
        entity_id=change.entity_id,
        before=change.before,
        after=change.after,
    )
    session.add(entry)
    return entry


# ---------------------------------------------------------------- entry edits, row by row


#: The entry an If-Match check read under the lock, its change begun (:class:`app.storage.store.StoredEntry`).
Begun = store.StoredEntry | None


def _row_edit(
    session: Session, slug: str, user: str | None, change: Callable[[rows.Target], Change], begun: Begun = None
) -> Change:
    """Lock the locality and bump its revision, make one row-level change and log it, in one transaction.

    The analysed revision moves too, unless the change touched only a group's descriptive fields.
    With ``begun``, the change was begun already (by the check that read that entry under the lock).
    """
    lpk = begun.locality_pk if begun is not None else store.begin_edit(session, slug, analysed=False)
    target = rows.Target(session, lpk, slug)
    done = change(target)
    if not descriptive_only(done) and not (begun is not None and begun.analysed):
        store.mark_analysed(session, target.lpk)
    log(session, user, slug, done)
    return done


def descriptive_only(change: Change) -> bool:
    """Whether a change rewrote nothing but a group's :data:`~models.document.DESCRIPTIVE_GROUP_FIELDS`."""
    if change.action != "update" or change.entity != "group" or change.before is None or change.after is None:
        return False
    fields = change.before.keys() | change.after.keys()
    changed = {f for f in fields if change.before.get(f) != change.after.get(f)}
    return changed <= doc.DESCRIPTIVE_GROUP_FIELDS  # nothing changed: nothing to analyse again either


def create(session: Session, slug: str, user: str | None, kind: str, row: dict) -> Change:
    """Add an agency, person, group (with its members) or link; Conflict if its id is taken."""
    return _row_edit(session, slug, user, lambda t: _create(t, kind, row))


def update(
    session: Session,
    slug: str,
    user: str | None,
    kind: str,
    ident: str,
    changes: dict[str, Any],
    begun: Begun = None,
) -> Change:
    """Change fields of an entry; a field set to None is cleared (back to its default).

    With ``begun`` (this entry as read under the lock by an If-Match check,
    :func:`app.web.concurrency.check_entry`) it is neither locked nor read again.
    """
    seats = "members" in changes
    apply = partial(rows.apply_changes, changes=changes)
    return _row_edit(session, slug, user, lambda t: _update(t, kind, ident, apply, seats, begun), begun)


def replace(
    session: Session, slug: str, user: str | None, kind: str, ident: str, row: dict, begun: Begun = None
) -> Change:
    """Rewrite an entry as ``row`` (as an edit form does); a group keeps its seats unless ``row`` has members."""
    seats = "members" in row
    return _row_edit(session, slug, user, lambda t: _update(t, kind, ident, lambda _: dict(row), seats, begun), begun)


def delete(session: Session, slug: str, user: str | None, kind: str, ident: str, begun: Begun = None) -> Change:
    """Delete an entry: a person with their seats, a group with its seats and links.

    An agency still named by people or groups is refused (Conflict), to lose nothing.
    """
    return _row_edit(session, slug, user, lambda t: _delete(t, kind, ident), begun)


def add_seat(session: Session, slug: str, user: str | None, group_id: str, member: dict) -> Change:
    """Seat a person on a group (Conflict if already a member)."""
    return _row_edit(session, slug, user, lambda t: _add_seat(t, group_id, member))


def update_seat(
    session: Session,
    slug: str,
    user: str | None,
    group_id: str,
    person: str,
    changes: dict[str, Any],
    begun: Begun = None,
) -> Change:
    """Change a member's role, attendance or note."""
    return _row_edit(session, slug, user, lambda t: _update_seat(t, group_id, person, changes), begun)


def remove_seat(
    session: Session, slug: str, user: str | None, group_id: str, person: str, begun: Begun = None
) -> Change:
    """Take a person off a group."""
    return _row_edit(session, slug, user, lambda t: _remove_seat(t, group_id, person), begun)


def _create(t: rows.Target, kind: str, row: dict) -> Change:
    entry = rows.create_entry(t, kind, row)
    return Change("create", kind, entry.id, None, _image(kind, entry))


def _image(kind: str, entry: Any) -> dict:
    """An entry as logged: as the document writes it, a group with its seats (an empty list kept)."""
    data = rows.entry_data(entry)
    if kind == "group":
        data["members"] = [rows.entry_data(m) for m in entry.members]
    return data


def _update(
    t: rows.Target,
    kind: str,
    ident: str,
    after: Callable[[dict], dict],
    seats: bool = False,
    begun: Begun = None,
) -> Change:
    """Rewrite an entry; both images in the document's own form, so only what changed differs.

    ``seats`` says that ``after`` gives a group's members: its seats are then logged before and after.
    ``begun``, if it is this entry, is used instead of reading it again.
    """
    known = begun if begun is not None and (begun.kind, begun.ident) == (kind, ident) else None
    members = _seats_now(t, ident, known) if kind == "group" and seats else []
    before, changed = rows.update_entry(t, kind, ident, after, known)
    image = rows.entry_data(rows.MODELS[kind].model_validate(changed))
    if kind == "group":
        image.pop("members", None)
        if "members" in changed:  # its seats were rewritten: log them on both sides
            before = {**before, "members": members}
            image["members"] = [rows.entry_data(doc.Member.model_validate(m)) for m in changed["members"]]
    return Change("update", kind, ident, before, image)


def _seats_now(t: rows.Target, group_id: str, known: store.StoredEntry | None = None) -> list[dict]:
    if known is not None:
        seats = known.entry.get("members", [])
    else:
        pk = store.entry_key(t.session, t.lpk, "group", group_id)
        seats = store.seats_of(t.session, [pk])[pk] if pk else []
    return [rows.entry_data(doc.Member.model_validate(m)) for m in seats]


def _delete(t: rows.Target, kind: str, ident: str) -> Change:
    """Delete an entry, logging all that went with it and where each part stood (see :func:`_restore`)."""
    pk = store.entry_key(t.session, t.lpk, kind, ident)
    where = store.places(t.session, t.lpk, kind, pk) if pk is not None else {}
    before = rows.delete_entry(t, kind, ident)
    before["row"] = pk
    for member in before.get("members", []) if kind == "group" else []:
        member["position"] = where["members"].get(member["person"])
    for link in before.get("links", []) if kind == "group" else []:
        link["row"] = where["links"].get(link.get("id"))
    for seat in before.get("seats", []) if kind == "person" else []:
        seat["position"] = where["seats"].get(seat["group"])
    return Change("delete", kind, ident, before, None)


#: Keys of a logged image that say where things stood or what a revert undid, not fields of an entry.
PLACES = ("row", "position")
NOT_FIELDS = ("links", "seats", "reverts", "as", *PLACES)


def _bare(image: dict) -> dict:
    """An entry of a logged image as its model reads it: what went with it and where it stood left out."""
    return {k: v for k, v in image.items() if k not in NOT_FIELDS}


def _restore(t: rows.Target, kind: str, before: dict) -> Change:
    """Put a deleted entry back, where it stood, with what went with it: a group's seats and links, a person's seats."""
    entry = _bare(before)
    members = entry.pop("members", []) if kind == "group" else []
    ident = entry.get("id")
    if isinstance(ident, str) and store.entry_key(t.session, t.lpk, kind, ident) is not None:
        raise Conflict(f"a later change added another {kind} with the id {ident!r}")
    created: Any = rows.create_entry(t, kind, entry)  # the entry's model, as written
    store.move_row(t.session, kind, _key(t, kind, created.id), before.get("row"))
    for member in members:
        _seat_at(t, created.id, member)
    for link in before.get("links", []) if kind == "group" else []:
        made: Any = rows.create_entry(t, "link", _bare(link))
        store.move_row(t.session, "link", _key(t, "link", made.id), link.get("row"))
    for seat in before.get("seats", []) if kind == "person" else []:
        _seat_at(t, seat["group"], {k: v for k, v in seat.items() if k != "group"})
    return Change("create", kind, created.id, None, before)


def _key(t: rows.Target, kind: str, ident: str) -> int:
    return cast(int, store.entry_key(t.session, t.lpk, kind, ident))


def _seat_at(t: rows.Target, group_id: str, member: dict) -> None:
    """Seat a person again at the position logged with the seat."""
    try:
        rows.add_seat(t, group_id, _bare(member))
    except NotFound as exc:
        raise Conflict(f"cannot seat {member.get('person')!r} on group {group_id!r} again: {exc}") from None
    person_pk = _key(t, "person", member["person"])
    store.place_seat(t.session, _key(t, "group", group_id), person_pk, member.get("position"))


def _add_seat(t: rows.Target, group_id: str, member: dict) -> Change:
    rows.add_seat(t, group_id, member)
    return Change("add_member", "group", group_id, None, {"member": rows.entry_data(doc.Member.model_validate(member))})


def _update_seat(t: rows.Target, group_id: str, person: str, changes: dict[str, Any]) -> Change:
    before, after = rows.update_seat(t, group_id, person, changes)
    after = rows.entry_data(doc.Member.model_validate(after))
    return Change("update_member", "group", group_id, {"member": before}, {"member": after})


def _remove_seat(t: rows.Target, group_id: str, person: str) -> Change:
    group_pk, person_pk = (
        store.entry_key(t.session, t.lpk, k, i) for k, i in (("group", group_id), ("person", person))
    )
    position = store.seat_position(t.session, group_pk, person_pk) if group_pk and person_pk else None
    seat = rows.remove_seat(t, group_id, person)
    return Change("remove_member", "group", group_id, {"member": {**seat, "position": position}}, None)


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


#: Kinds of entry whose logged changes are reverted row by row.
ENTRY_KINDS = tuple(SECTIONS)


def why_not_revertable(entry: AuditLogEntry) -> str | None:
    """Why a logged change can never be reverted, in words, or None if it may be (as far as the log tells)."""
    if entry.action == "erase":
        return "An erasure is never reverted: the person's data is gone from the locality and its history by design."
    if entry.entity == "locality":
        return (
            None
            if entry.action in WHOLE_LOCALITY_ACTIONS and entry.before
            else f"A locality's {entry.action} is not reverted here."
        )
    if entry.entity not in ENTRY_KINDS or entry.entity_id is None:
        return "This change was about a person since erased: it names no one and cannot be reverted."
    return None


def reverted_by(session: Session, slug: str) -> dict[int, int]:
    """Each change of a locality undone by a revert that still stands, with that revert's number.

    A revert that was itself reverted no longer stands, so the change it
    undid stands again (and may be reverted again).
    """
    query = select(col(AuditLogEntry.pk), col(AuditLogEntry.after)).where(
        col(AuditLogEntry.locality) == slug, col(AuditLogEntry.action) == "revert"
    )
    undone: dict[int, int] = {}
    # Newest first: whether a revert stands is known before the change it reverts is reached.
    for pk, after in session.execute(query.order_by(col(AuditLogEntry.pk).desc())):
        target = (after or {}).get("reverts")
        if isinstance(target, int) and pk not in undone and target not in undone:
            undone[target] = pk
    return undone


def revert(session: Session, slug: str, user: str | None, entry_pk: int) -> Change:
    """Undo one logged change to a locality, as a new, logged change (which may be reverted in turn).

    A deleted group comes back where it stood, with its seats and links, a
    deleted person with their seats; an update puts back only the fields it
    changed.  Refused (Conflict, in words, nothing written) when the change
    was already reverted, when what it changed is no longer there, or when a
    later change changed the same thing again.

    Raises
    ------
    NotFound
        If the locality's history has no such change.
    Conflict
        If the change cannot be reverted, with the reason.
    """
    entry = session.get(AuditLogEntry, entry_pk)
    if entry is None or entry.locality != slug:
        raise NotFound(f"The history of this locality has no change number {entry_pk}.")
    refusal = why_not_revertable(entry)
    if refusal:
        raise Conflict(refusal)
    if entry.entity == "locality":
        store.lock_locality(session, slug)
    else:
        target = rows.Target(session, store.begin_edit(session, slug), slug)
    by = reverted_by(session, slug).get(entry_pk)  # read under the lock: no second revert slips in
    if by is not None:
        raise Conflict(f"Change {entry_pk} was already reverted by change {by}; revert change {by} to bring it back.")
    if entry.entity == "locality":
        change = _undo_replace(session, slug, entry)
    else:
        change = _undo(target, effect(entry))
    change = Change("revert", change.entity, change.entity_id, change.before, _reverting(change, entry_pk))
    log(session, user, slug, change)
    return change


def _reverting(change: Change, entry_pk: int) -> dict:
    """A revert's after-image: the change it undid and what it did (``as``), then that change's own image."""
    return {"reverts": entry_pk, "as": change.action, **(change.after or {})}


@dataclass(frozen=True)
class Effect:
    """What a logged change did, read from its entry: a revert reads as the change it made."""

    action: str
    kind: str
    ident: str
    before: dict
    after: dict


def effect(entry: AuditLogEntry) -> Effect:
    """The change an entry logged; a revert logged before ``as`` was kept is read from its images."""
    before, after = (
        dict(entry.before or {}),
        {k: v for k, v in (entry.after or {}).items() if k not in ("reverts", "as")},
    )
    action = entry.action
    if action == "revert":
        action = (entry.after or {}).get("as") or _action_of(entry.entity, before, after)
    return Effect(action, entry.entity, cast(str, entry.entity_id), before, after)


def _action_of(kind: str, before: dict, after: dict) -> str:
    seat = "member" in before or "member" in after
    if before and after:
        return "update_member" if seat else "update" if kind != "locality" else "replace"
    if before:
        return "remove_member" if seat else "delete"
    return "add_member" if seat else "create"


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    """The fields of an entry (or a seat) that differ between two logged images, in the entry's order."""
    before, after = before or {}, after or {}
    if "member" in before or "member" in after:
        before, after = before.get("member") or {}, after.get("member") or {}
    names = [*before, *(k for k in after if k not in before)]
    return [k for k in names if k not in NOT_FIELDS and before.get(k) != after.get(k)]


def _undo(t: rows.Target, done: Effect) -> Change:
    """The row-level change that undoes one logged change, or Conflict saying why it cannot."""
    kind, ident = done.kind, done.ident
    try:
        if done.action == "create":
            _need_entry(t, kind, ident)
            return _delete(t, kind, ident)
        if done.action == "delete":
            return _restore(t, kind, done.before)
        if done.action == "update":
            return _undo_update(t, done)
        return _undo_seat(t, done)
    except NotFound as exc:
        raise Conflict(f"This change cannot be reverted: what it changed is no longer there ({exc}).") from None
    except DocumentError as exc:  # what it would put back names something a later change removed
        needs = "; ".join(p.msg for p in exc.problems)
        raise Conflict(f"This change cannot be reverted as things stand now: {needs}.") from None


def _need_entry(t: rows.Target, kind: str, ident: str) -> dict:
    return store.read_entry_in(t.session, t.lpk, t.slug, kind, ident, members=kind == "group")[1]


def _stale(fields: list[str], now: dict, after: dict) -> list[str]:
    return [f for f in fields if now.get(f) != after.get(f)]


def _changed_again(kind: str, ident: str, stale: list[str]) -> Conflict:
    return Conflict(
        f"The {kind} {ident!r} was changed again since ({', '.join(f.replace('_', ' ') for f in stale)}): "
        "revert the later change first."
    )


def _undo_update(t: rows.Target, done: Effect) -> Change:
    """Put back only the fields the update changed, if no later change changed them again."""
    ident = done.after.get("id", done.ident) if done.kind == "link" else done.ident
    fields = changed_fields(done.before, done.after)
    now = rows.entry_data(rows.MODELS[done.kind].model_validate(_need_entry(t, done.kind, ident)))
    if "members" in now:
        now["members"] = [rows.entry_data(doc.Member.model_validate(m)) for m in now["members"]]
    stale = _stale(fields, now, done.after)
    if stale:
        raise _changed_again(done.kind, ident, stale)
    back = {f: done.before.get(f) for f in fields}
    return _update(t, done.kind, ident, lambda current: rows.apply_changes(current, back), "members" in back)


def _undo_seat(t: rows.Target, done: Effect) -> Change:
    group = done.ident
    if done.action == "add_member":
        seat = done.after["member"]
        now = {m["person"]: m for m in _seats_now(t, group)}.get(seat["person"])
        if now is None:
            raise NotFound(f"person {seat['person']!r} is not a member of group {group!r}")
        stale = _stale(changed_fields({}, {"member": _bare(seat)}), now, _bare(seat))
        if stale:
            raise _changed_again("seat", seat["person"], stale)
        return _remove_seat(t, group, seat["person"])
    if done.action == "remove_member":
        seat = done.before["member"]
        if seat["person"] in {m["person"] for m in _seats_now(t, group)}:
            raise Conflict(f"A later change seated {seat['person']!r} on group {group!r} again.")
        _seat_at(t, group, seat)
        return Change("add_member", "group", group, None, {"member": seat})
    if done.action == "update_member":
        was, became = done.before["member"], done.after["member"]
        now = {m["person"]: m for m in _seats_now(t, group)}.get(was["person"])
        if now is None:
            raise NotFound(f"person {was['person']!r} is not a member of group {group!r}")
        fields = changed_fields(was, became)
        stale = _stale(fields, now, became)
        if stale:
            raise _changed_again("seat", was["person"], stale)
        return _update_seat(t, group, was["person"], {f: was.get(f) for f in fields})
    raise Conflict(f"A {done.action.replace('_', ' ')} cannot be reverted.")


def _undo_replace(session: Session, slug: str, entry: AuditLogEntry) -> Change:
    """Put back the whole locality a replace (an upload) overwrote, if nothing changed it since."""
    done = effect(entry)
    if canonical(store.export_document(session, slug)) != canonical(validate_data(done.after)):
        raise Conflict("The locality was changed again since this upload: revert the later changes first.")
    data = store.export_document(session, slug).to_data()
    change = replace_locality(done.before)(data)
    store.import_document(session, validate_data(data))
    return change


def history(session: Session, slug: str, limit: int = 200) -> list[AuditLogEntry]:
    return list(
        session.execute(
            select(AuditLogEntry).where(AuditLogEntry.locality == slug).order_by(AuditLogEntry.pk.desc()).limit(limit)
        ).scalars()
    )
