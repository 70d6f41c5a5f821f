"""The analyses of one locality, computed once and shared by the checks, metrics and profile.

:class:`AuditContext` is what :mod:`analysis.audit` and :mod:`analysis.profile`
both read; it lives apart from both so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .centrality import broker_scores
from .graphs import LocalityGraphs
from .load import meeting_loads
from .minding import systems_minder_reach
from .pathways import (
    centre_link,
    group_standings,
    key_group,
    missing_feedback_paths,
    principal_group,
)
from .settings import AuditSettings
from .structure import isolated_groups, single_points_of_failure, system_parts


@dataclass
class AuditContext:
    """The analyses of one locality, computed once and shared by findings, metrics and profile."""

    graphs: LocalityGraphs
    settings: AuditSettings

    @cached_property
    def standings(self):
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
    def loads(self):
        return meeting_loads(self.graphs, self.settings)

    @cached_property
    def minder_reach(self):
        return systems_minder_reach(self.graphs)

    @cached_property
    def centre(self):
        return centre_link(self.graphs, self.principal_group)

    @cached_property
    def cut_people(self):
        main = self.principal_group if self.principal_group in self.main_part else None
        return single_points_of_failure(self.graphs, main)

    @cached_property
    def brokers(self) -> dict[str, float]:
        return broker_scores(self.graphs, self.settings)

    @cached_property
    def isolated(self) -> set[str]:
        return set(isolated_groups(self.graphs))

    @cached_property
    def feedback_gaps(self):
        return missing_feedback_paths(self.graphs, self.principal_group, skip=self.isolated)

    def name(self, group_id: str) -> str:
        return self.graphs.groups[group_id].name

    def names(self, group_ids) -> str:
        return ", ".join(f"'{self.name(g)}'" for g in group_ids)
