"""The REST API, route by route, on an in-memory database (TestClient, StaticPool)."""

from __future__ import annotations

import copy

import pytest

from models.validation import canonical, load_path, validate_data
from tests.conftest import MINIMAL, SAMPLES_DIR, auth


@pytest.fixture
def api(service):
    client, tokens = service

    def call(method: str, path: str, role: str = "admin", **kwargs):
        unconditional = {"If-Match": "*"} if method in ("PUT", "PATCH", "DELETE") else {}  # see test_concurrency.py
        headers = {**auth(tokens, role), **unconditional, **kwargs.pop("headers", {})}
        return client.request(method, path, headers=headers, **kwargs)

    call.client, call.tokens = client, tokens
    return call


def test_health_is_public(api):
    response = api("GET", "/health", role="anonymous")
    expected = api.client.app.state.engine.dialect.name
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": expected}


def test_samples_are_loaded_on_first_start_with_counts(api):
    rows = api("GET", "/api/localities", role="viewer").json()
    assert [r["id"] for r in rows] == ["abingdon", "banbury", "bicester", "kidlington", "thame", "city"]
    thame = next(r for r in rows if r["id"] == "thame")
    assert (thame["groups"], thame["people"], thame["links"]) == (6, 18, 6)


def test_create_get_export_round_trip_and_delete(api):
    response = api("POST", "/api/localities", json=MINIMAL)
    assert response.status_code == 201, response.text
    assert response.json()["groups"] == 2 and response.json()["revision"] == 1
    assert api("POST", "/api/localities", json=MINIMAL).status_code == 409
    exported = api("GET", "/api/localities/testville/export").json()
    assert canonical(validate_data(exported)) == canonical(validate_data(MINIMAL))
    assert api("GET", "/api/localities/testville").json()["name"] == "Testville"
    assert api("DELETE", "/api/localities/testville").status_code == 204
    assert api("GET", "/api/localities/testville").status_code == 404


@pytest.mark.parametrize("slug", ["abingdon", "city", "thame"])
def test_sample_export_round_trips(api, slug):
    exported = api("GET", f"/api/localities/{slug}/export", role="viewer").json()
    assert canonical(validate_data(exported)) == canonical(load_path(SAMPLES_DIR / f"{slug}.yaml"))


def test_invalid_document_lists_every_problem_as_loc_and_msg(api):
    bad = copy.deepcopy(MINIMAL)
    bad["locality"]["boundary"] = "fuzzy"
    bad["groups"][0]["members"].append({"person": "p99"})
    bad["links"][0]["kind"] = "talks_to"
    response = api("POST", "/api/localities", json=bad)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert {"loc": "groups[0].members[2].person", "msg": "unknown person 'p99'"} in problems
    assert {p["loc"] for p in problems} == {"locality.boundary", "groups[0].members[2].person", "links[0].kind"}
    assert api("GET", "/api/localities/testville").status_code == 404  # nothing half-written


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"", 400, "empty body"),
        (b"{not json", 400, "invalid JSON"),
        (b"[1, 2]", 422, "got a list"),
        (b"\xff\xfe", 400, "not UTF-8"),
    ],
)
def test_unreadable_bodies(api, body, status, expected):
    response = api("POST", "/api/localities", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and expected in response.text


def test_put_replaces_all_or_nothing(api):
    thame = api("GET", "/api/localities/thame/export").json()
    before = api("GET", "/api/localities/thame").json()
    thame["groups"] = [g for g in thame["groups"] if g["id"] != "bodyzone-group"]
    thame["links"] = [link for link in thame["links"] if "bodyzone-group" not in (link["from"], link["to"])]
    response = api("PUT", "/api/localities/thame", role="editor", json=thame)
    assert response.status_code == 200 and response.json()["groups"] == 5
    assert response.json()["revision"] == before["revision"] + 1
    assert response.json()["created_at"] == before["created_at"]
    broken = copy.deepcopy(thame)
    broken["links"].append({"from": "thame-network", "to": "ghost", "kind": "consults"})
    assert api("PUT", "/api/localities/thame", role="editor", json=broken).status_code == 422
    assert api("GET", "/api/localities/thame").json()["groups"] == 5
    other = copy.deepcopy(thame)
    other["locality"]["id"] = "elsewhere"
    response = api("PUT", "/api/localities/thame", role="editor", json=other)
    assert response.status_code == 400 and "not 'thame'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("section", "new", "change"),
    [
        ("agencies", {"id": "new-agency", "name": "New agency", "sector": "voluntary"}, {"name": "Renamed agency"}),
        ("people", {"id": "new-person", "name": "New worker", "agency": "lord-williams"}, {"role": "senco"}),
        (
            "groups",
            {"id": "new-group", "name": "New forum", "type": "forum", "membership": "open"},
            {"meets": "termly"},
        ),
        (
            "links",
            {"from": "thame-partnership-heads", "to": "thame-network", "kind": "feeds_issues_to"},
            {"note": "termly"},
        ),
    ],
)
def test_entry_crud(api, section, new, change):
    base = "/api/localities/thame/" + section
    created = api("POST", base, role="editor", json=new)
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    assert api("POST", base, role="editor", json=new).status_code == 409
    assert api("GET", f"{base}/{ident}", role="viewer").json()["id"] == ident
    updated = api("PATCH", f"{base}/{ident}", role="editor", json=change)
    assert updated.status_code == 200 and all(updated.json()[k] == v for k, v in change.items())
    listing = api("GET", base, role="viewer", params={"limit": 500}).json()
    assert ident in [item["id"] for item in listing["items"]] and listing["limit"] == 200
    assert api("DELETE", f"{base}/{ident}", role="editor").status_code == (200 if section == "people" else 204)
    assert api("GET", f"{base}/{ident}", role="viewer").status_code == 404
    assert api("DELETE", f"{base}/{ident}", role="editor").status_code == 404


def test_pagination(api):
    page = api("GET", "/api/localities/city/people", params={"offset": 5, "limit": 10}).json()
    assert (page["total"], page["offset"], page["limit"], len(page["items"])) == (29, 5, 10, 10)
    assert api("GET", "/api/localities/city/people", params={"limit": 0}).status_code == 422
    assert api("GET", "/api/localities/city/people", params={"offset": -1}).status_code == 422


def test_patch_refuses_unknown_fields_and_ids(api):
    response = api("PATCH", "/api/localities/thame/groups/thame-network", role="editor", json={"id": "renamed"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == "id"
    response = api("PATCH", "/api/localities/thame/groups/thame-network", role="editor", json={"members": []})
    assert response.status_code == 422
    response = api(
        "POST",
        "/api/localities/thame/agencies",
        role="editor",
        json={"id": "x", "name": "X", "sector": "other", "pk": 1},
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == "pk"


def test_patch_that_would_break_a_reference_is_refused(api):
    response = api("PATCH", "/api/localities/thame/people/senco-lws", role="editor", json={"agency": "no-such-agency"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": "people[0].agency", "msg": "unknown agency 'no-such-agency'"}] or any(
        "unknown agency 'no-such-agency'" in p["msg"] for p in response.json()["detail"]
    )


def test_null_clears_an_optional_field(api):
    api("PATCH", "/api/localities/thame/groups/thame-network", role="editor", json={"venue": "Lord Williams's"})
    response = api("PATCH", "/api/localities/thame/groups/thame-network", role="editor", json={"venue": None})
    assert response.status_code == 200 and "venue" not in response.json() or response.json()["venue"] is None


def test_deleting_an_agency_still_in_use_is_refused(api):
    response = api("DELETE", "/api/localities/thame/agencies/lord-williams", role="editor")
    assert response.status_code == 409 and "still named by" in response.json()["detail"]


def test_deleting_a_group_removes_its_links_and_seats(api):
    assert api("DELETE", "/api/localities/thame/groups/thame-network", role="editor").status_code == 204
    links = api("GET", "/api/localities/thame/links").json()["items"]
    assert all("thame-network" not in (link["from"], link["to"]) for link in links)


def test_members(api):
    base = "/api/localities/thame/groups/thame-partnership-heads/members"
    before = api("GET", base, role="viewer").json()
    assert {"person": "head-lws", "role": "chair", "name": before[0]["name"]}.items() <= before[0].items()
    added = api("POST", base, role="editor", json={"person": "school-nurse", "role": "consultant"})
    assert added.status_code == 201 and added.json()[-1]["person"] == "school-nurse"
    assert api("POST", base, role="editor", json={"person": "school-nurse"}).status_code == 409
    assert api("POST", base, role="editor", json={"person": "nobody"}).status_code == 422
    changed = api("PATCH", f"{base}/school-nurse", role="editor", json={"attendance": 0.5})
    assert changed.status_code == 200 and changed.json()[-1]["attendance"] == 0.5
    assert api("DELETE", f"{base}/school-nurse", role="editor").status_code == 204
    assert api("DELETE", f"{base}/school-nurse", role="editor").status_code == 404
    assert len(api("GET", base).json()) == len(before)


def test_audit_matches_the_cli_and_is_cached_and_invalidated(api):
    from analysis.audit import audit

    expected = audit(load_path(SAMPLES_DIR / "thame.yaml")).as_dict()
    first = api("GET", "/api/localities/thame/audit", role="viewer")
    assert first.status_code == 200 and {k: v for k, v in first.json().items() if k != "provenance"} == expected
    cache = api.client.app.state.audit_cache
    hits = cache.hits
    api("GET", "/api/localities/thame/audit", role="viewer")
    assert cache.hits == hits + 1
    api(
        "POST",
        "/api/localities/thame/people",
        role="editor",
        json={"id": "minder2", "name": "Minder", "systems_minder": True},
    )
    api("POST", "/api/localities/thame/groups/bodyzone-group/members", role="editor", json={"person": "minder2"})
    assert api("GET", "/api/localities/thame/audit", role="editor").json()["metrics"]["systems_minders"] == 3
    api("GET", "/api/localities/thame/audit", role="viewer")  # another reader: shown the last audit meanwhile
    cache.settle()
    after = api("GET", "/api/localities/thame/audit", role="viewer").json()
    assert after["metrics"]["systems_minders"] == 3  # a new revision, not the cached audit


def test_audit_what_if(api):
    response = api("GET", "/api/localities/abingdon/audit", params=[("without", "person:coordinator")])
    assert response.status_code == 200
    codes = {f["code"] for f in response.json()["findings"]}
    assert "ISOLATED_GROUP" in codes and "SINGLE_POINT_OF_FAILURE" not in codes
    assert api("GET", "/api/localities/abingdon/audit", params={"without": "person:nobody"}).status_code == 400
    assert api("GET", "/api/localities/abingdon/audit", params={"without": "nonsense"}).status_code == 400


def test_compare_and_charts(api):
    response = api("GET", "/api/compare", role="viewer", params=[("locality", "thame"), ("locality", "abingdon")])
    assert response.status_code == 200 and response.json()["localities"] == ["thame", "abingdon"]
    assert api("GET", "/api/compare", params=[("locality", "thame"), ("locality", "nowhere")]).status_code == 404
    assert api("GET", "/api/compare").status_code == 422
    for chart in ("profile", "findings", "load"):
        png = api("GET", f"/api/localities/thame/charts/{chart}.png", role="viewer")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert api("GET", "/api/localities/thame/charts/pie.png").status_code == 422
    chart = api("GET", "/api/compare/chart.png", params=[("locality", "thame"), ("locality", "city")])
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"


def test_person_export_and_erasure(api):
    api("PATCH", "/api/localities/thame/people/school-nurse", role="editor", json={"note": "Runs the Bodyzone clinic"})
    record = api("GET", "/api/localities/thame/people/school-nurse/export", role="editor").json()
    name = record["person"]["name"]
    assert record["person"]["id"] == "school-nurse"
    assert {m["group"] for m in record["memberships"]} >= {"thame-network", "bodyzone-group"}
    assert any(e["action"] == "update" for e in record["audit_log"])
    assert api("DELETE", "/api/localities/thame/people/school-nurse", role="editor").status_code == 200
    assert api("GET", "/api/localities/thame/people/school-nurse/export", role="editor").status_code == 404
    log = api("GET", "/api/audit-log", params={"locality": "thame", "limit": 200}).text
    assert "school-nurse" not in log and name not in log
    entries = api("GET", "/api/audit-log", params={"locality": "thame"}).json()["items"]
    assert entries[0]["action"] == "erase" and entries[0]["entity"] == "person" and entries[0]["entity_id"] is None
    export = api("GET", "/api/localities/thame/export").text
    assert "school-nurse" not in export and name not in export


def test_audit_log_records_who_what_when_before_and_after(api):
    api("PATCH", "/api/localities/thame/groups/thame-network", role="editor", json={"meets": "half_termly"})
    entry = api("GET", "/api/audit-log").json()["items"][0]
    assert (entry["user"], entry["action"], entry["locality"], entry["entity"], entry["entity_id"]) == (
        "ed",
        "update",
        "thame",
        "group",
        "thame-network",
    )
    assert entry["before"]["meets"] == "termly" and entry["after"]["meets"] == "half_termly"


def test_a_failed_write_leaves_no_log_entry(api):
    total = api("GET", "/api/audit-log").json()["total"]
    api("PATCH", "/api/localities/thame/people/senco-lws", role="editor", json={"agency": "nowhere"})
    assert api("GET", "/api/audit-log").json()["total"] == total


def test_users_api(api):
    created = api("POST", "/api/users", json={"name": "newbie", "role": "editor", "localities": ["city"]})
    assert created.status_code == 201 and created.json()["token"].startswith("lm_")
    token = created.json()["token"]
    assert api.client.get("/api/localities/city/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api("POST", "/api/users", json={"name": "newbie", "role": "viewer"}).status_code == 409
    assert api("POST", "/api/users", json={"name": "x", "role": "superuser"}).status_code == 422
    names = [u["name"] for u in api("GET", "/api/users").json()]
    assert "newbie" in names and "token" not in api("GET", "/api/users").text
    assert api("DELETE", "/api/users/newbie").status_code == 204
    assert api.client.get("/api/localities", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api("DELETE", "/api/users/nobody").status_code == 404


def test_browser_sign_in_sets_a_safe_cookie(api):
    client = api.client
    assert client.post("/auth/login", json={"name": "ed", "password": "wrong"}).status_code == 401
    assert client.post("/auth/login", json={"name": "nobody", "password": "whatever"}).status_code == 401
    response = client.post("/auth/login", json={"name": "ed", "password": "correct horse battery"})
    assert response.status_code == 200 and response.json()["localities"] == ["thame"]
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/auth/me").json()["name"] == "ed"
    assert client.get("/api/localities").status_code == 200
    assert client.post("/auth/logout", headers={"X-CSRF-Token": response.json()["csrf_token"]}).status_code == 204
    client.cookies.clear()
    assert client.get("/api/localities").status_code == 401


def test_body_size_limit(api):
    huge = b'{"format": "locmap/1", "pad": "' + b"x" * (21 * 1024 * 1024) + b'"}'
    response = api("POST", "/api/localities", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_security_headers_and_no_cdn_docs(api):
    response = api("GET", "/api/localities", role="viewer")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert api("GET", "/api/docs").status_code == 404  # FastAPI's docs page would load from a CDN
    spec = api("GET", "/api/openapi.json", role="anonymous")
    assert spec.status_code == 200 and "LocalityDocument" in spec.json()["components"]["schemas"]
