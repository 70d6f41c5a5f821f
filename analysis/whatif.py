"""What-if: re-run the audit with people, groups or agencies taken away, or a patch added.

A co-ordinator asks "what if the co-ordinator leaves?" or "would a new forum
fix this?"; the answer is the findings that appear and those resolved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.document import Agency, Group, Link, LocalityDocument, Person
from models.validation import DocumentError, Problem, _field_problems, validate_data

from .audit import Audit, audit
from .findings import Finding
from .graphs import remove_from_document
from .settings import DEFAULT_SETTINGS, AuditSettings
from .whatif_words import key_group_line, metric_line, profile_line

REMOVABLE = ("person", "group", "agency")


def parse_removal(text: str) -> tuple[str, str]:
    """Read ``person:ID``, ``group:ID`` or ``agency:ID``."""
    kind, sep, ident = text.partition(":")
    if not sep or kind not in REMOVABLE or not ident:
        raise ValueError(f"{text!r}: expected person:ID, group:ID or agency:ID")
    return kind, ident


class Patch(BaseModel):
    """Entries to add to a locality (an entry with an existing id replaces it)."""

    model_config = ConfigDict(extra="forbid")

    format: str | None = Field(None, pattern="^locmap/1$")
    agencies: list[Agency] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)


def apply_patch(document: LocalityDocument, data: object, source: str = "patch") -> LocalityDocument:
    """The locality with a patch's entries added or replaced by id, re-validated as a whole."""
    if not isinstance(data, dict):
        raise DocumentError([Problem("", "a patch is a mapping with agencies, people, groups and/or links")], source)
    try:
        patch = Patch.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(_field_problems(exc, data), source) from None
    merged = document.to_data()
    for section in ("agencies", "people", "groups", "links"):
        entries = getattr(patch, section)
        if not entries:
            continue
        rows = merged.setdefault(section, [])
        index = {row["id"]: i for i, row in enumerate(rows)}
        for entry in entries:
            row = entry.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
            row["id"] = entry.id
            if entry.id in index:
                rows[index[entry.id]] = row
            else:
                index[entry.id] = len(rows)
                rows.append(row)
    try:
        return validate_data(merged)
    except DocumentError as exc:
        problems = [Problem(p.loc, f"after applying the patch: {p.msg}") for p in exc.problems]
        raise DocumentError(problems, source) from None


@dataclass(frozen=True)
class DraftLink:
    """A link of a draft group to an existing group: outgoing (draft → group) or incoming (group → draft)."""

    kind: str
    group: str
    outgoing: bool = True


@dataclass(frozen=True)
class DraftGroup:
    """A group a co-ordinator is thinking of setting up: its name, kind, members and links."""

    name: str
    type: str
    members: tuple[str, ...] = ()
    links: tuple[DraftLink, ...] = ()
    meets: str | None = None

    def patch(self, document: LocalityDocument) -> dict:
        """The group and its links as a patch (:func:`apply_patch`), with an id made from its name."""
        ident = free_group_id(document, self.name)
        group: dict = {"id": ident, "name": self.name, "type": self.type}
        if self.meets:
            group["meets"] = self.meets
        group["members"] = [{"person": person} for person in self.members]
        links = [
            {"from": ident, "kind": link.kind, "to": link.group}
            if link.outgoing
            else {"from": link.group, "kind": link.kind, "to": ident}
            for link in self.links
        ]
        return {"groups": [group], "links": links}


def free_group_id(document: LocalityDocument, name: str) -> str:
    """An id for a new group made from its name ("Thame forum" → "thame-forum"), not already taken."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:56].strip("-") or "draft-group"
    taken = {g.id for g in document.groups}
    ident, number = base, 1
    while ident in taken:
        number += 1
        ident = f"{base}-{number}"
    return ident


@dataclass
class WhatIf:
    before: Audit
    after: Audit
    appeared: list[Finding]
    resolved: list[Finding]
    profile_changes: dict[str, tuple]
    metric_changes: dict[str, tuple]
    #: Names of the groups of both versions, to name the key communication group.
    names: dict[str, str] = field(default_factory=dict)
    #: The locality as changed (set by :func:`what_if`).
    changed: LocalityDocument | None = None

    def profile_words(self) -> list[str]:
        """Each changed profile level in the audit's words."""
        return [profile_line(dim, a, b) for dim, (a, b) in self.profile_changes.items()]

    def metric_words(self) -> list[str]:
        """The key communication group, if it changed, then each changed figure, in words."""
        key = key_group_line(self.before.metrics.get("key_group"), self.after.metrics.get("key_group"), self.names)
        figures = [
            metric_line(name, a, b)
            for name, (a, b) in self.metric_changes.items()
            if not isinstance(a, str) and not isinstance(b, str)
        ]
        return [key, *figures] if key else figures

    def as_dict(self) -> dict:
        return {
            "locality": self.before.locality,
            "appeared": [f.as_dict() for f in self.appeared],
            "resolved": [f.as_dict() for f in self.resolved],
            "profile_changes": {k: {"before": a, "after": b} for k, (a, b) in self.profile_changes.items()},
            "metric_changes": {k: {"before": a, "after": b} for k, (a, b) in self.metric_changes.items()},
            "in_words": {"profile": self.profile_words(), "metrics": self.metric_words()},
            "after": self.after.as_dict(),
        }


def compare_audits(before: Audit, after: Audit) -> WhatIf:
    """Findings that appear and are resolved between two audits, and changed levels and metrics."""
    before_keys = {f.key for f in before.findings}
    after_keys = {f.key for f in after.findings}
    profile_changes = {
        dim: (before.profile[dim]["level"], after.profile[dim]["level"])
        for dim in before.profile
        if before.profile[dim]["level"] != after.profile.get(dim, {}).get("level")
    }
    metric_changes = {
        name: (value, after.metrics.get(name))
        for name, value in before.metrics.items()
        if isinstance(value, (int, float, type(None))) and after.metrics.get(name) != value
    }
    return WhatIf(
        before,
        after,
        [f for f in after.findings if f.key not in before_keys],
        [f for f in before.findings if f.key not in after_keys],
        profile_changes,
        metric_changes,
    )


def what_if(
    document: LocalityDocument,
    *,
    without: Sequence[str] = (),
    patch: LocalityDocument | None = None,
    settings: AuditSettings = DEFAULT_SETTINGS,
) -> WhatIf:
    """Audit ``document`` as it is, and as changed by removals and a patched document."""
    removals: dict[str, set[str]] = {kind: set() for kind in REMOVABLE}
    for item in without:
        kind, ident = parse_removal(item)
        removals[kind].add(ident)
    changed = patch if patch is not None else document
    changed = remove_from_document(
        changed, people=removals["person"], groups=removals["group"], agencies=removals["agency"]
    )
    change = compare_audits(audit(document, settings), audit(changed, settings))
    change.names = {g.id: g.name for g in [*document.groups, *changed.groups]}
    change.changed = changed
    return change
