"""The search: full-text over groups, people and agencies, with the concern vocabulary's synonyms.

Storage tests run on SQLite and PostgreSQL (the ``engine`` fixture); the
pages and the API run on the six samples.
"""

from __future__ import annotations

import copy
import importlib.util
import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.storage import search as search_index
from app.storage import store
from app.storage.db import create_schema, make_engine
from app.storage.migrate import MIGRATIONS
from app.storage.search import SearchError, SearchQuery, search
from models.document import LocalityDocument
from tests.conftest import MINIMAL, SAMPLE_SLUGS, auth

#: A small locality whose groups say what they handle in different ways.
WAYS = {
    **copy.deepcopy(MINIMAL),
    "groups": [
        {
            "id": "sct",
            "name": "School consultation team",
            "type": "school_consultation_team",
            "handles": ["emotional_mental_health", "behaviour"],
            "contact": "The school's SENCO",
            "members": [{"person": "head-a"}],
        },
        {
            "id": "camhs-clinic",
            "name": "Primary CAMHS clinic",
            "type": "other",
            "purpose": "Consultation on children's mental health for school staff.",
            "members": [{"person": "sw"}, {"person": "senco-b"}],
        },
        {"id": "attendance", "name": "Attendance panel", "type": "panel", "handles": ["attendance"]},
    ],
    "people": [
        *copy.deepcopy(MINIMAL["people"]),
        {"id": "senco-b", "name": "Pat Example", "role": "senco", "agency": "school-a"},
        {"id": "pc", "name": "Police liaison officer", "role": "police_liaison_officer", "agency": "tvp"},
    ],
    "agencies": [
        *copy.deepcopy(MINIMAL["agencies"]),
        {"id": "tvp", "name": "Thames Valley Police", "sector": "police"},
    ],
    "links": [],
}


def document(data: dict | None = None, **locality) -> LocalityDocument:
    data = copy.deepcopy(data or WAYS)
    data["locality"].update(locality)
    return LocalityDocument.model_validate(data)


@pytest.fixture
def index(engine):
    """A database with the search index and WAYS stored.

    The PostgreSQL fixture makes its schema with create_all, which drops and
    remakes the locality table and with it the index's triggers: they are
    made again here as migration 0005 makes them.
    """
    create_schema(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for statement in migration_0005().POSTGRESQL:
                connection.exec_driver_sql(statement)
    with Session(engine) as session:
        store.import_document(session, document())
        session.commit()
        yield session


def migration_0005():
    path = MIGRATIONS / "versions" / "0005_search_index.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def found(session, words: str, **filters) -> list[tuple[str, str]]:
    results = search(session, SearchQuery(words, **filters), people=True)
    return [(hit.kind, hit.ref) for hit in results.hits]


def test_a_concern_word_finds_groups_handling_it_and_purposes_in_other_words(index):
    hits = found(index, "emotional")
    assert ("group", "sct") in hits  # handles emotional_mental_health
    assert ("group", "camhs-clinic") in hits  # its purpose says "mental health"
    assert ("group", "attendance") not in hits
    assert ("group", "camhs-clinic") in found(index, "CAMHS") and ("group", "sct") in found(index, "wellbeing")
    assert ("group", "attendance") in found(index, "truancy")


def test_a_group_hit_says_what_it_handles_and_where(index):
    hit = next(h for h in search(index, SearchQuery("emotional"), people=True).hits if h.ref == "sct")
    assert hit.about["handles"] == ["Emotional and mental health", "Behaviour"]
    assert hit.locality == "testville" and hit.locality_name == "Testville"
    clinic = next(h for h in search(index, SearchQuery("emotional"), people=True).hits if h.ref == "camhs-clinic")
    marked_words = " ".join(part.lower() for part, match in clinic.snippet if match)
    assert "mental" in marked_words and "health" in marked_words  # its purpose, the match marked


def test_role_words_plurals_and_the_groups_people_sit_on(index):
    for words in ("senco", "SENCOs"):
        assert ("person", "senco-b") in found(index, words), words
    assert found(index, "head teacher", kind="person") == [("person", "head-a")]
    hit = next(h for h in search(index, SearchQuery("sencos"), people=True).hits if h.ref == "senco-b")
    assert hit.about["groups"] == [["camhs-clinic", "Primary CAMHS clinic"]] and hit.about["role"] == "senco"


def test_an_agency_word_finds_the_agency_and_its_people(index):
    hits = found(index, "police")
    assert set(hits[:2]) == {("agency", "tvp"), ("person", "pc")}  # named so: ranked first
    assert set(found(index, "police", sector="police")) == {("agency", "tvp"), ("person", "pc")}
    assert found(index, "police", sector="education") == []


def test_readers_who_may_not_see_people_find_none(index):
    results = search(index, SearchQuery("senco"), people=False)
    assert all(hit.kind != "person" for hit in results.hits) and "person" not in results.by_kind


def test_filters_narrow_and_count_by_kind(index):
    results = search(index, SearchQuery("school"), people=True)
    assert results.by_kind["group"] >= 1 and results.by_kind["agency"] >= 1
    assert {k for k, _ in found(index, "school", kind="agency")} == {"agency"}
    assert found(index, "panel", group_type="panel") == [("group", "attendance")]
    assert (
        found(index, "school", locality="testville") and found(index, "attendance", group_type="steering_group") == []
    )


@pytest.mark.parametrize(
    ("words", "field"),
    [("", "q"), ('"*()"', "q"), ("x" * 201, "q")],
)
def test_queries_without_words_or_too_long_are_refused_in_words(index, words, field):
    with pytest.raises(SearchError) as refused:
        search(index, SearchQuery(words), people=True)
    assert refused.value.field == field and ("word" in refused.value.message or "shorten" in refused.value.message)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"locality": "nowhere"}, "locality"),
        ({"kind": "meeting"}, "kind"),
        ({"group_type": "club"}, "type"),
        ({"sector": "army"}, "sector"),
        ({"page": 0}, "page"),
    ],
)
def test_unknown_filter_values_are_refused_naming_the_field(index, filters, field):
    with pytest.raises(SearchError) as refused:
        search(index, SearchQuery("school", **filters), people=True)
    assert refused.value.field == field and "choose" in refused.value.message or "pages run" in refused.value.message


@pytest.mark.parametrize(
    "words", ['"senco', "senco NEAR head", "sen*", "(senco", "senco)", "NEAR(senco head)", "a:b OR -c", "'; drop"]
)
def test_query_syntax_characters_are_plain_text(index, words):
    search(index, SearchQuery(words), people=True)  # no error from the database's query syntax


def test_an_edit_then_a_search_sees_the_edit(index):
    assert found(index, "Zebedee") == []
    changed = copy.deepcopy(WAYS)
    changed["groups"][2]["name"] = "Zebedee attendance panel"
    store.import_document(index, document(changed))
    index.commit()
    assert found(index, "zebedee") == [("group", "attendance")]


def test_a_deleted_locality_leaves_no_rows_and_no_results(index):
    assert found(index, "senco")
    store.delete_locality(index, "testville")
    index.commit()
    assert index.execute(text("SELECT count(*) FROM search_index")).scalar() == 0  # gone with the locality
    assert index.execute(text("SELECT count(*) FROM search_state")).scalar() == 0
    store.import_document(index, document(MINIMAL))
    index.commit()
    assert found(index, "senco") == [] and found(index, "Panel")


def test_the_index_is_built_once_per_revision(index, monkeypatch):
    built = []
    real = search_index.index_locality
    monkeypatch.setattr(search_index, "index_locality", lambda *a: built.append(a[2]) or real(*a))
    for _ in range(3):
        found(index, "senco")
    assert built == ["testville"]
    store.import_document(index, document())  # a new revision
    index.commit()
    for _ in range(3):
        found(index, "senco")
    assert built == ["testville", "testville"]


def test_concurrent_searches_index_a_new_revision_once(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'search.db'}")
    create_schema(engine)
    with Session(engine) as session:
        store.import_document(session, document())
        session.commit()
    built = []
    real = search_index.index_locality
    monkeypatch.setattr(search_index, "index_locality", lambda *a: built.append(a[2]) or real(*a))
    start = threading.Barrier(4)
    answers = []

    def one_search():
        with Session(engine) as session:
            start.wait()
            answers.append(found(session, "senco"))

    threads = [threading.Thread(target=one_search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == ["testville"] and len(answers) == 4 and all(("person", "senco-b") in a for a in answers)
    engine.dispose()


def test_an_erasure_drops_the_localitys_rows_at_once(index):
    from app.storage.erasure import erase_person

    assert ("person", "senco-b") in found(index, "Pat")
    erase_person(index, "testville", None, "senco-b")
    index.commit()
    rows = index.execute(text("SELECT count(*) FROM search_index WHERE name LIKE '%Pat%'")).scalar()
    assert rows == 0
    assert found(index, "Pat") == []


def test_highlights_are_plain_text_segments():
    start, stop = search_index.START, search_index.STOP
    assert search_index.marked(f"a {start}<b>{stop} c") == [("a ", False), ("<b>", True), (" c", False)]


# ---------------------------------------------------------------- the pages and the API, on the samples


@pytest.fixture
def site(service):
    return service


def test_senco_finds_every_senco_with_their_groups(site):
    client, tokens = site
    answer = client.get("/api/search", params={"q": "SENCO", "kind": "person"}, headers=auth(tokens, "viewer"))
    assert answer.status_code == 200
    hits = answer.json()["results"]
    with Session(client.app.state.engine) as session:
        sencos = {
            (slug, p.id)
            for slug in SAMPLE_SLUGS
            for p in store.export_document(session, slug).people
            if p.role == "senco"
        }
    assert len(sencos) >= 10 and sencos <= {(h["locality"]["id"], h["id"]) for h in hits}
    lws = next(h for h in hits if h["id"] == "senco-lws")
    assert lws["groups"] and all({"id", "name", "url"} <= set(g) for g in lws["groups"])


def test_police_finds_the_police_agency_and_its_people(site):
    client, tokens = site
    hits = client.get("/api/search", params={"q": "police"}, headers=auth(tokens, "viewer")).json()["results"]
    kinds = {(h["kind"], h["locality"]["id"], h["id"]) for h in hits}
    assert {("agency", "thame", "thames-valley-police"), ("agency", "kidlington", "thames-valley-police")} <= kinds
    assert {("person", "thame", "police-officer"), ("person", "kidlington", "police-liaison")} <= kinds


def test_the_page_shows_results_by_kind_with_matches_marked_and_escaped(site):
    client, tokens = site
    page = client.get("/search", params={"q": "senco", "locality": "thame"}, headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    html = page.text
    assert "/localities/thame/people/senco-lws" in html and "/localities/city/" not in html
    assert "<mark>SENCO</mark>" in html and 'id="results-person"' in html
    assert '<select id="locality" name="locality"' in html


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"q": "senco", "locality": "atlantis"}, "There is no locality"),
        ({"q": "senco", "kind": "meeting"}, "is not a kind of entry"),
        ({"q": "x" * 300}, "shorten it"),
        ({"q": "senco", "page": "two"}, "Page"),
    ],
)
def test_bad_input_is_answered_on_the_form(site, params, words):
    client, tokens = site
    page = client.get("/search", params=params, headers=auth(tokens, "viewer"))
    assert page.status_code == 400 and words in page.text and "<form" in page.text
    assert "Traceback" not in page.text and "pattern" not in page.text
    api = client.get("/api/search", params=params, headers=auth(tokens, "viewer"))
    assert api.status_code == 422 and words in api.json()["detail"][0]["msg"]


def test_the_api_needs_a_reader(site):
    client, _ = site
    assert client.get("/api/search", params={"q": "senco"}).status_code == 401


def test_emotional_finds_every_sample_group_handling_emotional_and_mental_health(site):
    client, tokens = site
    params = {"q": "emotional", "kind": "group"}
    first = client.get("/api/search", params=params, headers=auth(tokens, "viewer")).json()
    hits = list(first["results"])
    for page in range(2, first["pages"] + 1):
        hits += client.get("/api/search", params={**params, "page": page}, headers=auth(tokens, "viewer")).json()[
            "results"
        ]
    with Session(client.app.state.engine) as session:
        handling = {
            (slug, g.id)
            for slug in SAMPLE_SLUGS
            for g in store.export_document(session, slug).groups
            if "emotional_mental_health" in g.handles
        }
    assert handling and handling <= {(h["locality"]["id"], h["id"]) for h in hits}
    assert all(
        "Emotional and mental health" in h["handles"] for h in hits if (h["locality"]["id"], h["id"]) in handling
    )
