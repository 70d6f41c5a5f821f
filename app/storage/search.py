"""Full-text search over the groups, people and agencies of every stored locality.

The index (migration 0005) holds one row per group, person and agency, in
four searched columns: ``name``; ``role`` (a person's role, a group's type,
an agency's sector, in words); ``concerns`` (what a group handles, in
words); ``details`` (purpose, contact, venue, meeting pattern, notes, a
person's agency).  SQLite ranks with FTS5's bm25, PostgreSQL with ts_rank
over a weighted tsvector; both stem English words, so "SENCOs" finds a SENCO.

The index is derived data, kept fresh without slowing edits: edits never
touch it; a search first re-indexes any locality whose version (revision,
creation time, ``shown_from``) moved since it was indexed, once per version
under a lock, and triggers drop a locality's rows when it is deleted or
someone in it is erased.

A query is never handed to the database's query syntax: its words are taken
out (quotes, ``NEAR``, ``*`` and brackets are plain text) and rebuilt as a
query of quoted terms.  A word or phrase of the concern vocabulary
(:data:`models.vocab.CONCERN_WORDS`) stands for its whole concern: "emotional"
finds groups handling emotional and mental health and a purpose that says
"mental health".
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.errors import UserError
from app.storage import store
from app.storage.db import queue_for_writing
from models.document import LocalityDocument
from models.vocab import CONCERN_LABELS, CONCERN_WORDS, GROUP_TYPE_LABELS, GroupType, Sector

#: The kinds of entry the search finds, as the ``kind`` filter names them.
KINDS = ("group", "person", "agency")
#: The longest query, in characters, and the most words taken from it.
QUERY_MAX = 200
WORDS_MAX = 12
PAGE_SIZE = 20
PAGE_MAX = 500
#: Where the database marks a matched word in a name or snippet (private-use characters, taken out of indexed text).
START, STOP = "\ue000", "\ue001"
#: Searched columns and their bm25 weights: a match in a name counts most.
WEIGHTS = {"name": 10.0, "role": 6.0, "concerns": 4.0, "details": 1.0}

#: The index's tables (FTS5 keeps its shadow tables under the same prefix): not in the models' metadata.
INDEX_TABLES = ("search_index", "search_state")


def in_models(name: str | None, type_: str, _parents: dict) -> bool:
    """Whether a schema comparison should look at a table: not the search index's (Alembic ``include_name``)."""
    return not (type_ == "table" and name is not None and name.startswith(INDEX_TABLES))


_WORD = re.compile(r"[^\W_]+")
#: One re-indexing at a time in this process; the database lock keeps other processes in line.
_REFRESHING = threading.Lock()


class SearchError(UserError):
    """A query or filter the search cannot take, in plain words, naming the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SearchQuery:
    """What a reader asks: the words, the filters (None: any) and the page (from 1)."""

    text: str
    locality: str | None = None
    kind: str | None = None
    group_type: str | None = None
    sector: str | None = None
    page: int = 1


@dataclass
class Hit:
    """One entry found: its name and snippet as (text, matched) segments, and what the index keeps about it."""

    kind: str
    locality: str
    locality_name: str
    ref: str
    name: list[tuple[str, bool]]
    snippet: list[tuple[str, bool]]
    about: dict[str, Any]

    @property
    def plain_name(self) -> str:
        return "".join(part for part, _ in self.name)


@dataclass
class SearchResults:
    """A page of hits, best first, with how many there are in all and of each kind."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 0


# ---------------------------------------------------------------- queries


def words_of(value: str) -> list[str]:
    """The words of a text, lower case, as both indexes split them (letters and digits)."""
    return [w.lower() for w in _WORD.findall(value)]


def _concern_phrases() -> dict[tuple[str, ...], set[str]]:
    phrases: dict[tuple[str, ...], set[str]] = {}
    for concern, synonyms in CONCERN_WORDS.items():
        for synonym in (*synonyms, CONCERN_LABELS[concern]):
            phrases.setdefault(tuple(words_of(synonym)), set()).add(concern)
    return phrases


#: Each word or phrase of the concern vocabulary, as words, and the concerns it stands for.
CONCERN_PHRASES = _concern_phrases()
_LONGEST = max(len(p) for p in CONCERN_PHRASES)


#: One way a term may match: a phrase, and the column it must be in ("any" for every column).
Alternative = tuple[tuple[str, ...], str]


def query_terms(value: str) -> list[list[Alternative]]:
    """The query as terms that must all match, each a list of alternatives any of which will do.

    A word or phrase of the concern vocabulary (longest first) stands for
    itself anywhere, for its concerns' labels in the concerns column (what a
    group handles) and for its concerns' other words in the details column
    (a purpose that says "mental health"): kept to those columns so that a
    synonym never outranks a name or a role.  Any other word stands for itself.

    Raises
    ------
    SearchError
        When the query is too long or has no word in it.
    """
    if len(value) > QUERY_MAX:
        raise SearchError("q", f"The search is {len(value)} characters long; shorten it to {QUERY_MAX} or fewer.")
    words = words_of(value)
    if not words:
        raise SearchError("q", "Type a word to search for: letters or digits (punctuation is ignored).")
    words = words[:WORDS_MAX]
    terms: list[list[Alternative]] = []
    at = 0
    while at < len(words):
        for length in range(min(_LONGEST, len(words) - at), 0, -1):
            typed = tuple(words[at : at + length])
            if CONCERN_PHRASES.get(typed):
                terms.append(_alternatives(typed, CONCERN_PHRASES[typed]))
                at += length
                break
        else:
            terms.append([((words[at],), "any")])
            at += 1
    return terms


def _alternatives(typed: tuple[str, ...], concerns: set[str]) -> list[Alternative]:
    labels = {tuple(words_of(CONCERN_LABELS[c])) for c in concerns}
    synonyms = {p for p, cs in CONCERN_PHRASES.items() if cs & concerns} - labels - {typed}
    return [(typed, "any")] + [(p, "concerns") for p in sorted(labels)] + [(p, "details") for p in sorted(synonyms)]


def _prefix(terms: list[list[Alternative]]) -> str | None:
    """The last word, when it stands alone and is long enough to match as a prefix."""
    last = terms[-1]
    if len(last) == 1 and len(last[0][0]) == 1 and len(last[0][0][0]) >= 3:
        return last[0][0][0]
    return None


def fts5_query(terms: list[list[Alternative]]) -> str:
    """An FTS5 MATCH expression of quoted phrases; a lone last word also matches as a prefix."""

    def phrase(words: tuple[str, ...], column: str) -> str:
        quoted = '"' + " ".join(words) + '"'  # words hold letters and digits only: no quote to escape
        return quoted if column == "any" else f"{column} : {quoted}"

    parts = ["(" + " OR ".join(phrase(*alternative) for alternative in term) + ")" for term in terms]
    if word := _prefix(terms):
        parts[-1] = f'("{word}" OR "{word}"*)'
    return " AND ".join(parts)


#: The tsvector weight of each column a PostgreSQL alternative is kept to (as migration 0005 weighs them).
PG_WEIGHTS = {"any": "", "concerns": "B", "details": "D"}


def tsquery(terms: list[list[Alternative]]) -> str:
    """The same query as PostgreSQL ``to_tsquery`` text (words only: no operator can come from the reader)."""

    def phrase(words: tuple[str, ...], column: str) -> str:
        weight = PG_WEIGHTS[column]
        return " <-> ".join(f"{w}:{weight}" if weight else w for w in words)

    parts = ["(" + " | ".join(phrase(*alternative) for alternative in term) + ")" for term in terms]
    if word := _prefix(terms):
        parts[-1] = f"({word} | {word}:*)"
    return " & ".join(parts)


def check_filters(query: SearchQuery, localities: set[str]) -> None:
    """Refuse a filter value the search does not know, saying which and what it may be.

    Raises
    ------
    SearchError
        Naming the field (``locality``, ``kind``, ``type``, ``sector`` or ``page``).
    """
    if query.locality is not None and query.locality not in localities:
        raise SearchError("locality", f"There is no locality {query.locality!r}: choose one from the list.")
    if query.kind is not None and query.kind not in KINDS:
        raise SearchError("kind", f"{query.kind!r} is not a kind of entry: choose group, person or agency.")
    if query.group_type is not None and query.group_type not in GroupType.__members__:
        raise SearchError("type", f"{query.group_type!r} is not a kind of group: choose one from the list.")
    if query.sector is not None and query.sector not in Sector.__members__:
        raise SearchError("sector", f"{query.sector!r} is not a sector: choose one from the list.")
    if not 1 <= query.page <= PAGE_MAX:
        raise SearchError("page", f"Page {query.page} does not exist: pages run from 1 to {PAGE_MAX}.")


# ---------------------------------------------------------------- the index


def _clean(*parts: str | None) -> str:
    """Text for the index: the parts that are there, with no character that could pass for a mark."""
    joined = " · ".join(p for p in parts if p)
    return joined.replace(START, "").replace(STOP, "")


def _words(value: str | None) -> str:
    return value.replace("_", " ") if value else ""


def index_rows(document: LocalityDocument) -> list[dict[str, Any]]:
    """The index's rows for one locality: its agencies, people and groups.

    ``about`` keeps what a hit shows without loading the locality: a
    person's role, agency and the groups they sit on; a group's type and
    what it handles; an agency's sector.
    """
    agencies = {a.id: a for a in document.agencies}
    seats: dict[str, list[list[str]]] = {}
    for g in document.groups:
        for m in g.members:
            seats.setdefault(m.person, []).append([g.id, g.name])
    rows = []
    for a in document.agencies:
        sector = _words(a.sector.value)
        about = {"sector": sector, "school": a.school}
        rows.append(_row("agency", a.id, a.name, sector + (" school" if a.school else ""), "", a.note, a.sector, about))
    for p in document.people:
        agency = agencies.get(p.agency) if p.agency else None
        agency_name = agency.name if agency else None
        about = {"role": _words(p.role), "agency": agency_name, "groups": seats.get(p.id, [])}
        facet = agency.sector.value if agency else None
        rows.append(_row("person", p.id, p.name, _words(p.role), "", _clean(agency_name, p.note), facet, about))
    for g in document.groups:
        handles = [CONCERN_LABELS[c.value] for c in g.handles] + ([g.handles_other] if g.handles_other else [])
        kind = GROUP_TYPE_LABELS.get(g.type.value, _words(g.type.value))
        details = _clean(g.purpose, g.contact, g.meeting_pattern, g.venue, g.note)
        about = {"type": kind, "handles": handles, "contact": g.contact}
        rows.append(_row("group", g.id, g.name, kind, _clean(*handles), details, g.type, about))
    return rows


def _row(kind: str, ref: str, name: str, role: str, concerns: str, details: str | None, facet, about: dict) -> dict:
    return {
        "kind": kind,
        "ref": ref,
        "name": _clean(name),
        "role": _clean(role),
        "concerns": _clean(concerns),
        "details": _clean(details),
        "facet": getattr(facet, "value", facet),
        "extra": json.dumps(about),
    }


def index_locality(session: Session, pk: int, slug: str, version: tuple[int, str, int]) -> None:
    """Replace a locality's rows in the index with those of its stored version, and record that version."""
    rows = index_rows(store.export_document(session, slug))
    session.execute(text("DELETE FROM search_index WHERE locality_pk = :pk"), {"pk": pk})
    if rows:
        columns = "name, role, concerns, details, kind, locality_pk, ref, facet, extra"
        values = ", ".join(f":{c.strip()}" for c in columns.split(","))
        insert = text(f"INSERT INTO search_index ({columns}) VALUES ({values})")
        session.execute(insert, [{**row, "locality_pk": pk} for row in rows])
    session.execute(text("DELETE FROM search_state WHERE locality_pk = :pk"), {"pk": pk})
    state = {"pk": pk, "revision": version[0], "created_at": version[1], "shown_from": version[2]}
    session.execute(
        text(
            "INSERT INTO search_state (locality_pk, revision, created_at, shown_from)"
            " VALUES (:pk, :revision, :created_at, :shown_from)"
        ),
        state,
    )


def _stale(session: Session) -> tuple[list[tuple[int, str, tuple[int, str, int]]], list[int]]:
    """The localities whose indexed version is not their stored one, and index states of localities gone."""
    stored = session.execute(text("SELECT pk, id, revision, created_at, shown_from FROM locality")).all()
    indexed = {
        row.locality_pk: (row.revision, row.created_at, row.shown_from)
        for row in session.execute(text("SELECT locality_pk, revision, created_at, shown_from FROM search_state"))
    }
    versions = [(row.pk, row.id, (row.revision, _stamp(row.created_at), row.shown_from)) for row in stored]
    stale = [(pk, slug, version) for pk, slug, version in versions if indexed.get(pk) != version]
    gone = sorted(set(indexed) - {pk for pk, _, _ in versions})
    return stale, gone


def _stamp(value) -> str:
    """A creation time as the index state keeps it (SQLite hands back text, PostgreSQL a datetime)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _hold_index(session: Session) -> None:
    """Take the database's lock on the index for this transaction, so other processes wait their turn."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('locmap search index'))"))
    else:  # in line with this process's edits; then a write, even of nothing, takes SQLite's write lock
        queue_for_writing(session)
        session.execute(text("UPDATE search_state SET revision = revision WHERE 0 = 1"))


def refresh(session: Session) -> list[str]:
    """Bring the index up to date with the stored localities; returns the ids of those re-indexed.

    Each stale locality is re-indexed in a transaction of its own (edits
    wait for one locality at a time, never for all), after checking again
    under the lock that no one else did it meanwhile: so each version is
    indexed once, however many searches arrive together.  Commits the
    session's transaction.
    """
    stale, gone = _stale(session)
    session.commit()
    if not stale and not gone:
        return []
    done = []
    with _REFRESHING:
        for pk in gone:  # a locality deleted while its triggers were not there (a schema made by create_all)
            _hold_index(session)
            session.execute(text("DELETE FROM search_index WHERE locality_pk = :pk"), {"pk": pk})
            session.execute(text("DELETE FROM search_state WHERE locality_pk = :pk"), {"pk": pk})
            session.commit()
        for pk, slug, _ in stale:
            _hold_index(session)
            now = {p: (s, v) for p, s, v in _stale(session)[0]}
            if pk in now:
                index_locality(session, pk, slug, now[pk][1])
                done.append(slug)
            session.commit()
    return done


# ---------------------------------------------------------------- searching


def search(session: Session, query: SearchQuery, *, people: bool) -> SearchResults:
    """The hits of a query, best first, a page at a time, after bringing the index up to date.

    Parameters
    ----------
    session : Session
        Its transaction is committed (the index is refreshed first).
    query : SearchQuery
        Checked with :func:`check_filters` against the stored localities.
    people : bool
        Whether the reader may see people (names and roles are personal data); if not, no person is found.

    Raises
    ------
    SearchError
        For a query or filter the search cannot take.
    """
    terms = query_terms(query.text)
    refresh(session)
    slugs = {row[0] for row in session.execute(text("SELECT id FROM locality"))}
    check_filters(query, slugs)
    postgres = session.get_bind().dialect.name == "postgresql"
    where, params = _filters(query, people, postgres)
    params["q"] = tsquery(terms) if postgres else fts5_query(terms)
    counts = _counts(session, where, params, postgres)
    total = sum(n for kind, n in counts.items() if query.kind in (None, kind))
    if query.kind:
        where, params = where + " AND s.kind = :kind", {**params, "kind": query.kind}
    params.update(limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
    rows = session.execute(text((_PG_PAGE if postgres else _SQLITE_PAGE).format(where=where)), params).all()
    session.commit()
    return SearchResults(
        hits=[_hit(row) for row in rows],
        total=total,
        by_kind={kind: counts.get(kind, 0) for kind in KINDS if people or kind != "person"},
        page=query.page,
        pages=-(-total // PAGE_SIZE),
    )


def _filters(query: SearchQuery, people: bool, postgres: bool) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (after the match) of every filter but the kind, and its parameters."""
    where = "s.document @@ to_tsquery('english', :q)" if postgres else "search_index MATCH :q"
    params: dict[str, Any] = {}
    if query.locality:
        where += " AND l.id = :locality"
        params["locality"] = query.locality
    if not people:
        where += " AND s.kind <> 'person'"
    if query.group_type:
        where += " AND s.kind = 'group' AND s.facet = :group_type"
        params["group_type"] = query.group_type
    if query.sector:
        where += " AND s.kind IN ('agency', 'person') AND s.facet = :sector"
        params["sector"] = query.sector
    return where, params


_FROM = "FROM search_index s JOIN locality l ON l.pk = s.locality_pk WHERE {where}"
_BM25 = ", ".join(str(w) for w in WEIGHTS.values())
_SQLITE_PAGE = (
    "SELECT s.kind, s.ref, s.extra, l.id AS locality, l.name AS locality_name,"
    f" highlight(search_index, 0, '{START}', '{STOP}') AS name,"
    f" snippet(search_index, 3, '{START}', '{STOP}', '…', 16) AS snippet "
    + _FROM
    + f" ORDER BY bm25(search_index, {_BM25}), s.name LIMIT :limit OFFSET :offset"
)
_HEADLINE = f"'StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"'"
_PG_PAGE = (
    "SELECT s.kind, s.ref, s.extra, l.id AS locality, l.name AS locality_name,"
    f" ts_headline('english', s.name, to_tsquery('english', :q), 'HighlightAll=true, StartSel={START}, StopSel={STOP}')"
    " AS name,"
    " ts_headline('english', s.details,"
    f" to_tsquery('english', :q), {_HEADLINE}) AS snippet "
    + _FROM
    + " ORDER BY ts_rank(s.document, to_tsquery('english', :q)) DESC, s.name LIMIT :limit OFFSET :offset"
)


def _counts(session: Session, where: str, params: dict, postgres: bool) -> dict[str, int]:
    query = text(f"SELECT s.kind, count(*) {_FROM.format(where=where)} GROUP BY s.kind")
    return {kind: n for kind, n in session.execute(query, params).all()}


def marked(value: str | None) -> list[tuple[str, bool]]:
    """A marked-up text from the database as (text, matched) segments: plain text, for the template to escape."""
    segments: list[tuple[str, bool]] = []
    for at, part in enumerate(re.split(f"[{START}{STOP}]", value or "")):
        if part:
            segments.append((part, at % 2 == 1))
    return segments


def _hit(row) -> Hit:
    name, snippet = marked(row.name), marked(row.snippet)
    if not any(match for _, match in snippet):
        snippet = []  # the match is in the name, role or concerns, which the hit shows already
    return Hit(row.kind, row.locality, row.locality_name, row.ref, name, snippet, json.loads(row.extra))
