"""What a change does, in words: what a deletion takes with it (for its confirmation) and what an edit changed.

Computed from the stored document, so a confirmation names what will really
go ("its 5 members' seats and 2 links") and a flash what really changed
("meets changed from monthly to fortnightly").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.web.pages.forms import FieldSpec
from app.web.pages.rendering import words
from models.vocab import job_role_words

REVERTIBLE = "You can revert this from the locality's History."


def plural(n: int, one: str, many: str | None = None) -> str:
    """``3 links``, ``1 link``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def listed(names: list[str], most: int = 5) -> str:
    """Names joined in words, the rest counted: "A, B and 3 more"."""
    if len(names) <= 1:
        return "".join(names)
    if len(names) <= most:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:most]) + f" and {len(names) - most} more"


@dataclass
class Deletion:
    """A confirmation: its question, what goes with the entry, and whether it may go at all."""

    question: str
    goes: list[str] = field(default_factory=list)
    blocked: str | None = None  # why it cannot be deleted now; None when it can
    flash: str = ""  # what the page after it says


def link_words(document, link) -> str:
    names = {g.id: g.name for g in document.groups}
    return f"{names.get(link.from_, link.from_)} {words(link.kind.value)} {names.get(link.to, link.to)}"


def deletion(document, kind: str, entry) -> Deletion:
    """What deleting ``entry`` (an agency, person, group or link of ``document``) would remove."""
    if kind == "group":
        links = [link for link in document.links if entry.id in (link.from_, link.to)]
        seats, n_links = plural(len(entry.members), "seat"), plural(len(links), "link")
        held = plural(len(entry.members), "member's seat", "members' seats")
        goes = [f"This removes the group, its {held} and {n_links}."]
        goes += [f"Link: {link_words(document, link)}" for link in links]
        return Deletion(
            f"Delete the group {entry.name}?", goes, None, f"Deleted the group {entry.name} ({seats}, {n_links})."
        )
    if kind == "person":
        groups = [g.name for g in document.groups if any(m.person == entry.id for m in g.members)]
        where = f"their {plural(len(groups), 'seat')} ({listed(groups)})" if groups else "them (they sit on no group)"
        goes = [f"Deleting removes {where}."]
        return Deletion(
            f"Delete or erase {entry.name}?", goes, None, f"Deleted {entry.name} and {plural(len(groups), 'seat')}."
        )
    if kind == "agency":
        people = [p.name for p in document.people if p.agency == entry.id]
        groups = [g.name for g in document.groups if g.school == entry.id]
        if people or groups:
            named = listed(people + groups)
            what = " and ".join(
                x
                for x in (
                    plural(len(people), "person", "people") if people else "",
                    plural(len(groups), "group") if groups else "",
                )
                if x
            )
            blocked = (
                f"{entry.name} cannot be deleted while {what} name it ({named}). Change their agency or school first."
            )
            return Deletion(f"Delete the agency {entry.name}?", [], blocked)
        return Deletion(
            f"Delete the agency {entry.name}?",
            ["This removes the agency; no one and no group names it."],
            None,
            f"Deleted the agency {entry.name}.",
        )
    text = link_words(document, entry)
    return Deletion(
        f"Delete the link “{text}”?",
        ["This removes the link only; both groups stay."],
        None,
        f"Deleted the link {text}.",
    )


def seat_removal(document, group, person) -> Deletion:
    """What taking ``person`` off ``group`` means."""
    others = [g.name for g in document.groups if g.id != group.id and any(m.person == person.id for m in g.members)]
    stays = (
        f"They keep their other {plural(len(others), 'seat')} ({listed(others)})."
        if others
        else "They sit on no other group."
    )
    question = f"Remove {person.name} from {group.name}?"
    return Deletion(
        question,
        [f"This takes {person.name} off {group.name}. {stays}"],
        None,
        f"Removed {person.name} from {group.name}.",
    )


def shown(spec: FieldSpec, value) -> str:
    """A field's value as the form shows it (a choice by its words, yes or no, none)."""
    if spec.widget == "checkbox":
        return "yes" if value else "no"
    if value in (None, "", []):
        return "none"
    choices = dict(spec.choices)
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:g}"
    if value in choices:
        return str(choices[value])
    return job_role_words(str(value)) if spec.name == "role" else str(value)


def changes(specs: list[FieldSpec], before: dict, after: dict) -> list[str]:
    """The fields an edit changed, each as "meets changed from monthly to fortnightly"."""
    out = []
    for spec in specs:
        default = False if spec.widget == "checkbox" else None
        old, new = before.get(spec.name, default), after.get(spec.name, default)
        if spec.name == "area":
            old, new = old or [], new or []
        if old != new and not (old in (None, "") and new in (None, "")):
            out.append(f"{spec.label.lower()} changed from {shown(spec, old)} to {shown(spec, new)}")
    return out
