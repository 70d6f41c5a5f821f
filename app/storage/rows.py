"""Changing one entry of a stored locality: only its rows, and only the checks it can break.

The whole-document path (:func:`app.storage.edits.edit`) re-validates every
row of a locality on each change, so an edit's cost grew with the locality.
Here the changed entry goes through its own pydantic model (the same rules as
the file format) and the references it can break are checked with targeted
queries: ids unique, agencies, people, groups and schools that exist, a seat
not held twice, a link neither to itself nor repeated.  Problems are located
and worded as :func:`models.validation.validate_data` would report them for the
whole document (``groups[3].school: unknown agency 'x'``), so both paths
answer a bad edit alike; an entry's index is counted only when a problem
needs it.  The caller holds the locality's write lock (:func:`app.storage.store.begin_edit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import String, delete, func, insert, literal, select, update
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from app.storage import store
from models import document as doc
from models.document import _tidy_numbers, default_link_id
from models.tables import Agency, Group, GroupLink, Membership, Person
from models.validation import DocumentError, Problem, _field_problems, contact_problem, reads_as_personal_name


def apply_changes(before: dict, changes: dict[str, Any]) -> dict:
    """``before`` with ``changes`` applied: a field set to None is cleared (back to its default)."""
    after = dict(before)
    for name, value in changes.items():
        if value is None:
            after.pop(name, None)
        else:
            after[name] = value
    return after


SECTIONS = {"agency": "agencies", "person": "people", "group": "groups", "link": "links"}
MODELS: dict[str, type[BaseModel]] = {"agency": doc.Agency, "person": doc.Person, "group": doc.Group, "link": doc.Link}


@dataclass(frozen=True)
class Target:
    """The locality an edit changes: the session holding its write lock, its key and its id."""

    session: Session
    lpk: int
    slug: str


def entry_data(entry: BaseModel) -> dict:
    """An entry as :meth:`models.document.LocalityDocument.to_data` writes it (defaults left out)."""
    return _tidy_numbers(entry.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True))


# ---------------------------------------------------------------- where problems are


def index_of(t: Target, kind: str, pk: int) -> int:
    """The position of an entry in its section of the document (its rows are in key order)."""
    table = store.TABLES[kind]
    query = select(func.count()).where(col(table.locality_pk) == t.lpk, col(table.pk) < pk)
    return t.session.execute(query).scalar_one()


def count_of(t: Target, kind: str) -> int:
    table = store.TABLES[kind]
    return t.session.execute(select(func.count()).where(col(table.locality_pk) == t.lpk)).scalar_one()


def _seat_index(t: Target, group_pk: int, position: int | None = None) -> int:
    query = select(func.count()).where(col(Membership.group_pk) == group_pk)
    if position is not None:
        query = query.where(col(Membership.position) < position)
    return t.session.execute(query).scalar_one()


def _at(prefix: str, loc: str) -> str:
    return prefix if not loc else f"{prefix}{loc}" if loc.startswith("[") else f"{prefix}.{loc}"


def _validated(model: type[BaseModel], raw: Any, where: Callable[[], str]) -> tuple[Any, list[Problem]]:
    """The entry through its model, or the field problems as the whole-document check words them."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        prefix = where()
        return None, [Problem(_at(prefix, p.loc), p.msg) for p in _field_problems(exc, raw)]


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise DocumentError(sorted(problems, key=lambda p: p.loc))


def _need(t: Target, kind: str, ident: str) -> int:
    pk = store.entry_key(t.session, t.lpk, kind, ident)
    if pk is None:
        raise NotFound(f"no {kind} {ident!r} in locality {t.slug!r}")
    return pk


# ---------------------------------------------------------------- references


def _agency_ref(t: Target, raw: dict, field: str, where: Callable[[], str], problems: list[Problem]) -> int | None:
    """The key of the agency (or, for ``school``, the school) an entry names, noting a problem if there is none."""
    ident = raw.get(field)
    if not isinstance(ident, str):
        return None
    query = select(col(Agency.pk), col(Agency.school)).where(col(Agency.locality_pk) == t.lpk, col(Agency.id) == ident)
    found = t.session.execute(query).first()
    if found is None:
        problems.append(Problem(f"{where()}.{field}", f"unknown agency {ident!r}"))
        return None
    if field == "school" and not found.school:
        problems.append(Problem(f"{where()}.school", f"agency {ident!r} is not marked as a school (school: true)"))
    return found.pk


def _schools_unmarked(t: Target, agency_pk: int, ident: str, raw: dict) -> list[Problem]:
    """An agency no longer marked as a school leaves the groups sitting in it wrong."""
    if raw.get("school") is True:
        return []
    query = select(col(Group.pk)).where(col(Group.school_pk) == agency_pk).order_by(col(Group.pk))
    return [
        Problem(
            f"groups[{index_of(t, 'group', pk)}].school", f"agency {ident!r} is not marked as a school (school: true)"
        )
        for pk in t.session.execute(query).scalars()
    ]


def _member_refs(t: Target, members: Any, where: Callable[[], str], problems: list[Problem]) -> dict[str, int]:
    """The people a group's member list names, by id, noting unknown and repeated ones."""
    if not isinstance(members, list):
        return {}
    named = {m.get("person") for m in members if isinstance(m, dict) and isinstance(m.get("person"), str)}
    query = select(col(Person.id), col(Person.pk)).where(col(Person.locality_pk) == t.lpk, col(Person.id).in_(named))
    people = {row[0]: row[1] for row in t.session.execute(query)} if named else {}
    seen: dict[str, int] = {}
    for j, member in enumerate(members):
        person = member.get("person") if isinstance(member, dict) else None
        if not isinstance(person, str):
            continue
        if person not in people:
            problems.append(Problem(f"{where()}.members[{j}].person", f"unknown person {person!r}"))
        elif person in seen:
            problems.append(
                Problem(
                    f"{where()}.members[{j}].person", f"person {person!r} is already a member (members[{seen[person]}])"
                )
            )
        else:
            seen[person] = j
    return people


def _link_refs(
    t: Target, raw: dict, where: Callable[[], str], problems: list[Problem], self_pk: int | None
) -> dict[str, int]:
    """The groups at a link's ends, noting unknown ends, a link to itself and a repeated link."""
    ends: dict[str, str] = {}
    keys: dict[str, int] = {}
    for end in ("from", "to"):
        value = raw.get(end)
        if isinstance(value, str):
            ends[end] = value
            pk = store.entry_key(t.session, t.lpk, "group", value)
            if pk is None:
                problems.append(Problem(f"{where()}.{end}", f"unknown group {value!r}"))
            else:
                keys[value] = pk
    if len(ends) == 2 and ends["from"] == ends["to"]:
        problems.append(Problem(f"{where()}.to", f"a link cannot go from group {ends['from']!r} to itself"))
    kind = raw.get("kind")
    if len(keys) == len(set(ends.values())) == 2 and isinstance(kind, str):
        query = select(col(GroupLink.pk)).where(
            col(GroupLink.from_group_pk) == keys[ends["from"]],
            col(GroupLink.to_group_pk) == keys[ends["to"]],
            col(GroupLink.kind) == kind,
        )
        if self_pk is not None:
            query = query.where(col(GroupLink.pk) != self_pk)
        other = t.session.execute(query).scalar()
        if other is not None:
            mine = index_of(t, "link", self_pk) if self_pk is not None else count_of(t, "link")
            first, later = sorted((index_of(t, "link", other), mine))
            problems.append(
                Problem(f"links[{later}]", f"duplicate link {ends['from']!r} {kind} {ends['to']!r} (links[{first}])")
            )
    return keys


def _contact_refs(t: Target, raw: dict, where: Callable[[], str], problems: list[Problem], stored: Any) -> None:
    """A group's contact may not name one of the locality's people (:func:`models.validation.contact_problem`).

    Checked only when it is new or changed (``stored`` is the contact as it was): renaming a
    person checks the contacts in turn.  Only the names found inside the contact are read.
    """
    contact = raw.get("contact")
    if not isinstance(contact, str) or not contact.strip() or contact == stored:
        return
    inside = func.lower(literal(contact, String)).contains(func.lower(col(Person.name)))
    query = select(col(Person.name)).where(col(Person.locality_pk) == t.lpk, inside)
    problem = contact_problem(contact, t.session.execute(query).scalars())
    if problem:
        problems.append(Problem(f"{where()}.contact", problem))


def _contacts_naming(t: Target, raw: dict, stored: Any) -> list[Problem]:
    """A person newly named as a person (not a role) may not be named already in a group's contact."""
    name = raw.get("name")
    if not isinstance(name, str) or name == stored or not reads_as_personal_name(name.strip()):
        return []
    named = func.lower(col(Group.contact)).contains(name.strip().lower(), autoescape=True)
    query = select(col(Group.pk), col(Group.contact)).where(col(Group.locality_pk) == t.lpk, named)
    return [
        Problem(f"groups[{index_of(t, 'group', pk)}].contact", problem)
        for pk, contact in t.session.execute(query.order_by(col(Group.pk)))
        if (problem := contact_problem(contact, [name.strip()]))
    ]


def _checked(t: Target, kind: str, raw: dict, where: Callable[[], str], self_pk: int | None = None, before=None):
    """The entry validated with every reference it makes: (entry, row values) or DocumentError.

    ``before`` is the entry as stored, when it is being changed.
    """
    entry, problems = _validated(MODELS[kind], raw, where)
    refs: dict[str, Any] = {}
    if kind == "person":
        refs["agency"] = _agency_ref(t, raw, "agency", where, problems)
        problems.extend(_contacts_naming(t, raw, (before or {}).get("name")))
    elif kind == "group":
        refs["school"] = _agency_ref(t, raw, "school", where, problems)
        refs["people"] = _member_refs(t, raw.get("members"), where, problems)
        _contact_refs(t, raw, where, problems, (before or {}).get("contact"))
    elif kind == "link":
        refs["groups"] = _link_refs(t, raw, where, problems, self_pk)
    elif kind == "agency" and self_pk is not None:
        problems.extend(_schools_unmarked(t, self_pk, raw.get("id", ""), raw))
    _refuse(problems)
    return entry, _values(kind, entry, refs)


def _values(kind: str, entry: Any, refs: dict) -> dict:
    if kind == "agency":
        return store.agency_row(entry)
    if kind == "person":
        return store.person_row(entry, {entry.agency: refs["agency"]})
    if kind == "group":
        return store.group_row(entry, {entry.school: refs["school"]})
    return store.link_row(entry, refs["groups"])


# ---------------------------------------------------------------- entries


def create_entry(t: Target, kind: str, raw: dict) -> dict:
    """Add an entry (a group with its members); returns it as written. Conflict if its id is taken."""
    ident = raw.get("id")
    if kind == "link" and ident is None and all(isinstance(raw.get(k), str) for k in ("from", "kind", "to")):
        ident = default_link_id(raw["from"], raw["kind"], raw["to"])
    if isinstance(ident, str) and store.entry_key(t.session, t.lpk, kind, ident) is not None:
        raise Conflict(f"{kind} {ident!r} already exists in locality {t.slug!r}")
    entry, values = _checked(t, kind, raw, lambda: f"{SECTIONS[kind]}[{count_of(t, kind)}]")
    table = store.TABLES[kind]
    pk = t.session.execute(insert(table).values(locality_pk=t.lpk, **values).returning(col(table.pk))).scalar_one()
    if kind == "group" and entry.members:
        _insert_seats(t, pk, entry.members, 0)
    return entry


def _insert_seats(t: Target, group_pk: int, members: list[doc.Member], start: int) -> None:
    query = select(col(Person.id), col(Person.pk)).where(
        col(Person.locality_pk) == t.lpk, col(Person.id).in_([m.person for m in members])
    )
    people = {row[0]: row[1] for row in t.session.execute(query)}
    seats = [
        {
            "group_pk": group_pk,
            "person_pk": people[m.person],
            "role": m.role.value,
            "attendance": m.attendance,
            "note": m.note,
            "position": start + i,
        }
        for i, m in enumerate(members)
    ]
    t.session.execute(insert(Membership), seats)


#: Stands for a column the row as read lacks, so that it is written.
_UNSET = object()


def update_entry(
    t: Target, kind: str, ident: str, after: Callable[[dict], dict], known: store.StoredEntry | None = None
) -> tuple[dict, dict]:
    """Rewrite an entry's row as ``after(before)``; returns (before, after) as document entries.

    A group's seats are not touched unless ``after`` gives ``members``.
    ``known`` is the entry as read already in this transaction, under the lock;
    with it, only the columns whose values differ from the row as read are written.
    """
    if known is not None:
        pk, current = known.pk, {k: v for k, v in known.entry.items() if k != "members"}
    else:
        pk, current = store.read_entry_in(t.session, t.lpk, t.slug, kind, ident, members=False)
    before = entry_data(MODELS[kind].model_validate(current))
    if kind == "group":
        before.pop("members", None)
    changed = after(dict(before))
    if changed.get("id", ident) != ident and kind != "link":
        raise Conflict(f"the id of {kind} {ident!r} cannot be changed")
    entry, values = _checked(t, kind, changed, lambda: f"{SECTIONS[kind]}[{index_of(t, kind, pk)}]", pk, before)
    if known is not None and known.row is not None:  # write only what differs from the row as read
        values = {name: value for name, value in values.items() if getattr(known.row, name, _UNSET) != value}
    table = store.TABLES[kind]
    if values:
        t.session.execute(update(table).where(col(table.pk) == pk).values(**values))
    if kind == "group" and "members" in changed:
        t.session.execute(delete(Membership).where(col(Membership.group_pk) == pk))
        if entry.members:
            _insert_seats(t, pk, entry.members, 0)
    return before, changed


def delete_entry(t: Target, kind: str, ident: str) -> dict:
    """Delete an entry; returns everything that went with it, to put it back exactly.

    A person's seats (``seats``) and a group's links (``links``) go too; an
    agency still named by people or groups is refused (Conflict), to lose nothing.
    """
    pk, current = store.read_entry_in(t.session, t.lpk, t.slug, kind, ident)
    before = entry_data(MODELS[kind].model_validate(current))
    if kind == "agency":
        _refuse_if_named(t, pk, ident)
    elif kind == "person":
        seats = _seats_of_person(t, pk)
        if seats:
            before["seats"] = seats
    elif kind == "group":
        links = _links_of_group(t, pk)
        if links:
            before["links"] = links
    table = store.TABLES[kind]
    t.session.execute(delete(table).where(col(table.pk) == pk))  # the foreign keys take seats and links
    return before


def _refuse_if_named(t: Target, pk: int, ident: str) -> None:
    people = select(col(Person.id)).where(col(Person.agency_pk) == pk).order_by(col(Person.pk)).limit(10)
    groups = select(col(Group.id)).where(col(Group.school_pk) == pk).order_by(col(Group.pk)).limit(10)
    named = [
        *(f"person {p!r}" for p in t.session.execute(people).scalars()),
        *(f"group {g!r}" for g in t.session.execute(groups).scalars()),
    ][:10]
    if named:
        raise Conflict(f"agency {ident!r} is still named by {', '.join(named)}; change or delete them first")


def _seats_of_person(t: Target, person_pk: int) -> list[dict]:
    query = (
        select(Membership, Group.id, Person.id)
        .join(Group, col(Group.pk) == Membership.group_pk)
        .join(Person, col(Person.pk) == Membership.person_pk)
        .where(col(Membership.person_pk) == person_pk)
        .order_by(col(Group.pk))
    )
    return [
        {"group": group_id, **entry_data(doc.Member.model_validate(store.member_entry(seat, person_id)))}
        for seat, group_id, person_id in t.session.execute(query)
    ]


def _links_of_group(t: Target, group_pk: int) -> list[dict]:
    touching = (col(GroupLink.from_group_pk) == group_pk) | (col(GroupLink.to_group_pk) == group_pk)
    query = select(col(GroupLink.id)).where(col(GroupLink.locality_pk) == t.lpk, touching).order_by(col(GroupLink.pk))
    return [
        entry_data(doc.Link.model_validate(store.read_entry_in(t.session, t.lpk, t.slug, "link", ident)[1]))
        for ident in t.session.execute(query).scalars()
    ]


# ---------------------------------------------------------------- seats


def _seat(t: Target, group_id: str, person_id: str) -> tuple[int, Membership]:
    group_pk = _need(t, "group", group_id)
    query = (
        select(Membership)
        .join(Person, col(Person.pk) == Membership.person_pk)
        .where(col(Membership.group_pk) == group_pk, col(Person.id) == person_id)
    )
    seat = t.session.execute(query).scalars().first()
    if seat is None:
        raise NotFound(f"person {person_id!r} is not a member of group {group_id!r}")
    return group_pk, seat


def add_seat(t: Target, group_id: str, raw: dict) -> None:
    """Seat a person on a group, after its other members. Conflict if already seated."""
    group_pk = _need(t, "group", group_id)
    person = raw.get("person")
    person_pk = store.entry_key(t.session, t.lpk, "person", person) if isinstance(person, str) else None
    if person_pk is not None and t.session.get(Membership, (group_pk, person_pk)) is not None:
        raise Conflict(f"person {person!r} is already a member of group {group_id!r}")

    def where() -> str:
        return f"groups[{index_of(t, 'group', group_pk)}].members[{_seat_index(t, group_pk)}]"

    member, problems = _validated(doc.Member, raw, where)
    if isinstance(person, str) and person_pk is None:
        problems.append(Problem(f"{where()}.person", f"unknown person {person!r}"))
    _refuse(problems)
    last = select(func.max(Membership.position)).where(col(Membership.group_pk) == group_pk)
    position = t.session.execute(last).scalar()
    _insert_seats(t, group_pk, [member], 0 if position is None else position + 1)


def update_seat(t: Target, group_id: str, person_id: str, changes: dict[str, Any]) -> tuple[dict, dict]:
    """Change a seat's role, attendance or note (null clears); returns (before, after) seats."""
    group_pk, seat = _seat(t, group_id, person_id)
    before = entry_data(doc.Member.model_validate(store.member_entry(seat, person_id)))
    after = apply_changes(before, changes)

    def where() -> str:
        return f"groups[{index_of(t, 'group', group_pk)}].members[{_seat_index(t, group_pk, seat.position)}]"

    member, problems = _validated(doc.Member, after, where)
    if member is not None and member.person != person_id:
        problems.append(Problem(f"{where()}.person", "a seat's person cannot be changed"))
    _refuse(problems)
    values = {"role": member.role.value, "attendance": member.attendance, "note": member.note}
    key = (col(Membership.group_pk) == group_pk) & (col(Membership.person_pk) == seat.person_pk)
    t.session.execute(update(Membership).where(key).values(**values))
    return before, after


def remove_seat(t: Target, group_id: str, person_id: str) -> dict:
    """Take a person off a group; returns the seat as it was."""
    group_pk, seat = _seat(t, group_id, person_id)
    before = entry_data(doc.Member.model_validate(store.member_entry(seat, person_id)))
    key = (col(Membership.group_pk) == group_pk) & (col(Membership.person_pk) == seat.person_pk)
    t.session.execute(delete(Membership).where(key))
    return before
