"""The member census, stored: open, personal links, answers, results, corrections, close, erase.

Every function takes the caller's session and leaves the commit to it, so
each operation is one transaction.  A respondent reaches their page only
through :func:`visit`, which refuses (with :class:`CensusRefused`) a link of
another locality, an unknown, revoked or expired link and a closed census.
Ratings go to a ballot keyed by a digest of the link's token and the
census's salt (:func:`ballot_key`); no column joins a ballot to a person, and
results come only through :func:`summary`, which suppresses small numbers
(:func:`analysis.census.tally`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from analysis.census import BallotFacts, CensusSummary, Correction, LinkFacts, corrections, tally
from app.errors import Conflict, NotFound, UserError
from app.storage import edits, store
from app.storage.db import queue_for_writing
from models.census import CensusAnswers, StructureAnswers
from models.document import LocalityDocument
from models.tables import Census, CensusBallot, CensusLink, Group, Locality, Person, utcnow
from models.validation import validate_data

#: What the history calls a change made from a census's corrections (reverted like a replace).
APPLY_ACTION = "census"
assert APPLY_ACTION in edits.WHOLE_LOCALITY_ACTIONS
#: Where a worry may go besides a group: a person rather than a meeting, or "not sure".
WORRY_ELSEWHERE = ("person", "unsure")


class CensusRefused(UserError):
    """A personal link that may not be used: ``reason`` says why, in words for the respondent."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class Respondent:
    """Whoever holds a working link: the census, their link, and the locality as it stands."""

    census: Census
    link: CensusLink
    token: str


@dataclass(frozen=True)
class InvitedPerson:
    """One line of the printable list and the mail-merge CSV."""

    person: str
    name: str
    agency: str | None
    groups: tuple[str, ...]
    path: str | None
    answered: bool
    revoked: bool


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ballot_key(census: Census, token: str) -> str:
    """The ballot's key: HMAC of the token under the census's salt, so the link table alone never finds it."""
    return hmac.new(census.salt.encode(), token.encode(), hashlib.sha256).hexdigest()


def respond_path(slug: str, token: str) -> str:
    return f"/localities/{slug}/census/{token}"


# ---------------------------------------------------------------- rounds


def censuses(session: Session, slug: str) -> list[Census]:
    """Every census of a locality, oldest first."""
    query = select(Census).where(col(Census.locality) == slug).order_by(col(Census.number))
    return list(session.execute(query).scalars())


def open_census_of(session: Session, slug: str) -> Census | None:
    """The locality's open census (not closed; it may have expired), or None."""
    query = select(Census).where(col(Census.locality) == slug, col(Census.closed_at).is_(None))
    return session.execute(query).scalars().first()


def latest(session: Session, slug: str) -> Census | None:
    query = select(Census).where(col(Census.locality) == slug).order_by(col(Census.number).desc()).limit(1)
    return session.execute(query).scalars().first()


def latest_closed(session: Session, slug: str) -> Census | None:
    """The newest closed census: the one the audit reads (its answers no longer change)."""
    query = (
        select(Census)
        .where(col(Census.locality) == slug, col(Census.closed_at).is_not(None))
        .order_by(col(Census.number).desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def get(session: Session, slug: str, number: int | None = None) -> Census:
    """A census by number, or the newest; NotFound with the way to open one."""
    census = latest(session, slug) if number is None else _numbered(session, slug, number)
    if census is None:
        store.get_locality(session, slug)  # NotFound for an unknown locality first
        raise NotFound(
            f"locality {slug!r} has no census {number}" if number else f"locality {slug!r} has no census yet: open one"
        )
    return census


def _numbered(session: Session, slug: str, number: int) -> Census | None:
    query = select(Census).where(col(Census.locality) == slug, col(Census.number) == number)
    return session.execute(query).scalars().first()


def open_census(session: Session, slug: str, user: str | None, days: float, now: datetime | None = None) -> Census:
    """Open a census: one personal link for each person on the locality's groups.

    Raises
    ------
    Conflict
        If the locality has a census open already (close it first).
    UserError
        If nobody is recorded on any group, so there is no one to ask.
    """
    locality = store.lock_locality(session, slug)
    if (current := open_census_of(session, slug)) is not None:
        raise Conflict(f"census {current.number} of {slug!r} is still open: close it before opening another")
    document = store.export_document(session, slug)
    seated = _seats_by_person(document)
    if not seated:
        raise UserError(f"nobody is recorded on any group of {slug!r}, so there is no one to ask")
    now = now or utcnow()
    number = (session.execute(select(func.max(Census.number)).where(col(Census.locality) == slug)).scalar() or 0) + 1
    census = Census(
        locality=slug,
        number=number,
        opened_by=user,
        opened_at=now,
        expires_at=now + timedelta(days=days),
        revision=locality.revision,
        salt=secrets.token_hex(32),
    )
    session.add(census)
    session.flush()
    agency = {p.id: p.agency for p in document.people}
    for person, groups in seated.items():
        session.add(_new_link(census, person, agency.get(person), groups))
    session.flush()
    return census


def _seats_by_person(document: LocalityDocument) -> dict[str, list[str]]:
    """Each person with a seat, and their groups in the locality's order (people in the file's order)."""
    groups: dict[str, list[str]] = {p.id: [] for p in document.people}
    for g in document.groups:
        for m in g.members:
            groups[m.person].append(g.id)
    return {p: gs for p, gs in groups.items() if gs}


def _new_link(census: Census, person: str, agency: str | None, groups: list[str]) -> CensusLink:
    token = secrets.token_urlsafe(24)
    return CensusLink(
        census_pk=cast(int, census.pk),
        person_id=person,
        agency_id=agency,
        groups=groups,
        token=token,
        digest=digest(token),
    )


def close(session: Session, slug: str, now: datetime | None = None) -> Census:
    """Close the open census: every link stops working; its results are final.

    The locality's revision (and analysed revision) moves, since the audit
    now reads this census: cached audits, pages and ETags are renewed.
    """
    store.begin_edit(session, slug)
    census = open_census_of(session, slug)
    if census is None:
        raise Conflict(f"locality {slug!r} has no open census to close")
    census.closed_at = now or utcnow()
    for link in _links(session, census):
        link.revoked = True
    session.flush()
    return census


def reissue(session: Session, slug: str, person: str) -> CensusLink:
    """A new link for one person of the open census (the old one stops working); their answers stay."""
    queue_for_writing(session)
    census = open_census_of(session, slug)
    if census is None:
        raise Conflict(f"locality {slug!r} has no open census")
    link = _link_of(session, census, person)
    old = link.token
    token = secrets.token_urlsafe(24)
    ballot = _ballot(session, census, old) if old else None
    link.token, link.digest, link.revoked = token, digest(token), False
    if ballot is not None:
        ballot.key = ballot_key(census, token)
    session.flush()
    return link


def _link_of(session: Session, census: Census, person: str) -> CensusLink:
    query = select(CensusLink).where(col(CensusLink.census_pk) == census.pk, col(CensusLink.person_id) == person)
    link = session.execute(query).scalars().first()
    if link is None:
        raise NotFound(f"{person!r} has no link in census {census.number} of {census.locality!r}")
    return link


def _links(session: Session, census: Census) -> Sequence[CensusLink]:
    query = select(CensusLink).where(col(CensusLink.census_pk) == census.pk).order_by(col(CensusLink.pk))
    return session.execute(query).scalars().all()


def invited(session: Session, census: Census) -> list[InvitedPerson]:
    """The printable list: each person, their agency and groups, and their link while the census is open."""
    document = store.export_document(session, census.locality)
    names = {p.id: p.name for p in document.people}
    agencies = {a.id: a.name for a in document.agencies}
    live = census.closed_at is None
    return [
        InvitedPerson(
            person=link.person_id,
            name=names.get(link.person_id, link.person_id),
            agency=agencies.get(link.agency_id or ""),
            groups=tuple(link.groups),
            path=respond_path(census.locality, link.token) if live and link.token and not link.revoked else None,
            answered=link.answered_at is not None,
            revoked=link.revoked,
        )
        for link in _links(session, census)
    ]


# ---------------------------------------------------------------- the respondent


def visit(session: Session, slug: str, token: str, now: datetime | None = None) -> Respondent:
    """The census and link a token opens, or :class:`CensusRefused` saying why not, in plain words."""
    found = session.execute(select(CensusLink).where(col(CensusLink.digest) == digest(token))).scalars().first()
    if found is None:
        raise CensusRefused(
            "This link is not known. It may have been mistyped, or replaced by a newer one: "
            "ask your locality co-ordinator for your link.",
            404,
        )
    census = session.get(Census, found.census_pk)
    assert census is not None
    if census.locality != slug:
        raise CensusRefused(
            "This link belongs to another locality's census, not this one's. Use the address as sent to you."
        )
    if census.closed_at is not None:
        raise CensusRefused(
            f"This census closed on {census.closed_at:%d %B %Y}: answers can no longer be given or changed.", 410
        )
    if found.revoked:
        raise CensusRefused("This link has been withdrawn. Ask your locality co-ordinator for a new one.")
    if (now or utcnow()) >= cast(datetime, _aware(census.expires_at)):
        raise CensusRefused(f"This link expired on {census.expires_at:%d %B %Y}: ask your locality co-ordinator.", 410)
    return Respondent(census, found, token)


def answers_of(session: Session, respondent: Respondent) -> CensusAnswers:
    """The respondent's own answers so far (only their token finds the ratings)."""
    structure = StructureAnswers.model_validate(respondent.link.answers or {})
    ballot = _ballot(session, respondent.census, respondent.token)
    if ballot is None:
        return CensusAnswers(seats=structure.seats, missing=structure.missing)
    ratings = [{"group": g, **steps} for g, steps in ballot.ratings.items()]
    return CensusAnswers.model_validate(
        structure.model_dump() | {"ratings": ratings, "balance": ballot.balance, "worry_to": ballot.worry_to}
    )


def _ballot(session: Session, census: Census, token: str) -> CensusBallot | None:
    query = select(CensusBallot).where(
        col(CensusBallot.census_pk) == census.pk, col(CensusBallot.key) == ballot_key(census, token)
    )
    return session.execute(query).scalars().first()


@dataclass(frozen=True)
class RespondentFacts:
    """What a respondent's page names: the locality, the person and every group, read by id only."""

    locality: str
    person: str
    #: Every group of the locality, id -> name, in the locality's order.
    groups: dict[str, str]


def respondent_facts(session: Session, respondent: Respondent) -> RespondentFacts:
    """The names a respondent's page needs, in three small queries (never the whole locality)."""
    slug = respondent.census.locality
    lpk = session.execute(select(col(Locality.pk)).where(col(Locality.id) == slug)).scalar_one()
    groups = session.execute(
        select(col(Group.id), col(Group.name)).where(col(Group.locality_pk) == lpk).order_by(col(Group.pk))
    ).all()
    person = session.execute(
        select(col(Person.name)).where(col(Person.locality_pk) == lpk, col(Person.id) == respondent.link.person_id)
    ).scalar()
    locality = session.execute(select(col(Locality.name)).where(col(Locality.pk) == lpk)).scalar_one()
    return RespondentFacts(locality, person or "", {g: name for g, name in groups})


def check_answers(answers: CensusAnswers, respondent: Respondent, groups: Mapping[str, str]) -> list[str]:
    """What is wrong with the answers, one plain sentence each (nothing: they may be saved).

    ``groups`` holds the locality's groups by id (:attr:`RespondentFacts.groups`).
    """
    known = set(groups)
    mine = set(respondent.link.groups)
    problems = []
    for i, seat in enumerate(answers.seats):
        if seat.group not in mine:
            problems.append(f"seats[{i}]: you are not recorded on group {seat.group!r}; add it under missing meetings")
    for i, missing in enumerate(answers.missing):
        if missing.group is not None and missing.group not in known:
            problems.append(f"missing[{i}]: this locality has no group {missing.group!r}")
    rateable = mine | {m.group for m in answers.missing if m.group}
    for i, rating in enumerate(answers.ratings):
        if rating.group not in rateable:
            problems.append(f"ratings[{i}]: rate only the groups you attend; {rating.group!r} is not among them")
    if answers.worry_to is not None and answers.worry_to not in known | set(WORRY_ELSEWHERE):
        problems.append(f"worry_to: name one of the locality's groups, 'person' or 'unsure', not {answers.worry_to!r}")
    return problems


def save_answers(session: Session, respondent: Respondent, answers: CensusAnswers, groups: Mapping[str, str]) -> None:
    """Keep a respondent's answers: structure with their link, ratings on their ballot (replacing earlier ones).

    ``groups`` holds the locality's groups by id (:attr:`RespondentFacts.groups`).
    """
    problems = check_answers(answers, respondent, groups)
    if problems:
        raise UserError("; ".join(problems))
    queue_for_writing(session)
    link = session.get(CensusLink, respondent.link.pk)
    assert link is not None
    link.answers = StructureAnswers(seats=answers.seats, missing=answers.missing).model_dump(mode="json")
    link.answered_at = utcnow()
    ratings = {r.group: r.steps() for r in answers.ratings if r.steps()}
    ballot = _ballot(session, respondent.census, respondent.token)
    if ballot is None:
        ballot = CensusBallot(
            census_pk=cast(int, respondent.census.pk), key=ballot_key(respondent.census, respondent.token)
        )
    ballot.agency_id, ballot.balance, ballot.worry_to, ballot.ratings = (
        link.agency_id,
        answers.balance,
        answers.worry_to,
        ratings,
    )
    session.add(ballot)
    session.flush()


# ---------------------------------------------------------------- results


def link_facts(session: Session, census: Census) -> list[LinkFacts]:
    return [
        LinkFacts(link.person_id, link.agency_id, tuple(link.groups), link.answered_at is not None, link.answers)
        for link in _links(session, census)
    ]


def summary(session: Session, census: Census, min_respondents: int) -> CensusSummary:
    """The census in aggregate, every figure from ``min_respondents`` or more (the only way results leave).

    While the census is open it gives response counts only
    (:meth:`~analysis.census.CensusSummary.rates_only`): scores appear when it closes.
    """
    ballots = session.execute(select(CensusBallot).where(col(CensusBallot.census_pk) == census.pk)).scalars()
    summary = tally(
        link_facts(session, census),
        [BallotFacts(b.agency_id, b.balance, b.worry_to, b.ratings) for b in ballots],
        number=census.number,
        opened_at=cast(datetime, _aware(census.opened_at)).isoformat(),
        closed_at=_aware(census.closed_at).isoformat() if census.closed_at else None,  # type: ignore[union-attr]
        min_respondents=min_respondents,
    )
    return summary if census.closed_at is not None else summary.rates_only()


def audit_summary(session: Session, slug: str, min_respondents: int) -> CensusSummary | None:
    """What the audit reads: the newest closed census in aggregate, or None."""
    census = latest_closed(session, slug)
    return summary(session, census, min_respondents) if census is not None else None


def proposed(session: Session, census: Census, document: LocalityDocument | None = None) -> list[Correction]:
    """The corrections the census's answers propose to the locality as it stands now (``document``, if read)."""
    document = document or store.export_document(session, census.locality)
    return corrections(document, link_facts(session, census))


def apply(
    session: Session, slug: str, user: str | None, census: Census, chosen: Iterable[str] | None = None
) -> list[Correction]:
    """Apply proposed corrections as one change, with its history entry (revertable like a replace).

    ``chosen`` holds correction ids (:attr:`analysis.census.Correction.id`); None applies them all.
    Returns the corrections applied; the history entry's number is then ``census.applied_change``.
    """
    store.lock_locality(session, slug)
    document = store.export_document(session, slug)
    offered = corrections(document, link_facts(session, census))
    wanted = set(chosen) if chosen is not None else {c.id for c in offered}
    unknown = wanted - {c.id for c in offered}
    if unknown:
        raise UserError(f"no such proposed correction: {', '.join(sorted(unknown))} (they may be applied already)")
    picked = [c for c in offered if c.id in wanted]
    if not picked:
        raise UserError("no corrections chosen: tick at least one")
    before = document.to_data()
    after = validate_data(corrected(before, picked))
    store.import_document(session, after)
    entry = edits.log(session, user, slug, edits.Change(APPLY_ACTION, "locality", slug, before, after.to_data()))
    session.flush()
    census.applied_change = entry.pk
    return picked


def corrected(data: dict, picked: Sequence[Correction]) -> dict:
    """A copy of the document's data with the corrections made."""
    out = {**data, "groups": [dict(g, members=[dict(m) for m in g.get("members", [])]) for g in data["groups"]]}
    groups = {g["id"]: g for g in out["groups"]}
    taken = set(groups)
    for c in picked:
        g = groups.get(c.group or "")
        if c.kind == "left" and g is not None:
            g["members"] = [m for m in g["members"] if m["person"] != c.person]
        elif c.kind == "attendance" and g is not None:
            for m in g["members"]:
                if m["person"] == c.person:
                    m["attendance"] = c.value
        elif c.kind == "hours" and g is not None:
            g["hours"] = c.value
        elif c.kind == "joined" and g is not None:
            g["members"].append({"person": c.person, "role": "member"})
        elif c.kind == "new_group":
            ident = _new_id(str(c.value), taken)
            out["groups"].append({"id": ident, "name": c.value, "type": "other", "members": [{"person": c.person}]})
            taken.add(ident)
            groups[ident] = out["groups"][-1]
    return out


def _new_id(name: str, taken: set[str]) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")[:50].strip("-") or "meeting"
    base = "-".join(p for p in base.split("-") if p) or "meeting"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


# ---------------------------------------------------------------- erasure


def people_asked(session: Session, slug: str) -> set[str]:
    """Everyone any census of the locality holds a link for (so a restore finds people erased since)."""
    query = (
        select(col(CensusLink.person_id))
        .join(Census, col(Census.pk) == CensusLink.census_pk)
        .where(col(Census.locality) == slug)
    )
    return set(session.execute(query).scalars())


def erase_person(session: Session, slug: str, person: str) -> int:
    """Remove a person's census answers (their ballots too) and void their links; returns how many links."""
    rounds = {c.pk: c for c in censuses(session, slug)}
    if not rounds:
        return 0
    query = select(CensusLink).where(col(CensusLink.census_pk).in_(rounds), col(CensusLink.person_id) == person)
    links = session.execute(query).scalars().all()
    for link in links:
        if link.token:
            session.execute(
                delete(CensusBallot).where(
                    col(CensusBallot.census_pk) == link.census_pk,
                    col(CensusBallot.key) == ballot_key(rounds[link.census_pk], link.token),
                )
            )
        session.delete(link)
    session.flush()
    return len(links)
