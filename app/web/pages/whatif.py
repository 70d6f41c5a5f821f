"""What-if in the browser: take people, groups or agencies away, or add a draft group, and see what moves.

Running a what-if is a GET (nothing is stored; the answer can be linked
to).  Its answer offers editors of the locality two POST forms carrying
the same change, the session's CSRF token and the locality's version:
"Save as a snapshot" (a snapshot of the changed locality, labelled with
the change) and "Apply this change" (the same change made as ordinary
edits through :mod:`app.storage.edits`, one history entry each, so each
can be reverted).  A change run on a version that is no longer current
is not saved or applied: it is run again on the locality as it is now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from analysis.profile import DIMENSIONS
from analysis.whatif import DraftGroup, DraftLink, WhatIf, apply_patch, what_if
from analysis.whatif_words import describe_change
from app.errors import Conflict, NotFound
from app.storage import edits, store
from app.web import flash
from app.web.api.analysis import cached_document
from app.web.cache import locality_version
from app.web.changes import commit_change
from app.web.concurrency import locality_tag
from app.web.deps import PageForbidden, Principal, SessionDep, require_page_reader
from app.web.pages.browse import LINK_WORDS
from app.web.pages.rendering import TYPE_WORDS, render
from app.web.routing import make_router
from app.web.security import checked_form, csrf_token
from models.document import NAME_MAX, LocalityDocument
from models.tables import Snapshot
from models.validation import DocumentError
from models.vocab import GroupType, LinkKind, Meets

router = make_router(include_in_schema=False)

#: How many links a draft group's form offers.
LINK_SLOTS = 3
#: What a blank form shows chosen (the kind a draft group is read as when none is sent).
FORM_DEFAULTS = {"draft_type": [GroupType.forum.value]}

CHANGED_MEANWHILE = (
    "Someone changed {name} after you ran this what-if, so it was not {done}. "
    "It has been run again below on {name} as it is now: check the result, then {again}."
)


@dataclass(frozen=True)
class Proposal:
    """What a what-if asks: who and what to take away, and a group to add."""

    people: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    draft: DraftGroup | None = None

    @property
    def without(self) -> list[str]:
        return [f"{kind}:{ident}" for kind, idents in self._removals() for ident in idents]

    def _removals(self):
        return (("person", self.people), ("group", self.groups), ("agency", self.agencies))

    def described(self, document: LocalityDocument) -> str:
        return describe_change(
            document,
            people=self.people,
            groups=self.groups,
            agencies=self.agencies,
            draft_name=self.draft.name if self.draft else None,
        )


# ---------------------------------------------------------------- reading the form


def _listed(source: Mapping, key: str) -> list[str]:
    """A field's values (one or many), stripped, blanks left out, each once."""
    value = source.get(key)
    values = value if isinstance(value, list) else [] if value is None else [value]
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def _cut(value: str) -> str:
    """A value as quoted back in a message: never longer than an id may be."""
    return value if len(value) <= 64 else value[:63] + "…"


def _first(source: Mapping, key: str) -> str:
    values = _listed(source, key)
    return values[0] if values else ""


def read_proposal(document: LocalityDocument, source: Mapping) -> tuple[Proposal, dict[str, str]]:
    """The change a form asks for, and its problems in words by field."""
    where = document.locality.name
    known = {
        "person": {p.id for p in document.people},
        "group": {g.id for g in document.groups},
        "agency": {a.id for a in document.agencies},
    }
    errors: dict[str, str] = {}
    removed: dict[str, tuple[str, ...]] = {}
    for kind in known:
        chosen = _listed(source, kind)
        unknown = [c for c in chosen if c not in known[kind]]
        if unknown:
            errors[kind] = f"There is no {kind} '{_cut(unknown[0])}' in {where}: choose from the list."
        removed[kind] = tuple(c for c in chosen if c in known[kind])
    gone = set(removed["person"]) | {p.id for p in document.people if p.agency in removed["agency"]}
    draft, draft_errors = _read_draft(document, source)
    errors.update(draft_errors)
    if draft is not None:  # as the what-if does: a removed person has no seat, a removed group no link
        members = tuple(m for m in draft.members if m not in gone)
        links = tuple(link for link in draft.links if link.group not in removed["group"])
        draft = replace(draft, members=members, links=links)
    proposal = Proposal(removed["person"], removed["group"], removed["agency"], draft)
    if not errors and not proposal.without and draft is None:
        errors["change"] = (
            "Choose a person, group or agency to take away, or describe a new group, then run the what-if."
        )
    return proposal, errors


def _read_draft(document: LocalityDocument, source: Mapping) -> tuple[DraftGroup | None, dict[str, str]]:
    """The draft group of a form, if one is described, and its problems."""
    name = _first(source, "draft_name")
    members = _listed(source, "draft_member")
    slots = [
        (i, _first(source, f"link_kind_{i}"), _first(source, f"link_group_{i}"), _first(source, f"link_way_{i}"))
        for i in range(1, LINK_SLOTS + 1)
    ]
    if not (name or members or any(kind or group for _, kind, group, _ in slots)):
        return None, {}
    errors: dict[str, str] = {}
    if not name:
        errors["draft_name"] = "The new group needs a name."
    elif len(name) > NAME_MAX:
        errors["draft_name"] = f"A group's name can be at most {NAME_MAX} characters; this one has {len(name)}."
    kind_of_group = _first(source, "draft_type") or GroupType.forum.value
    if kind_of_group not in {t.value for t in GroupType}:
        errors["draft_type"] = "Choose the kind of group from the list."
    meets = _first(source, "draft_meets") or None
    if meets and meets not in {m.value for m in Meets}:
        errors["draft_meets"] = "Choose how often the group meets from the list, or leave it blank."
    people = {p.id for p in document.people}
    unknown = [m for m in members if m not in people]
    if unknown:
        errors["draft_member"] = (
            f"There is no person '{_cut(unknown[0])}' in {document.locality.name} to seat on the new group."
        )
    links, link_errors = _read_links(document, slots)
    errors.update(link_errors)
    draft = DraftGroup(name, kind_of_group, tuple(m for m in members if m in people), links, meets)
    return draft, errors


def _read_links(document: LocalityDocument, slots: list) -> tuple[tuple[DraftLink, ...], dict[str, str]]:
    groups = {g.id for g in document.groups}
    kinds = {k.value for k in LinkKind}
    links: list[DraftLink] = []
    errors: dict[str, str] = {}
    for i, kind, group, way in slots:
        if not (kind or group):
            continue
        if not (kind and group):
            errors[f"link_{i}"] = f"Link {i}: choose both the kind of link and the group."
        elif kind not in kinds:
            errors[f"link_{i}"] = f"Link {i}: '{_cut(kind)}' is not a kind of link; choose one from the list."
        elif group not in groups:
            errors[f"link_{i}"] = f"Link {i}: there is no group '{_cut(group)}' in {document.locality.name}."
        else:
            links.append(DraftLink(kind, group, way != "in"))
    return tuple(dict.fromkeys(links)), errors


def run_proposal(document: LocalityDocument, proposal: Proposal) -> tuple[WhatIf | None, dict[str, str]]:
    """The what-if of a checked proposal, or the problems the locality's own rules find in the draft group."""
    patched = None
    if proposal.draft is not None:
        try:
            patched = apply_patch(document, proposal.draft.patch(document), "the new group")
        except DocumentError as exc:
            problem = exc.problems[0]
            return None, {"draft_name": f"The new group cannot be added: {problem.msg}"}
    return what_if(document, without=proposal.without, patch=patched), {}


# ---------------------------------------------------------------- the page


def _choices(document: LocalityDocument) -> dict:
    def by_name(entries):
        return sorted(entries, key=lambda e: e.name.lower())

    return {
        "people": by_name(document.people),
        "groups": by_name(document.groups),
        "agencies": by_name(document.agencies),
        "group_types": [(t.value, TYPE_WORDS[t.value]) for t in GroupType],
        "meets": [(m.value, m.value.replace("_", " ")) for m in Meets],
        "link_kinds": [(k.value, LINK_WORDS[k.value]) for k in LinkKind],
        "group_options": [(g.id, g.name) for g in by_name(document.groups)],
        "link_slots": range(1, LINK_SLOTS + 1),
    }


def _form_fields(source: Mapping) -> list[tuple[str, str]]:
    """The fields of a run what-if, to carry into its save and apply forms."""
    names = ["person", "group", "agency", "draft_name", "draft_type", "draft_meets", "draft_member"]
    names += [f"link_{part}_{i}" for i in range(1, LINK_SLOTS + 1) for part in ("kind", "group", "way")]
    return [(name, value) for name in names for value in _listed(source, name)]


def _result_context(document: LocalityDocument, proposal: Proposal, change: WhatIf) -> dict:
    changed = change.changed or document
    names = {a.id: a.name for a in document.agencies}
    names.update({p.id: p.name for p in document.people})
    names.update({g.id: g.name for g in [*document.groups, *changed.groups]})
    profile = [
        (dim, before, after, change.after.profile[dim]["evidence"], line)
        for (dim, (before, after)), line in zip(change.profile_changes.items(), change.profile_words(), strict=True)
    ]
    return {
        "change": change,
        "described": proposal.described(document),
        "names": names,
        "profile_rows": sorted(profile, key=lambda row: DIMENSIONS.index(row[0])),
        "metric_lines": change.metric_words(),
        "unchanged_dimensions": len(DIMENSIONS) - len(profile),
    }


def whatif_page(request, principal, session, slug: str, source: Mapping, *, message: str | None = None, status=200):
    """The form, with the what-if's answer when one was asked (``source`` holds the form's fields)."""
    version = locality_version(session, slug)
    document = cached_document(request, session, slug, version)
    asked = bool(_form_fields(source)) or "run" in source
    proposal, errors = read_proposal(document, source) if asked else (Proposal(), {})
    change = None
    if asked and not errors:
        change, errors = run_proposal(document, proposal)
    context: dict = {
        "document": document,
        "chosen": lambda key: _listed(source, key) or FORM_DEFAULTS.get(key, []),
        "errors": errors,
        "message": message,
        **_choices(document),
    }
    if change is not None:
        context.update(_result_context(document, proposal, change))
    may_edit = principal.may_edit(slug)
    if change is not None and may_edit:
        context.update(csrf=csrf_token(request), version=locality_tag(slug, version), fields=_form_fields(source))
    code = 422 if errors else status
    return render(request, principal, "whatif.html", code, may_edit=may_edit, **context)


@router.get("/localities/{slug}/whatif", response_class=HTMLResponse)
def whatif_form(
    slug: str, request: Request, principal: Annotated[Principal, Depends(require_page_reader)], session: SessionDep
):
    """The what-if form, and with ``run`` (or any of its fields) in the address, its answer."""
    source = {key: request.query_params.getlist(key) for key in request.query_params}
    return whatif_page(request, principal, session, slug, source)


# ---------------------------------------------------------------- saving and applying


def require_whatif_editor(
    slug: str, principal: Annotated[Principal, Depends(require_page_reader)], session: SessionDep
) -> Principal:
    """An editor of this locality (or an admin); anyone else, a demo's visitors included, gets a plain 403."""
    if not principal.may_edit(slug):
        name = store.get_locality(session, slug).name
        raise PageForbidden(f"Only an editor of {name} may save or apply a what-if. You may still run what-ifs.")
    return principal


WhatIfEditor = Annotated[Principal, Depends(require_whatif_editor)]


@router.post("/localities/{slug}/whatif/snapshot", response_class=HTMLResponse)
async def save_whatif(slug: str, request: Request, principal: WhatIfEditor):
    """Store a snapshot of the locality as the what-if changes it; the locality itself is not changed."""
    form = await checked_form(request)

    def save(session, document, proposal, change) -> RedirectResponse:
        label = f"What if: {proposal.described(document)}"[:NAME_MAX]
        taken = store.get_locality(session, slug)
        assert change.changed is not None
        session.add(
            Snapshot(
                locality=slug,
                label=label,
                user=principal.name,
                revision=taken.revision,
                document=change.changed.to_data(),
            )
        )
        session.commit()
        response = RedirectResponse(f"/localities/{quote(slug)}/edit#snapshots", status_code=303)
        flash.add(request, response, f"Saved a snapshot, '{label}'. {document.locality.name} itself is unchanged.")
        return response

    return await _in_thread(request, lambda session: _checked(request, principal, session, slug, form, "saved", save))


@router.post("/localities/{slug}/whatif/apply", response_class=HTMLResponse)
async def apply_whatif(slug: str, request: Request, principal: WhatIfEditor):
    """Make the what-if's change to the stored locality as ordinary edits, each in the history."""
    form = await checked_form(request)

    def apply(session, document, proposal, change) -> RedirectResponse | HTMLResponse:
        try:
            count = apply_proposal(session, slug, principal.name, document, proposal)
        except (Conflict, NotFound, DocumentError) as exc:
            session.rollback()
            detail = exc.problems[0].msg if isinstance(exc, DocumentError) else str(exc)
            return whatif_page(request, principal, session, slug, form, message=f"Not applied: {detail}", status=409)
        commit_change(request, session, slug)
        response = RedirectResponse(f"/localities/{quote(slug)}", status_code=303)
        text = f"Applied to {document.locality.name}: {proposal.described(document)}. "
        text += f"{count} change{'s' if count != 1 else ''} in the history, each of which can be reverted there."
        flash.add(request, response, text)
        return response

    return await _in_thread(
        request, lambda session: _checked(request, principal, session, slug, form, "applied", apply)
    )


def _checked(request, principal, session, slug: str, form: Mapping, done: str, act):
    """Lock the locality, check the form stands on its current version and its change is sound, then ``act``.

    A form that names no version (a script's, not a page's) is not checked.
    """
    store.lock_locality(session, slug)
    current = locality_tag(slug, locality_version(session, slug))
    opened = str(form.get("version") or "") or None
    if opened and opened != current:
        session.rollback()
        again = "save it again" if done == "saved" else "apply it again"
        message = CHANGED_MEANWHILE.format(name=store.get_locality(session, slug).name, done=done, again=again)
        return whatif_page(request, principal, session, slug, form, message=message, status=409)
    document = store.export_document(session, slug)
    proposal, errors = read_proposal(document, form)
    change = None if errors else run_proposal(document, proposal)[0]
    if change is None:  # shown on the form again, with its problems
        session.rollback()
        return whatif_page(request, principal, session, slug, form)
    return act(session, document, proposal, change)


def apply_proposal(session, slug: str, user: str | None, document: LocalityDocument, proposal: Proposal) -> int:
    """Make a what-if's change as edits, in the caller's transaction; returns how many history entries it made.

    As the what-if does: an agency goes with its people (and as a group's
    school), a person with their seats, a group with its seats and links.
    """
    count = 0
    for person in proposal.people:
        edits.delete(session, slug, user, "person", person)
        count += 1
    for group in proposal.groups:
        edits.delete(session, slug, user, "group", group)
        count += 1
    people_gone, groups_gone = set(proposal.people), set(proposal.groups)
    for agency in proposal.agencies:
        for person in [p.id for p in document.people if p.agency == agency and p.id not in people_gone]:
            edits.delete(session, slug, user, "person", person)
            people_gone.add(person)
            count += 1
        for group in [g.id for g in document.groups if g.school == agency and g.id not in groups_gone]:
            edits.update(session, slug, user, "group", group, {"school": None})
            count += 1
        edits.delete(session, slug, user, "agency", agency)
        count += 1
    if proposal.draft is not None:
        patch = proposal.draft.patch(document)
        for kind, section in (("group", "groups"), ("link", "links")):
            for row in patch[section]:
                edits.create(session, slug, user, kind, row)
                count += 1
    return count


async def _in_thread(request: Request, work):
    """Run database work in the thread pool with its own session (forms are read asynchronously)."""

    def call():
        with Session(request.app.state.engine) as session:
            return work(session)

    return await run_in_threadpool(call)
