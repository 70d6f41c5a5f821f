"""What the audit reads from a member census: findings about groups, and the census as JSON.

The checks here are pure functions over ``ctx.census``, a
:class:`~analysis.census.CensusSummary` that already holds back every tally
drawn from fewer than ``min_respondents`` raters; without a census they find
nothing.  A check reads only the groups whose tallies are shown, and only a
statement that ``min_respondents`` or more answered, so no finding rests on a
small number.  A finding is raised when *most* of a group's answers to one
statement fall below "evident" ("no" or "only a little"): more than
``AuditSettings.census_majority`` (0.5), so exactly half is not enough.

References
----------
Glenny, G. (2005), 3.2: "Some respondents were unclear about the role of some
of the meetings they attended and how those meetings connected together";
3.8: an appreciative system "is largely a function of obtaining good quality
feedback from the ground".
AHDS, position paper on the delivery of integrated children's services in
schools (``003_609fb0104ec5478b.txt``, line 47): "A 'meetings culture' has
tended to develop resulting in disproportion between the time involved in
facilitating these compared to the action which arises from them."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.vocab import BALANCE

from .census import HOLDS_FROM, Balance, CensusSummary, GroupCensus, Tally
from .context import AuditContext
from .findings import Basis, Finding, Principle, Severity

#: The census findings, in the order the audit sorts them (after the structural codes).
CENSUS_CODES = (
    "CENSUS_UNCLEAR_PURPOSE",
    "CENSUS_UNCLEAR_CONNECTIONS",
    "CENSUS_NOT_ACTED_ON",
    "CENSUS_NOT_WORTH_TIME",
)


@dataclass(frozen=True)
class CensusCheck:
    """One statement read as a finding: what most respondents do not say, and what to do about it."""

    code: str
    statement: str
    severity: Severity
    principle: Principle
    #: Completes "N of M respondents ... say they ..." with the group's name in ``{name}``.
    saying: str
    suggestion: str


CHECKS_BY_STATEMENT = (
    CensusCheck(
        "CENSUS_UNCLEAR_PURPOSE",
        "purpose",
        Severity.medium,
        Principle.inclusive_access,
        "do not know what '{name}' is for",
        "Agree what the meeting is for and say so on every agenda, in the glossary's words; if its "
        'members cannot say, ask whether it is needed. The report found respondents "unclear about '
        'the role of some of the meetings they attended" (3.2).',
    ),
    CensusCheck(
        "CENSUS_UNCLEAR_CONNECTIONS",
        "connections",
        Severity.low,
        Principle.inclusive_access,
        "do not know how '{name}' connects to the other meetings",
        "Show its members where the meeting's issues and cases go and what reaches it (the locality's "
        'map, a standing report); respondents were unclear "how those meetings connected together" (3.2).',
    ),
    CensusCheck(
        "CENSUS_NOT_ACTED_ON",
        "acted_on",
        Severity.medium,
        Principle.appreciative_system,
        "do not find that issues raised in '{name}' are acted on",
        "Agree who takes each issue raised here forward and report back at the next meeting what "
        'became of it: an appreciative system rests on "good quality feedback from the ground" (3.8).',
    ),
    CensusCheck(
        "CENSUS_NOT_WORTH_TIME",
        "worth",
        Severity.medium,
        Principle.meetings_culture,
        "do not find '{name}' worth the time it takes",
        "Review whether the meeting is needed, how often and for how long, and who must attend in "
        "person; AHDS warns of a 'meetings culture' with \"disproportion between the time involved in "
        'facilitating these compared to the action which arises from them".',
    ),
)


def _not_holding(t: Tally) -> int:
    """Answers below "evident": "no" or "only a little"."""
    return sum(t.counts[:HOLDS_FROM])


def _finding(ctx: AuditContext, summary: CensusSummary, g: GroupCensus, check: CensusCheck) -> Finding | None:
    """The finding for one shown group and statement, or None when most answers do not fall short."""
    t = g.tallies.get(check.statement)
    if t is None or t.answers < summary.min_respondents or g.group not in ctx.graphs.groups:
        return None
    short, majority = _not_holding(t), ctx.settings.census_majority
    share = short / t.answers
    if share <= majority:
        return None
    saying = check.saying.format(name=ctx.name(g.group))
    return Finding(
        check.code,
        check.severity,
        (g.group,),
        f"{short} of {t.answers} respondents to census {summary.number} say they {saying} "
        f"(answering 'no' or 'only a little'): {share:.0%}, against more than {majority:.0%}.",
        check.principle,
        check.suggestion,
        {
            "census": summary.number,
            "statement": check.statement,
            "respondents": t.answers,
            "not_holding": short,
            "share": round(share, 3),
            "threshold": majority,
        },
        basis=Basis.census,
    )


def check_census(ctx: AuditContext) -> list[Finding]:
    """Every census finding: groups most of whose respondents fall short on a statement.

    Parameters
    ----------
    ctx : AuditContext
        The audit's context; ``ctx.census`` is the census in aggregate, or None.

    Returns
    -------
    list of Finding
        Basis ``census``, one per group and statement, only for groups whose
        tallies are shown and that are still in the locality; none without a census.
    """
    summary = ctx.census
    if summary is None:
        return []
    out = []
    for g in summary.groups.values():
        for check in CHECKS_BY_STATEMENT:
            found = _finding(ctx, summary, g, check)
            if found is not None:
                out.append(found)
    return out


# ---------------------------------------------------------------- the census as JSON


def _share(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _scores(g: GroupCensus) -> dict[str, dict[str, Any]] | None:
    if not g.shown:
        return None
    return {s: {"holds": _share(t.holds), "mean": _share(t.mean), "answers": t.answers} for s, t in g.tallies.items()}


def balance_dict(balance: Balance) -> dict[str, Any]:
    """``{"answers", "advantage", "inertia", "counts": {"2": n, ..., "-2": n}}``: every step, zeros included."""
    return {
        "answers": balance.answers,
        "advantage": _share(balance.advantage),
        "inertia": _share(balance.inertia),
        "counts": {str(step): balance.counts.get(step, 0) for step, _ in BALANCE},
    }


def census_dict(summary: CensusSummary) -> dict[str, Any]:
    """The census in aggregate as JSON-ready data, for ``Audit.census``.

    Parameters
    ----------
    summary : CensusSummary
        The census, small numbers already held back.

    Returns
    -------
    dict
        ``number``, ``opened_at``, ``closed_at``, ``min_respondents``,
        ``invited``, ``answered``, ``raters``; ``groups`` by id, each
        ``{"invited", "answered", "raters", "scores"}`` with ``scores``
        ``{statement: {"holds", "mean", "answers"}}`` or None when held back;
        ``balance`` (see :func:`balance_dict`, None when held back);
        ``balance_by_agency`` by agency id (and ``"other agencies"``);
        ``worry_to`` (where respondents take a worry about a child, counts).
    """
    return {
        "number": summary.number,
        "opened_at": summary.opened_at,
        "closed_at": summary.closed_at,
        "min_respondents": summary.min_respondents,
        "invited": summary.invited,
        "answered": summary.answered,
        "raters": summary.raters,
        "groups": {
            gid: {"invited": g.invited, "answered": g.answered, "raters": g.raters, "scores": _scores(g)}
            for gid, g in summary.groups.items()
        },
        "balance": balance_dict(summary.balance) if summary.balance is not None else None,
        "balance_by_agency": {a: balance_dict(b) for a, b in summary.balance_by_agency.items()},
        "worry_to": dict(summary.worry_to),
    }
