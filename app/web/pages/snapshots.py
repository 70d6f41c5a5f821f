"""Snapshots of a locality and what changed since, as pages.

A snapshot is a dated copy of the locality (``store.take_snapshot``); the
diff page sets one beside the locality as it is now, or beside another
snapshot, and says in words what :func:`analysis.diff.diff_localities`
found: groups, people and agencies added and removed, members who joined,
left or moved, links changed, and the findings that appeared or were resolved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from analysis.diff import diff_localities
from analysis.profile import DIMENSION_LABELS, LEVEL_WORDS
from app.formats.report import METRIC_LABELS
from app.storage import store
from app.web.api.history import version
from app.web.deps import PageReader, SessionDep
from app.web.pages.browse import LINK_WORDS
from app.web.pages.rendering import render, words
from app.web.routing import make_router
from app.web.security import csrf_token
from models.document import LocalityDocument

router = make_router(include_in_schema=False)

#: The sections of a diff, as a reader names them.
SECTION_WORDS = {"groups": "Groups", "people": "People", "agencies": "Agencies"}


@router.get("/localities/{slug}/snapshots", response_class=HTMLResponse)
def snapshots_page(slug: str, request: Request, principal: PageReader, session: SessionDep):
    """The locality's snapshots, newest first, with links to what changed since; editors may take one.

    Not cached: an editor's page carries the session's form token.
    """
    locality = store.get_locality(session, slug)
    taken = list(reversed(store.list_snapshots(session, slug)))
    may_edit = principal.may_edit(slug)
    return render(
        request,
        principal,
        "snapshots.html",
        locality=locality,
        snapshots=taken,
        # Who took a snapshot is an account name: shown to signed-in users, not to demo visitors.
        show_who=principal.user is not None,
        may_edit=may_edit,
        csrf=csrf_token(request) if may_edit else None,
    )


@router.get("/localities/{slug}/diff", response_class=HTMLResponse)
def diff_page(
    slug: str,
    request: Request,
    principal: PageReader,
    session: SessionDep,
    before: Annotated[str, Query(alias="from", max_length=200)] = "",
    after: Annotated[str, Query(alias="to", max_length=200)] = "current",
):
    """What changed between a snapshot and now (or two snapshots), in words; a form picks the two."""
    locality = store.get_locality(session, slug)
    taken = list(reversed(store.list_snapshots(session, slug)))
    before = before or (str(taken[0].pk) if taken else "current")
    old, new = version(session, slug, before), version(session, slug, after)
    labels = {str(s.pk): f"'{s.label}' ({s.taken_at:%Y-%m-%d %H:%M})" for s in taken}
    return render(
        request,
        principal,
        "diff.html",
        locality=locality,
        snapshots=taken,
        before=before,
        after=after,
        before_name=labels.get(before, "now" if before == "current" else f"'{before}'"),
        after_name=labels.get(after, "now" if after == "current" else f"'{after}'"),
        changes=changes_in_words(old, new, diff_localities(old, new)),
    )


def changes_in_words(before: LocalityDocument, after: LocalityDocument, diff: dict) -> dict[str, list[str]]:
    """The diff of two versions as sentences, by heading, names never ids (a heading with nothing is left out)."""
    name = _namer(before, after)
    structure = diff["structure"]
    out: dict[str, list[str]] = {}
    for section, heading in SECTION_WORDS.items():
        part = structure[section]
        out[heading] = [
            *([f"{heading} added: {', '.join(name(i) for i in part['added'])}"] if part["added"] else []),
            *([f"{heading} removed: {', '.join(name(i) for i in part['removed'])}"] if part["removed"] else []),
            *(f"{name(i)}: changed {_fields(fields)}" for i, fields in part["changed"].items()),
        ]
    out["Members"] = _seat_changes(structure["memberships"], name)
    out["Links"] = _link_changes(before, after, structure["links"])
    if structure["locality"]["changed"]:
        out["The locality"] = [f"Changed {_fields(structure['locality']['changed']['locality'])}"]
    out["Findings that appeared"] = [_finding(f) for f in diff["findings"]["appeared"]]
    out["Findings resolved"] = [_finding(f) for f in diff["findings"]["resolved"]]
    out["Collaborative-advantage profile"] = [
        f"{DIMENSION_LABELS.get(dim, words(dim))}: {LEVEL_WORDS[moved['before']]} → {LEVEL_WORDS[moved['after']]}"
        for dim, moved in diff["profile"].items()
    ]
    out["Figures"] = [
        f"{METRIC_LABELS.get(metric, words(metric).capitalize())}: {_figure(moved['before'])} → {_figure(moved['after'])}"
        for metric, moved in diff["metrics"].items()
    ]
    return {heading: lines for heading, lines in out.items() if lines or heading.startswith("Findings")}


def _namer(before: LocalityDocument, after: LocalityDocument):
    """A display name for any id of either version (the later name where both have one)."""
    names: dict[str, str] = {}
    for document in (before, after):
        for section in ("agencies", "people", "groups"):
            names.update({item.id: item.name for item in getattr(document, section)})
    return lambda ref: names.get(ref, ref)


def _fields(fields: dict) -> str:
    return ", ".join(words(field) for field in fields)


def _seat_changes(seats: dict, name) -> list[str]:
    """Who joined and left which group, a person who left one group and joined another said to have moved."""
    joined, left = defaultdict(list), defaultdict(list)
    for key in seats["added"]:
        group, person = key.split("/", 1)
        joined[person].append(group)
    for key in seats["removed"]:
        group, person = key.split("/", 1)
        left[person].append(group)
    lines = []
    for person in dict.fromkeys([*left, *joined]):
        if left[person] and joined[person]:
            lines.append(f"{name(person)} moved from {_names(left[person], name)} to {_names(joined[person], name)}")
        elif joined[person]:
            lines.append(f"{name(person)} joined {_names(joined[person], name)}")
        else:
            lines.append(f"{name(person)} left {_names(left[person], name)}")
    for key, fields in seats["changed"].items():
        group, person = key.split("/", 1)
        lines.append(f"{name(person)} on {name(group)}: changed {_fields(fields)}")
    return lines


def _names(ids: list[str], name) -> str:
    return ", ".join(name(i) for i in ids)


def _link_changes(before: LocalityDocument, after: LocalityDocument, links: dict) -> list[str]:
    """Links added, removed and changed, each as "Thame forum reports to Thame Network"."""
    groups = {g.id: g.name for document in (before, after) for g in document.groups}
    said = {
        link.id: f"{groups.get(link.from_, link.from_)} {LINK_WORDS[link.kind.value]} {groups.get(link.to, link.to)}"
        for document in (before, after)
        for link in document.links
    }
    return [
        *(f"New link: {said.get(i, i)}" for i in links["added"]),
        *(f"Link gone: {said.get(i, i)}" for i in links["removed"]),
        *(f"Link {said.get(i, i)}: changed {_fields(fields)}" for i, fields in links["changed"].items()),
    ]


def _finding(finding: dict) -> str:
    return f"{str(finding['severity']).capitalize()}: {finding['message']}"


def _figure(value) -> str:
    return "–" if value is None else f"{value:g}"
