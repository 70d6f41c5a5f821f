"""Exports for other tools (GEXF, GraphML, Kumu) and the pseudonymised research export."""

from __future__ import annotations

import copy
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pytest
import yaml

from analysis.audit import audit
from analysis.centrality import broker_scores
from analysis.graphs import build_graphs
from analysis.settings import DEFAULT_SETTINGS
from app.formats.graph_exports import (
    FORMATS,
    MEDIA_TYPES,
    export_bytes,
    export_graph,
    kumu_labels,
    to_gexf,
    to_graphml,
    to_kumu,
    validate_kumu,
)
from app.formats.pseudonym import MIN_KEY_BYTES, keyed_order, load_key, new_key, pseudonymise, pseudonymise_export
from models.document import ID_RE, LocalityDocument
from models.validation import dump_document, load_path, validate_data
from tests.conftest import MINIMAL, SAMPLES_DIR

SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.yaml"))
KEY = b"k" * 32
OTHER_KEY = b"o" * 32


@pytest.fixture(scope="module")
def samples() -> dict[str, LocalityDocument]:
    return {path.stem: load_path(path) for path in SAMPLE_FILES}


sample_names = pytest.mark.parametrize("name", [path.stem for path in SAMPLE_FILES])


def seat_count(document: LocalityDocument) -> int:
    return sum(len(g.members) for g in document.groups)


def expected_edges(document: LocalityDocument) -> int:
    employed = sum(1 for p in document.people if p.agency is not None)
    return seat_count(document) + len(document.links) + employed


def edges_with_data(graph: nx.Graph) -> list[tuple[str, str, dict]]:
    """Edges of a graph read back: multigraph or not, depending on parallel edges."""
    return list(graph.edges(data=True))


HOSTILE = [
    '<script>alert("x")</script>',
    "\"&'",
    "]]> <!-- --> &amp; &lt;",
    "Zoë Łódź 名前 Ωμέγα 🎉",
]


def hostile_document() -> LocalityDocument:
    data = copy.deepcopy(MINIMAL)
    data["locality"]["name"] = HOSTILE[0]
    data["locality"]["note"] = "two\nlines\tand a tab & <b>"
    data["agencies"][0]["name"] = HOSTILE[1]
    data["people"][0]["name"] = HOSTILE[2]
    data["people"][1]["name"] = HOSTILE[3]
    data["people"][1]["note"] = 'a "quoted" note\nwith a newline </note>'
    data["groups"][0]["name"] = HOSTILE[3] + " group"
    data["groups"][0]["purpose"] = "<purpose> & 'more'"
    data["groups"][0]["members"][0]["note"] = "seat & <note>"
    data["links"][0]["note"] = 'link "note" <&>'
    return validate_data(data)


# ================================================================ export_graph


@sample_names
def test_export_graph_has_every_entity_and_relation(samples, name):
    document = samples[name]
    graph = export_graph(document)
    kinds = Counter(data["kind"] for _, data in graph.nodes(data=True))
    assert kinds == Counter(group=len(document.groups), person=len(document.people), agency=len(document.agencies))
    edge_kinds = Counter(data["kind"] for _, _, data in graph.edges(data=True))
    assert edge_kinds["member"] == seat_count(document)
    assert edge_kinds["works_for"] == sum(1 for p in document.people if p.agency)
    assert sum(edge_kinds[kind.value] for kind in {link.kind for link in document.links}) == len(document.links)
    assert graph.number_of_edges() == expected_edges(document)
    assert graph.graph["locality"] == document.locality.id
    assert graph.graph["authority"] == document.locality.authority
    # Nothing GEXF or GraphML cannot write: scalars only, never None.
    for _, data in graph.nodes(data=True):
        assert all(type(v) in (str, int, float, bool) for v in data.values()), data
    for _, _, data in graph.edges(data=True):
        assert all(type(v) in (str, int, float, bool) for v in data.values()), data


def test_export_graph_flattens_fields(minimal):
    minimal["groups"][0]["area"] = ["testville", "elsewhere"]
    minimal["people"][0]["hours_per_week"] = 37
    document = validate_data(minimal)
    graph = export_graph(document)
    steering = graph.nodes["group:steering"]
    assert steering["area"] == "testville;elsewhere"
    assert steering["focus"] == "strategic" and steering["focus_declared"] is False  # default for a steering group
    assert steering["yearly_meetings"] == 6.0 and "meetings_per_year" not in steering
    panel = graph.nodes["group:panel"]
    assert "meets" not in panel and "hours" not in panel  # None is left out, not written
    assert panel["school"] == "school-a"
    assert graph.nodes["agency:school-a"]["is_school"] is True
    head = graph.nodes["person:head-a"]
    assert head["hours_per_week"] == 37.0 and head["sector"] == "education" and head["local"] is True
    seat = graph.get_edge_data("person:head-a", "group:steering")
    assert [d["role"] for d in seat.values()] == ["chair"]
    link = graph.get_edge_data("group:panel", "group:steering")
    assert [(d["kind"], d["link_id"]) for d in link.values()] == [("reports_to", "panel--reports_to--steering")]


# ================================================================ GEXF and GraphML


def check_round_trip(document: LocalityDocument, back: nx.Graph) -> None:
    graph = export_graph(document)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert set(back.nodes) == set(graph.nodes)
    for n, data in graph.nodes(data=True):
        assert back.nodes[n]["kind"] == data["kind"]
        assert back.nodes[n]["label"] == data["label"]
    for g in document.groups:
        node = back.nodes[f"group:{g.id}"]
        assert node["type"] == g.type.value
        assert node["external"] is g.external
        assert node["focus"] == g.effective_focus.value if g.effective_focus else "focus" not in node
    for p in document.people:
        node = back.nodes[f"person:{p.id}"]
        assert node["systems_minder"] is p.systems_minder
        assert node["service_user_rep"] is p.service_user_rep
        assert node.get("role") == p.role
        if p.hours_per_week is not None:
            assert node["hours_per_week"] == pytest.approx(p.hours_per_week)
    for a in document.agencies:
        assert back.nodes[f"agency:{a.id}"]["sector"] == a.sector.value
    edges = edges_with_data(back)
    links = sorted((u, v, d["kind"], d["link_id"]) for u, v, d in edges if "link_id" in d)
    assert links == sorted(
        (f"group:{link.from_}", f"group:{link.to}", link.kind.value, link.id) for link in document.links
    )
    seats = sorted((u, v, d["role"], d.get("attendance")) for u, v, d in edges if d["kind"] == "member")
    assert seats == sorted(
        (f"person:{m.person}", f"group:{g.id}", m.role.value, m.attendance) for g in document.groups for m in g.members
    )
    assert Counter(d["kind"] for _, _, d in edges) == Counter(d["kind"] for _, _, d in graph.edges(data=True))


@sample_names
def test_gexf_loads_back_with_networkx(samples, name):
    document = samples[name]
    content = to_gexf(document)
    back = nx.read_gexf(io.BytesIO(content))
    check_round_trip(document, back)
    assert back.graph["name"] == document.locality.name
    # GEXF has no graph attributes: the locality's are in <meta><description>.
    root = ET.fromstring(content)
    ns = {"g": "http://www.gexf.net/1.2draft"}
    description = root.find("g:meta/g:description", ns).text
    assert f"locality: {document.locality.id}" in description
    assert f"authority: {document.locality.authority}" in description


@sample_names
def test_graphml_loads_back_with_networkx(samples, name):
    document = samples[name]
    back = nx.read_graphml(io.BytesIO(to_graphml(document)))
    check_round_trip(document, back)
    loc = document.locality
    assert back.graph["locality"] == loc.id
    assert back.graph["name"] == loc.name
    assert back.graph["authority"] == loc.authority
    assert back.graph["boundary"] == loc.boundary.value
    assert back.graph["devolved_funding"] == loc.devolved_funding.value
    assert back.graph["sources"].split("\n") == loc.sources


@pytest.mark.parametrize("reader,writer", [(nx.read_gexf, to_gexf), (nx.read_graphml, to_graphml)])
def test_hostile_text_survives_the_xml_round_trip(reader, writer):
    document = hostile_document()
    back = reader(io.BytesIO(writer(document)))
    check_round_trip(document, back)
    assert back.nodes["agency:school-a"]["label"] == HOSTILE[1]
    assert back.nodes["person:head-a"]["label"] == HOSTILE[2]
    assert back.nodes["person:sw"]["label"] == HOSTILE[3]
    assert back.nodes["person:sw"]["note"] == 'a "quoted" note\nwith a newline </note>'
    assert back.nodes["group:steering"]["purpose"] == "<purpose> & 'more'"
    notes = {d.get("note") for _, _, d in edges_with_data(back)}
    assert {"seat & <note>", 'link "note" <&>'} <= notes
    assert back.graph["name"] == HOSTILE[0]


def test_hostile_text_does_not_inject_markup():
    content = to_graphml(hostile_document()).decode("utf-8")
    assert "<script>" not in content
    content = to_gexf(hostile_document()).decode("utf-8")
    assert "<script>" not in content
    ET.fromstring(content)  # well-formed


def test_characters_xml_cannot_hold_are_replaced(minimal):
    # U+FFFF is a valid Python string character the format accepts, but not an XML 1.0 Char.
    minimal["people"][0]["name"] = "odd \uffff name"
    document = validate_data(minimal)
    for reader, writer in ((nx.read_gexf, to_gexf), (nx.read_graphml, to_graphml)):
        back = reader(io.BytesIO(writer(document)))
        assert back.nodes["person:head-a"]["label"] == "odd \ufffd name"


def test_ids_shared_across_sections_stay_apart(minimal):
    # Ids are unique only within a section: a group and an agency may both be 'school-a'.
    minimal["groups"][1]["id"] = "school-a"
    minimal["links"][0]["from"] = "school-a"
    document = validate_data(minimal)
    for reader, writer in ((nx.read_gexf, to_gexf), (nx.read_graphml, to_graphml)):
        back = reader(io.BytesIO(writer(document)))
        assert back.nodes["group:school-a"]["kind"] == "group"
        assert back.nodes["agency:school-a"]["kind"] == "agency"


# ================================================================ Kumu


@sample_names
def test_kumu_export_validates_with_right_counts(samples, name):
    document = samples[name]
    data = to_kumu(document)
    assert validate_kumu(data) == []
    assert validate_kumu(json.loads(json.dumps(data))) == []
    types = Counter(e["type"] for e in data["elements"])
    assert types == Counter(Group=len(document.groups), Person=len(document.people), Agency=len(document.agencies))
    assert len(data["connections"]) == expected_edges(document)
    kinds = Counter(c["type"] for c in data["connections"])
    assert kinds["member"] == seat_count(document)
    assert kinds["works for"] == sum(1 for p in document.people if p.agency)
    assert sum(v for k, v in kinds.items() if k not in ("member", "works for")) == len(document.links)
    assert all(c["direction"] == "directed" for c in data["connections"])
    by_id = {(e["type"], e["locmap_id"]): e for e in data["elements"]}
    for g in document.groups:
        element = by_id[("Group", g.id)]
        assert element["group_type"] == g.type.value and g.type.value in element["tags"]
    for p in document.people:
        assert by_id[("Person", p.id)]["systems_minder"] is p.systems_minder


def test_kumu_disambiguates_shared_names(minimal):
    minimal["agencies"][1]["name"] = "Steering group"  # same as a group
    minimal["people"][1]["name"] = minimal["people"][0]["name"]  # two people, one name
    minimal["agencies"][0]["name"] = "Panel (panel)"  # already what disambiguation would pick
    minimal["groups"][1]["name"] = "Panel"
    minimal["agencies"].append({"id": "panel", "name": "Panel", "sector": "other"})
    document = validate_data(minimal)
    data = to_kumu(document)
    assert validate_kumu(data) == []
    labels = [e["label"] for e in data["elements"]]
    assert len({label.casefold() for label in labels}) == len(labels)
    assert "Steering group (steering)" in labels and "Steering group (shc)" in labels
    assert "Head teacher, School A (head-a)" in labels and "Head teacher, School A (sw)" in labels
    assert "Panel (group panel)" in labels and "Panel (agency panel)" in labels and "Panel (panel)" in labels
    # The original name stays available as a field.
    assert {e.get("name") for e in data["elements"]} >= {"Steering group", "Panel"}
    assert set(kumu_labels(document).values()) == set(labels)


def test_kumu_keeps_hostile_text():
    data = to_kumu(hostile_document())
    assert validate_kumu(data) == []
    back = json.loads(export_bytes(hostile_document(), "kumu")[0])
    assert back.pop("provenance")["tool"] == data.pop("provenance")["tool"] == "locmap"
    assert back == data
    assert {e["label"] for e in back["elements"]} >= set(HOSTILE[1:])


@pytest.mark.parametrize(
    "data,problem",
    [
        ([], "expected an object"),
        ({"elements": []}, "missing 'connections'"),
        ({"elements": {}, "connections": []}, "elements: expected a list"),
        ({"elements": [], "connections": [], "extra": 1}, "unexpected key 'extra'"),
        ({"elements": ["A"], "connections": []}, "elements[0]: expected an object"),
        ({"elements": [{"type": "Group"}], "connections": []}, "elements[0].label: required"),
        ({"elements": [{"label": "  "}], "connections": []}, "elements[0].label: required"),
        ({"elements": [{"label": "A"}, {"label": "a"}], "connections": []}, "duplicate label 'a' (elements[0])"),
        ({"elements": [{"label": "A", "tags": "x"}], "connections": []}, "elements[0].tags: expected a list"),
        ({"elements": [{"label": "A", "x": None}], "connections": []}, "elements[0].x: expected a string"),
        ({"elements": [{"label": "A", "x": [{}]}], "connections": []}, "elements[0].x[0]"),
        ({"elements": [{"label": "A", "type": 3}], "connections": []}, "elements[0].type"),
        ({"elements": [{"label": "A"}], "connections": [{"from": "A"}]}, "connections[0].to: required"),
        (
            {"elements": [{"label": "A"}], "connections": [{"from": "A", "to": "B"}]},
            "'B' is not the label of any element",
        ),
        (
            {
                "elements": [{"label": "A"}, {"label": "B"}],
                "connections": [{"from": "A", "to": "B", "direction": "up"}],
            },
            "connections[0].direction",
        ),
        ({"elements": [{"label": "A"}], "connections": ["A"]}, "connections[0]: expected an object"),
    ],
)
def test_validate_kumu_reports_problems(data, problem):
    problems = validate_kumu(data)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_bytes(samples, fmt):
    content, media_type = export_bytes(samples["thame"], fmt)
    assert isinstance(content, bytes) and content
    assert media_type == MEDIA_TYPES[fmt]
    content.decode("utf-8")


def test_export_bytes_rejects_unknown_format(samples):
    with pytest.raises(ValueError, match="unknown export format 'dot': use one of gexf, graphml, kumu"):
        export_bytes(samples["thame"], "dot")


# ================================================================ pseudonyms


def test_keyed_order_is_stable_and_keyed():
    ids = [f"person-{n}" for n in range(20)]
    first = keyed_order(KEY, "people", "thame", ids)
    assert first == keyed_order(KEY, "people", "thame", reversed(ids)) and sorted(first) == sorted(ids)
    assert first != ids
    assert first != keyed_order(OTHER_KEY, "people", "thame", ids)
    assert first != keyed_order(KEY, "people", "city", ids)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        keyed_order(b"short", "people", "thame", ids)


def test_new_key():
    key = new_key()
    assert isinstance(key, bytes) and len(key) == 32
    assert key != new_key()


def test_load_key(tmp_path):
    good = tmp_path / "good.key"
    good.write_bytes(b"\x00\xff" * 16)
    assert load_key(good) == b"\x00\xff" * 16
    exact = tmp_path / "exact.key"
    exact.write_bytes(b"x" * MIN_KEY_BYTES)
    assert load_key(exact) == b"x" * MIN_KEY_BYTES
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * (MIN_KEY_BYTES - 1))
    with pytest.raises(ValueError, match=r"holds 15 byte\(s\); a key needs at least 16"):
        load_key(short)
    empty = tmp_path / "empty.key"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"holds 0 byte\(s\)"):
        load_key(empty)
    with pytest.raises(ValueError, match="does not exist"):
        load_key(tmp_path / "missing.key")
    with pytest.raises(ValueError, match="is a directory"):
        load_key(tmp_path)


@sample_names
def test_pseudonymised_export_is_valid_and_drops_free_text(samples, name):
    document = samples[name]
    export = pseudonymise_export(document, KEY, k=1)
    result = export.document
    data = result.to_data()
    assert validate_data(copy.deepcopy(data)) == result
    mapping, groups, agencies = export.ids["people"], export.ids["groups"], export.ids["agencies"]
    assert all(p.name == p.id and ID_RE.match(p.id) for p in result.people)
    new_person = {p.id: p for p in result.people}
    for before in document.people:
        after = new_person[mapping[before.id]]
        assert (
            after.role,
            after.agency,
            after.systems_minder,
            after.service_user_rep,
            after.local,
            after.hours_per_week,
        ) == (
            before.role,
            agencies.get(before.agency),
            before.systems_minder,
            before.service_user_rep,
            before.local,
            before.hours_per_week,
        )
    new_group = {g.id: g for g in result.groups}
    for before in document.groups:
        after = new_group[groups[before.id]]
        assert (after.type, after.focus, after.meets, after.area, after.school) == (
            before.type,
            before.focus,
            before.meets,
            before.area,
            agencies.get(before.school),
        )
        assert sorted((mapping[m.person], m.role, m.attendance) for m in before.members) == [
            (m.person, m.role, m.attendance) for m in after.members
        ]
        assert all(m.note is None for m in after.members)  # a seat's note describes one person
    assert sorted((groups[x.from_], groups[x.to], x.kind) for x in document.links) == sorted(
        (x.from_, x.to, x.kind) for x in result.links
    )
    new_agency = {a.id: a for a in result.agencies}
    assert [a.model_dump(exclude={"id", "note"}) for a in document.agencies] == [
        new_agency[agencies[a.id]].model_dump(exclude={"id", "note"}) for a in document.agencies
    ]
    assert all(p.note is None for p in result.people)
    loc = result.locality
    assert loc.note is not None and loc.note.startswith("Pseudonymised export")
    assert loc.model_dump(exclude={"description", "note", "sources"}) == document.locality.model_dump(
        exclude={"description", "note", "sources"}
    )


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@sample_names
def test_no_person_name_or_id_survives(samples, name):
    document = samples[name]
    result = pseudonymise(document, KEY)
    texts = [dump_document(result, ".json"), dump_document(result, ".yaml")]
    texts += [e.decode("utf-8") for e in (to_gexf(result), to_graphml(result))]
    texts.append(json.dumps(to_kumu(result), ensure_ascii=False))
    organisational = {g.name for g in document.groups} | {a.name for a in document.agencies}
    # A person's name that is also a group's or an agency's name stays as that
    # group's or agency's name; only names that are not are checked (at the
    # time of writing no sample has such a clash, so every name is checked).
    names = [p.name for p in document.people if p.name not in organisational]
    original = dump_document(document, ".json")
    assert all(json.dumps(n, ensure_ascii=False)[1:-1] in original for n in names)  # the check can fail
    for person_name in names:
        for text in texts:
            assert person_name not in text
            assert json.dumps(person_name)[1:-1] not in text
    # Person ids are short words ('hsclw', 'esw', 'gp') that can also be a role,
    # part of a group id or a word in a citation, so they cannot be searched
    # for as substrings; instead no value of the export may equal a person id,
    # except where the source has the same string outside people's ids, names
    # and seats (for example the role 'hsclw' of the person 'hsclw').
    source = document.to_data()
    for person in source["people"]:
        del person["id"], person["name"]
    for group in source["groups"]:
        for member in group.get("members", []):
            del member["person"]
    elsewhere = set(_strings(source))
    person_ids = {p.id for p in document.people}

    def leaked(data: dict) -> set[str]:
        return {s for s in _strings(data) if s in person_ids and s not in elsewhere}

    assert leaked(document.to_data()) == person_ids - elsewhere != set()  # the check can fail
    assert not leaked(result.to_data())
    assert not ({e.get("locmap_id") for e in to_kumu(result)["elements"] if e["type"] == "Person"} & person_ids)


def test_person_named_like_an_agency(minimal):
    # A person named like an agency: the agency keeps its name, the person loses theirs.
    minimal["people"][1]["name"] = "Social and Health Care"
    result = pseudonymise(validate_data(minimal), KEY, k=1)
    assert all(p.name == p.id for p in result.people)
    assert "Social and Health Care" in {a.name for a in result.agencies}


def _finding_keys(result, ids: dict[str, dict[str, str]]) -> Counter:
    kinds = {"person": "people", "group": "groups", "agency": "agencies"}
    return Counter(
        (
            f.code,
            f.severity.value,
            f.subject_kind,
            tuple(sorted(ids.get(kinds.get(f.subject_kind, ""), {}).get(s, s) for s in f.subjects)),
        )
        for f in result.findings
    )


def _bag(text: str) -> list[str]:
    """The words of a text, in any order: lists in messages follow ids, which are new."""
    return sorted("".join(ch if ch.isalnum() else " " for ch in text).split())


def _renamed(text: str, document: LocalityDocument, mapping: dict[str, str]) -> str:
    for person in sorted(document.people, key=lambda p: -len(p.name)):
        text = text.replace(f"'{person.name}'", f"'{mapping[person.id]}'")
    return text


@sample_names
def test_pseudonymised_audit_matches_the_original(samples, name):
    # With nothing generalised (k=1) the audit is the original's, entity by
    # entity; tests/test_pseudonym.py checks the structure at the default k.
    document = samples[name]
    export = pseudonymise_export(document, KEY, k=1)
    result, mapping = export.document, export.ids["people"]
    before, after = audit(document), audit(result)
    assert _finding_keys(before, export.ids) == _finding_keys(after, {})
    # Messages quote people by name (the subject of a MEETING_LOAD, the people
    # through whom a MISSING_FEEDBACK_PATH runs informally): the same once each
    # quoted name is its pseudonym.
    expected_messages = Counter((f.code, *_bag(_renamed(f.message, document, mapping))) for f in before.findings)
    assert Counter((f.code, *_bag(f.message)) for f in after.findings) == expected_messages
    assert {k: v["level"] for k, v in before.profile.items()} == {k: v["level"] for k, v in after.profile.items()}
    assert {k: _bag(_renamed(v["evidence"], document, mapping)) for k, v in before.profile.items()} == {
        k: _bag(v["evidence"]) for k, v in after.profile.items()
    }
    metrics_before, metrics_after = dict(before.metrics), dict(after.metrics)
    brokers_before, brokers_after = metrics_before.pop("brokers"), metrics_after.pop("brokers")
    for key in ("key_group", "principal_group"):
        metrics_before[key] = export.ids["groups"].get(metrics_before[key])
    assert metrics_before == metrics_after
    # Brokers are person-keyed: the same scores, person by person.  Ties are
    # broken by id, so the list is compared through the full scores.
    scores_before = broker_scores(build_graphs(document), DEFAULT_SETTINGS)
    scores_after = broker_scores(build_graphs(result), DEFAULT_SETTINGS)
    assert {mapping[p]: s for p, s in scores_before.items()} == pytest.approx(scores_after)
    assert [b["betweenness"] for b in brokers_before] == [b["betweenness"] for b in brokers_after]
    for b in brokers_after:
        assert round(scores_after[b["person"]], 3) == b["betweenness"]


def test_pseudonymise_does_not_change_the_input(samples):
    document = samples["thame"]
    before = document.model_dump()
    pseudonymise(document, KEY)
    assert document.model_dump() == before


def test_pseudonymised_yaml_reloads(samples, tmp_path):
    result = pseudonymise(samples["city"], KEY)
    path = tmp_path / "city.yaml"
    path.write_text(dump_document(result, ".yaml"), encoding="utf-8")
    assert load_path(path) == result
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["locality"]["id"] == "city"
