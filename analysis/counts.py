"""How many groups, people and agencies a locality has: one definition for every place that counts.

The audit's figures, the locality page, the home page and ``locmap list``
all count through :func:`locality_counts`, and say what they count through
:func:`count_phrases`, so "6 groups" in one place and "5 groups" in another
can no longer both appear without a word of why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

from models.document import LocalityDocument


@dataclass(frozen=True)
class LocalityCounts:
    """What a locality holds, in the file and in its own system.

    ``local_groups`` leaves out the groups outside the locality (``external``,
    such as the county's strategic centre), which the audit reads only as
    links out; ``agencies_in_groups`` counts the agencies with someone on a
    local group; ``people_in_groups`` the people with a seat on any group.
    """

    groups: int
    local_groups: int
    external_groups: int
    people: int
    people_in_groups: int
    agencies: int
    agencies_in_groups: int
    links: int
    memberships: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def locality_counts(document: LocalityDocument) -> LocalityCounts:
    """Count a locality's groups, people, agencies, links and seats.

    Parameters
    ----------
    document : LocalityDocument
        The locality.

    Returns
    -------
    LocalityCounts
        Everything in the file, and the parts the audit's figures rest on.

    Notes
    -----
    The locality's own system is its groups not marked ``external``
    (docs/analysis.md, "local groups"); an agency counts as taking part when
    one of its staff sits on such a group.
    """
    agency_of = {p.id: p.agency for p in document.people}
    local = [g for g in document.groups if not g.external]
    seated = {m.person for g in document.groups for m in g.members}
    on_local = {agency_of[m.person] for g in local for m in g.members if agency_of.get(m.person)}
    return LocalityCounts(
        groups=len(document.groups),
        local_groups=len(local),
        external_groups=len(document.groups) - len(local),
        people=len(document.people),
        people_in_groups=len(seated),
        agencies=len(document.agencies),
        agencies_in_groups=len(on_local),
        links=len(document.links),
        memberships=sum(len(g.members) for g in document.groups),
    )


class CountPhrase(NamedTuple):
    """A headline figure, what it counts and, where the file holds more, how many: "8", "agencies on local groups", "(9 in the file)"."""

    figure: int
    label: str
    note: str = ""

    def __str__(self) -> str:
        return " ".join(str(part) for part in self if part != "")


def _phrase(figure: int, one: str, many: str, note: str = "") -> CountPhrase:
    return CountPhrase(figure, one if figure == 1 else many, note)


def count_phrases(counts: LocalityCounts) -> dict[str, CountPhrase]:
    """Each headline figure with what it counts, e.g. "8 agencies on local groups (9 in the file)".

    The file's total is added only where it differs from the figure.
    """

    def in_file(part: int, whole: int) -> str:
        return f"({whole} in the file)" if part != whole else ""

    outside = f"and {counts.external_groups} outside the locality" if counts.external_groups else ""
    return {
        "groups": _phrase(counts.local_groups, "local group", "local groups", outside),
        "people": _phrase(
            counts.people_in_groups,
            "person on groups",
            "people on groups",
            in_file(counts.people_in_groups, counts.people),
        ),
        "agencies": _phrase(
            counts.agencies_in_groups,
            "agency on local groups",
            "agencies on local groups",
            in_file(counts.agencies_in_groups, counts.agencies),
        ),
    }
