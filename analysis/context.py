"""The analyses of one locality, computed once and shared by the checks, metrics and profile.

:class:`AuditContext` is what :mod:`analysis.audit` and :mod:`analysis.profile`
both read; it lives apart from both so that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from .census import CensusSummary
from .centrality import broker_scores
from .graphs import LocalityGraphs
from .load import MeetingLoad, meeting_loads
from .minding import MinderReach, absent_minders, inferred_minders, systems_minder_reach
from .pathways import (
    CentreLink,
    FeedbackGap,
    GroupStanding,
    centre_link,
    group_standings,
    key_group,
    missing_feedback_paths,
    principal_group,
)
from .settings import AuditSettings
from .structure import CutPerson, isolated_groups, single_points_of_failure, system_parts


@dataclass
class AuditContext:
    """The analyses of one locality, computed once and shared by findings, metrics and profile."""

    graphs: LocalityGraphs
    settings: AuditSettings
    #: The newest closed member census in aggregate (small numbers already suppressed), if any.
    census: CensusSummary | None = None

    @cached_property
    def local_group_set(self) -> frozenset[str]:
        """The locality's own groups, for membership tests."""
        return frozenset(self.graphs.local_groups)

    @cached_property
    def standings(self) -> list[GroupStanding]:
        return group_standings(self.graphs, self.settings)

    @cached_property
    def key_group(self) -> str | None:
        return key_group(self.standings)

    @cached_property
    def principal_group(self) -> str | None:
        return principal_group(self.standings)

    @cached_property
    def parts(self) -> list[set[str]]:
        return system_parts(self.graphs)

    @cached_property
    def main_part(self) -> set[str]:
        """The part holding the principal group, else the largest part.

        A principal group alone in its part is itself the problem (an
        ISOLATED_GROUP); the rest of the system is then measured against the
        largest part rather than reported as detached from it.
        """
        for part in self.parts:
            if self.principal_group in part and len(part) > 1:
                return part
        return self.parts[0] if self.parts else set()

    @cached_property
    def loads(self) -> list[MeetingLoad]:
        return meeting_loads(self.graphs, self.settings)

    @cached_property
    def minder_reach(self) -> MinderReach:
        """The reach of the declared systems minders (none reach anything when none is declared)."""
        return systems_minder_reach(self.graphs)

    @cached_property
    def inferred_minders(self) -> MinderReach | None:
        """De facto minders read from structure when none is declared (:func:`analysis.minding.inferred_minders`)."""
        return inferred_minders(self.graphs, self.principal_group, self.settings.minder_reach_medium)

    @cached_property
    def absent_minders(self) -> tuple[str, ...]:
        """Declared minders with no attended seat on a local group."""
        return absent_minders(self.graphs)

    @cached_property
    def centre(self) -> CentreLink:
        return centre_link(self.graphs, self.principal_group)

    @cached_property
    def cut_people(self) -> list[CutPerson]:
        main = self.principal_group if self.principal_group in self.main_part else None
        return single_points_of_failure(self.graphs, main)

    @cached_property
    def brokers(self) -> dict[str, float]:
        return broker_scores(self.graphs, self.settings)

    @cached_property
    def isolated(self) -> set[str]:
        return set(isolated_groups(self.graphs))

    @cached_property
    def feedback_gaps(self) -> list[FeedbackGap]:
        return missing_feedback_paths(self.graphs, self.principal_group, skip=self.isolated)

    def name(self, group_id: str) -> str:
        return self.graphs.groups[group_id].name

    def names(self, group_ids: Iterable[str]) -> str:
        return ", ".join(f"'{self.name(g)}'" for g in group_ids)

    def people_names(self, people: Iterable[str]) -> str:
        return ", ".join(f"'{self.graphs.people[p].name}'" for p in people)
