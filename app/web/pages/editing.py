"""Editing a locality in the browser: forms for agencies, people, groups, links and
members; the change history with revert; snapshots.

Every form carries a CSRF token bound to the browser session; every change goes
through :mod:`app.storage.edits` row by row (the entry validated by its model and its
references checked, logged, atomic), and problems are shown next to the field they concern,
in plain words (:mod:`app.web.pages.forms`).
An entry's form also carries the version it was opened at: if someone else changed
the entry meanwhile, the form is shown again with what they stored, the user's input kept.
Every deletion is asked first on a page of its own (it works without scripts) that names
what goes (:mod:`app.web.pages.outcomes`), and every change ends on a page whose flash
line says what changed (:mod:`app.web.flash`).
"""

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.errors import Conflict, NotFound
from app.formats.exchange import INPUT_SUFFIXES, read
from app.storage import edits, erasure, store
from app.web import flash
from app.web.api.localities import store_upload
from app.web.changes import commit_change
from app.web.concurrency import PageUploader, begin_form_edit, entry_version
from app.web.deps import PageEditor, SessionDep
from app.web.pages.forms import (
    COMMON_ROLES,
    MEMBER_ROWS,
    field_specs,
    free_id,
    model_errors,
    parse_form,
    slugify,
)
from app.web.pages.outcomes import REVERTIBLE, changes, deletion, link_words, plural, seat_removal
from app.web.pages.rendering import render
from app.web.routing import make_router
from app.web.security import checked_form, csrf_token
from models import document as doc
from models.tables import Person
from models.validation import DocumentError
from models.vocab import MemberRole, job_role_words

router = make_router(include_in_schema=False)

KINDS: dict[str, tuple[str, type[BaseModel]]] = {
    "agency": ("agencies", doc.Agency),
    "person": ("people", doc.Person),
    "group": ("groups", doc.Group),
    "link": ("links", doc.Link),
}
KIND_WORDS = {"agency": "agency", "person": "person", "group": "group", "link": "link"}
ENTRY_PAGES = {"agency": "agencies", "person": "people", "group": "groups"}


def known_roles(session, document) -> tuple[str, ...]:
    """The job roles a person form offers: the common ones, this locality's, and any two localities share.

    A role used in only one other locality is left out: with its locality it may point at one person.
    """
    rows = session.execute(select(col(Person.role), col(Person.locality_pk)).where(col(Person.role).is_not(None)))
    localities: dict[str, set[int]] = {}
    for role, locality in rows:
        localities.setdefault(role, set()).add(locality)
    shared = {role for role, where in localities.items() if len(where) > 1}
    here = {p.role for p in document.people if p.role}
    extra = sorted((shared | here) - set(COMMON_ROLES), key=lambda r: job_role_words(r).casefold())
    return (*COMMON_ROLES, *extra)


def values_of(entry) -> dict:
    data = entry.model_dump(mode="json", by_alias=True)
    if "area" in data:
        data["area"] = ", ".join(data["area"])
    if data.get("role"):
        data["role"] = job_role_words(data["role"])
    return data


def _redirect(path: str, request: Request | None = None, said: str | None = None) -> RedirectResponse:
    """A 303 to ``path``; with ``said``, the page there tells the user what their change did."""
    response = RedirectResponse(path, status_code=303)
    if request is not None and said:
        flash.add(request, response, said)
    return response


def _page_of(slug: str, kind: str, data: dict) -> str:
    if kind == "link":
        return f"/localities/{slug}/groups/{quote(data['from'])}"
    return f"/localities/{slug}/{ENTRY_PAGES[kind]}/{quote(data['id'])}"


# ---------------------------------------------------------------- pages


def _editor_context(request: Request, principal, session, slug: str) -> dict:
    return {"csrf": csrf_token(request), "document": store.export_document(session, slug)}


@router.get("/localities/{slug}/edit", response_class=HTMLResponse)
def edit_overview(slug: str, request: Request, principal: PageEditor, session: SessionDep):
    context = _editor_context(request, principal, session, slug)
    return render(request, principal, "edit_overview.html", snapshots=store.list_snapshots(session, slug), **context)


@dataclass(frozen=True)
class FormState:
    """What a re-shown form keeps: the user's input, problems by field, a message, the version it stands on."""

    values: dict | None = None
    errors: dict | None = None
    message: str | None = None
    version: str | None = None
    stored: list | None = None  # (label, value now stored) where someone else's change differs from the input


def _entry_form(request, principal, session, slug, kind, ident=None, state: FormState | None = None, status_code=200):
    if kind not in KINDS:
        raise NotFound(f"no kind of entry {kind!r}")
    state = state or FormState()
    context = _editor_context(request, principal, session, slug)
    document = context["document"]
    creating = ident is None
    values = state.values
    if values is None:
        values = {"local": True} if creating else values_of(edits.entry(document, kind, ident))
    version = state.version
    if version is None and not creating:
        version = entry_version(session, slug, kind, ident, members=False)[1]
    specs = field_specs(kind, document, creating, known_roles(session, document) if kind == "person" else ())
    errors = state.errors or {}
    shown = {s.name for s in specs} | {"members"}
    return render(
        request,
        principal,
        "edit_entry.html",
        status_code,
        kind=kind,
        kind_words=KIND_WORDS,
        ident=ident,
        specs=specs,
        values=values,
        errors=errors,
        unplaced=[text for name, text in errors.items() if name not in shown],
        message=state.message,
        version=version,
        stored=state.stored or [],
        members=_member_rows(document, kind, ident, values) if kind == "group" else None,
        **context,
    )


def _member_rows(document, kind, ident, values) -> dict:
    """The group form's members part: who sits on it now, who may be added, and the rows as typed."""
    group = edits.entry(document, "group", ident) if ident else None
    seated = {m.person for m in group.members} if group else set()
    people = {p.id: p for p in document.people}
    typed = list(zip(_as_list(values.get("member_person")), _as_list(values.get("member_role")), strict=False))
    rows = typed + [("", "member")] * max(0, MEMBER_ROWS - len(typed))
    return {
        "current": [(people[m.person], m.role.value) for m in group.members] if group else [],
        "candidates": [p for p in document.people if p.id not in seated],
        "roles": [r.value for r in MemberRole],
        "rows": rows,
    }


def _as_list(value) -> list:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


CHANGED_MEANWHILE = (
    "Someone else changed this {kind} after you opened this form. What they stored is listed below; "
    "your input is kept in the form. Save again to replace their version with yours, or cancel."
)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return "(none)" if value in (None, "") else str(value)


def _conflict_form(request, principal, session, slug, kind, ident, values, row, stored) -> HTMLResponse:
    """The form again after someone else's change: their values where they differ, the user's input kept.

    The form now stands on the current version, so saving it again is a deliberate overwrite.
    """
    specs = field_specs(kind, None, False)
    now = {s.name: stored.get(s.name, False if s.widget == "checkbox" else None) for s in specs}
    differing = [(s.label, _shown(now[s.name])) for s in specs if now[s.name] != row.get(s.name)]
    version = entry_version(session, slug, kind, ident, members=False)[1]
    message = CHANGED_MEANWHILE.format(kind=kind)
    state = FormState(values, None, message, version, differing)
    return _entry_form(request, principal, session, slug, kind, ident, state, 409)


@router.get("/localities/{slug}/edit/{kind}/new", response_class=HTMLResponse)
def new_entry_form(slug: str, kind: str, request: Request, principal: PageEditor, session: SessionDep):
    return _entry_form(request, principal, session, slug, kind)


@router.get("/localities/{slug}/edit/{kind}/{ident}", response_class=HTMLResponse)
def edit_entry_form(slug: str, kind: str, ident: str, request: Request, principal: PageEditor, session: SessionDep):
    return _entry_form(request, principal, session, slug, kind, ident)


def _read_entry(session, slug, kind, creating, ident, form, document) -> tuple[dict, dict, dict | None]:
    """The posted entry, its problems by field, and (when editing) the entry as stored before."""
    specs = field_specs(kind, None, creating)
    row, errors = parse_form(specs, form, known_roles(session, document) if kind == "person" else COMMON_ROLES)
    before = None
    if creating and kind != "link" and "id" not in row and "id" not in errors:
        derived = slugify(str(row.get("name", "")))
        taken = {e.id for e in getattr(document, KINDS[kind][0])}
        if derived:
            row["id"] = free_id(derived, taken)
        elif "name" not in errors:
            errors["id"] = "Give an id: the name has no letters or digits to make one from."
    if not creating:
        before = store.read_entry(session, slug, kind, ident, members=False)[1]
        row["id"] = before["id"]
    errors = {**model_errors(KINDS[kind][1], row, specs), **errors}
    if kind == "group":
        members, problem = _posted_members(document, ident, form)
        if problem:
            errors["members"] = problem
        elif members:
            row["members"] = members
    return row, errors, before


def _posted_members(document, ident, form) -> tuple[list[dict], str | None]:
    """New members chosen in the group form, or what is wrong with them."""
    people = {p.id: p for p in document.people}
    group = edits.entry(document, "group", ident) if ident else None
    seated = {m.person for m in group.members} if group else set()
    chosen: list[dict] = []
    for person, role in zip(_as_list(form.get("member_person")), _as_list(form.get("member_role")), strict=False):
        if not person.strip():
            continue
        if person not in people:
            return [], f"There is no person {person!r} in this locality; choose someone from the list."
        if person in seated or any(m["person"] == person for m in chosen):
            return [], f"{people[person].name} is chosen twice or already sits on this group."
        if role not in {r.value for r in MemberRole}:
            return [], f"Choose a role on the group for {people[person].name}."
        chosen.append({"person": person, "role": role})
    return chosen, None


def _save(request, principal, session, slug, kind, ident, form) -> HTMLResponse | RedirectResponse:
    if kind not in KINDS:
        raise NotFound(f"no kind of entry {kind!r}")
    creating = ident is None
    document = store.export_document(session, slug)
    row, errors, before = _read_entry(session, slug, kind, creating, ident, form, document)
    specs = field_specs(kind, document, creating)
    values = {**form, **{s.name: form.get(s.name) is not None for s in specs if s.widget == "checkbox"}}
    opened = str(form.get("version") or "") or None
    if errors:
        return _entry_form(request, principal, session, slug, kind, ident, FormState(values, errors, None, opened), 422)
    data = KINDS[kind][1].model_validate(row).model_dump(mode="json", by_alias=True, exclude_none=True)
    seated = len(data.get("members", []))
    added = data.pop("members", []) if kind == "group" and not creating else []
    try:
        if creating:
            edits.create(session, slug, principal.name, kind, data)
        else:
            begun, changed = begin_form_edit(session, slug, kind, ident, opened)  # no change slips in before ours
            if changed is not None:
                session.rollback()
                return _conflict_form(request, principal, session, slug, kind, ident, values, row, changed)
            if added:  # the form adds seats; the ones the group has (read under the lock) are kept
                data["members"] = begun.entry["members"] + added
            edits.replace(session, slug, principal.name, kind, ident, data, begun)
    except DocumentError as exc:
        session.rollback()
        errors = {}
        for problem in exc.problems:
            errors.setdefault(_field_of(problem.loc), problem.msg)
        return _entry_form(request, principal, session, slug, kind, ident, FormState(values, errors, None, opened), 422)
    except Conflict:
        session.rollback()
        state = FormState(values, _conflict_problem(document, kind, data), None, opened)
        return _entry_form(request, principal, session, slug, kind, ident, state, 409)
    commit_change(request, session, slug)
    return _redirect(_page_of(slug, kind, data), request, _saved_words(document, kind, specs, before, data, seated))


def _field_of(loc: str) -> str:
    """The form field a document problem's place names: ``groups[3].school`` is ``school``."""
    if ".members" in loc:
        return "members"
    return loc.rsplit(".", 1)[-1].split("[")[0] if "." in loc else loc.split("[")[0]


def _conflict_problem(document, kind: str, data: dict) -> dict[str, str]:
    """A 409 from the store, as the field it concerns: a taken id, or a link that is already there."""
    if kind == "link":
        link = doc.Link.model_validate(data)
        return {
            "to": f"There is already a link “{link_words(document, link)}”: a link from one group to another of this kind is recorded once."
        }
    taken = next((e for e in getattr(document, KINDS[kind][0]) if e.id == data.get("id")), None)
    owner = f" ({taken.name})" if taken is not None else ""
    return {"id": f"A {KIND_WORDS[kind]} with the id {data.get('id')!r}{owner} already exists; choose another id."}


def _saved_words(document, kind: str, specs, before: dict | None, data: dict, seated: int) -> str:
    """The flash after a save: what was added, or which fields changed from what to what."""
    name = link_words(document, doc.Link.model_validate(data)) if kind == "link" else data.get("name", "")
    if before is None:
        with_seats = f" with {plural(seated, 'member')}" if seated else ""
        return f"Added the {KIND_WORDS[kind]} {name}{with_seats}."
    said = changes([s for s in specs if s.name != "id"], before, data)
    if seated:
        said.append(f"{plural(seated, 'member')} added")
    return f"Saved {name}: {'; '.join(said)}." if said else f"Saved {name}: nothing had changed."


@router.post("/localities/{slug}/edit/{kind}/new", response_class=HTMLResponse)
async def create_entry(slug: str, kind: str, request: Request, principal: PageEditor):
    form = await checked_form(request)
    return await _run(request, lambda session: _save(request, principal, session, slug, kind, None, form))


@router.post("/localities/{slug}/edit/{kind}/{ident}", response_class=HTMLResponse)
async def update_entry(slug: str, kind: str, ident: str, request: Request, principal: PageEditor):
    form = await checked_form(request)
    return await _run(request, lambda session: _save(request, principal, session, slug, kind, ident, form))


# ---------------------------------------------------------------- deleting, asked first


@router.get("/localities/{slug}/edit/{kind}/{ident}/delete", response_class=HTMLResponse)
def confirm_delete(slug: str, kind: str, ident: str, request: Request, principal: PageEditor, session: SessionDep):
    """The page that asks before a deletion, naming what goes; its form posts the deletion."""
    if kind not in KINDS:
        raise NotFound(f"no kind of entry {kind!r}")
    context = _editor_context(request, principal, session, slug)
    entry = edits.entry(context["document"], kind, ident)
    return render(
        request,
        principal,
        "confirm.html",
        asked=deletion(context["document"], kind, entry),
        kind=kind,
        action=f"/localities/{slug}/edit/{kind}/{quote(ident)}/delete",
        back=f"/localities/{slug}/edit/{kind}/{quote(ident)}",
        version=entry_version(session, slug, kind, ident, members=False)[1],
        revertible=REVERTIBLE,
        **context,
    )


@router.post("/localities/{slug}/edit/{kind}/{ident}/delete", response_class=HTMLResponse)
async def delete_entry(slug: str, kind: str, ident: str, request: Request, principal: PageEditor):
    """Delete an entry; a person is erased (for good) unless the form asks ``how=delete`` (revertible)."""
    form = await checked_form(request)
    opened = str(form.get("version") or "") or None
    erase = kind == "person" and form.get("how") != "delete"

    def work(session):
        if kind not in KINDS:
            raise NotFound(f"no kind of entry {kind!r}")
        document = store.export_document(session, slug)
        said = deletion(document, kind, edits.entry(document, kind, ident)).flash
        try:
            begun, changed = begin_form_edit(session, slug, kind, ident, opened, analysed=True)
            if changed is not None:
                session.rollback()
                state = FormState(message=CHANGED_MEANWHILE.format(kind=kind) + " (Delete again to delete it.)")
                return _entry_form(request, principal, session, slug, kind, ident, state, 409)
            notice = None  # an erasure's list of free text still naming the person
            if erase:
                notice = erasure.erase_person(session, slug, principal.name, ident, begun).notice()
                said = "Erased the person from this locality and its history; this cannot be undone."
            else:
                edits.delete(session, slug, principal.name, kind, ident, begun)
                said += " " + REVERTIBLE
        except Conflict as exc:
            session.rollback()
            return _entry_form(request, principal, session, slug, kind, ident, FormState(message=str(exc)), 409)
        commit_change(request, session, slug)
        if notice:
            return _redirect(f"/localities/{slug}/history?error={quote(notice)}", request, said)
        return _redirect(f"/localities/{slug}/edit", request, said)

    return await _run(request, work)


# ---------------------------------------------------------------- members


@router.post("/localities/{slug}/groups/{group_id}/members", response_class=HTMLResponse)
async def add_member(slug: str, group_id: str, request: Request, principal: PageEditor):
    form = await checked_form(request)

    def work(session):
        seat = {"person": str(form.get("person", "")).strip(), "role": str(form.get("role") or "member")}
        document = store.export_document(session, slug)
        group = edits.entry(document, "group", group_id)
        names = {p.id: p.name for p in document.people}
        back = f"/localities/{slug}/groups/{quote(group_id)}"
        problem = _seat_problem(seat, names, group)
        if problem is None:
            try:
                edits.add_seat(session, slug, principal.name, group_id, seat)
            except (DocumentError, Conflict) as exc:
                session.rollback()
                problem = exc.problems[0].msg if isinstance(exc, DocumentError) else str(exc)
        if problem is not None:
            return _redirect(f"{back}?error={quote(problem)}#members")
        commit_change(request, session, slug)
        said = f"Added {names[seat['person']]} to {group.name} as {seat['role'].replace('_', ' ')}. {REVERTIBLE}"
        return _redirect(f"{back}#members", request, said)

    return await _run(request, work)


def _seat_problem(seat: dict, names: dict[str, str], group) -> str | None:
    if not seat["person"]:
        return "Choose the person to add."
    if seat["person"] not in names:
        return f"There is no person {seat['person']!r} in this locality."
    if any(m.person == seat["person"] for m in group.members):
        return f"{names[seat['person']]} is already a member of {group.name}."
    if seat["role"] not in {r.value for r in MemberRole}:
        return "Choose a role on the group: " + ", ".join(r.value.replace("_", " ") for r in MemberRole) + "."
    return None


@router.get("/localities/{slug}/groups/{group_id}/members/{person_id}/remove", response_class=HTMLResponse)
def confirm_remove_member(
    slug: str, group_id: str, person_id: str, request: Request, principal: PageEditor, session: SessionDep
):
    """The page that asks before taking someone off a group."""
    context = _editor_context(request, principal, session, slug)
    document = context["document"]
    group, person = edits.entry(document, "group", group_id), edits.entry(document, "person", person_id)
    if all(m.person != person_id for m in group.members):
        raise NotFound(f"{person.name} does not sit on {group.name}")
    return render(
        request,
        principal,
        "confirm.html",
        asked=seat_removal(document, group, person),
        kind="member",
        action=f"/localities/{slug}/groups/{quote(group_id)}/members/{quote(person_id)}/remove",
        back=f"/localities/{slug}/groups/{quote(group_id)}#members",
        version=None,
        revertible=REVERTIBLE,
        **context,
    )


@router.post("/localities/{slug}/groups/{group_id}/members/{person_id}/remove", response_class=HTMLResponse)
async def remove_member(slug: str, group_id: str, person_id: str, request: Request, principal: PageEditor):
    await checked_form(request)

    def work(session):
        document = store.export_document(session, slug)
        said = seat_removal(
            document, edits.entry(document, "group", group_id), edits.entry(document, "person", person_id)
        ).flash
        edits.remove_seat(session, slug, principal.name, group_id, person_id)
        commit_change(request, session, slug)
        return _redirect(f"/localities/{slug}/groups/{quote(group_id)}#members", request, f"{said} {REVERTIBLE}")

    return await _run(request, work)


@router.post("/localities/{slug}/snapshots", response_class=HTMLResponse)
async def take_snapshot(slug: str, request: Request, principal: PageEditor):
    form = await checked_form(request)

    def work(session):
        label = str(form.get("label", "")).strip()[:200] or "snapshot"
        try:
            doc.LocalityInfo.model_validate({"id": "x", "name": label, "authority": "x", "boundary": "clear"})
        except ValidationError:
            label = "snapshot"
        store.take_snapshot(session, slug, label, principal.name)
        session.commit()
        return _redirect(f"/localities/{slug}/edit#snapshots")

    return await _run(request, work)


async def _run(request: Request, work):
    """Run database work in the thread pool with its own session (forms are read asynchronously)."""

    def call():
        with Session(request.app.state.engine) as session:
            return work(session)

    return await run_in_threadpool(call)


# ---------------------------------------------------------------- upload


async def _read_and_close(upload: object) -> bytes:
    """An uploaded file's bytes, its spooled temporary file closed (nothing else closes what a form holds)."""
    if not isinstance(upload, UploadFile):
        return b""
    try:
        return await upload.read()
    finally:
        await upload.close()


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: PageUploader):
    """The upload form, for those who may change a locality; anonymous visitors are sent to sign in first."""
    return render(request, principal, "upload.html", csrf=csrf_token(request), problems=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, principal: PageUploader):
    """Store an uploaded file; who may, and the CSRF token (in the address), are checked before it is read."""
    form = await checked_form(request)
    upload = form.get("file")
    content = await _read_and_close(upload)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            principal,
            "upload.html",
            400,
            csrf=csrf_token(request),
            problems=[("File", "Choose a file to upload.")],
        )
    name = upload.filename
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in INPUT_SUFFIXES:
        problems = [
            ("File", f"{name}: use a spreadsheet (.xlsx, or .zip of CSV files) or a locmap/1 file (.yaml, .json).")
        ]
        return render(request, principal, "upload.html", 400, csrf=csrf_token(request), problems=problems)
    try:
        document = read(content, suffix, name)
    except DocumentError as exc:
        problems = [(p.loc, p.msg) for p in exc.problems]
        return render(
            request, principal, "upload.html", 422, csrf=csrf_token(request), problems=problems, filename=name
        )

    def work(session):
        created = store_upload(request, session, principal, document)[1]
        counts = ", ".join(
            plural(len(items), one, many)
            for items, one, many in (
                (document.groups, "group", None),
                (document.people, "person", "people"),
                (document.agencies, "agency", "agencies"),
                (document.links, "link", None),
            )
        )
        how = "added" if created else "replaced (the history keeps the version before)"
        said = f"Uploaded {name}: {document.locality.name} {how}, with {counts}."
        return _redirect(f"/localities/{quote(document.locality.id)}", request, said)

    return await _run(request, work)
