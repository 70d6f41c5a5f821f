"""Editing a locality in the browser: forms for agencies, people, groups, links and
members; the change history with revert; snapshots.

Every form carries a CSRF token bound to the browser session; every change goes
through :mod:`app.storage.edits` row by row (the entry validated by its model and its
references checked, logged, atomic), and problems are shown next to the field they concern.
An entry's form also carries the version it was opened at: if someone else changed
the entry meanwhile, the form is shown again with what they stored, the user's input kept.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.errors import Conflict, NotFound
from app.formats.exchange import INPUT_SUFFIXES, read
from app.storage import edits, erasure, store
from app.web.api.history import RowNumber, revert_entry
from app.web.api.localities import store_upload
from app.web.changes import commit_change
from app.web.concurrency import PageUploader, entry_version, form_conflict
from app.web.deps import PageEditor, PageReader, SessionDep
from app.web.pages.rendering import TYPE_WORDS, render
from app.web.security import checked_form, csrf_token
from models import document as doc
from models import vocab
from models.validation import DocumentError

router = APIRouter(include_in_schema=False)

KINDS = {
    "agency": ("agencies", doc.Agency),
    "person": ("people", doc.Person),
    "group": ("groups", doc.Group),
    "link": ("links", doc.Link),
}


# ---------------------------------------------------------------- form fields


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: str = "text"  # text, textarea, select, checkbox, number
    choices: tuple = ()
    required: bool = False
    help: str = ""


def _choices(enum) -> tuple:
    return tuple((m.value, m.value.replace("_", " ")) for m in enum)


def field_specs(kind: str, document, creating: bool) -> list[FieldSpec]:
    """The fields of a form; with ``document`` None, without choices (enough to read a posted form)."""
    agencies = tuple((a.id, a.name) for a in document.agencies) if document else ()
    schools = tuple((a.id, a.name) for a in document.agencies if a.school) if document else ()
    groups = tuple((g.id, g.name) for g in document.groups) if document else ()
    ident = (
        [
            FieldSpec(
                "id",
                "Id",
                required=True,
                help="Lower-case letters, digits, - and _; used in addresses. Cannot be changed later.",
            )
        ]
        if creating
        else []
    )
    if kind == "agency":
        return [
            *ident,
            FieldSpec("name", "Name", required=True),
            FieldSpec("sector", "Sector", "select", _choices(vocab.Sector), True),
            FieldSpec("school", "This agency is a school", "checkbox"),
            FieldSpec("note", "Note", "textarea"),
        ]
    if kind == "person":
        return [
            *ident,
            FieldSpec("name", "Name", required=True, help="Prefer a role description, e.g. 'SENCO, Larkrise School'."),
            FieldSpec("role", "Job role", help="e.g. head_teacher, senco, hsclw"),
            FieldSpec("agency", "Agency", "select", agencies),
            FieldSpec("systems_minder", "Minds the communication system", "checkbox"),
            FieldSpec("service_user_rep", "Represents parents, young people or the community", "checkbox"),
            FieldSpec("local", "Works on this patch", "checkbox"),
            FieldSpec("hours_per_week", "Working hours a week", "number"),
            FieldSpec("note", "Note", "textarea"),
        ]
    if kind == "group":
        return [
            *ident,
            FieldSpec("name", "Name", required=True),
            FieldSpec(
                "type", "Kind of group", "select", tuple((t.value, TYPE_WORDS[t.value]) for t in vocab.GroupType), True
            ),
            FieldSpec(
                "focus", "Focus", "select", _choices(vocab.Focus), help="Leave blank for the usual focus of its kind."
            ),
            FieldSpec("membership", "Membership", "select", _choices(vocab.MembershipRule)),
            FieldSpec("meets", "Meets", "select", _choices(vocab.Meets)),
            FieldSpec("meetings_per_year", "Meetings a year", "number", help="Overrides 'Meets' when given."),
            FieldSpec("hours", "Hours a meeting", "number"),
            FieldSpec("external", "Belongs to the local-authority centre or a body outside the locality", "checkbox"),
            FieldSpec(
                "area",
                "Areas served",
                help="Locality ids, separated by commas, for groups serving across the boundary.",
            ),
            FieldSpec("school", "Sits in school", "select", schools),
            FieldSpec("purpose", "Purpose", "textarea"),
            FieldSpec("venue", "Where it meets"),
            FieldSpec("note", "Note", "textarea"),
        ]
    return [
        FieldSpec("from", "From group", "select", groups, True),
        FieldSpec("kind", "Kind of link", "select", _choices(vocab.LinkKind), True),
        FieldSpec("to", "To group", "select", groups, True),
        FieldSpec("note", "Note", "textarea"),
    ]


def parse_form(specs: list[FieldSpec], form: dict) -> tuple[dict, dict[str, str]]:
    """Form values to a document entry; errors by field name for values that cannot be read."""
    row: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        raw = form.get(spec.name)
        if spec.widget == "checkbox":
            row[spec.name] = raw is not None
            continue
        text = str(raw).strip() if raw is not None else ""
        if spec.widget == "textarea" and raw is not None:
            text = str(raw).replace("\r\n", "\n").strip()
        if not text:
            if spec.required:
                errors[spec.name] = "Required."
            continue
        if spec.widget == "number":
            try:
                row[spec.name] = float(text)
            except ValueError:
                errors[spec.name] = f"Not a number: {text!r}."
            continue
        if spec.name == "area":
            row["area"] = [part.strip() for part in text.split(",") if part.strip()]
            continue
        row[spec.name] = text
    return row, errors


def _field_of(loc: str) -> str:
    return loc.rsplit(".", 1)[-1].split("[")[0] if "." in loc else loc.split("[")[0]


def model_errors(model, row: dict) -> dict[str, str]:
    try:
        model.model_validate(row)
    except ValidationError as exc:
        out = {}
        for err in exc.errors(include_url=False):
            name = "from" if err["loc"] and err["loc"][0] == "from_" else str(err["loc"][0]) if err["loc"] else "id"
            out.setdefault(name, err["msg"].removeprefix("Value error, "))
        return out
    return {}


def values_of(entry) -> dict:
    data = entry.model_dump(mode="json", by_alias=True)
    if "area" in data:
        data["area"] = ", ".join(data["area"])
    return data


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


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
    return render(
        request,
        principal,
        "edit_entry.html",
        status_code,
        kind=kind,
        ident=ident,
        specs=field_specs(kind, document, creating),
        values=values,
        errors=state.errors or {},
        message=state.message,
        version=version,
        stored=state.stored or [],
        **context,
    )


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


def _save(request, principal, session, slug, kind, ident, form) -> HTMLResponse | RedirectResponse:
    section, model = KINDS.get(kind, (None, None))
    if model is None:
        raise NotFound(f"no kind of entry {kind!r}")
    creating = ident is None
    specs = field_specs(kind, None, creating)
    row, errors = parse_form(specs, form)
    if not creating:
        row["id"] = store.read_entry(session, slug, kind, ident, members=False)[1]["id"]
    errors = {**model_errors(model, row), **errors}
    values = {**form, **{s.name: form.get(s.name) is not None for s in specs if s.widget == "checkbox"}}
    opened = str(form.get("version") or "") or None
    if errors:
        return _entry_form(request, principal, session, slug, kind, ident, FormState(values, errors, None, opened), 422)
    entry = model.model_validate(row)
    data = entry.model_dump(mode="json", by_alias=True, exclude_none=True)
    if kind == "group" and not creating:
        data.pop("members", None)  # the form edits the group, not its seats: keep them
    try:
        if creating:
            edits.create(session, slug, principal.name, kind, data)
        else:
            stored = form_conflict(session, slug, kind, ident, opened)  # locks: no change slips in before ours
            if stored is not None:
                session.rollback()
                return _conflict_form(request, principal, session, slug, kind, ident, values, row, stored)
            edits.replace(session, slug, principal.name, kind, ident, data)
    except DocumentError as exc:
        session.rollback()
        errors = {}
        for problem in exc.problems:
            errors.setdefault(_field_of(problem.loc), problem.msg)
        return _entry_form(request, principal, session, slug, kind, ident, FormState(values, errors, None, opened), 422)
    except Conflict as exc:
        session.rollback()
        state = FormState(values, {"id": str(exc)}, None, opened)
        return _entry_form(request, principal, session, slug, kind, ident, state, 409)
    commit_change(request, session, slug)
    target = {"agency": "agencies", "person": "people", "group": "groups", "link": None}[kind]
    if target is None:
        return _redirect(f"/localities/{slug}/groups/{quote(data['from'])}")
    return _redirect(f"/localities/{slug}/{target}/{quote(data['id'])}")


@router.post("/localities/{slug}/edit/{kind}/new", response_class=HTMLResponse)
async def create_entry(slug: str, kind: str, request: Request, principal: PageEditor):
    form = await checked_form(request)
    return await _run(request, lambda session: _save(request, principal, session, slug, kind, None, form))


@router.post("/localities/{slug}/edit/{kind}/{ident}", response_class=HTMLResponse)
async def update_entry(slug: str, kind: str, ident: str, request: Request, principal: PageEditor):
    form = await checked_form(request)
    return await _run(request, lambda session: _save(request, principal, session, slug, kind, ident, form))


@router.post("/localities/{slug}/edit/{kind}/{ident}/delete", response_class=HTMLResponse)
async def delete_entry(slug: str, kind: str, ident: str, request: Request, principal: PageEditor):
    form = await checked_form(request)
    opened = str(form.get("version") or "") or None

    def work(session):
        if kind not in KINDS:
            raise NotFound(f"no kind of entry {kind!r}")
        try:
            if form_conflict(session, slug, kind, ident, opened) is not None:
                session.rollback()
                state = FormState(message=CHANGED_MEANWHILE.format(kind=kind) + " (Delete again to delete it.)")
                return _entry_form(request, principal, session, slug, kind, ident, state, 409)
            notice = None  # an erasure's list of free text still naming the person
            if kind == "person":
                notice = erasure.erase_person(session, slug, principal.name, ident).notice()
            else:
                edits.delete(session, slug, principal.name, kind, ident)
        except Conflict as exc:
            session.rollback()
            return _entry_form(request, principal, session, slug, kind, ident, FormState(message=str(exc)), 409)
        commit_change(request, session, slug)
        return _redirect(f"/localities/{slug}/history?error={quote(notice)}" if notice else f"/localities/{slug}/edit")

    return await _run(request, work)


@router.post("/localities/{slug}/groups/{group_id}/members", response_class=HTMLResponse)
async def add_member(slug: str, group_id: str, request: Request, principal: PageEditor):
    form = await checked_form(request)

    def work(session):
        seat = {"person": str(form.get("person", "")).strip(), "role": str(form.get("role") or "member")}
        try:
            doc.Member.model_validate(seat)
            edits.add_seat(session, slug, principal.name, group_id, seat)
        except (ValidationError, DocumentError, Conflict) as exc:
            session.rollback()
            message = exc.problems[0].msg if isinstance(exc, DocumentError) else str(exc).splitlines()[0]
            return _redirect(f"/localities/{slug}/groups/{quote(group_id)}?error={quote(message)}#members")
        commit_change(request, session, slug)
        return _redirect(f"/localities/{slug}/groups/{quote(group_id)}#members")

    return await _run(request, work)


@router.post("/localities/{slug}/groups/{group_id}/members/{person_id}/remove", response_class=HTMLResponse)
async def remove_member(slug: str, group_id: str, person_id: str, request: Request, principal: PageEditor):
    await checked_form(request)

    def work(session):
        edits.remove_seat(session, slug, principal.name, group_id, person_id)
        commit_change(request, session, slug)
        return _redirect(f"/localities/{slug}/groups/{quote(group_id)}#members")

    return await _run(request, work)


@router.get("/localities/{slug}/history", response_class=HTMLResponse)
def history_page(slug: str, request: Request, principal: PageEditor, session: SessionDep):
    store.get_locality(session, slug)
    entries = edits.history(session, slug)
    return render(
        request,
        principal,
        "history.html",
        document=store.export_document(session, slug),
        entries=entries,
        csrf=csrf_token(request),
        error=request.query_params.get("error"),
        summary=summarise,
    )


@router.post("/localities/{slug}/history/{entry_id}/revert", response_class=HTMLResponse)
async def revert_change(slug: str, entry_id: RowNumber, request: Request, principal: PageEditor):
    await checked_form(request)

    def work(session):
        try:
            revert_entry(session, slug, principal.name, entry_id)
        except (DocumentError, Conflict) as exc:
            session.rollback()
            message = "; ".join(str(p) for p in exc.problems) if isinstance(exc, DocumentError) else str(exc)
            return _redirect(f"/localities/{slug}/history?error={quote('Could not revert: ' + message)}")
        commit_change(request, session, slug)
        return _redirect(f"/localities/{slug}/history")

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


def summarise(entry) -> str:
    """One line for a history entry: what changed, in words."""
    what = f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity
    if entry.action in ("update", "revert") and entry.before and entry.after and entry.entity != "locality":
        fields = [
            k
            for k in sorted(set(entry.before) | set(entry.after))
            if k != "reverts" and entry.before.get(k) != entry.after.get(k)
        ]
        if fields:
            return f"{what}: changed {', '.join(fields)}"
    if entry.action in ("add_member", "remove_member", "update_member"):
        seat = (entry.after or entry.before or {}).get("member", {})
        return f"{what}: {entry.action.replace('_', ' ')} {seat.get('person', '')}"
    return what


# ---------------------------------------------------------------- upload


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: PageReader):
    return render(request, principal, "upload.html", csrf=csrf_token(request), problems=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, principal: PageUploader):
    """Store an uploaded file; who may, and the CSRF token (in the address), are checked before it is read."""
    form = await checked_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            principal,
            "upload.html",
            400,
            csrf=csrf_token(request),
            problems=[("file", "Choose a file to upload.")],
        )
    name = upload.filename
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in INPUT_SUFFIXES:
        problems = [
            ("file", f"{name}: use a spreadsheet (.xlsx, or .zip of CSV files) or a locmap/1 file (.yaml, .json).")
        ]
        return render(request, principal, "upload.html", 400, csrf=csrf_token(request), problems=problems)
    content = await upload.read()
    try:
        document = read(content, suffix, name)
    except DocumentError as exc:
        problems = [(p.loc, p.msg) for p in exc.problems]
        return render(
            request, principal, "upload.html", 422, csrf=csrf_token(request), problems=problems, filename=name
        )

    def work(session):
        store_upload(request, session, principal, document)
        return _redirect(f"/localities/{quote(document.locality.id)}")

    return await _run(request, work)
