"""Change over time: what differs between two versions of a locality.

:func:`diff_documents` lists the agencies, people, groups, memberships and
links added, removed and changed; :func:`diff_localities` adds how the
audit's findings and profile moved (report section 3.2: communication
systems "need to be continually monitored and tweaked").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.document import LocalityDocument

from .audit import audit
from .settings import DEFAULT_SETTINGS, AuditSettings
from .whatif import compare_audits

SECTIONS = ("agencies", "people", "groups", "links")


@dataclass
class SectionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: id -> {field: [before, after]}
    changed: dict[str, dict[str, list]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def as_dict(self) -> dict:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


def _entries(document: LocalityDocument, section: str) -> dict[str, dict]:
    out = {}
    for item in getattr(document, section):
        data = item.model_dump(mode="json", by_alias=True)
        data.pop("members", None)
        out[item.id] = data
    return out


def _seats(document: LocalityDocument) -> dict[str, dict]:
    return {
        f"{g.id}/{m.person}": m.model_dump(mode="json") | {"group": g.id} for g in document.groups for m in g.members
    }


def _compare(before: dict[str, dict], after: dict[str, dict]) -> SectionDiff:
    result = SectionDiff(
        added=[k for k in after if k not in before],
        removed=[k for k in before if k not in after],
    )
    for key in before.keys() & after.keys():
        fields = {
            name: [before[key].get(name), after[key].get(name)]
            for name in sorted(before[key].keys() | after[key].keys())
            if before[key].get(name) != after[key].get(name)
        }
        if fields:
            result.changed[key] = fields
    result.changed = dict(sorted(result.changed.items()))
    return result


def diff_documents(before: LocalityDocument, after: LocalityDocument) -> dict[str, SectionDiff]:
    """Entries added, removed and changed, per section, plus ``memberships`` keyed ``group/person``."""
    out = {section: _compare(_entries(before, section), _entries(after, section)) for section in SECTIONS}
    out["memberships"] = _compare(_seats(before), _seats(after))
    info = _compare(
        {"locality": before.locality.model_dump(mode="json")}, {"locality": after.locality.model_dump(mode="json")}
    )
    out["locality"] = info
    return out


def diff_localities(
    before: LocalityDocument, after: LocalityDocument, settings: AuditSettings = DEFAULT_SETTINGS
) -> dict:
    """The structural diff and the movement of findings, profile and metrics between two versions."""
    structure = diff_documents(before, after)
    change = compare_audits(audit(before, settings), audit(after, settings))
    return {
        "before": before.locality.id,
        "after": after.locality.id,
        "structure": {name: section.as_dict() for name, section in structure.items()},
        "findings": {
            "appeared": [f.as_dict() for f in change.appeared],
            "resolved": [f.as_dict() for f in change.resolved],
        },
        "profile": {k: {"before": a, "after": b} for k, (a, b) in change.profile_changes.items()},
        "metrics": {k: {"before": a, "after": b} for k, (a, b) in change.metric_changes.items()},
    }
