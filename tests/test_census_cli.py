"""``locmap census``: the whole cycle on a file database, errors in words, synthetic answers and research outputs."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from analysis.census import BallotFacts, LinkFacts, tally
from analysis.census_findings import census_dict
from analysis.compare import comparison, comparison_csv
from analysis.graphs import build_graphs
from analysis.tidy import Column, tidy_rows
from app.cli import main
from app.errors import UserError
from app.formats.pseudonym import pseudonymise_export
from app.synth.census import ANSWERS_FORMAT, answers_file, census_answers, read_answers_file, structure_facts
from models.census import CensusAnswers
from models.validation import load_path, validate_data
from tests.conftest import SAMPLES_DIR

THAME = SAMPLES_DIR / "thame.yaml"
KEY = b"k" * 32


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def stored(capsys, db_url):
    assert run(capsys, "import", str(THAME), "--db", db_url)[0] == 0
    return db_url


def seated(document) -> set[str]:
    return {m.person for g in document.groups for m in g.members}


# ---------------------------------------------------------------- the cycle


def test_the_whole_census_cycle_on_a_file_database(capsys, tmp_path, stored):
    thame = load_path(THAME)
    links = tmp_path / "links.csv"
    code, out, err = run(capsys, "census", "open", "thame", "--user", "ed", "--csv", str(links), "--db", stored)
    assert code == 0, err
    assert f"opened census 1 of thame: {len(seated(thame))} personal links" in out
    rows = list(csv.DictReader(io.StringIO(links.read_text())))
    assert list(rows[0]) == ["person_id", "name", "agency", "groups", "link"]
    assert {r["person_id"] for r in rows} == seated(thame) and len(rows) == len(seated(thame))
    assert len({r["link"] for r in rows}) == len(rows)
    assert all(r["link"].startswith("http://127.0.0.1:8000/localities/thame/census/") for r in rows)

    code, out, err = run(capsys, "census", "fill", "thame", "--seed", "4", "--db", stored)
    assert code == 0, err
    saved = len(census_answers(thame, 4))
    assert f"census 1 of thame: saved synthetic answers for {saved} of {len(rows)} people asked" in out
    code, out, _ = run(capsys, "census", "status", "thame", "--db", stored)
    assert code == 0 and f"{saved} of {len(rows)} answered ({saved / len(rows):.0%})" in out
    assert "Results are shown once the census is closed" in out
    code, out, _ = run(capsys, "census", "status", "thame", "--json", "--db", stored)
    data = json.loads(out)
    assert data["open"] and data["answered"] == saved and "balance" not in data  # no results while open

    code, out, _ = run(capsys, "census", "close", "thame", "--db", stored)
    assert code == 0 and f"closed census 1 of thame: {saved} of {len(rows)} answered" in out
    code, out, _ = run(capsys, "census", "links", "thame", "--db", stored)
    assert "its links no longer work" in out and "/census/" not in out
    code, out, _ = run(capsys, "census", "status", "thame", "--json", "--db", stored)
    closed = json.loads(out)
    assert not closed["open"] and closed["raters"] == saved and "groups" in closed

    code, out, _ = run(capsys, "census", "apply", "thame", "--db", stored)
    first = out.splitlines()[1].split()[0]  # the first proposed correction's id
    assert code == 0 and "proposes" in out and "--yes" in out
    code, out, err = run(capsys, "census", "apply", "thame", "--only", first, "--user", "ed", "--db", stored)
    assert code == 0, err
    assert "applied 1 correction(s) from census 1 as change 1" in out
    assert "/api/localities/thame/history/1/revert" in out
    code, out, _ = run(capsys, "census", "apply", "thame", "--db", stored)
    assert first not in out  # applied: no longer proposed


def test_the_history_entry_of_an_apply_is_the_census_change(capsys, stored):
    from app.storage import edits
    from app.storage.db import make_engine, session_scope

    run(capsys, "census", "open", "thame", "--db", stored)
    run(capsys, "census", "fill", "thame", "--seed", "2", "--close", "--db", stored)
    code, out, err = run(capsys, "census", "apply", "thame", "--yes", "--user", "ed", "--db", stored)
    assert code == 0, err
    engine = make_engine(stored)
    with session_scope(engine) as session:
        (entry,) = edits.history(session, "thame", limit=5)
        assert (entry.action, entry.user) == ("census", "ed")
        number = entry.pk
    engine.dispose()
    assert f"as change {number}" in out


def test_errors_are_plain_words_with_a_failing_status(capsys, stored):
    code, _, err = run(capsys, "census", "status", "thame", "--db", stored)
    assert code != 0 and "locality 'thame' has no census yet: open one" in err
    assert "Traceback" not in err
    assert run(capsys, "census", "open", "thame", "--db", stored)[0] == 0
    code, _, err = run(capsys, "census", "open", "thame", "--db", stored)
    assert code != 0 and "census 1 of 'thame' is still open: close it before opening another" in err
    code, _, err = run(capsys, "census", "apply", "thame", "--only", "left:nowhere:nobody", "--db", stored)
    assert code == 1 and "no such proposed correction: left:nowhere:nobody" in err
    code, _, err = run(capsys, "census", "open", "atlantis", "--db", stored)
    assert code != 0 and "atlantis" in err and "Traceback" not in err
    code, _, err = run(capsys, "census", "reissue", "thame", "nobody", "--db", stored)
    assert code != 0 and "'nobody' has no link in census 1" in err


def test_a_reissued_link_replaces_the_old_one(capsys, stored):
    _, out, _ = run(capsys, "census", "open", "thame", "--csv", "-", "--db", stored)
    before = {r["person_id"]: r["link"] for r in csv.DictReader(io.StringIO(out))}
    person = next(iter(before))
    code, out, _ = run(capsys, "census", "reissue", "thame", person, "--db", stored)
    assert code == 0 and out.startswith(f"new link for {person}: http://127.0.0.1:8000/localities/thame/census/")
    _, out, _ = run(capsys, "census", "links", "thame", "--csv", "-", "--db", stored)
    after = {r["person_id"]: r["link"] for r in csv.DictReader(io.StringIO(out))}
    assert after[person] != before[person] and after[person] in out
    assert all(after[p] == before[p] for p in before if p != person)


def test_the_links_csv_neutralises_formulas(capsys, tmp_path, db_url, minimal):
    minimal["people"][0]["name"] = "=HYPERLINK(evil)"
    path = tmp_path / "testville.yaml"
    path.write_text(yaml.safe_dump(minimal))
    assert run(capsys, "import", str(path), "--db", db_url)[0] == 0
    _, out, _ = run(
        capsys, "census", "open", "testville", "--csv", "-", "--base-url", "https://x.test/", "--db", db_url
    )
    names = [r["name"] for r in csv.DictReader(io.StringIO(out))]
    assert "'=HYPERLINK(evil)" in names
    assert "https://x.test/localities/testville/census/" in out


# ---------------------------------------------------------------- synthetic answers


def test_synthetic_answers_are_deterministic_by_seed_and_follow_the_people_seated():
    thame = load_path(THAME)
    one, again, other = census_answers(thame, 7), census_answers(thame, 7), census_answers(thame, 8)
    assert one == again and one != other
    assert set(one) <= seated(thame)
    assert census_answers(thame, 7, rate=0) == {}
    assert set(census_answers(thame, 7, rate=1)) == seated(thame)
    for person, answers in one.items():
        mine = {g.id for g in thame.groups if any(m.person == person for m in g.members)}
        assert {s.group for s in answers.seats} == mine
        missing = {m.group for m in answers.missing if m.group}
        assert {r.group for r in answers.ratings} <= mine | missing


def test_ratings_follow_the_structure(minimal):
    # Two partnerships of the same twelve people: they overlap, and nothing carries their issues upward.
    minimal["people"] += [{"id": f"p{i}", "name": f"Person {i}", "agency": "shc"} for i in range(12)]
    seats = [{"person": f"p{i}"} for i in range(12)]
    minimal["groups"].append({"id": "copy", "name": "Copy", "type": "partnership", "members": seats})
    minimal["groups"].append({"id": "twin", "name": "Twin", "type": "partnership", "members": seats})
    document = validate_data(minimal)
    facts = structure_facts(build_graphs(document))
    assert facts.principal == "steering"
    assert {"copy", "twin"} <= facts.mostly_shared and "steering" not in facts.mostly_shared
    assert "panel" in facts.heard and "copy" not in facts.heard  # the panel reports to the steering group
    steps: dict[tuple[str, str], list[int]] = {}
    for seed in range(20):
        for answers in census_answers(document, seed, rate=1).values():
            for r in answers.ratings:
                for statement, step in r.steps().items():
                    steps.setdefault((r.group, statement), []).append(step)

    def mean(group: str, statement: str) -> float:
        return sum(steps[group, statement]) / len(steps[group, statement])

    assert mean("copy", "worth") < mean("steering", "worth") - 0.5
    assert mean("copy", "acted_on") < mean("steering", "acted_on") - 0.5
    assert mean("steering", "purpose") > mean("copy", "purpose") + 0.4


def test_an_answers_file_round_trips_and_bad_ones_are_refused_in_words(tmp_path):
    thame = load_path(THAME)
    answers = census_answers(thame, 3)
    path = tmp_path / "thame.census.json"
    path.write_text(answers_file("thame", 3, answers))
    data = json.loads(path.read_text())
    assert (data["format"], data["locality"], data["seed"]) == (ANSWERS_FORMAT, "thame", 3)
    assert read_answers_file(path, "thame") == answers
    with pytest.raises(UserError, match="holds answers for locality 'thame', not 'city'"):
        read_answers_file(path, "city")
    data["answers"][next(iter(answers))]["ratings"] = [{"group": "x", "purpose": 9}]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match=r"ratings\.0\.purpose"):
        read_answers_file(path, "thame")
    path.write_text("{not json")
    with pytest.raises(UserError, match="not a JSON file of census answers"):
        read_answers_file(path, "thame")


def test_synth_census_writes_answers_files_that_folders_skip_with_a_word(capsys, tmp_path, db_url):
    folder = tmp_path / "one"
    code, out, err = run(
        capsys, "synth", "--scale", "locality", "--seed", "5", "-o", str(folder / "loc.yaml"), "--census"
    )
    assert code == 0, err and "synthetic" in out
    (answers,) = folder.glob("*.census.json")
    slug = answers.name.removesuffix(".census.json")
    assert json.loads(answers.read_text())["format"] == ANSWERS_FORMAT
    code, out, err = run(capsys, "import", str(folder), "--db", db_url)
    assert code == 0 and f"imported {slug}" in out
    assert f"skipped {answers}: not a locality document (format 'locmap-census-answers/1'" in err
    code, _, err = run(capsys, "audit", str(folder), "--json")
    assert code == 0 and f"skipped {answers}" in err
    code, out, err = run(capsys, "census", "fill", slug, "--answers", str(answers), "--close", "--db", db_url)
    assert code == 0, err
    expected = len(read_answers_file(answers, slug))
    assert f"saved synthetic answers for {expected} of" in out and f"closed census 1 of {slug}" in out


def test_fill_refuses_answers_for_someone_not_asked_and_saves_nothing(capsys, tmp_path, stored):
    thame = load_path(THAME)
    given = census_answers(thame, 1)
    given["stranger"] = CensusAnswers()
    path = tmp_path / "thame.census.json"
    path.write_text(answers_file("thame", 1, given))
    code, _, err = run(capsys, "census", "fill", "thame", "--answers", str(path), "--db", stored)
    assert code == 1 and "'stranger' has no working link" in err
    code, _, err = run(capsys, "census", "status", "thame", "--db", stored)
    assert "no census yet" in err  # the census opened for the fill was rolled back with it


# ---------------------------------------------------------------- research outputs


def thame_summary(k: int = 3):
    """A closed census of Thame in aggregate: every seated person answers the synthetic answers of seed 2."""
    thame = load_path(THAME)
    given = census_answers(thame, 2, rate=1)
    agency = {p.id: p.agency for p in thame.people}
    groups = {p: tuple(g.id for g in thame.groups if any(m.person == p for m in g.members)) for p in given}
    links = [LinkFacts(p, agency[p], groups[p], True, a.model_dump(mode="json")) for p, a in given.items()]
    ballots = [
        BallotFacts(agency[p], a.balance, a.worry_to, {r.group: r.steps() for r in a.ratings if r.steps()})
        for p, a in given.items()
    ]
    return thame, tally(
        links,
        ballots,
        number=1,
        opened_at="2026-01-05T09:00:00+00:00",
        closed_at="2026-02-02T09:00:00+00:00",
        min_respondents=k,
    )


def test_tidy_and_wide_comparisons_carry_census_rows_suppressed_as_the_summary(capsys):
    from analysis.audit import audit

    thame, summary = thame_summary()
    city = load_path(SAMPLES_DIR / "city.yaml")
    audits = [audit(thame, census=summary), audit(city)]
    rows = [r for r in tidy_rows([Column("thame", "Thame", audits[0]), Column("city", "City", audits[1])])]
    census_rows = {r.measure: r for r in rows if r.kind == "census"}
    assert {r.locality for r in rows if r.kind == "census"} == {"thame"}
    assert census_rows["census.response_rate"].value == 1
    assert census_rows["census.raters"].value == summary.raters
    purpose = summary.locality_tally("purpose")
    assert census_rows["census.holds.purpose"].value == pytest.approx(purpose.holds)
    assert census_rows["census.advantage"].value == pytest.approx(summary.balance.advantage, abs=1e-3)
    wide = comparison(audits)["census"]
    assert wide["raters"] == {"thame": summary.raters, "city": None}
    assert "census,response_rate,1," in comparison_csv(audits)
    assert "census," not in comparison_csv([audits[1]])  # no census anywhere: no census rows

    # With a threshold above every group's raters, nothing is shown: empty values with words.
    _, high = thame_summary(k=50)
    rows = tidy_rows([Column("thame", "Thame", audit(thame, census=high))])
    held = {r.measure: r for r in rows if r.kind == "census"}
    for measure in ("census.holds.purpose", "census.advantage", "census.inertia"):
        assert held[measure].value is None and held[measure].level_words == "fewer than 50 respondents"
    assert held["census.groups_shown"].value == 0


def test_the_pseudonymised_export_carries_census_aggregates_without_people_or_small_groups():
    thame, summary = thame_summary()
    export = pseudonymise_export(thame, KEY, census=summary)
    data = export.census
    assert data is not None and data["format"] == "locmap-census-aggregates/1"
    text = json.dumps(data)
    for person in thame.people:
        assert person.id not in text and person.name not in text
    for group in thame.groups:
        assert f'"{group.id}"' not in text  # only pseudonyms
    small = {export.ids["groups"][g.group] for g in summary.groups.values() if not g.shown}
    assert small and not small & set(data["groups"])
    assert set(data["groups"]) == {export.ids["groups"][g.group] for g in summary.groups.values() if g.shown}
    assert all(n >= summary.min_respondents for place, n in data["worry_to"].items() if place != "elsewhere")
    published = {a["id"] for a in export.document.model_dump()["agencies"]}
    assert set(data["balance_by_agency"]) <= published | {"other agencies"}
    assert all(b["answers"] >= summary.min_respondents for b in data["balance_by_agency"].values())
    assert data["balance"] == census_dict(summary)["balance"]
    assert pseudonymise_export(thame, KEY).census is None


def test_export_pseudonymise_writes_the_census_aggregates_beside(capsys, tmp_path, stored):
    run(capsys, "census", "open", "thame", "--db", stored)
    run(capsys, "census", "fill", "thame", "--seed", "2", "--rate", "1", "--close", "--db", stored)
    target = tmp_path / "thame.json"
    code, out, err = run(capsys, "export", "thame", "--pseudonymise", "-o", str(target), "--db", stored)
    assert code == 0, err
    beside = tmp_path / "thame.census-aggregates.json"
    assert f"to {beside}" in out
    text = beside.read_text()
    assert json.loads(text)["answered"] == len(seated(load_path(THAME)))
    assert not any(p.name in text or f'"{p.id}"' in text for p in load_path(THAME).people)
    code, out, err = run(capsys, "compare", "thame", "--long-csv", str(tmp_path / "long.csv"), "--db", stored)
    assert code == 0, err
    assert '"census.response_rate","census",1,' in (tmp_path / "long.csv").read_text()
