"""Synthetic member-census answers that follow a locality's structure, for the demo and the benchmark.

:func:`census_answers` makes the answers the people on a locality's groups
might give, deterministically from a seed: about ``rate`` of them answer;
a few have left a seat, most report attendance near the recorded share,
some name a meeting the map does not show them on.  Ratings follow what the
structure shows, with noise:

* the principal (steering) group's purpose is clearer;
* a local group with no feedback route (``reports_to``, ``feeds_issues_to``)
  to a strategic group has its issues acted on less (report 3.8);
* a group sharing most of its members with another is less worth the time
  (3.2, "very similar personnel");
* a group cut off from the rest is less clear about how it connects;
* the advantage/inertia balance (5.1) leans to inertia where many groups
  overlap.

The answers are synthetic: nobody gave them.  :func:`answers_file` and
:func:`read_answers_file` hold them as ``locmap-census-answers/1`` JSON
(``locmap synth --census`` writes one beside each locality file, and
``locmap census fill --answers FILE`` loads one).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from analysis.graphs import FEEDBACK_KINDS, LocalityGraphs, build_graphs
from analysis.kernels import reach
from analysis.overlap import membership_overlaps
from analysis.pathways import group_standings, principal_group
from analysis.settings import DEFAULT_SETTINGS
from analysis.structure import isolated_groups
from app.errors import UserError
from models.census import CensusAnswers, GroupRating, MissingMeeting, SeatAnswer
from models.document import LocalityDocument
from models.vocab import ATTENDANCE_SHARES, STATEMENTS

#: The ``format`` of a file of synthetic census answers.
ANSWERS_FORMAT = "locmap-census-answers/1"
#: Jaccard similarity from which a group "shares most of its members" with another.
MOSTLY_SHARED = 0.5
#: Chance that a seat is reported left, that a known group is named missing, that a new meeting is.
LEFT_SHARE, MISSING_SHARE, NEW_MEETING_SHARE = 0.05, 0.08, 0.015
#: Chance that how often they attend is left unsaid (many leave what the map has standing).
UNSAID_ATTENDANCE = 0.3
#: Chance that a statement, the balance, or the worry question is left unanswered.
SKIP_SHARE = 0.04
#: Names of meetings the map lacks, as respondents might describe them.
NEW_MEETINGS = (
    "Transition working group",
    "Attendance review meeting",
    "Cluster SENCO drop-in",
    "Early help huddle",
    "Parenting support network",
)
#: Where a worry goes besides a group (as :data:`app.storage.census.WORRY_ELSEWHERE`).
ELSEWHERE = ("person", "unsure")


@dataclass(frozen=True)
class Structure:
    """What the structure shows about each group, read once by the analyses."""

    principal: str | None
    #: Strategic and outside groups, and the groups with a reports_to / feeds_issues_to route to a strategic one.
    heard: frozenset[str]
    #: Groups sharing most of their members with another group.
    mostly_shared: frozenset[str]
    isolated: frozenset[str]
    #: Groups hosting casework or facing schools: where a worry about a child may go.
    worry_groups: tuple[str, ...]
    #: Share of local groups that overlap another: how much the locality leans to inertia.
    overlap_share: float


def structure_facts(graphs: LocalityGraphs) -> Structure:
    """The structure facts the synthetic ratings follow, from the audit's own analyses.

    Parameters
    ----------
    graphs : LocalityGraphs
        From :func:`analysis.graphs.build_graphs`.

    Returns
    -------
    Structure
        The principal group, the groups heard by a strategic group, overlapping and
        isolated groups, where worries may go, and the share overlapping.
    """
    standings = group_standings(graphs, DEFAULT_SETTINGS)
    strategic = [s.group for s in standings if s.strategic]
    heard = set(strategic) | reach(graphs.links.pred, FEEDBACK_KINDS, strategic)
    heard |= {g.id for g in graphs.document.groups if g.external}  # outside the locality: not its to hear
    overlaps = membership_overlaps(graphs, min_shared=2, min_jaccard=MOSTLY_SHARED)
    shared = {g for o in overlaps for g in (o.first, o.second)}
    local = graphs.local_groups
    worry = tuple(g for g in local if graphs.hosts_casework(g) or graphs.is_school_facing(g))
    return Structure(
        principal=principal_group(standings),
        heard=frozenset(heard),
        mostly_shared=frozenset(shared),
        isolated=frozenset(isolated_groups(graphs)),
        worry_groups=worry,
        overlap_share=len(shared & set(local)) / len(local) if local else 0.0,
    )


def census_answers(document: LocalityDocument, seed: int, rate: float = 0.7) -> dict[str, CensusAnswers]:
    """Synthetic census answers for the people seated on a locality's groups.

    Parameters
    ----------
    document : LocalityDocument
        The locality as the census asks about it.
    seed : int
        The same seed (and locality) always gives the same answers.
    rate : float
        Share of the seated people who answer, 0 to 1.

    Returns
    -------
    dict of str to CensusAnswers
        By person id, in the file's order of people: their seats (attend or
        left, attendance, hours), meetings missing from the map, ratings of
        the groups they attend, the balance and where a worry goes.
    """
    if not 0 <= rate <= 1:
        raise UserError(f"the response rate must be between 0 and 1, not {rate:g}")
    graphs = build_graphs(document)
    facts = structure_facts(graphs)
    rng = random.Random(f"census:{document.locality.id}:{seed}")
    out: dict[str, CensusAnswers] = {}
    for person in document.people:
        seats = graphs.groups_of.get(person.id, [])
        if seats and rng.random() < rate:
            out[person.id] = _respondent(graphs, facts, person.id, seats, rng)
    return out


def _respondent(
    graphs: LocalityGraphs, facts: Structure, person: str, seats: list[str], rng: random.Random
) -> CensusAnswers:
    """One person's answers: seats, missing meetings, ratings of what they attend, the balance, worries."""
    answered = [_seat(graphs, person, g, rng) for g in seats]
    missing = _missing(graphs, seats, rng)
    attended = [s.group for s in answered if s.status != "left"] + [m.group for m in missing if m.group]
    ratings = [_rating(facts, g, rng) for g in attended]
    return CensusAnswers(
        seats=answered,
        missing=missing,
        ratings=[r for r in ratings if r.steps()],
        balance=_balance(facts, rng),
        worry_to=_worry(facts, seats, rng),
    )


def _seat(graphs: LocalityGraphs, person: str, group: str, rng: random.Random) -> SeatAnswer:
    if rng.random() < LEFT_SHARE:
        return SeatAnswer(group=group, status="left", attendance=None, hours=None)
    recorded = graphs.seat(person, group).attendance
    share = None
    if rng.random() > UNSAID_ATTENDANCE:
        guess = (recorded if recorded is not None else 0.75) + rng.gauss(0, 0.1)
        share = min((s for s, _ in ATTENDANCE_SHARES), key=lambda s: abs(s - guess))
    hours = graphs.groups[group].hours
    said = None
    if hours is not None and rng.random() > SKIP_SHARE:
        said = min(12.0, max(0.25, round((hours + rng.choice((0, 0, 0, 0, 0, 0.5, -0.5))) * 4) / 4))
    return SeatAnswer(group=group, status="attend", attendance=share, hours=said)


def _missing(graphs: LocalityGraphs, seats: list[str], rng: random.Random) -> list[MissingMeeting]:
    out = []
    if rng.random() < MISSING_SHARE:
        others = [g for g in graphs.local_groups if g not in seats]
        if others:
            out.append(MissingMeeting(group=rng.choice(others)))
    if rng.random() < NEW_MEETING_SHARE:
        out.append(MissingMeeting(name=rng.choice(NEW_MEETINGS)))
    return out


def _rating(facts: Structure, group: str, rng: random.Random) -> GroupRating:
    """The four statements about one group: a typical 'mostly', moved by what the structure shows."""
    lean = dict.fromkeys(STATEMENTS, 1.9)
    if group == facts.principal:
        lean["purpose"] += 0.8
    if group not in facts.heard:
        lean["acted_on"] -= 1.0
    if group in facts.mostly_shared:
        lean["worth"] -= 1.1
    if group in facts.isolated:
        lean["connections"] -= 1.2
    steps = {s: min(3, max(0, round(rng.gauss(mean, 0.8)))) for s, mean in lean.items() if rng.random() > SKIP_SHARE}
    return GroupRating(group=group, **steps)


def _balance(facts: Structure, rng: random.Random) -> int | None:
    """Advantage (2) to inertia (-2): leaning to inertia as more of the groups overlap."""
    if rng.random() < SKIP_SHARE:
        return None
    return min(2, max(-2, round(rng.gauss(0.7 - 3 * facts.overlap_share, 1.0))))


def _worry(facts: Structure, seats: list[str], rng: random.Random) -> str | None:
    """Where they take a worry: usually a casework or school-facing group they sit on, else another."""
    roll = rng.random()
    if roll < SKIP_SHARE:
        return None
    own = [g for g in seats if g in facts.worry_groups]
    if roll < 0.6 and own:
        return rng.choice(own)
    if roll < 0.8 and facts.worry_groups:
        return rng.choice(facts.worry_groups)
    return rng.choice(ELSEWHERE)


# ---------------------------------------------------------------- files of answers


def answers_file(slug: str, seed: int, answers: dict[str, CensusAnswers]) -> str:
    """The answers as ``locmap-census-answers/1`` JSON text (what ``locmap synth --census`` writes)."""
    data = {
        "format": ANSWERS_FORMAT,
        "locality": slug,
        "seed": seed,
        "answers": {p: a.model_dump(mode="json", exclude_none=True) for p, a in answers.items()},
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def answers_path(folder: Path, slug: str) -> Path:
    """Where the answers of locality ``slug`` go beside its file: ``<slug>.census.json``."""
    return folder / f"{slug}.census.json"


def read_answers_file(path: Path, slug: str) -> dict[str, CensusAnswers]:
    """Read a ``locmap-census-answers/1`` file written for locality ``slug``.

    Raises
    ------
    UserError
        Naming the file and what is wrong: unreadable, not JSON, another
        format or locality, or an answer that does not fit the census.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a JSON file of census answers: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != ANSWERS_FORMAT:
        raise UserError(f"{path}: not a file of census answers (no 'format': '{ANSWERS_FORMAT}')")
    if data.get("locality") != slug:
        raise UserError(f"{path}: holds answers for locality {data.get('locality')!r}, not {slug!r}")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise UserError(f"{path}: 'answers' must map each person's id to their answers")
    out = {}
    for person, given in answers.items():
        try:
            out[str(person)] = CensusAnswers.model_validate(given)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UserError(f"{path}: answers[{person!r}].{where}: {first['msg']}") from None
    return out
