"""The member census over HTTP: roles, personal links and their refusals, suppression, corrections, the audit."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from analysis.census_findings import CENSUS_CODES
from models.tables import Census, CensusBallot, utcnow
from models.validation import load_path
from models.vocab import STATEMENTS
from tests.conftest import SAMPLES_DIR, auth

THAME = "/api/localities/thame"
CENSUS = f"{THAME}/census"
#: The three heads of Thame's partnership: a group of exactly three people.
HEADS_GROUP = "thame-partnership-heads"
HEADS = ("head-lws", "head-primary-a", "head-primary-b")
THAME_PEOPLE = {p.id for p in load_path(SAMPLES_DIR / "thame.yaml").people}
THAME_SEATED = {m.person for g in load_path(SAMPLES_DIR / "thame.yaml").groups for m in g.members}
#: Keys a rating would travel under.
RATING_KEYS = {*STATEMENTS, "ratings", "balance", "worry_to", "scores"}


def open_census(client, tokens, slug: str = "thame", role: str = "editor") -> dict:
    response = client.post(f"/api/localities/{slug}/census", headers=auth(tokens, role))
    assert response.status_code == 201, response.text
    return response.json()


def invited(client, tokens, number: int = 1, slug: str = "thame", role: str = "editor") -> dict[str, dict]:
    response = client.get(f"/api/localities/{slug}/census/{number}/links", headers=auth(tokens, role))
    assert response.status_code == 200, response.text
    return {p["person"]: p for p in response.json()}


def respond_path(slug: str, link: str) -> str:
    """The respondent API's address for a personal link (``.../localities/SLUG/census/TOKEN``)."""
    return f"/api/localities/{slug}/census/respond/{link.rsplit('/', 1)[1]}"


def token_paths(client, tokens, number: int = 1, slug: str = "thame") -> dict[str, str]:
    return {person: respond_path(slug, p["link"]) for person, p in invited(client, tokens, number, slug).items()}


def rate(client, path: str, group: str, step: int, balance: int | None = 1) -> None:
    """Answer as a respondent (no sign-in): every statement at ``step`` for ``group``."""
    body = {"ratings": [{"group": group, **dict.fromkeys(STATEMENTS, step)}], "balance": balance, "worry_to": group}
    response = client.put(path, json=body)
    assert response.status_code == 200, response.text


def close(client, tokens) -> dict:
    response = client.post(f"{CENSUS}/close", headers=auth(tokens, "editor"))
    assert response.status_code == 200, response.text
    return response.json()


def strings_in(value) -> set[str]:
    """Every key and string value in a JSON document."""
    if isinstance(value, dict):
        return {str(k) for k in value} | {s for v in value.values() for s in strings_in(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings_in(v)}
    return {value} if isinstance(value, str) else set()


def keys_in(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def ballots(client) -> int:
    with Session(client.app.state.engine) as session:
        return len(session.execute(select(CensusBallot)).scalars().all())


# ---------------------------------------------------------------- roles


EDITOR_ROUTES = [
    ("POST", CENSUS, None),
    ("GET", CENSUS, None),
    ("GET", f"{CENSUS}/1", None),
    ("GET", f"{CENSUS}/1/links", None),
    ("GET", f"{CENSUS}/1/links.csv", None),
    ("GET", f"{CENSUS}/1/results", None),
    ("GET", f"{CENSUS}/1/corrections", None),
    ("POST", f"{CENSUS}/1/apply", {"corrections": None}),
    ("POST", f"{CENSUS}/reissue", {"person": "senco-lws"}),
    ("POST", f"{CENSUS}/close", None),
]


def test_every_editor_route_refuses_anonymous_visitors_viewers_and_other_localities_editors(service):
    client, tokens = service
    open_census(client, tokens)
    for method, path, body in EDITOR_ROUTES:
        for role, expected in (("anonymous", 401), ("viewer", 403), ("other_editor", 403)):
            response = client.request(method, path, headers=auth(tokens, role), json=body)
            assert response.status_code == expected, (method, path, role, response.text)
    assert client.get(CENSUS, headers=auth(tokens, "editor")).json()[0]["open"] is True  # nothing closed


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_the_localitys_editor_and_an_admin_run_a_census(service, role):
    client, tokens = service
    headers = auth(tokens, role)
    opened = open_census(client, tokens, role=role)
    assert opened["number"] == 1 and opened["open"] and opened["invited"] == len(THAME_SEATED)
    for path in (CENSUS, f"{CENSUS}/1", f"{CENSUS}/1/links", f"{CENSUS}/1/links.csv", f"{CENSUS}/1/corrections"):
        assert client.get(path, headers=headers).status_code == 200, path
    reissued = client.post(f"{CENSUS}/reissue", headers=headers, json={"person": "senco-lws"})
    assert reissued.status_code == 200 and reissued.json()["link"].startswith("http://testserver/localities/thame/")
    closed = client.post(f"{CENSUS}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["closed_at"] and not closed.json()["open"]
    assert client.get(f"{CENSUS}/1/results", headers=headers).status_code == 200


def test_opening_twice_is_a_conflict_and_so_is_closing_with_none_open(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    assert client.post(f"{CENSUS}/close", headers=editor).status_code == 409
    open_census(client, tokens)
    again = client.post(CENSUS, headers=editor)
    assert again.status_code == 409 and "still open" in again.json()["detail"]
    close(client, tokens)
    assert open_census(client, tokens)["number"] == 2
    assert [c["number"] for c in client.get(CENSUS, headers=editor).json()] == [1, 2]


def test_unknown_census_and_locality_are_not_found(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    assert client.get(f"{CENSUS}/1", headers=editor).status_code == 404
    assert client.get(f"{CENSUS}/1/links", headers=editor).json()["detail"].startswith("locality 'thame' has no")
    assert client.get(f"{CENSUS}/0", headers=editor).status_code == 422


# ---------------------------------------------------------------- the respondent


def test_a_respondent_reads_and_changes_their_own_answers_with_their_link_alone(service):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    page = client.get(path)
    assert page.status_code == 200
    data = page.json()
    assert HEADS_GROUP in {g["id"] for g in data["groups"]}
    assert len(data["locality_groups"]) == 6 and data["locality"]["name"]
    assert data["answers"]["ratings"] == [] and data["closes_at"]
    rate(client, path, HEADS_GROUP, 1)
    rate(client, path, HEADS_GROUP, 3, balance=-1)  # changed: replaces the first answers
    mine = client.get(path).json()["answers"]
    assert mine["ratings"] == [{"group": HEADS_GROUP, **dict.fromkeys(STATEMENTS, 3)}] and mine["balance"] == -1
    assert ballots(client) == 1
    assert invited(client, tokens)["head-lws"]["answered"] is True


def test_answers_naming_groups_the_respondent_cannot_rate_are_refused_in_words_and_nothing_is_kept(service):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    response = client.put(path, json={"ratings": [{"group": "bodyzone-group", "purpose": 2}]})
    assert response.status_code == 422
    assert "rate only the groups you attend" in response.json()["detail"]
    assert client.put(path, json={"ratings": [{"group": HEADS_GROUP, "purpose": 9}]}).status_code == 422
    assert ballots(client) == 0 and invited(client, tokens)["head-lws"]["answered"] is False


def test_a_sign_in_is_no_substitute_for_the_link(service):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    wrong = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    for role in ("editor", "admin"):
        response = client.get(wrong, headers=auth(tokens, role))
        assert response.status_code == 404 and "not known" in response.json()["detail"]
    # A browser's cross-site PUT is refused before it reaches the route; the same site's passes with no token.
    assert client.put(path, json={}, headers={"Origin": "https://elsewhere.example"}).status_code == 403
    assert client.put(path, json={}, headers={"Origin": "http://testserver"}).status_code == 200


def test_another_localitys_link_is_refused_and_changes_nothing(service):
    client, tokens = service
    open_census(client, tokens)
    open_census(client, tokens, slug="banbury", role="admin")
    thame_path = token_paths(client, tokens)["head-lws"]
    on_banbury = thame_path.replace("/localities/thame/", "/localities/banbury/")
    response = client.get(on_banbury)
    assert response.status_code == 403 and "another locality" in response.json()["detail"]
    put = client.put(on_banbury, json={"ratings": [{"group": HEADS_GROUP, "purpose": 0}]})
    assert put.status_code == 403 and "another locality" in put.json()["detail"]
    assert ballots(client) == 0
    assert not any(p["answered"] for p in invited(client, tokens).values())
    assert not any(p["answered"] for p in invited(client, tokens, slug="banbury", role="admin").values())


def test_an_expired_link_is_refused_and_changes_nothing(service):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    with Session(client.app.state.engine) as session:
        session.execute(update(Census).values(expires_at=utcnow() - timedelta(hours=1)))
        session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.json()["detail"]
    assert client.put(path, json={"ratings": [{"group": HEADS_GROUP, "purpose": 0}]}).status_code == 410
    assert ballots(client) == 0


def test_a_closed_census_link_gets_410_in_words(service):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    close(client, tokens)
    response = client.get(path)
    assert response.status_code == 410
    assert "closed on" in response.json()["detail"] and "can no longer be given or changed" in response.json()["detail"]
    assert client.put(path, json={}).status_code == 410
    assert all(p["link"] is None for p in invited(client, tokens).values())  # links are listed no more


def test_a_reissued_link_replaces_the_old_one_and_keeps_the_answers(service):
    client, tokens = service
    open_census(client, tokens)
    old = token_paths(client, tokens)["head-lws"]
    rate(client, old, HEADS_GROUP, 2)
    new = client.post(f"{CENSUS}/reissue", headers=auth(tokens, "editor"), json={"person": "head-lws"}).json()
    new_path = respond_path("thame", new["link"])
    assert client.get(old).status_code == 404
    assert client.get(new_path).json()["answers"]["ratings"][0]["purpose"] == 2
    nobody = client.post(f"{CENSUS}/reissue", headers=auth(tokens, "editor"), json={"person": "nobody-here"})
    assert nobody.status_code == 404


def test_no_token_is_logged(service, caplog):
    client, tokens = service
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    token = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.DEBUG):
        client.get(path)
        rate(client, path, HEADS_GROUP, 2)
        client.put(path, json={"ratings": [{"group": "bodyzone-group", "purpose": 2}]})
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # the test client's own
    assert not any(token in r.getMessage() for r in ours)


# ---------------------------------------------------------------- results and anonymity


def test_status_gives_the_response_rate_by_group_and_agency(service):
    client, tokens = service
    open_census(client, tokens)
    rate(client, token_paths(client, tokens)["head-lws"], HEADS_GROUP, 2)
    state = client.get(f"{CENSUS}/1", headers=auth(tokens, "editor")).json()
    heads = next(g for g in state["groups"] if g["id"] == HEADS_GROUP)
    assert (heads["invited"], heads["answered"]) == (3, 1) and heads["rate"] == pytest.approx(1 / 3)
    assert sum(a["answered"] for a in state["agencies"]) == 1 == state["answered"]
    assert sum(a["invited"] for a in state["agencies"]) == state["invited"]


def test_results_wait_for_the_close(service):
    client, tokens = service
    open_census(client, tokens)
    response = client.get(f"{CENSUS}/1/results", headers=auth(tokens, "editor"))
    assert response.status_code == 409 and "still open" in response.json()["detail"]


def test_two_respondents_give_no_score_and_three_do(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    open_census(client, tokens)
    paths = token_paths(client, tokens)
    for person in HEADS[:2]:
        rate(client, paths[person], HEADS_GROUP, 0)
    close(client, tokens)
    two = client.get(f"{CENSUS}/1/results", headers=editor).json()
    assert two["groups"][HEADS_GROUP]["raters"] == 2 and two["groups"][HEADS_GROUP]["scores"] is None
    assert two["balance"] is None and two["balance_by_agency"] == {} and two["worry_to"] == {}
    open_census(client, tokens)
    paths = token_paths(client, tokens, number=2)
    for person in HEADS:
        rate(client, paths[person], HEADS_GROUP, 0)
    close(client, tokens)
    three = client.get(f"{CENSUS}/2/results", headers=editor).json()
    assert three["min_respondents"] == 3
    assert three["groups"][HEADS_GROUP]["scores"]["purpose"] == {"holds": 0.0, "mean": 0.0, "answers": 3}
    assert three["balance"]["answers"] == 3 and three["balance"]["advantage"] == 1.0


def test_no_rating_can_be_traced_to_a_person_through_the_api(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    open_census(client, tokens)
    paths = token_paths(client, tokens)
    for step, person in enumerate(HEADS):
        rate(client, paths[person], HEADS_GROUP, step)
    client.put(paths["school-nurse"], json={"seats": [{"group": "bodyzone-group", "status": "left"}]})
    close(client, tokens)
    results = client.get(f"{CENSUS}/1/results", headers=editor).json()
    assert results["groups"][HEADS_GROUP]["scores"] is not None  # shown, in aggregate
    assert not strings_in(results) & THAME_PEOPLE
    assert not strings_in(client.get(f"{CENSUS}/1", headers=editor).json()) & THAME_PEOPLE
    links = client.get(f"{CENSUS}/1/links", headers=editor).json()
    corrections = client.get(f"{CENSUS}/1/corrections", headers=editor).json()
    assert corrections and links
    assert not keys_in(links) & RATING_KEYS and not keys_in(corrections) & RATING_KEYS
    assert {c["kind"] for c in corrections} == {"left"}  # the structure answer, never a rating
    csv_text = client.get(f"{CENSUS}/1/links.csv", headers=editor).text
    assert not {"purpose", "balance", "ratings"} & set(csv_text.splitlines()[0].split(","))


def test_the_links_csv_is_for_a_mail_merge_with_formulas_neutralised(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    person = {"id": "formula-person", "name": '=HYPERLINK("http://x")', "agency": "lord-williams"}
    assert client.post(f"{THAME}/people", headers=editor, json=person).status_code == 201
    members = f"{THAME}/groups/{HEADS_GROUP}/members"
    assert client.post(members, headers=editor, json={"person": "formula-person"}).status_code == 201
    open_census(client, tokens)
    response = client.get(f"{CENSUS}/1/links.csv", headers=editor)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["person", "name", "agency", "groups", "link", "answered"]
    assert len(rows) == len(invited(client, tokens))
    row = next(r for r in rows if r["person"] == "formula-person")
    assert row["name"] == '\'=HYPERLINK("http://x")'
    assert row["link"].startswith("http://testserver/localities/thame/census/") and row["answered"] == "no"
    assert "Thame" in row["groups"] or row["groups"]  # the groups by name


# ---------------------------------------------------------------- corrections


def test_corrections_apply_as_one_change_and_revert_exactly(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    before = client.get(f"{THAME}/export", headers=editor).json()
    open_census(client, tokens)
    path = token_paths(client, tokens)["head-lws"]
    answers = {"seats": [{"group": HEADS_GROUP, "status": "left"}], "missing": [{"name": "Thame Youth Forum"}]}
    assert client.put(path, json=answers).status_code == 200
    proposed = client.get(f"{CENSUS}/1/corrections", headers=editor).json()
    assert {c["kind"] for c in proposed} == {"left", "new_group"}
    assert all(set(c) == {"id", "kind", "group", "person", "value", "was", "words"} for c in proposed)
    unknown = client.post(f"{CENSUS}/1/apply", headers=editor, json={"corrections": ["left:nowhere:nobody"]})
    assert unknown.status_code == 422 and "no such proposed correction" in unknown.json()["detail"]
    applied = client.post(f"{CENSUS}/1/apply", headers=editor, json={"corrections": None})
    assert applied.status_code == 201
    entry = applied.json()["entry"]
    assert sorted(applied.json()["applied"]) == sorted(c["id"] for c in proposed)
    after = client.get(f"{THAME}/export", headers=editor).json()
    heads = next(g for g in after["groups"] if g["id"] == HEADS_GROUP)
    assert "head-lws" not in {m["person"] for m in heads["members"]}
    assert any(g["name"] == "Thame Youth Forum" for g in after["groups"])
    assert client.get(CENSUS, headers=editor).json()[0]["applied_change"] == entry
    assert client.get(f"{CENSUS}/1/corrections", headers=editor).json() == []
    assert client.get(f"{THAME}/history", headers=editor).json()[0]["action"] == "census"
    reverted = client.post(f"{THAME}/history/{entry}/revert", headers=editor)
    assert reverted.status_code == 201
    assert client.get(f"{THAME}/export", headers=editor).json() == before


def test_applying_with_nothing_proposed_says_so(service):
    client, tokens = service
    open_census(client, tokens)
    response = client.post(f"{CENSUS}/1/apply", headers=auth(tokens, "editor"), json={"corrections": None})
    assert response.status_code == 422 and "no corrections chosen" in response.json()["detail"]


# ---------------------------------------------------------------- the audit and erasure


def test_the_audit_reads_the_census_once_closed(service):
    client, tokens = service
    # A fresh answer: a reader who did not write may be shown the previous revision while one is computed.
    reader = {**auth(tokens, "viewer"), "Cache-Control": "no-cache"}
    first = client.get(f"{THAME}/audit", headers=reader)
    assert "census" not in first.json()
    open_census(client, tokens)
    paths = token_paths(client, tokens)
    for person in HEADS:
        rate(client, paths[person], HEADS_GROUP, 0, balance=-2)
    assert client.get(f"{THAME}/audit", headers=reader).headers["etag"] == first.headers["etag"]  # still open
    close(client, tokens)
    after = client.get(f"{THAME}/audit", headers=reader)
    assert after.headers["etag"] != first.headers["etag"]
    data = after.json()
    assert data["census"]["groups"][HEADS_GROUP]["scores"]["purpose"]["holds"] == 0.0
    codes = {f["code"] for f in data["findings"] if f["code"] in CENSUS_CODES}
    assert "CENSUS_UNCLEAR_PURPOSE" in codes and "CENSUS_NOT_WORTH_TIME" in codes
    assert {"achieving_advantage", "experiencing_inertia"} <= set(data["profile"])
    assert not strings_in(data["census"]) & THAME_PEOPLE
    # The what-if path still answers (the locality as changed; the census describes it as asked).
    what_if = client.get(f"{THAME}/audit", headers=reader, params={"without": "person:head-lws"})
    assert what_if.status_code == 200 and what_if.json()["locality"] == "thame"


def test_erasing_a_person_voids_their_link_and_removes_their_ballot(service):
    client, tokens = service
    open_census(client, tokens)
    paths = token_paths(client, tokens)
    rate(client, paths["head-lws"], HEADS_GROUP, 1)
    rate(client, paths["head-primary-a"], HEADS_GROUP, 2)
    assert ballots(client) == 2
    erased = client.delete(f"{THAME}/people/head-lws", headers={**auth(tokens, "editor"), "If-Match": "*"})
    assert erased.status_code == 200, erased.text
    response = client.get(paths["head-lws"])
    assert response.status_code == 404 and "not known" in response.json()["detail"]
    assert ballots(client) == 1  # theirs gone, the other respondent's kept
    assert "head-lws" not in invited(client, tokens)
    assert client.get(paths["head-primary-a"]).json()["answers"]["ratings"][0]["purpose"] == 2
