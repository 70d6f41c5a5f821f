"""The pseudonymised research export of a locality.

Researchers comparing localities need the structure of a communication
system (who sits where, which groups link, how often they meet) but not who
the people are.  :func:`pseudonymise` keeps the structure and takes out
what identifies people:

- **new ids for every entity**: agencies ``a-001``, people ``p-001``,
  groups ``g-001``, links ``l-001``, numbered in a keyed order (below), so
  no id is made from a name or from the file's own ids, and every reference
  (seats, links, agencies, a group's school) is rewritten to match;
- **a keyed order for every list** (agencies, people, groups, links, the
  seats of each group): sorted by an HMAC-SHA256, under a secret key, of
  each entity's original id, so the position of an entry says nothing about
  who it is.  The same key and the same locality give the same export byte
  for byte (a researcher can reproduce it); a new key gives an unrelated
  numbering; without a key each export draws a random one;
- **people's names** become their new id; people's and seats' ``note``
  fields are dropped (they describe one person, and would undo the next
  point);
- **(role, agency) generalised** until every published pair is held by at
  least ``k`` people (:mod:`app.formats.anonymity`; ``k`` defaults to
  :data:`~app.formats.anonymity.DEFAULT_K`, 3): a role may become its family,
  an agency a stand-in agency for its sector class ("Schools
  (generalised)", "Health agencies (generalised)"), or both may be left out.  An agency none of whose people
  keep it, and which is no group's school, is left out;
- **free text scrubbed of the locality's people's names**
  (:mod:`app.formats.scrub`: whole words, any case, with or without
  accents, full names, first names and surnames): group names, purposes,
  other concerns, contacts, meeting patterns, venues and notes; agency
  names and notes; link notes; the locality's
  name, description and ``sources``; kept roles.  A text that cannot be
  scrubbed by words (a name run together, "yvonnebright@...") is dropped, or
  for a required name replaced by its kind and number ("Panel 7");
- **kept as they are**: the locality's id, boundary and funding; agencies'
  sectors and whether they are schools; groups' kinds, focus, membership
  rules, frequencies, hours, areas, the concerns they handle and whether
  they are external (a next meeting's date is left out: it pins the
  locality down); seats'
  roles and attendance; people's flags (``systems_minder``,
  ``service_user_rep``, ``local``) and ``hours_per_week``; links' kinds.

With a member census (:func:`pseudonymise_census`), the export carries its
aggregates only, as the summary gives them: groups under their new ids and
only those rated by ``min_respondents`` or more, the advantage/inertia
balance by agency under the agency's new id, or its stand-in class when its
people's posts were generalised (the class then stands for the shown agencies
generalised to it; agencies held back stay pooled), and where worries go, places named by
fewer than ``min_respondents`` pooled.  No person, and no answer of one,
is in it.

The locality's ``note`` becomes the export's header: what was done, the
generalisation, and the residual risks.  The audit of the export sees the
same groups, seats, attendance and links, so its structural figures and
findings are those of the original; figures that count agencies or read
their sectors change where agencies were generalised.

Residual risks, for whoever publishes the export: seat patterns, hours and
flags are as recorded, so someone who knows who sits on which groups can
still pick a person out; agency and group names are kept (they are
organisational) and may describe a post; free text may describe a person
without naming them; a name part that is also an organisational word (a
surname "Hill" beside "Rose Hill primary school") is taken out only within
the full name.  Keep the key apart from the export: with it and the
original file the numbering can be recomputed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.census import OTHER_AGENCIES, Balance, CensusSummary
from analysis.census_findings import balance_dict
from app.formats.anonymity import DEFAULT_K, AgencyClass, Generalisation, generalise, school_ids
from app.formats.scrub import NameScrubber
from models.document import LocalityDocument
from models.validation import validate_data
from models.vocab import GROUP_TYPE_LABELS, STATEMENTS

__all__ = [
    "DEFAULT_K",
    "KEY_BYTES",
    "MIN_KEY_BYTES",
    "CENSUS_FORMAT",
    "PseudonymisedExport",
    "keyed_order",
    "load_key",
    "new_key",
    "pseudonymise",
    "pseudonymise_census",
    "pseudonymise_export",
]

#: Shortest key accepted, in bytes (128 bits).
MIN_KEY_BYTES = 16
#: Length of a new key, in bytes (256 bits).
KEY_BYTES = 32
#: The ``format`` of a pseudonymised census's aggregates (written beside the export).
CENSUS_FORMAT = "locmap-census-aggregates/1"
#: Where worries go, pooled, when fewer than ``min_respondents`` named a place.
ELSEWHERE = "elsewhere"
#: The prefix of each kind of entity's new ids.
PREFIXES = {"agencies": "a", "people": "p", "groups": "g", "links": "l"}


def new_key() -> bytes:
    """A new random key of :data:`KEY_BYTES` bytes."""
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"a pseudonym key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a pseudonym key needs at least {MIN_KEY_BYTES} bytes, this one has {len(key)}")


def load_key(path: str | Path) -> bytes:
    """Read a key file: its raw bytes, at least :data:`MIN_KEY_BYTES` of them.

    Raises ``ValueError`` saying what is wrong when the file is missing,
    unreadable, a directory or too short.
    """
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"key file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"key file {str(path)!r} is a directory, not a file") from None
    except PermissionError:
        raise ValueError(f"key file {str(path)!r} cannot be read: permission denied") from None
    except OSError as exc:
        raise ValueError(f"key file {str(path)!r} cannot be read: {exc.strerror}") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"key file {str(path)!r} holds {len(key)} byte(s); a key needs at least {MIN_KEY_BYTES} "
            f"(make one of {KEY_BYTES} random bytes, e.g. with 'head -c {KEY_BYTES} /dev/urandom')"
        )
    return key


def keyed_order(key: bytes, kind: str, locality_id: str, ids: Iterable[str]) -> list[str]:
    """``ids`` sorted by their HMAC-SHA256 under ``key``: an order only the key holder can recompute.

    Parameters
    ----------
    key : bytes
        At least :data:`MIN_KEY_BYTES` bytes.
    kind, locality_id : str
        Part of each message, so one key orders each kind of entity and each
        locality independently.
    ids : iterable of str
        Distinct ids.

    Returns
    -------
    list of str
        The same ids, in the keyed order.
    """
    _check_key(key)

    def digest(entity_id: str) -> bytes:
        return hmac.new(bytes(key), f"{kind}\x00{locality_id}\x00{entity_id}".encode(), hashlib.sha256).digest()

    return sorted(ids, key=lambda entity_id: (digest(entity_id), entity_id))


def _numbered(key: bytes, kind: str, locality_id: str, ids: Iterable[str]) -> dict[str, str]:
    """Each id to its new id, numbered in the keyed order."""
    ordered = keyed_order(key, kind, locality_id, ids)
    width = max(3, len(str(len(ordered))))
    return {old: f"{PREFIXES[kind]}-{n:0{width}d}" for n, old in enumerate(ordered, start=1)}


@dataclass
class PseudonymisedExport:
    """A pseudonymised document with what it took to make it.

    ``ids`` maps each kind of entity (``agencies``, ``people``, ``groups``,
    ``links``) from original to new id, stand-in agencies under keys
    ``"class:<sector>:<school>"``: like the key, it re-identifies the export,
    so it is for the key holder, never for publication.  ``dropped`` lists
    the places of free text that could not be scrubbed.
    """

    document: LocalityDocument
    ids: dict[str, dict[str, str]]
    generalisation: Generalisation
    dropped: list[str] = field(default_factory=list)
    #: The member census's aggregates (:func:`pseudonymise_census`), when a census was given.
    census: dict | None = None


def _class_key(cls: AgencyClass) -> str:
    return f"class:{cls.sector}:{'school' if cls.school else 'other'}"


def _published_agencies(document: LocalityDocument, generalisation: Generalisation) -> tuple[list[str], set]:
    """The original agencies the export keeps, and the stand-in classes it needs."""
    kept = {p.agency for p in generalisation.people.values() if isinstance(p.agency, str)}
    kept |= {g.school for g in document.groups if g.school is not None}
    classes = {p.agency for p in generalisation.people.values() if isinstance(p.agency, AgencyClass)}
    return [a.id for a in document.agencies if a.id in kept], classes


class _Scrubbing:
    """Free text through a :class:`NameScrubber`, noting each place dropped."""

    def __init__(self, scrubber: NameScrubber) -> None:
        self.scrubber = scrubber
        self.dropped: list[str] = []

    def text(self, value: str | None, where: str, *, whole_names: bool = True) -> str | None:
        if value is None:
            return None
        scrubbed = self.scrubber.scrub(value, whole_names=whole_names)
        if scrubbed is None:
            self.dropped.append(where)
        return scrubbed

    def name(self, value: str, where: str, fallback: str) -> str:
        scrubbed = self.text(value, where)
        return fallback if scrubbed is None or not scrubbed.strip() else scrubbed


def _set(out: dict, field_name: str, value) -> None:
    if value is not None:
        out[field_name] = value


def _locality(document: LocalityDocument, scrub: _Scrubbing) -> dict:
    loc = document.locality
    out = loc.model_dump(mode="json", include={"id", "boundary", "devolved_funding"})
    out["name"] = scrub.name(loc.name, "locality.name", loc.id)
    out["authority"] = scrub.name(loc.authority, "locality.authority", "Local authority")
    _set(out, "description", scrub.text(loc.description, "locality.description"))
    sources = [scrub.text(s, f"locality.sources[{i}]") for i, s in enumerate(loc.sources)]
    out["sources"] = [s for s in sources if s is not None]
    return out


def _agencies(document, generalisation, key, scrub) -> tuple[list[dict], dict[str, str]]:
    kept, classes = _published_agencies(document, generalisation)
    by_class = {_class_key(c): c for c in classes}
    ids = _numbered(key, "agencies", document.locality.id, kept + sorted(by_class))
    schools = school_ids(document.agencies)
    position = {a.id: i for i, a in enumerate(document.agencies)}
    out = []
    for old, new in sorted(ids.items(), key=lambda item: item[1]):
        if old in by_class:
            cls = by_class[old]
            out.append({"id": new, "name": f"{cls.label} (generalised)", "sector": cls.sector, "school": cls.school})
            continue
        i = position[old]
        agency = document.agencies[i]
        fallback = f"{agency.sector.value.replace('_', ' ').capitalize()} agency {new}"
        entry = {"id": new, "name": scrub.name(agency.name, f"agencies[{i}].name", fallback)}
        entry |= {"sector": agency.sector.value, "school": old in schools}
        _set(entry, "note", scrub.text(agency.note, f"agencies[{i}].note"))
        out.append(entry)
    return out, ids


def _people(document, generalisation, ids, key, scrub) -> list[dict]:
    people = _numbered(key, "people", document.locality.id, (p.id for p in document.people))
    ids["people"] = people
    out = []
    for i, person in sorted(enumerate(document.people), key=lambda item: people[item[1].id]):
        post = generalisation.people[person.id]
        entry = {"id": people[person.id], "name": people[person.id]}
        role = post.role if post.level != "kept" else scrub.text(post.role, f"people[{i}].role", whole_names=False)
        _set(entry, "role", role)
        if isinstance(post.agency, AgencyClass):
            entry["agency"] = ids["agencies"][_class_key(post.agency)]
        elif post.agency is not None:
            entry["agency"] = ids["agencies"][post.agency]
        entry |= person.model_dump(include={"systems_minder", "service_user_rep", "local"})
        _set(entry, "hours_per_week", person.hours_per_week)
        out.append(entry)
    return out


#: Group fields kept as they are.
GROUP_STRUCTURE = {"type", "focus", "membership", "meets", "meetings_per_year", "hours", "external", "area", "handles"}


def _groups(document, ids, key, scrub) -> list[dict]:
    groups = _numbered(key, "groups", document.locality.id, (g.id for g in document.groups))
    ids["groups"] = groups
    people, agencies = ids["people"], ids["agencies"]
    out = []
    for i, group in sorted(enumerate(document.groups), key=lambda item: groups[item[1].id]):
        new = groups[group.id]
        fallback = f"{GROUP_TYPE_LABELS[group.type.value]} {new}"
        entry = {"id": new, "name": scrub.name(group.name, f"groups[{i}].name", fallback)}
        entry |= group.model_dump(mode="json", include=GROUP_STRUCTURE, exclude_none=True)
        _set(entry, "school", agencies.get(group.school) if group.school else None)
        for field_name in ("purpose", "handles_other", "contact", "meeting_pattern", "venue", "note"):
            _set(entry, field_name, scrub.text(getattr(group, field_name), f"groups[{i}].{field_name}"))
        seats = [
            m.model_dump(mode="json", include={"role", "attendance"}, exclude_none=True) | {"person": people[m.person]}
            for m in group.members
        ]
        entry["members"] = sorted(seats, key=lambda seat: seat["person"])
        out.append(entry)
    return out


def _links(document, ids, key, scrub) -> list[dict]:
    links = _numbered(key, "links", document.locality.id, (link.id for link in document.links if link.id))
    ids["links"] = links
    groups = ids["groups"]
    out = []
    for i, link in sorted(enumerate(document.links), key=lambda item: links[item[1].id or ""]):
        entry = {"id": links[link.id or ""], "from": groups[link.from_], "to": groups[link.to], "kind": link.kind.value}
        _set(entry, "note", scrub.text(link.note, f"links[{i}].note"))
        out.append(entry)
    return out


def header(
    generalisation: Generalisation, dropped: int, agencies_left_out: int, document: LocalityDocument | None = None
) -> str:
    """The export's own header, held in ``locality.note``: what was done and what is left to check.

    Parameters
    ----------
    generalisation : Generalisation
        Its ``k`` and how many posts ended on each rung are stated.
    dropped, agencies_left_out : int
        Texts that could not be scrubbed, and agencies with no post kept.
    document : LocalityDocument, optional
        The original; with it, the residual risks give its own figures.

    Returns
    -------
    str
        Plain sentences: what was done, the generalisation, then "Residual
        risks:" naming what a reader could still infer.
    """
    done = (
        "Pseudonymised export (locmap). Ids renumbered and every list in a keyed order; people's names "
        "replaced by their ids; people's and seats' notes dropped; people's names taken out of free text"
        f" ({dropped} text(s) that could not be scrubbed dropped). {generalisation.summary()} "
        f"{agencies_left_out} agency(ies) with no post kept left out."
    )
    return f"{done} Residual risks: {residual_risks(generalisation, document)} Check before publishing."


def residual_risks(generalisation: Generalisation, document: LocalityDocument | None = None) -> str:
    """What a reader of the export could still infer, in words, with the locality's figures when given.

    Notes
    -----
    k-anonymity covers the (role, agency) pairs only (:mod:`app.formats.anonymity`);
    everything the audit needs stays as recorded, so a reader who knows a
    little of the locality can still narrow a post down from it.
    """
    people = len(generalisation.people)
    risks = [
        "seats and the size of each group, attendance, meeting frequencies and hours, hours a week and the "
        "systems-minder and service-user flags are as recorded, so someone who knows who sits where, or who "
        "chairs or minds the system, can still pick a person out",
        "agency and group names are kept and may describe a post",
        "free text may describe a person without naming them",
        f"with {people} people, a small locality leaves few to hide among: a published post is one of at "
        f"least {generalisation.k}, not one of many",
    ]
    if document is not None:
        flagged = sum(1 for p in document.people if p.systems_minder or p.service_user_rep)
        sizes = [len(g.members) for g in document.groups if g.members]
        if flagged:
            risks.append(f"{flagged} person(s) carry a flag, which few others share")
        if sizes and min(sizes) < generalisation.k:
            risks.append(f"the smallest group has {min(sizes)} member(s), fewer than k")
    return "; ".join(risks) + "."


def pseudonymise_export(
    document: LocalityDocument, key: bytes | None = None, k: int = DEFAULT_K, census: CensusSummary | None = None
) -> PseudonymisedExport:
    """Pseudonymise a locality, keeping what it took (see the module docstring).

    Parameters
    ----------
    document : LocalityDocument
        Not changed.
    key : bytes, optional
        The secret key of the keyed order, at least :data:`MIN_KEY_BYTES`
        bytes; the same key gives the same export.  Without one, a random
        key is drawn for this export alone.
    k : int, default :data:`DEFAULT_K`
        Every published (role, agency) pair is held by at least ``k`` people.
    census : CensusSummary, optional
        The locality's newest closed member census in aggregate; its
        pseudonymised aggregates go in the result's ``census``.

    Returns
    -------
    PseudonymisedExport
        The valid ``locmap/1`` document (checked on the way out), the id
        maps, the generalisation and the census's aggregates.
    """
    key = new_key() if key is None else key
    _check_key(key)
    generalisation = generalise(document, k)
    scrub = _Scrubbing(NameScrubber.for_document(document))
    locality = _locality(document, scrub)
    agencies, agency_ids = _agencies(document, generalisation, key, scrub)
    ids = {"agencies": agency_ids}
    people = _people(document, generalisation, ids, key, scrub)
    groups = _groups(document, ids, key, scrub)
    links = _links(document, ids, key, scrub)
    left_out = len(document.agencies) - sum(1 for old in agency_ids if not old.startswith("class:"))
    locality["note"] = header(generalisation, len(scrub.dropped), left_out, document)
    data = {"format": "locmap/1", "locality": locality, "agencies": agencies, "people": people}
    data |= {"groups": groups, "links": links}
    export = PseudonymisedExport(validate_data(data), ids, generalisation, scrub.dropped)
    if census is not None:
        export.census = pseudonymise_census(census, document, export)
    return export


def pseudonymise(document: LocalityDocument, key: bytes | None = None, k: int = DEFAULT_K) -> LocalityDocument:
    """A pseudonymised copy of ``document``: :func:`pseudonymise_export`'s document alone.

    It loads, audits and exports like any other ``locmap/1`` document.
    """
    return pseudonymise_export(document, key, k).document


# ---------------------------------------------------------------- the member census


def pseudonymise_census(summary: CensusSummary, document: LocalityDocument, export: PseudonymisedExport) -> dict:
    """A member census's aggregates under the export's pseudonyms, with no group or agency below the threshold.

    Parameters
    ----------
    summary : CensusSummary
        The census in aggregate (:func:`app.storage.census.summary`), small
        numbers already held back.
    document : LocalityDocument
        The original locality, whose people's agencies say how each agency
        was generalised.
    export : PseudonymisedExport
        The export of ``document``: its id maps and generalisation.

    Returns
    -------
    dict
        ``format`` (:data:`CENSUS_FORMAT`), ``locality``, ``number``, the
        dates it opened and closed, ``min_respondents``, ``invited``,
        ``answered``, ``raters``; ``scores`` over the groups shown;
        ``groups`` by new id, only those rated by ``min_respondents`` or
        more; ``balance``; ``balance_by_agency`` by new agency id (or
        stand-in class, or ``"other agencies"``); ``worry_to`` by new
        group id, ``person``, ``unsure`` or ``elsewhere`` (pooled).
    """
    groups = export.ids["groups"]
    return {
        "format": CENSUS_FORMAT,
        "locality": document.locality.id,
        "number": summary.number,
        "opened": summary.opened_at[:10],
        "closed": summary.closed_at[:10] if summary.closed_at else None,
        "min_respondents": summary.min_respondents,
        "invited": summary.invited,
        "answered": summary.answered,
        "raters": summary.raters,
        "scores": _census_scores(summary),
        "groups": {
            groups[g.group]: {"raters": g.raters, "scores": _tally_dicts(g.tallies)}
            for g in sorted(summary.groups.values(), key=lambda g: groups.get(g.group, ""))
            if g.shown and g.group in groups
        },
        "balance": balance_dict(summary.balance) if summary.balance is not None else None,
        "balance_by_agency": {
            a: balance_dict(b) for a, b in sorted(_generalised_balances(summary, document, export).items())
        },
        "worry_to": _worry_places(summary, groups),
    }


def _tally_dicts(tallies) -> dict:
    return {
        s: {"holds": round(t.holds, 3), "mean": round(t.mean, 3), "answers": t.answers}
        for s, t in tallies.items()
        if t.answers
    }


def _census_scores(summary: CensusSummary) -> dict:
    """Each statement over the groups shown (groups held back are left out, so nothing can be subtracted)."""
    tallies = {s: t for s in STATEMENTS if (t := summary.locality_tally(s)) is not None}
    return _tally_dicts(tallies)


def _published_agency(agency: str, document: LocalityDocument, export: PseudonymisedExport) -> str:
    """Where an agency's balance goes: its new id if all its people keep it, else their stand-in class, else the pool."""
    posts = [export.generalisation.people[p.id].agency for p in document.people if p.agency == agency]
    ids = export.ids["agencies"]
    if posts and all(post == agency for post in posts) and agency in ids:
        return ids[agency]
    classes = {_class_key(post) for post in posts if isinstance(post, AgencyClass)}
    if len(classes) == 1 and (only := classes.pop()) in ids:
        return ids[only]
    return OTHER_AGENCIES


def _generalised_balances(
    summary: CensusSummary, document: LocalityDocument, export: PseudonymisedExport
) -> dict[str, Balance]:
    """The balance by agency as the export generalises agencies: agencies sharing a stand-in merged."""
    merged: dict[str, dict[int, int]] = {}
    for agency, balance in summary.balance_by_agency.items():
        target = OTHER_AGENCIES if agency == OTHER_AGENCIES else _published_agency(agency, document, export)
        counts = merged.setdefault(target, {})
        for step, n in balance.counts.items():
            counts[step] = counts.get(step, 0) + n
    return {a: Balance(counts) for a, counts in merged.items()}


def _worry_places(summary: CensusSummary, groups: dict[str, str]) -> dict[str, int]:
    """Where worries go, by new group id; a place fewer than ``min_respondents`` named is pooled as elsewhere."""
    out: dict[str, int] = {}
    for place, n in summary.worry_to.items():
        shown = n >= summary.min_respondents and (place in groups or place in ("person", "unsure"))
        key = groups.get(place, place) if shown else ELSEWHERE
        out[key] = out.get(key, 0) + n
    return dict(sorted(out.items()))
