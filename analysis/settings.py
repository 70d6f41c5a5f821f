"""Thresholds of the audit, in one place, with their reasons."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class AuditSettings:
    """Every threshold the audit uses.  Change them with ``replace`` or
    ``locmap audit --set NAME=VALUE``; the defaults are documented in
    ``docs/analysis.md``."""

    #: Membership Jaccard at or above which two groups overlap (report 3.2,
    #: "a plethora of meetings ... with very similar personnel").
    overlap_threshold: float = 0.5
    #: Overlap at or above which the finding is high severity.
    overlap_high: float = 0.8
    #: Fewest shared members for an overlap to count: two one-person groups
    #: sharing their one member are not "a plethora of meetings".
    overlap_min_shared: int = 2
    #: Largest share of the larger group's attended membership that may sit on
    #: both groups for an overlap by design (oversight, different purposes)
    #: to be low: a core drawn from a bigger group (Appendix ONE: "Networks may
    #: have associated 'core groups'"), not the same meeting twice.
    overlap_core_share: float = 0.5

    #: Share of working time in meetings above which a person is flagged.
    meeting_load_share: float = 0.25
    #: Share always flagged, and flagged high: AHDS found educational
    #: psychologists spending "50% or more" of their time in meetings.
    meeting_load_always: float = 0.5
    #: Working hours a week assumed for people whose file does not say.
    default_hours_per_week: float = 37.0
    #: Hours a meeting lasts when its file does not say.
    default_meeting_hours: float = 2.0
    #: Working weeks a year.
    working_weeks: float = 46.0

    #: Smallest share of the locality's sectors a group must seat to count as
    #: inclusive when its membership is not open (recommendation ii).
    inclusive_sector_share: float = 0.5
    #: ... and never fewer sectors than this.
    inclusive_min_sectors: int = 3

    #: Most meetings a year at which a group is too rare to be the key
    #: communication group: "a group that meets once or twice a year cannot be
    #: the place where the locality's conversations happen", so it must meet
    #: more often than this (a termly group, three a year, passes with room).
    #: Groups of unknown frequency are given the benefit of the doubt.
    key_group_rare_meetings: float = 2.0

    #: Share of groups a systems minder must reach for "strongly evident".
    minder_reach_strong: float = 0.8
    #: Share of groups below which a systems-minder gap is medium severity.
    minder_reach_medium: float = 0.5

    #: Share of a group's census answers below "evident" ("no" or "only a
    #: little") above which a census finding is raised: most of its
    #: respondents, so exactly half is not enough (report 3.2, 3.8; AHDS).
    census_majority: float = 0.5

    #: Number of people reported as brokers.
    brokers: int = 5
    #: Above this many nodes, betweenness is estimated from a seeded sample.
    betweenness_exact_limit: int = 2000
    #: Sources sampled for estimated betweenness.
    betweenness_samples: int = 256
    #: Seed for every sampled computation, so audits are repeatable.
    seed: int = 20051101

    def with_values(self, **values: Any) -> AuditSettings:
        """A copy with some thresholds changed (values as :meth:`parse_assignment` returns them)."""
        return replace(self, **values)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def parse_assignment(cls, text: str) -> tuple[str, object]:
        """Read ``NAME=VALUE`` for one setting, converting VALUE to its type."""
        name, sep, value = text.partition("=")
        name = name.strip()
        types = {f.name: f.type for f in fields(cls)}
        if not sep or name not in types:
            raise ValueError(f"unknown setting {name!r}; known: {', '.join(types)}")
        kind = types[name]
        try:
            return name, (int(value) if kind in (int, "int") else float(value))
        except ValueError:
            raise ValueError(f"setting {name} needs a number, got {value!r}") from None


DEFAULT_SETTINGS = AuditSettings()
