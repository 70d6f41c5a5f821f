"""A locality's change history in the browser: each change in words, and revert after confirmation.

A history line names what changed by name ("Link: Thame Network reports to
Oxfordshire ISS Steering Group") and lists only the fields that changed,
before and after, in words.  Revert asks first: its confirmation page tries
the revert in a transaction that is rolled back, so it says exactly what the
revert will do, or, in plain words, why it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import Conflict, NotFound
from app.storage import edits, store
from app.web import flash
from app.web.api.history import RowNumber, revert_entry
from app.web.changes import commit_change
from app.web.deps import PageEditor, SessionDep
from app.web.pages.rendering import TYPE_WORDS, render, words
from app.web.routing import make_router
from app.web.security import checked_form, csrf_token
from models.tables import AuditLogEntry
from models.vocab import CONCERN_LABELS

router = make_router(include_in_schema=False)

KIND_WORDS = {"agency": "Agency", "person": "Person", "group": "Group", "link": "Link", "locality": "Locality"}

#: Fields as the forms label them.
FIELD_WORDS = {
    "type": "kind of group",
    "meetings_per_year": "meetings a year",
    "hours": "hours a meeting",
    "external": "outside the locality",
    "area": "areas served",
    "school": "sits in school",
    "venue": "where it meets",
    "handles": "concerns it takes",
    "handles_other": "other concerns it takes",
    "contact": "how to bring an item",
    "meeting_pattern": "when it meets",
    "next_meeting": "next meeting",
    "systems_minder": "minds the communication system",
    "service_user_rep": "represents parents, young people or the community",
    "local": "works on this patch",
    "hours_per_week": "working hours a week",
    "role": "role",
    "from": "from group",
    "to": "to group",
    "kind": "kind of link",
}

#: What a revert does, as a verb: (present, past).
DOING = {
    "create": ("restores", "Restored"),  # a revert adds only what a change removed
    "delete": ("removes", "Removed"),
    "update": ("changes", "Changed"),
    "add_member": ("seats", "Seated"),
    "remove_member": ("takes", "Took"),
    "update_member": ("changes", "Changed"),
    "replace": ("puts back", "Put back"),
    "census": ("puts back", "Put back"),
}


class Names:
    """Names of a locality's groups, people and agencies by id: as stored now, else as the history last saw them."""

    def __init__(self, document, entries: list[AuditLogEntry]):
        self.by_kind: dict[str, dict[str, str]] = {k: {} for k in edits.SECTIONS}
        for entry in reversed(entries):  # oldest first, so the newest name wins
            for image in (entry.before, entry.after):
                self._learn(entry.entity, entry.entity_id, image or {})
        for kind, section in edits.SECTIONS.items():
            for item in getattr(document, section):
                if kind != "link":
                    self.by_kind[kind][item.id] = item.name

    def _learn(self, kind: str, ident: str | None, image: dict) -> None:
        if kind in self.by_kind and ident and isinstance(image.get("name"), str):
            self.by_kind[kind][ident] = image["name"]
        for member in image.get("members", []) if isinstance(image.get("members"), list) else []:
            if isinstance(member, dict) and isinstance(member.get("name"), str):
                self.by_kind["person"][member["person"]] = member["name"]

    def of(self, kind: str, ident: Any) -> str:
        return self.by_kind.get(kind, {}).get(ident, str(ident)) if ident is not None else "(none)"


#: Fields of free text: a history line says they were written, not what they say (it may name someone erased).
FREE_TEXT = ("note", "purpose", "description", "meeting_pattern", "handles_other")


def value_words(name: str, value: Any, names: Names) -> str:
    """A field's value in words: names for ids, yes/no, kinds of group as the forms say them."""
    if value is None or value == "" or value == []:
        return "(none)"
    if name in FREE_TEXT:
        return "a text"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "members" and isinstance(value, list):
        return ", ".join(names.of("person", m.get("person")) for m in value if isinstance(m, dict))
    if name in ("from", "to"):
        return names.of("group", value)
    if name in ("school", "agency"):
        return names.of("agency", value)
    if name == "type":
        return TYPE_WORDS.get(value, words(value))
    if name == "attendance" and isinstance(value, (int, float)):
        return f"{value:.0%} of meetings"
    if isinstance(value, float):
        return f"{value:g}"
    if name == "handles" and isinstance(value, list):
        return ", ".join(CONCERN_LABELS.get(str(v), str(v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return words(value) if name in ("meets", "focus", "membership", "sector", "kind", "role") else str(value)


@dataclass
class Line:
    """A history entry, or what a revert will do, in words."""

    subject: str
    what: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)


def subject(kind: str, ident: str | None, image: dict, names: Names) -> str:
    """What a change was about, by name: "Group: Thame MAST", "Link: Thame Network reports to ..."."""
    if kind == "link":
        ends = (image.get("from"), image.get("kind"), image.get("to"))
        if all(isinstance(end, str) for end in ends):
            return f"Link: {names.of('group', ends[0])} {words(ends[1])} {names.of('group', ends[2])}"
    if kind == "locality":
        return "The whole locality"
    name = image.get("name") if isinstance(image.get("name"), str) else names.of(kind, ident)
    return f"{KIND_WORDS.get(kind, words(kind).capitalize())}: {name}"


def _counted(n: int, one: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {one}s"


def what_went_with(kind: str, image: dict) -> str:
    """ " with 5 members and 2 links", for a group or person deleted or put back."""
    parts = []
    if kind == "group":
        parts = [_counted(len(image.get("members") or []), "member"), _counted(len(image.get("links") or []), "link")]
    elif kind == "person" and image.get("seats"):
        parts = [_counted(len(image["seats"]), "seat")]
    return f" with {' and '.join(parts)}" if parts else ""


def describe(action: str, kind: str, ident: str | None, before: dict, after: dict, names: Names) -> Line:
    """One change (an action and its images) in words."""
    image = after or before
    if action in ("add_member", "remove_member", "update_member"):
        seat = (after or before).get("member") or {}
        person = names.of("person", seat.get("person"))
        what = {"add_member": "seated", "remove_member": "taken off", "update_member": "seat changed"}[action]
        line = Line(f"{subject(kind, ident, image, names)}", f"{person}: {what}")
        if action == "add_member" and seat.get("role"):
            line.what += f" as {words(seat['role'])}"
    elif action == "update":
        line = Line(subject(kind, ident, image, names), "changed")
    elif action == "replace":
        return Line("The whole locality", "replaced, from an upload or an import")
    elif action == "census":
        return Line("The whole locality", "corrected from the member census's answers")
    else:
        what = {"create": "added", "delete": "deleted"}.get(action, words(action))
        return Line(subject(kind, ident, image, names), what + what_went_with(kind, image))
    line.fields = [
        _field_words(f, _field(before, f), _field(after, f), names) for f in edits.changed_fields(before, after)
    ]
    return line


def _field_words(name: str, old: Any, new: Any, names: Names) -> tuple[str, str, str]:
    """A changed field as (field, before, after) in words; one free text rewritten as another reads "a new text"."""
    after = value_words(name, new, names)
    if name in FREE_TEXT and old and new:
        after = "a new text"
    return FIELD_WORDS.get(name, words(name)), value_words(name, old, names), after


def _field(image: dict, name: str) -> Any:
    return (image.get("member") or {}).get(name) if "member" in image else image.get(name)


def entry_line(entry: AuditLogEntry, names: Names) -> Line:
    """A history entry in words."""
    if entry.action == "erase":
        return Line("A person", "erased (an erasure is never reverted)")
    if entry.entity == "erased person":
        return Line("A person since erased", f"{words(entry.action)} (names no one; cannot be reverted)")
    if entry.entity == "locality" and entry.action not in edits.WHOLE_LOCALITY_ACTIONS:
        return Line("The whole locality", {"create": "created", "delete": "deleted"}.get(entry.action, entry.action))
    done = edits.effect(entry)
    line = describe(done.action, done.kind, entry.entity_id, done.before, done.after, names)
    if entry.action == "revert":
        what = line.what.replace("added", "restored", 1) if done.action == "create" else line.what
        line.what = f"reverted change {(entry.after or {}).get('reverts')}: {what}"
    return line


def will_do(change: edits.Change, names: Names, past: bool = False) -> str:
    """What a revert does, as a sentence: "This restores the group Thame MAST with 5 members and 2 links."."""
    done = edits.effect(AuditLogEntry(**_as_entry(change)))
    verb = DOING[done.action][1 if past else 0]
    if done.action in edits.WHOLE_LOCALITY_ACTIONS:
        thing = "the whole locality as it was before"
    elif done.action in ("create", "delete"):
        image = done.after if done.action == "create" else done.before
        thing = f"the {done.kind} {names.of(done.kind, change.entity_id)}{what_went_with(done.kind, image)}"
        if done.kind == "link":
            thing = subject("link", change.entity_id, image, names).replace("Link: ", "the link ")
    else:
        thing = f"the {done.kind} {names.of(done.kind, change.entity_id)}"
    if done.action.endswith("member"):
        seat = (done.after or done.before).get("member") or {}
        person = names.of("person", seat.get("person"))
        thing = {"add_member": f"{person} on {thing}", "remove_member": f"{person} off {thing}"}.get(
            done.action, f"the seat of {person} on {thing}"
        )
    sentence = f"{verb} {thing}" if past else f"This {verb} {thing}"
    line = describe(done.action, done.kind, change.entity_id, done.before, done.after, names)
    if line.fields and done.action.startswith("update"):
        sentence += ": " + "; ".join(f"{name} from {old} back to {new}" for name, old, new in line.fields)
    return sentence + "."


def _as_entry(change: edits.Change) -> dict:
    return {
        "action": change.action,
        "entity": change.entity,
        "entity_id": change.entity_id,
        "before": change.before,
        "after": change.after,
    }


# ---------------------------------------------------------------- pages


def _history(request: Request, principal, session, slug: str):
    store.get_locality(session, slug)
    entries = edits.history(session, slug)
    names = Names(document := store.export_document(session, slug), entries)
    undone = edits.reverted_by(session, slug)
    rows = [
        {
            "entry": e,
            "line": entry_line(e, names),
            "reverted_by": undone.get(cast(int, e.pk)),
            "never": edits.why_not_revertable(e),
        }
        for e in entries
    ]
    # An erasure's list of free text still naming the person comes here in the address (see editing.py).
    notice = request.query_params.get("error")
    return render(request, principal, "history.html", document=document, rows=rows, error=notice)


@router.get("/localities/{slug}/history", response_class=HTMLResponse)
def history_page(slug: str, request: Request, principal: PageEditor, session: SessionDep):
    return _history(request, principal, session, slug)


def _trial(session, slug: str, user: str | None, entry_id: int) -> tuple[str | None, str | None, int]:
    """Try a revert and roll it back: (what it will do, why it cannot, status)."""
    names = Names(store.export_document(session, slug), edits.history(session, slug))
    try:
        change = revert_entry(session, slug, user, entry_id)
    except NotFound as exc:
        return None, str(exc), 404
    except Conflict as exc:
        return None, str(exc), 409
    finally:
        session.rollback()
    return will_do(change, names), None, 200


def _confirm(request, principal, session, slug: str, entry_id: int, reason: str | None = None, code: int = 0):
    entry = session.get(AuditLogEntry, entry_id)
    known = entry is not None and entry.locality == slug
    plan, refusal, status_code = (None, reason, code) if reason else _trial(session, slug, principal.name, entry_id)
    names = Names(document := store.export_document(session, slug), edits.history(session, slug))
    return render(
        request,
        principal,
        "revert_confirm.html",
        status_code,
        document=document,
        entry_id=entry_id,
        line=entry_line(entry, names) if known and entry is not None else None,
        plan=plan,
        refusal=refusal,
        csrf=csrf_token(request),
    )


@router.get("/localities/{slug}/history/{entry_id}/revert", response_class=HTMLResponse)
def confirm_revert(slug: str, entry_id: RowNumber, request: Request, principal: PageEditor, session: SessionDep):
    """Ask before reverting, saying what the revert will do (or why it cannot)."""
    store.get_locality(session, slug)
    return _confirm(request, principal, session, slug, entry_id)


@router.post("/localities/{slug}/history/{entry_id}/revert", response_class=HTMLResponse)
async def revert_change(slug: str, entry_id: RowNumber, request: Request, principal: PageEditor):
    await checked_form(request)

    def work(session):
        names = Names(store.export_document(session, slug), edits.history(session, slug))
        try:
            change = revert_entry(session, slug, principal.name, entry_id)
        except (NotFound, Conflict) as exc:
            session.rollback()
            code = 404 if isinstance(exc, NotFound) else 409
            return _confirm(request, principal, session, slug, entry_id, str(exc), code)
        done = will_do(change, names, past=True)
        commit_change(request, session, slug)
        said = f"{done} Recorded as change {change_number(session, slug)}, which can be reverted in turn."
        response = RedirectResponse(f"/localities/{slug}/history", status_code=303)
        flash.add(request, response, said)
        return response

    return await _run(request, work)


def change_number(session, slug: str) -> int | None:
    newest = edits.history(session, slug, 1)
    return newest[0].pk if newest else None


async def _run(request: Request, work):
    """Run database work in the thread pool with its own session (forms are read asynchronously)."""

    def call():
        with Session(request.app.state.engine) as session:
            return work(session)

    return await run_in_threadpool(call)
