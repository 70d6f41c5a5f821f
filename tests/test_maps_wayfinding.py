"""Maps people can read at every size (issue 13, parts 5 and 6): ego views, layers, big maps, summaries, measures."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.maps import map_payload
from app.maps.layers import group_level
from models.document import LocalityDocument
from tests.conftest import auth

#: A hand-built locality with a known neighbourhood: the panel takes from the
#: schools' team and refers to MAST; the forum is linked to MAST only.
WAYS = {
    "format": "locmap/1",
    "locality": {"id": "ways", "name": "Ways", "authority": "Testshire", "boundary": "clear"},
    "agencies": [
        {"id": "school", "name": "School", "sector": "education", "school": True},
        {"id": "care", "name": "Care", "sector": "social_care"},
        {"id": "la", "name": "County Council", "sector": "local_authority"},
    ],
    "people": [
        {"id": "senco", "name": "SENCO", "role": "senco", "agency": "school"},
        {"id": "sw", "name": "Social worker", "role": "social_worker", "agency": "care"},
        {"id": "lead", "name": "Locality lead", "role": "manager", "agency": "la"},
        {"id": "hv", "name": "Health visitor", "role": "health_visitor", "agency": "care"},
    ],
    "groups": [
        {"id": "centre", "name": "Children's Trust", "type": "strategic_centre", "external": True},
        {"id": "steering", "name": "Steering", "type": "steering_group", "members": [{"person": "lead"}]},
        {
            "id": "sct",
            "name": "Schools team",
            "type": "school_consultation_team",
            "members": [{"person": "senco"}, {"person": "sw"}],
        },
        {"id": "panel", "name": "Panel", "type": "panel", "members": [{"person": "sw"}, {"person": "lead"}]},
        {"id": "mast", "name": "MAST", "type": "multi_agency_support_team", "members": [{"person": "hv"}]},
        {"id": "forum", "name": "Forum", "type": "forum", "focus": "upstream", "members": [{"person": "hv"}]},
    ],
    "links": [
        {"from": "sct", "to": "panel", "kind": "refers_cases_to"},
        {"from": "panel", "to": "mast", "kind": "refers_cases_to"},
        {"from": "forum", "to": "mast", "kind": "consults"},
        {"from": "steering", "to": "centre", "kind": "reports_to"},
        {"from": "sct", "to": "steering", "kind": "feeds_issues_to"},
    ],
}


@pytest.fixture
def ways() -> LocalityDocument:
    return LocalityDocument.model_validate(WAYS)


def _refs(payload, kind):
    return {n["ref"] for n in payload["nodes"] if n["kind"] == kind}


# ---------------------------------------------------------------- ego views


def test_a_groups_neighbourhood_is_its_members_and_the_groups_one_link_away(ways):
    payload = map_payload(ways, "people", ego="group:panel")
    assert _refs(payload, "group") == {"panel", "sct", "mast"}
    assert _refs(payload, "person") == {"sw", "lead"}  # not the SENCO: she sits on the schools team only
    centre = [n for n in payload["nodes"] if n.get("ego")]
    assert [n["ref"] for n in centre] == ["panel"]
    assert payload["ego"]["name"] == "Panel" and "Panel" in payload["notices"][0]


def test_a_persons_neighbourhood_is_their_groups_and_colleagues_on_them(ways):
    payload = map_payload(ways, "people", ego="person:sw")
    assert _refs(payload, "group") == {"sct", "panel"}
    assert _refs(payload, "person") == {"sw", "senco", "lead"}
    links = {(e["from"], e["to"]) for e in payload["edges"] if e["kind"] == "link"}
    ids = {n["ref"]: n["id"] for n in payload["nodes"]}
    assert links == {(ids["sct"], ids["panel"])}  # only links between the groups shown


def test_an_unknown_ego_is_refused_in_words(ways):
    with pytest.raises(ValueError, match="no group called 'nowhere'"):
        map_payload(ways, "people", ego="group:nowhere")
    with pytest.raises(ValueError, match="group:ID or person:ID"):
        map_payload(ways, "people", ego="agency:la")


# ---------------------------------------------------------------- layers


def test_layered_levels_follow_focus_and_type(ways):
    levels = {g.id: group_level(g, g.type.value == "school_consultation_team") for g in ways.groups}
    assert levels == {"centre": 0, "steering": 1, "sct": 2, "forum": 2, "panel": 3, "mast": 3}
    payload = map_payload(ways, "groups", layout="layered")
    assert {n["ref"]: n["level"] for n in payload["nodes"]} == levels
    hierarchical = payload["options"]["layout"]["hierarchical"]
    assert hierarchical["enabled"] and hierarchical["direction"] == "UD"
    assert hierarchical["sortMethod"] == "directed"
    assert payload["layout"] == "layered"
    assert all("x" not in n for n in payload["nodes"])


def test_the_people_view_is_never_layered(ways):
    payload = map_payload(ways, "people", layout="layered")
    assert payload["layout"] == "physics" and "hierarchical" not in payload["options"]["layout"]


# ---------------------------------------------------------------- summaries


def test_the_summary_by_kind_draws_each_kind_of_link_and_colours_kinds_by_focus(ways):
    payload = map_payload(ways, "kind")
    focus = {n["type"]: n["focus"] for n in payload["nodes"]}
    assert focus["panel"] == "downstream" and focus["strategic_centre"] == "strategic"
    kinds = Counter(e["link_kind"] for e in payload["edges"] if e["kind"] == "link")
    assert kinds["refers_cases_to"] == 2 and kinds["consults"] == 1 and set(kinds) != {"consults"}
    refers = next(e for e in payload["edges"] if e.get("link_kind") == "refers_cases_to")
    assert "1 link" in refers["tooltip"]
    assert any("merges" in item["label"] for item in payload["legend"]["edges"] + payload["legend"]["link_kinds"])


def test_the_summary_by_agency_colours_agencies_by_sector_and_joins_them_by_shared_seats(ways):
    payload = map_payload(ways, "agency")
    sectors = {n["ref"]: n["sector"] for n in payload["nodes"]}
    assert sectors == {"school": "education", "care": "social_care", "la": "local_authority"}
    assert {n["color"]["background"] for n in payload["nodes"]} != {"#9A9A9A"}
    edges = payload["edges"]
    assert edges and all(e["kind"] == "shared" for e in edges)
    school_care = next(e for e in edges if {e["from"], e["to"]} == {"a0", "a1"})
    assert "sit together on 1 group" in school_care["tooltip"]
    assert payload["legend"]["sectors"] and payload["legend"]["edges"][0]["value"] == "shared"


# ---------------------------------------------------------------- measures


def test_nodes_sized_by_seats_and_the_legend_names_the_measure(ways):
    payload = map_payload(ways, "groups", measure="seats")
    sizes = {n["ref"]: n["measure"] for n in payload["nodes"]}
    assert sizes["sct"] == 2 and sizes["centre"] == 0
    legend = payload["legend"]["measure"]
    assert legend["value"] == "seats" and "seats" in legend["label"].lower()
    assert (legend["min"], legend["max"]) == (0, 2)
    assert len({n["color"]["background"] for n in payload["nodes"]}) > 1
    assert map_payload(ways, "groups")["legend"]["measure"] is None


@pytest.mark.parametrize("measure", ["hours", "betweenness"])
def test_every_measure_gives_a_range(ways, measure):
    legend = map_payload(ways, "people", measure=measure)["legend"]["measure"]
    assert legend["value"] == measure and legend["min"] <= legend["max"]


def test_an_unknown_measure_is_refused(ways):
    with pytest.raises(ValueError, match="measure"):
        map_payload(ways, "groups", measure="weight")


# ---------------------------------------------------------------- large localities


@pytest.fixture(scope="module")
def big():
    from app.synth import synth

    return synth("locality", 1)[0]  # 120 groups and 800 people: far past a readable people map


def test_a_large_locality_opens_on_the_groups_view_and_says_why(big):
    payload = map_payload(big, "auto")
    assert payload["view"] == "groups"
    words = " ".join(payload["notices"])
    assert "People and groups" in words and "person's or a group's page" in words


def test_a_large_map_names_only_its_most_connected_nodes_at_fit_zoom(big):
    payload = map_payload(big, "people")
    degree = Counter()
    for e in payload["edges"]:
        degree[e["from"]] += 1
        degree[e["to"]] += 1
    top = [n for n in payload["nodes"] if n.get("top_label")]
    assert 0 < len(top) <= 25
    least_top = min(degree[n["id"]] for n in top)
    assert all(degree[n["id"]] <= least_top for n in payload["nodes"] if not n.get("top_label"))
    assert payload["options"]["nodes"]["scaling"]["label"]["drawThreshold"] > 5
    assert any("zoom in" in notice for notice in payload["notices"])


def test_a_detached_part_does_not_shrink_the_rest(ways):
    small = map_payload(ways, "groups")
    assert small["fit_nodes"] is None  # one piece: fit everything
    data = {**WAYS, "groups": [*WAYS["groups"], {"id": "alone", "name": "Alone", "type": "network"}]}
    payload = map_payload(LocalityDocument.model_validate(data), "groups")
    alone = next(n["id"] for n in payload["nodes"] if n["ref"] == "alone")
    assert payload["fit_nodes"] and alone not in payload["fit_nodes"]
    assert any("not linked to the rest" in notice for notice in payload["notices"])


def test_small_maps_show_every_label(ways):
    payload = map_payload(ways, "people")
    assert not any(n.get("top_label") for n in payload["nodes"]) and payload["notices"] == []


# ---------------------------------------------------------------- served fast


def test_map_json_takes_the_new_options_and_refuses_bad_ones_in_words(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    base = "/localities/abingdon/map.json"
    ego = client.get(f"{base}?ego=person:coordinator", headers=viewer)
    assert ego.status_code == 200 and ego.json()["ego"]["ref"] == "coordinator"
    layered = client.get(f"{base}?view=groups&layout=layered", headers=viewer).json()
    assert layered["layout"] == "layered"
    assert client.get(f"{base}?view=kind", headers=viewer).json()["view"] == "kind"
    assert client.get(f"{base}?measure=hours", headers=viewer).json()["legend"]["measure"]["value"] == "hours"
    missing = client.get(f"{base}?ego=group:nowhere", headers=viewer)
    assert missing.status_code == 404 and "no group called" in missing.text and "nowhere" in missing.text
    bad = client.get(f"{base}?measure=weight", headers=viewer)
    assert bad.status_code == 422 and "measure" in bad.text and "pattern" not in bad.text


def test_map_json_304_on_its_etag_and_gzip_per_variant(service):
    client, tokens = service
    viewer = {**auth(tokens, "viewer"), "Accept-Encoding": "gzip"}
    path = "/localities/abingdon/map.json?ego=person:coordinator&measure=seats"
    first = client.get(path, headers=viewer)
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    assert client.get(path, headers={**viewer, "If-None-Match": first.headers["etag"]}).status_code == 304
    other = client.get("/localities/abingdon/map.json?ego=person:coordinator", headers=viewer)
    assert other.headers["etag"] != first.headers["etag"]


def test_the_locality_page_of_a_large_synthetic_locality_is_under_100_kb(engine):
    """The largest county locality is about 125 groups and 560 people (``locmap synth --scale county``)."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.storage import store
    from app.storage.db import session_scope
    from app.synth import synth_locality
    from app.web.main import create_app

    document = synth_locality("loc-001", random.Random(1), groups=130, people=600)
    with session_scope(engine) as session:
        store.import_document(session, document)
    app = create_app(Settings(database_url="sqlite://", load_samples=False, demo=True), engine=engine)
    slug = document.locality.id
    with TestClient(app) as client:
        page = client.get(f"/localities/{slug}", headers={"Accept-Encoding": "identity"})
        assert page.status_code == 200 and len(page.content) < 100_000
        assert f"/localities/{slug}/map.json?view=people" in page.text  # map.js asks for view=auto
        data = client.get(f"/localities/{slug}/map.json?view=auto").json()
        assert data["view"] == "groups" and len(data["nodes"]) == len(document.groups)


# ---------------------------------------------------------------- big maps legible at the fit zoom


def _widest_word(label: str, size: float) -> float:
    """A generous width of the label's longest word: 0.62 em a letter (system-ui averages about 0.55)."""
    return max(len(word) for word in label.split()) * 0.62 * size


def test_a_big_maps_names_wrap_between_words_only(big):
    """vis breaks a word only when it is wider than the node's widthConstraint: keep every word narrower."""
    payload = map_payload(big, "groups")
    for node in payload["nodes"]:
        width = node.get("widthConstraint", {}).get("maximum")
        margin = 2 * node.get("margin", 5)
        assert width is None or width - margin >= _widest_word(node["label"], node["font"]["size"]), node["label"]


def test_a_big_map_offers_more_names_than_it_shows_so_crowded_ones_can_give_way(big):
    payload = map_payload(big, "groups")
    ranks = sorted(n["label_rank"] for n in payload["nodes"] if n.get("top_label"))
    assert ranks == list(range(len(ranks))) and len(ranks) > payload["label_count"] > 0
    assert any(f"up to {payload['label_count']}" in notice for notice in payload["notices"])


@pytest.mark.parametrize("by", ["agency", "kind"])
def test_the_standalone_summary_is_the_pages_styled_summary(ways, by):
    from app.maps import standalone_map_html
    from app.maps.aggregate import summary_elements

    page = standalone_map_html(ways, by)
    nodes, edges, _, _ = summary_elements(ways, by)
    assert f'"view":"{by}"' in page
    drawn = {e.get("link_kind", e["kind"]) for e in edges}
    assert drawn and all(f'"link_kind":"{k}"' in page or k == "shared" for k in drawn)
    assert '"link_kind":"consults"' not in page or "consults" in drawn
    assert "Summary by" in page


def test_locmap_map_aggregate_writes_the_styled_summary(tmp_path):
    from app.cli import main
    from app.samples import sample_paths

    city = next(p for p in sample_paths() if p.stem == "city")
    target = tmp_path / "city.html"
    assert main(["map", str(city), "-o", str(target), "--aggregate", "kind"]) == 0
    page = target.read_text(encoding="utf-8")
    assert '"view":"kind"' in page and '"link_kind":"refers_cases_to"' in page
