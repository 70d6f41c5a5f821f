"""The member census at three locality sizes, with synthetic answers (``app.synth.census``).

``python -m bench.census [REPEAT]`` prints one JSON object: for City, the
largest locality of the synthetic county (seed 1) and a county held as one
locality (~40,000 seats), the median milliseconds of

- ``open``: opening a census (one personal link per seated person), committed;
- ``respondent_page``: what ``GET /localities/{slug}/census/{token}`` reads
  (the link, the person's answers, the names of the locality's groups);
- ``save_answers``: what the respondent's POST does (the link, the names,
  the check and the write, committed), over ``REPEAT`` respondents;
- ``close``: closing the census, committed;
- ``summary``: the census in aggregate, with small numbers suppressed;
- ``audit`` and ``audit_with_census``: the audit without and with it, like for like;
- ``corrections``: the corrections the answers propose.

It also gives how many of the seated people the synthetic answers cover
(``rate`` 0.7) and the seconds to save all of them (``fill_s``).  It runs in
process on a file-backed SQLite database, as ``bench/edits.py`` does.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.edits import documents
from bench.measure import forget_remembered_scores

K = 3


def timed(work, *args) -> tuple[float, object]:
    forget_remembered_scores()  # an audit timed here counts its paths
    start = time.perf_counter()
    result = work(*args)
    return (time.perf_counter() - start) * 1000, result


def measure(document, repeat: int, folder: Path) -> dict:
    from sqlmodel import Session

    from analysis.audit import audit
    from app.storage import census, store
    from app.storage.db import create_schema, make_engine
    from app.synth.census import census_answers

    engine = make_engine(f"sqlite:///{folder / (document.locality.id + '.db')}")
    create_schema(engine)
    slug = document.locality.id
    with Session(engine) as session:
        store.import_document(session, document)
        session.commit()
    out: dict = {"seats": sum(len(g.members) for g in document.groups)}
    with Session(engine) as session:
        out["open_ms"], opened = timed(lambda: _commit(session, census.open_census(session, slug, "bench", 28)))
        tokens = {p.person: p.path.rsplit("/", 1)[1] for p in census.invited(session, opened)}
    given = census_answers(document, seed=1, rate=0.7)
    people = list(given)
    out["answers"], out["invited"] = len(given), len(tokens)
    saves, pages = [], []
    start = time.perf_counter()
    for i, person in enumerate(people):
        with Session(engine) as session:
            ms, _ = timed(_save, session, slug, tokens[person], given[person])
            if i < repeat:
                saves.append(ms)
    out["fill_s"] = round(time.perf_counter() - start, 2)
    for person in people[:repeat]:
        with Session(engine) as session:
            pages.append(timed(_page, session, slug, tokens[person])[0])
    with Session(engine) as session:
        out["close_ms"], _ = timed(lambda: _commit(session, census.close(session, slug)))
    with Session(engine) as session:
        closed = census.latest_closed(session, slug)
        summaries = [timed(lambda: census.summary(session, closed, K)) for _ in range(repeat)]
        summary = summaries[-1][1]
        plain = [timed(lambda: audit(document))[0] for _ in range(repeat)]
        with_census = [timed(lambda: audit(document, census=summary))[0] for _ in range(repeat)]
        corrections = [timed(lambda: census.proposed(session, closed)) for _ in range(repeat)]
    engine.dispose()
    out["open_ms"], out["close_ms"] = round(out["open_ms"], 2), round(out["close_ms"], 2)
    out |= {
        "respondent_page_ms": _median(pages),
        "save_answers_ms": _median(saves),
        "summary_ms": _median([ms for ms, _ in summaries]),
        "audit_ms": _median(plain),
        "audit_with_census_ms": _median(with_census),
        "corrections_ms": _median([ms for ms, _ in corrections]),
        "corrections": len(corrections[-1][1]),
        "groups_scored": sum(1 for g in summary.groups.values() if g.shown),
    }
    return out


def _commit(session, value):
    session.commit()
    return value


def _save(session, slug: str, token: str, answers) -> None:
    from app.storage import census

    respondent = census.visit(session, slug, token)
    census.save_answers(session, respondent, answers, census.respondent_facts(session, respondent).groups)
    session.commit()


def _page(session, slug: str, token: str):
    from app.storage import census

    respondent = census.visit(session, slug, token)
    return census.answers_of(session, respondent), census.respondent_facts(session, respondent)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def main(argv: list[str]) -> dict:
    repeat = int(argv[0]) if argv else 9
    with tempfile.TemporaryDirectory() as folder:
        return {name: measure(doc, repeat, Path(folder)) for name, doc in documents().items()}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
