"""Findings: what the audit flags, in the words of the evaluation report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


SEVERITY_ORDER = {Severity.high: 0, Severity.medium: 1, Severity.low: 2, Severity.info: 3}


class Basis(StrEnum):
    """What a finding or a profile level rests on: facts the file declares,
    roles and kinds the audit inferred from structure (a de facto systems
    minder, schools read from agency names), or the answers of a member
    census (its respondents, in aggregate)."""

    declared = "declared"
    inferred = "inferred"
    census = "census"


class Principle(StrEnum):
    """The conditions for collaborative advantage (report 5.1) and recommendations (5.3)."""

    clear_bounded_locality = "Clearly bounded localities (2.1, 2.2; recommendation i)"
    links_to_centre = "Good links to the centre (3.1; recommendation ii)"
    local_ownership = "Local ownership of the project (3.1, 4.7)"
    strong_project_management = "Strong project management (3.8)"
    systems_minding = "Systems minding (3.8; recommendation iv)"
    inclusive_access = "Inclusive communication structures: access and clarity for all (3.2)"
    upstream_downstream = "Inclusive communication structures: upstream and downstream conversations (3.3, 3.4)"
    appreciative_system = "Appreciative systems (3.8, 3.10)"
    user_involvement = "User involvement (3.6, 3.7)"
    support_inclusive_schools = "Support for schools in being as inclusive as possible (3.3-3.5)"
    meetings_culture = "A proportionate meetings culture (3.2; AHDS)"


@dataclass(frozen=True)
class Finding:
    """One thing the audit flags.

    ``subjects`` are ids from the locality file (groups, people or agencies);
    ``code`` says which check raised it, and ``evidence`` holds the figures.
    """

    code: str
    severity: Severity
    subjects: tuple[str, ...]
    message: str
    principle: Principle
    suggestion: str
    evidence: dict[str, object] = field(default_factory=dict, compare=False)
    #: What the subjects are: ``group``, ``person`` or ``agency`` (ids are
    #: unique only within their section, so a school and a group may share one).
    subject_kind: str = "group"
    #: Whether the finding rests on declared facts or on an inference.
    basis: Basis = Basis.declared

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """What makes two findings the same finding (for de-duplication, what-if and diff)."""
        return self.code, self.subject_kind, tuple(sorted(self.subjects))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "subjects": list(self.subjects),
            "message": self.message,
            "principle": self.principle.value,
            "suggestion": self.suggestion,
            "basis": self.basis.value,
        }
