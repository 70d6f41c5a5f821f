"""Measures beside the audit: the audit's JSON, ``locmap measures``, its CSV download and the map's cluster colours."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from analysis.audit import audit, audit_measures
from analysis.entities import COLUMNS, entity_rows, locality_measures, rows_csv
from analysis.graphs import build_graphs
from app.cli import main
from app.formats.spreadsheets.cells import neutralise
from app.maps import map_payload
from app.maps.measures import CLUSTER_COLOURS, JOINS_CLUSTERS, NO_CLUSTER
from models.validation import load_path, validate_data
from tests.conftest import SAMPLES_DIR, auth
from tests.test_clusters import locality, two_sets_joined_by_one_person
from tests.test_startup import HEAVY, imported_modules, loaded_of

THAME = SAMPLES_DIR / "thame.yaml"
CITY = SAMPLES_DIR / "city.yaml"


def names_of_people(document) -> list[str]:
    return [p.name for p in document.people]


# ---------------------------------------------------------------- the audit's JSON


def test_the_audit_carries_measures_only_when_asked():
    document = load_path(THAME)
    assert "measures" not in audit(document).as_dict()
    asked = audit(document, measures=True).as_dict()
    assert asked["measures"] == audit_measures(document)
    assert set(asked["measures"]) >= {"people", "groups", "clusters", "method", "basis"}
    # The rest of the audit is the same with or without them.
    assert {k: v for k, v in asked.items() if k != "measures"} == audit(document).as_dict()


def test_audit_measures_name_groups_and_give_people_by_id_only():
    document = load_path(THAME)
    measures = audit_measures(build_graphs(document))
    text = json.dumps(measures)
    assert not [name for name in names_of_people(document) if f'"{name}"' in text]
    assert [p["person"] for p in measures["people"]] == [p.id for p in document.people]
    fields = {"person", "seats", "meeting_hours_per_year", "two_mode_degree", "two_mode_betweenness", "clusters"}
    assert all(set(p) == fields for p in measures["people"])
    network = next(g for g in measures["groups"] if g["group"] == "thame-network")
    assert network["name"] == "Thame Network" and network["cluster"] == 1
    assert measures["basis"]["cluster"] == "inferred" and measures["basis"]["two_mode_degree"] == "declared"
    assert measures["method"]["seed"] == 20051101 and not measures["method"]["betweenness_estimated"]


def test_audit_measures_of_a_hand_built_locality():
    document = validate_data(locality(two_sets_joined_by_one_person()))
    measures = audit_measures(document)
    xan = next(p for p in measures["people"] if p["person"] == "xan")
    assert xan["seats"] == 2 and xan["clusters"] == [1, 2]
    # xan is the only way between the two sides: the most between of anyone.
    assert xan["two_mode_betweenness"] == max(p["two_mode_betweenness"] for p in measures["people"])
    assert [c["groups"] for c in measures["clusters"]] == [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    alone = next(g for g in measures["groups"] if g["group"] == "alone")
    assert alone["cluster"] is None and alone["two_mode_degree"] == 0.125  # one seat over 8 people


# ---------------------------------------------------------------- tidy rows and CSV


def test_entity_rows_are_floats_people_unnamed_and_a_cluster_row_only_for_clustered_groups():
    document = validate_data(locality(two_sets_joined_by_one_person()))
    rows = list(entity_rows(locality_measures(build_graphs(document))))
    assert all(isinstance(r.value, float) for r in rows)
    assert {r.name for r in rows if r.kind == "person"} == {""}
    clustered = {**dict.fromkeys(("a1", "a2", "a3"), 1.0), **dict.fromkeys(("b1", "b2", "b3"), 2.0)}
    assert {r.id: r.value for r in rows if r.measure == "cluster"} == clustered
    assert [r.value for r in rows if r.id == "xan" and r.measure == "clusters"] == [2.0]


def test_rows_csv_quotes_text_neutralises_formulas_and_loads_in_pandas(minimal):
    minimal["groups"][0]["name"] = "=HYPERLINK(1) #2"
    document = validate_data(minimal)
    rows = list(entity_rows(locality_measures(build_graphs(document))))
    text = rows_csv(rows, comment="# made by a test\n", text=neutralise)
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert tuple(table.columns) == COLUMNS
    assert table["value"].dtype == float
    assert "'=HYPERLINK(1) #2" in set(table["name"])  # the '#' inside quotes is text, not a comment


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_locmap_measures_csv_loads_in_pandas_with_float_values_and_provenance(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    target = tmp_path / "measures.csv"
    code, out, err = run(capsys, "measures", str(THAME), str(CITY), "--csv", str(target))
    assert code == 0, err
    assert f"wrote {target}" in out and "Clusters of meetings that share people" in out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# made by locmap") and "# generated: 2023-11-14T22:13:20Z" in text
    table = pd.read_csv(target, comment="#")
    assert table["value"].dtype == float
    assert list(table["locality"].unique()) == ["thame", "city"]
    assert set(table["kind"]) == {"group", "person", "agency"}
    assert table[table["kind"] == "person"]["name"].isna().all()
    assert not set(names_of_people(load_path(THAME))) & set(table["name"].dropna())
    network = table[(table["id"] == "thame-network") & (table["measure"] == "two_mode_degree")]
    assert network["value"].iloc[0] == pytest.approx(len(load_path(THAME).groups[1].members) / 18, abs=1e-6)


def test_locmap_measures_json_and_its_refusals(capsys, tmp_path):
    code, out, _ = run(capsys, "measures", str(THAME), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["provenance"]["sources"][0]["locality"] == "thame"
    assert data["localities"][0]["locality"] == "thame" and data["localities"][0]["clusters"]
    code, _, err = run(capsys, "measures", str(THAME), "--json", "--csv", "-")
    assert code == 1 and "both write to standard output" in err
    code, _, err = run(capsys, "measures", str(THAME), "--csv", str(tmp_path / "no-such-folder" / "m.csv"))
    assert code == 1 and "cannot write" in err and "Traceback" not in err
    code, _, err = run(capsys, "measures", str(tmp_path / "missing.yaml"))
    assert code == 1 and "missing.yaml" in err


def test_locmap_measures_loads_no_database_or_web():
    modules, result = imported_modules("measures", str(THAME), "--csv", "-")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[4] == ",".join(f'"{c}"' for c in COLUMNS)
    assert loaded_of(modules, HEAVY) == []


# ---------------------------------------------------------------- the download


def test_the_measures_download_refuses_anonymous_visitors_as_the_other_downloads_do(service):
    client, tokens = service
    path = "/api/localities/thame/measures.csv"
    assert client.get(path).status_code == 401
    assert client.get("/api/localities/thame/download/xlsx").status_code == 401
    answer = client.get(path, headers=auth(tokens, "viewer"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="thame-measures.csv"' in answer.headers["content-disposition"]
    assert "# input: thame revision" in answer.text
    table = pd.read_csv(io.StringIO(answer.text), comment="#")
    assert table["value"].dtype == float and set(table["kind"]) == {"group", "person", "agency"}
    again = client.get(path, headers={**auth(tokens, "viewer"), "If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/api/localities/nowhere/measures.csv", headers=auth(tokens, "viewer")).status_code == 404


# ---------------------------------------------------------------- the map


def test_the_map_colours_groups_by_cluster_and_names_each_cluster_by_its_groups():
    document = validate_data(locality(two_sets_joined_by_one_person()))
    payload = map_payload(document, "people", measure="cluster")
    key = payload["legend"]["measure"]
    assert key["value"] == "cluster"
    named = {entry["value"]: entry for entry in key["categories"]}
    assert named[1]["label"] == "Cluster 1: Group a1; Group a2; Group a3" and named[1]["color"] == CLUSTER_COLOURS[0]
    assert named[2]["groups"] == ["b1", "b2", "b3"] and named[2]["color"] == CLUSTER_COLOURS[1]
    assert named["joins"]["color"] == JOINS_CLUSTERS and named["none"]["color"] == NO_CLUSTER
    colour = {n["ref"]: n["color"]["background"] for n in payload["nodes"]}
    assert colour["a2"] == CLUSTER_COLOURS[0] and colour["b3"] == CLUSTER_COLOURS[1]
    assert colour["xan"] == JOINS_CLUSTERS and colour["alone"] == NO_CLUSTER and colour["ann"] == CLUSTER_COLOURS[0]
    xan = next(n for n in payload["nodes"] if n["ref"] == "xan")
    assert xan["tooltip"].endswith("joins clusters 1 and 2")


def test_the_groups_view_of_the_city_offers_the_cluster_colouring():
    payload = map_payload(load_path(CITY), "groups", measure="cluster")
    labels = [c["label"] for c in payload["legend"]["measure"]["categories"]]
    assert labels[0].startswith("Cluster 1: School Consultation Team") and labels[0].endswith("and 2 more")
    banbury = map_payload(load_path(SAMPLES_DIR / "banbury.yaml"), "groups", measure="cluster")
    steering = next(n for n in banbury["nodes"] if n["ref"] == "banbury-steering-group")
    # Its focus gave it a white name on dark blue; on its cluster's orange the name is near-black.
    assert steering["color"]["background"] == CLUSTER_COLOURS[0] and steering["font"]["color"] == "#111111"
    with pytest.raises(ValueError, match="seats, hours, betweenness, cluster"):
        map_payload(load_path(CITY), "groups", measure="clusters")


def test_locmap_audit_measures_adds_them_to_the_json_people_by_id(capsys):
    code, plain, _ = run(capsys, "audit", str(SAMPLES_DIR / "thame.yaml"), "--json")
    code_with, with_measures, _ = run(capsys, "audit", str(SAMPLES_DIR / "thame.yaml"), "--json", "--measures")
    assert code == code_with == 0
    assert "measures" not in json.loads(plain)
    measures = json.loads(with_measures)["measures"]
    document = load_path(SAMPLES_DIR / "thame.yaml")
    assert {p["person"] for p in measures["people"]} <= {p.id for p in document.people}
    assert not any(name in json.dumps(measures) for name in names_of_people(document))


def test_the_api_audit_carries_measures_when_asked_and_refuses_them_with_a_what_if(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    plain = client.get("/api/localities/thame/audit", headers=viewer)
    asked = client.get("/api/localities/thame/audit?measures=true", headers=viewer)
    assert plain.status_code == asked.status_code == 200
    assert "measures" not in plain.json() and asked.json()["measures"]["clusters"]
    assert plain.headers["etag"] != asked.headers["etag"]
    refused = client.get("/api/localities/thame/audit?measures=true&without=person:hslw", headers=viewer)
    assert refused.status_code in (400, 422) and "without" in refused.text
