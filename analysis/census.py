"""The member census in aggregate: tallies with small numbers suppressed, and proposed corrections.

Pure functions over plain facts (no database, no web): the storage layer
hands over each link's facts and each ballot, and gets back a
:class:`CensusSummary` that holds no tally drawn from fewer respondents
than ``min_respondents``.  Whatever shows a census (pages, API, exports,
the audit) reads only the summary, so no path can show a small number.

Notes
-----
Suppression is *primary* (a group or agency with fewer than ``k``
respondents shows no score) and *complementary* for the balance by agency:
the agencies held back are pooled as "other agencies", and when that pool
would itself be smaller than ``k`` the smallest shown agency joins it, so
the locality's total minus the agencies shown never reveals a small group.
Locality-wide ratings sum only the groups shown, for the same reason.

References
----------
Glenny, G. (2005), 3.2 ("unclear about the role of some of the meetings they
attended and how those meetings connected together"), 3.8 and 5.1.
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 4
(threshold rule and secondary suppression). Wiley.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Any

from models.document import LocalityDocument
from models.vocab import STATEMENTS

#: Name of the pooled agencies held back from the balance by agency.
OTHER_AGENCIES = "other agencies"
#: Steps of the four-step scale at or above which a statement holds ("evident", "strongly evident").
HOLDS_FROM = 2


@dataclass(frozen=True)
class LinkFacts:
    """What a census knows of one invited person: never their ratings."""

    person: str
    agency: str | None
    groups: tuple[str, ...]
    answered: bool
    answers: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BallotFacts:
    """One ballot: ratings by group, the balance and where worries go, with no person."""

    agency: str | None
    balance: int | None
    worry_to: str | None
    ratings: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class Tally:
    """Answers to one statement: how many at each step (index 0 = not evident ... 3 = strongly evident)."""

    counts: tuple[int, int, int, int]

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def holds(self) -> float | None:
        """Share answering 'mostly' or 'yes, clearly' (evident or strongly evident)."""
        return (self.counts[2] + self.counts[3]) / self.answers if self.answers else None

    @property
    def mean(self) -> float | None:
        """Mean step, 0 (not evident) to 3 (strongly evident)."""
        return sum(i * n for i, n in enumerate(self.counts)) / self.answers if self.answers else None


@dataclass(frozen=True)
class GroupCensus:
    """One group in a census: who was asked and answered, and (for ``k`` or more raters) its tallies."""

    group: str
    invited: int
    answered: int
    raters: int
    #: Per statement answered by ``min_respondents`` or more; empty when fewer rated the group.
    tallies: Mapping[str, Tally] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return bool(self.tallies)


@dataclass(frozen=True)
class Balance:
    """Answers to "working across agencies here mostly feels like ...": counts from advantage (2) to inertia (-2)."""

    counts: Mapping[int, int]

    @property
    def answers(self) -> int:
        return sum(self.counts.values())

    @property
    def advantage(self) -> float | None:
        """Share leaning to collaborative advantage (steps 1 and 2)."""
        return self._share(lambda step: step > 0)

    @property
    def inertia(self) -> float | None:
        """Share leaning to collaborative inertia (steps -1 and -2)."""
        return self._share(lambda step: step < 0)

    def _share(self, side) -> float | None:
        n = self.answers
        return sum(c for s, c in self.counts.items() if side(s)) / n if n else None


@dataclass(frozen=True)
class CensusSummary:
    """A census in aggregate, safe to show: every tally rests on ``min_respondents`` or more."""

    number: int
    opened_at: str
    closed_at: str | None
    min_respondents: int
    invited: int
    answered: int
    #: Respondents with a ballot (the people whose ratings count).
    raters: int
    groups: Mapping[str, GroupCensus]
    #: The balance for the locality (None for fewer than ``min_respondents`` answers).
    balance: Balance | None
    #: By agency id, plus :data:`OTHER_AGENCIES` for those pooled.
    balance_by_agency: Mapping[str, Balance]
    #: Response (invited, answered) by agency id (``None`` key: people with no agency).
    response_by_agency: Mapping[str | None, tuple[int, int]]
    #: Where respondents take a worry about a child: group id (or ``person``, ``unsure``) -> count.
    worry_to: Mapping[str, int]

    def locality_tally(self, statement: str) -> Tally | None:
        """One statement over every group shown (groups held back are left out, so nothing can be subtracted)."""
        counts = [0, 0, 0, 0]
        for g in self.groups.values():
            if statement in g.tallies:
                for i, n in enumerate(g.tallies[statement].counts):
                    counts[i] += n
        return Tally(tuple(counts)) if sum(counts) else None  # type: ignore[arg-type]

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def rates_only(self) -> CensusSummary:
        """The same census with response counts and no scores, for a census still open.

        While answers still arrive, scores seen before and after one person
        answers would differ by exactly that person's ratings; so scores wait
        for the close.
        """
        groups = {g: replace(c, tallies={}) for g, c in self.groups.items()}
        return replace(self, groups=groups, balance=None, balance_by_agency={}, worry_to={})


def tally(
    links: Sequence[LinkFacts],
    ballots: Sequence[BallotFacts],
    *,
    number: int,
    opened_at: str,
    closed_at: str | None,
    min_respondents: int = 3,
) -> CensusSummary:
    """Aggregate a census, holding back every figure drawn from fewer than ``min_respondents``.

    Parameters
    ----------
    links : sequence of LinkFacts
        Everyone invited, with whether they answered.
    ballots : sequence of BallotFacts
        The ratings, one per respondent, with no person.
    number, opened_at, closed_at
        Which census, and when it opened and closed (ISO times).
    min_respondents : int
        The threshold rule's ``k`` (setting ``census_min_respondents``).

    Returns
    -------
    CensusSummary
        Counts of people asked and answering, tallies for groups rated by
        ``k`` or more, and the advantage/inertia balance with
        complementary suppression by agency.
    """
    k = max(1, min_respondents)
    invited = Counter(g for link in links for g in link.groups)
    answered = Counter(g for link in links if link.answered for g in link.groups)
    rated_by: dict[str, list[BallotFacts]] = {}
    for b in ballots:
        for g in b.ratings:
            rated_by.setdefault(g, []).append(b)
    groups = {
        g: _group_census(g, invited[g], answered[g], rated_by.get(g, []), k)
        for g in _ordered({*invited, *rated_by}, links)
    }
    return CensusSummary(
        number=number,
        opened_at=opened_at,
        closed_at=closed_at,
        min_respondents=k,
        invited=len(links),
        answered=sum(1 for link in links if link.answered),
        raters=len(ballots),
        groups=groups,
        balance=_balance([b for b in ballots if b.balance is not None], k),
        balance_by_agency=_balance_by_agency([b for b in ballots if b.balance is not None], k),
        response_by_agency=_response_by_agency(links),
        worry_to=dict(Counter(b.worry_to for b in ballots if b.worry_to)) if len(ballots) >= k else {},
    )


def _ordered(groups: Iterable[str], links: Sequence[LinkFacts]) -> list[str]:
    """Groups in the order the links first name them, then any others by id."""
    order: dict[str, int] = {}
    for link in links:
        for g in link.groups:
            order.setdefault(g, len(order))
    return sorted(groups, key=lambda g: (order.get(g, len(order)), g))


def _group_census(group: str, invited: int, answered: int, ballots: list[BallotFacts], k: int) -> GroupCensus:
    tallies: dict[str, Tally] = {}
    if len(ballots) >= k:
        for statement in STATEMENTS:
            steps = [r[statement] for b in ballots if statement in (r := b.ratings[group])]
            if len(steps) >= k:  # a statement fewer answered is held back too, though the group is shown
                tallies[statement] = Tally(tuple(steps.count(i) for i in range(4)))  # type: ignore[arg-type]
    return GroupCensus(group, invited, answered, len(ballots), tallies)


def _balance(ballots: list[BallotFacts], k: int) -> Balance | None:
    if len(ballots) < k:
        return None
    return Balance(dict(Counter(b.balance for b in ballots if b.balance is not None)))


def _balance_by_agency(ballots: list[BallotFacts], k: int) -> dict[str, Balance]:
    """Agencies with ``k`` or more answers, and the rest pooled; the pool is never below ``k`` unless empty."""
    if len(ballots) < k:
        return {}
    by: dict[str, list[BallotFacts]] = {}
    for b in ballots:
        by.setdefault(b.agency or OTHER_AGENCIES, []).append(b)
    pooled = by.pop(OTHER_AGENCIES, [])
    shown = {a: bs for a, bs in by.items() if len(bs) >= k}
    pooled += [b for a, bs in by.items() if a not in shown for b in bs]
    # Complementary suppression: a small pool would be the total minus the agencies shown.
    while pooled and len(pooled) < k and shown:
        smallest = min(shown, key=lambda a: (len(shown[a]), a))
        pooled += shown.pop(smallest)
    out = {a: _counted(bs) for a, bs in sorted(shown.items())}
    if pooled and len(pooled) >= k and shown:  # with no agency shown, the pool is the locality's total
        out[OTHER_AGENCIES] = _counted(pooled)
    return out


def _counted(ballots: list[BallotFacts]) -> Balance:
    return Balance(dict(Counter(b.balance for b in ballots if b.balance is not None)))


def _response_by_agency(links: Sequence[LinkFacts]) -> dict[str | None, tuple[int, int]]:
    out: dict[str | None, list[int]] = {}
    for link in links:
        pair = out.setdefault(link.agency, [0, 0])
        pair[0] += 1
        pair[1] += int(link.answered)
    return {a: (n, m) for a, (n, m) in out.items()}


# ---------------------------------------------------------------- corrections to the structure


@dataclass(frozen=True)
class Correction:
    """One change to the map that a respondent's answers propose.

    ``kind`` is ``left`` (a seat they have left), ``attendance`` (how often
    they attend), ``hours`` (how long a group's meetings last, the median of
    its respondents), ``joined`` (a listed group they attend but are not
    recorded on) or ``new_group`` (a meeting the map lacks).
    """

    kind: str
    group: str | None
    person: str | None
    value: Any
    was: Any
    words: str

    @property
    def id(self) -> str:
        """A stable handle for choosing which corrections to apply."""
        return ":".join(str(p) for p in (self.kind, self.group or "-", self.person or "-"))


def _folded(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


def corrections(document: LocalityDocument, links: Sequence[LinkFacts]) -> list[Correction]:
    """The corrections the answered links propose to ``document``, in the locality's group order.

    Parameters
    ----------
    document : LocalityDocument
        The locality as it stands now.
    links : sequence of LinkFacts
        The answered links, with their structure answers.

    Returns
    -------
    list of Correction
        Only changes that differ from the document: a seat already gone, an
        attendance already recorded, or hours already right propose nothing.
    """
    groups = {g.id: g for g in document.groups}
    names = {p.id: p.name for p in document.people}
    seats = {(g.id, m.person): m for g in document.groups for m in g.members}
    by_name = {_folded(g.name): g.id for g in document.groups}
    out: list[Correction] = []
    hours: dict[str, list[float]] = {}
    for link in links:
        if not link.answers or link.person not in names:
            continue
        who = names[link.person]
        for seat in link.answers.get("seats", []):
            g, member = seat["group"], seats.get((seat["group"], link.person))
            if g not in groups or member is None:
                continue
            if seat.get("status") == "left":
                out.append(
                    Correction("left", g, link.person, None, member.role.value, f"{who} has left '{groups[g].name}'.")
                )
                continue
            share = seat.get("attendance")
            if share is not None and member.attendance != share:
                out.append(
                    Correction(
                        "attendance",
                        g,
                        link.person,
                        share,
                        member.attendance,
                        f"{who} attends {share:.0%} of the meetings of '{groups[g].name}'"
                        + (
                            f" (recorded {member.attendance:.0%})."
                            if member.attendance is not None
                            else " (not recorded)."
                        ),
                    )
                )
            if seat.get("hours") is not None:
                hours.setdefault(g, []).append(float(seat["hours"]))
        for missing in link.answers.get("missing", []):
            # A new meeting named like a listed group is that group (so an applied one is not proposed again).
            g = missing.get("group") or by_name.get(_folded(missing.get("name")))
            if g in groups and (g, link.person) not in seats:
                out.append(
                    Correction(
                        "joined",
                        g,
                        link.person,
                        "member",
                        None,
                        f"{who} attends '{groups[g].name}' but is not recorded on it.",
                    )
                )
            elif g is None and missing.get("name"):
                name = missing["name"]
                out.append(
                    Correction(
                        "new_group",
                        None,
                        link.person,
                        name,
                        None,
                        f"{who} attends '{name}', a meeting the map does not show.",
                    )
                )
    for g, said in hours.items():
        typical = round(median(said) * 4) / 4
        if groups[g].hours != typical:
            was = groups[g].hours
            out.append(
                Correction(
                    "hours",
                    g,
                    None,
                    typical,
                    was,
                    f"'{groups[g].name}' meets for {typical:g} hours, say {len(said)} of its members"
                    + (f" (recorded {was:g})." if was is not None else " (not recorded)."),
                )
            )
    order = {g.id: i for i, g in enumerate(document.groups)}
    return sorted(out, key=lambda c: (order.get(c.group or "", len(order)), c.kind, c.person or ""))
