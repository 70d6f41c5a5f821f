"""Who may do what: every route, as every role, with the exact status expected.

Roles: anonymous, viewer, editor of Thame (the locality the requests touch),
editor of another locality (Banbury), admin.  A route added to the app
without an access dependency, or without a row here, fails these tests.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.routing import APIRoute

from app.web.deps import ACCESS_DEPENDENCIES
from tests.conftest import MINIMAL, ROLES, SAMPLES_DIR, auth

THAME = "/api/localities/thame"
READ = {"anonymous": 401, "viewer": 200, "editor": 200, "other_editor": 200, "admin": 200}
ADMIN_ONLY = {"anonymous": 401, "viewer": 403, "editor": 403, "other_editor": 403, "admin": 200}
PAGE = {"anonymous": 303, "viewer": 200, "editor": 200, "other_editor": 200, "admin": 200}


def page_editor(ok: int) -> dict:
    return {"anonymous": 303, "viewer": 403, "editor": ok, "other_editor": 403, "admin": ok}


def latest_change(client, headers) -> str:
    entry = client.get(f"{THAME}/history", headers=headers).json()[0]
    return f"{THAME}/history/{entry['id']}/revert"


def latest_change_page(client, headers) -> str:
    return latest_change(client, headers).replace("/api/localities", "/localities")


TOUCH = ("PATCH", f"{THAME}/groups/thame-network", {"venue": "Lord Williams's"})
GROUP_PAGE_MEMBERS = "/localities/thame/groups/thame-partnership-heads/members"
PUBLIC = {r: 200 for r in ROLES}


def editor_only(ok: int) -> dict:
    return {"anonymous": 401, "viewer": 403, "editor": ok, "other_editor": 403, "admin": ok}


def admin_only(ok: int) -> dict:
    return {**ADMIN_ONLY, "admin": ok}


@dataclass
class Case:
    method: str
    route: str  # the route's path template, as FastAPI knows it
    path: str  # a concrete path
    expected: dict
    body: Callable[[str], object] | None = None
    params: dict = field(default_factory=dict)
    #: Run (as admin) before each role's request, so every role meets the same state.
    prepare: list[tuple[str, str, object]] = field(default_factory=list)
    #: A form body, for page forms.
    form: dict | None = None
    #: Computes the path after ``prepare`` (for ids made by it).
    dynamic_path: Callable | None = None
    #: Raw body bytes, or files for a multipart form.
    content: bytes | None = None
    files: dict | None = None


NEW_AGENCY = {"id": "authz-agency", "name": "Authz agency", "sector": "other"}
NEW_PERSON = {"id": "authz-person", "name": "Authz person"}
NEW_GROUP = {"id": "authz-group", "name": "Authz group", "type": "other"}
NEW_LINK = {"from": "thame-partnership-heads", "to": "thame-network", "kind": "consults"}
LINK_ID = "thame-partnership-heads--consults--thame-network"
TESTVILLE = copy.deepcopy(MINIMAL)


def entry_cases(section: str, new: dict, ident: str, change: dict) -> list[Case]:
    base = f"{THAME}/{section}"
    item = "/api/localities/{slug}/" + section + "/{item_id}"
    return [
        Case("GET", "/api/localities/{slug}/" + section, base, READ),
        Case(
            "POST",
            "/api/localities/{slug}/" + section,
            base,
            editor_only(201),
            lambda r: new,
            prepare=[("DELETE", f"{base}/{ident}", None)],
        ),
        Case("GET", item, f"{base}/{ident}", READ, prepare=[("POST", base, new)]),
        Case("PATCH", item, f"{base}/{ident}", editor_only(200), lambda r: change, prepare=[("POST", base, new)]),
        Case(
            "DELETE",
            item,
            f"{base}/{ident}",
            editor_only(200 if section == "people" else 204),
            prepare=[("POST", base, new)],
        ),
    ]


MEMBERS = f"{THAME}/groups/thame-partnership-heads/members"
CENSUS = f"{THAME}/census"
OPEN_CENSUS = ("POST", CENSUS, None)
CLOSE_CENSUS = ("POST", f"{CENSUS}/close", None)
CENSUS_ROUTE = "/api/localities/{slug}/census"


def census_respondent(client, headers) -> str:
    """The respondent API's address of a personal link to Thame's census 1 (opened if need be)."""
    client.post(CENSUS, headers=headers)
    link = client.get(f"{CENSUS}/1/links", headers=headers).json()[0]["link"]
    return f"{CENSUS}/respond/{link.rsplit('/', 1)[1]}"


def census_correction(client, headers) -> str:
    """Census 1 open with an answer proposing a correction not yet applied (the attendance flips each time)."""
    client.post(CENSUS, headers=headers)
    first = client.get(f"{CENSUS}/1/links", headers=headers).json()[0]
    group = first["groups"][0]["id"]
    export = client.get(f"{THAME}/export", headers=headers).json()
    seat = next(m for g in export["groups"] if g["id"] == group for m in g["members"] if m["person"] == first["person"])
    share = 0.75 if seat.get("attendance") == 0.25 else 0.25
    respond = f"{CENSUS}/respond/{first['link'].rsplit('/', 1)[1]}"
    client.put(respond, json={"seats": [{"group": group, "attendance": share}]})
    return f"{CENSUS}/1/apply"


CENSUS_PAGE = "/localities/thame/census"
CENSUS_PAGE_ROUTE = "/localities/{slug}/census"
PAGE_FORM_DONE = {"anonymous": 303, "viewer": 403, "editor": 303, "other_editor": 403, "admin": 303}


def census_page_respondent(client, headers) -> str:
    """The respondent's page of a personal link to Thame's census 1 (opened if need be)."""
    return census_respondent(client, headers).replace(f"{CENSUS}/respond/", f"{CENSUS_PAGE}/")


def census_page_close(client, headers) -> str:
    """The close form's address of Thame's open census (one opened if need be)."""
    client.post(CENSUS, headers=headers)
    number = next(c["number"] for c in client.get(CENSUS, headers=headers).json() if c["open"])
    return f"{CENSUS_PAGE}/{number}/close"


def census_page_apply(client, headers) -> str:
    return census_correction(client, headers).replace("/api/localities", "/localities")


CASES = [
    Case("GET", "/health", "/health", {r: 200 for r in ROLES}),
    Case("POST", "/auth/login", "/auth/login", {r: 401 for r in ROLES}, lambda r: {"name": "ed", "password": "not it"}),
    Case("POST", "/auth/logout", "/auth/logout", {r: 204 for r in ROLES}),
    Case("GET", "/auth/me", "/auth/me", READ),
    Case("GET", "/api/localities", "/api/localities", READ),
    Case(
        "POST",
        "/api/localities",
        "/api/localities",
        admin_only(201),
        lambda r: TESTVILLE,
        prepare=[("DELETE", "/api/localities/testville", None)],
    ),
    Case("GET", "/api/localities/{slug}", THAME, READ),
    Case("PUT", "/api/localities/{slug}", THAME, editor_only(200), lambda r: "THAME_EXPORT"),
    Case(
        "DELETE",
        "/api/localities/{slug}",
        "/api/localities/testville",
        admin_only(204),
        prepare=[("POST", "/api/localities", TESTVILLE)],
    ),
    Case("GET", "/api/localities/{slug}/export", f"{THAME}/export", READ),
    *entry_cases("agencies", NEW_AGENCY, "authz-agency", {"name": "Renamed"}),
    *entry_cases("people", NEW_PERSON, "authz-person", {"role": "senco"}),
    *entry_cases("groups", NEW_GROUP, "authz-group", {"meets": "termly"}),
    *entry_cases("links", NEW_LINK, LINK_ID, {"note": "changed"}),
    Case("GET", "/api/localities/{slug}/groups/{group_id}/members", MEMBERS, READ),
    Case(
        "POST",
        "/api/localities/{slug}/groups/{group_id}/members",
        MEMBERS,
        editor_only(201),
        lambda r: {"person": "school-nurse"},
        prepare=[("DELETE", f"{MEMBERS}/school-nurse", None)],
    ),
    Case(
        "PATCH",
        "/api/localities/{slug}/groups/{group_id}/members/{person_id}",
        f"{MEMBERS}/school-nurse",
        editor_only(200),
        lambda r: {"attendance": 0.5},
        prepare=[("POST", MEMBERS, {"person": "school-nurse"})],
    ),
    Case(
        "DELETE",
        "/api/localities/{slug}/groups/{group_id}/members/{person_id}",
        f"{MEMBERS}/school-nurse",
        editor_only(204),
        prepare=[("POST", MEMBERS, {"person": "school-nurse"})],
    ),
    Case(
        "GET", "/api/localities/{slug}/people/{person_id}/export", f"{THAME}/people/senco-lws/export", editor_only(200)
    ),
    Case("GET", "/api/localities/{slug}/audit", f"{THAME}/audit", READ),
    Case("GET", "/api/compare", "/api/compare", READ, params={"locality": ["thame", "city"]}),
    Case("GET", "/api/compare/chart.png", "/api/compare/chart.png", READ, params={"locality": ["thame"]}),
    Case("GET", "/api/localities/{slug}/charts/{chart}.png", f"{THAME}/charts/profile.png", READ),
    Case("GET", "/api/compare/chart.svg", "/api/compare/chart.svg", READ, params={"locality": ["thame"]}),
    Case("GET", "/api/localities/{slug}/charts/{chart}.svg", f"{THAME}/charts/profile.svg", READ),
    Case("GET", "/api/compare/chart.pdf", "/api/compare/chart.pdf", READ, params={"locality": ["thame"]}),
    Case("GET", "/api/localities/{slug}/charts/{chart}.pdf", f"{THAME}/charts/profile.pdf", READ),
    Case("GET", "/api/compare/long.csv", "/api/compare/long.csv", READ, params={"locality": ["thame", "city"]}),
    Case("GET", "/api/audit-log", "/api/audit-log", ADMIN_ONLY),
    Case("GET", "/api/users", "/api/users", ADMIN_ONLY),
    Case(
        "POST",
        "/api/users",
        "/api/users",
        admin_only(201),
        lambda r: {"name": f"made-by-{r.replace('_', '-')}", "role": "viewer"},
    ),
    Case("DELETE", "/api/users/{name}", "/api/users/vera", admin_only(204)),
    # Pages: anonymous visitors are sent to sign in.
    Case("GET", "/", "/", PAGE),
    Case("GET", "/localities/{slug}", "/localities/thame", PAGE),
    Case("GET", "/localities/{slug}/map.json", "/localities/thame/map.json", PAGE),
    Case("GET", "/localities/{slug}/groups/{group_id}", "/localities/thame/groups/thame-network", PAGE),
    Case("GET", "/localities/{slug}/people/{person_id}", "/localities/thame/people/senco-lws", PAGE),
    Case("GET", "/localities/{slug}/agencies/{agency_id}", "/localities/thame/agencies/lord-williams", PAGE),
    Case("GET", "/search", "/search", PAGE, params={"q": "thame"}),
    Case("GET", "/api/search", "/api/search", READ, params={"q": "thame"}),
    Case("GET", "/compare", "/compare", PAGE),
    Case("GET", "/localities/{slug}/report.html", "/localities/thame/report.html", PAGE),
    Case("GET", "/localities/{slug}/snapshots", "/localities/thame/snapshots", PAGE),
    Case("GET", "/localities/{slug}/diff", "/localities/thame/diff", PAGE, params={"from": "current"}),
    Case("GET", "/localities/{slug}/trend", "/localities/thame/trend", PAGE),
    Case("GET", "/localities/{slug}/trend.svg", "/localities/thame/trend.svg", PAGE),
    Case("GET", "/localities/{slug}/trend.png", "/localities/thame/trend.png", PAGE),
    Case("GET", "/localities/{slug}/trend.pdf", "/localities/thame/trend.pdf", PAGE),
    Case("GET", "/signin", "/signin", PUBLIC),
    Case("POST", "/signin", "/signin", {**{r: 401 for r in ROLES}, "anonymous": 403}, None),  # 403: no form token
    Case("POST", "/signout", "/signout", {r: 303 for r in ROLES}),
    # History, snapshots and diffs.
    Case("GET", "/api/localities/{slug}/history", f"{THAME}/history", editor_only(200), prepare=[TOUCH]),
    Case(
        "POST",
        "/api/localities/{slug}/history/{entry_id}/revert",
        "",
        editor_only(201),
        prepare=[TOUCH],
        dynamic_path=latest_change,
    ),
    Case("GET", "/api/localities/{slug}/snapshots", f"{THAME}/snapshots", READ),
    Case(
        "POST",
        "/api/localities/{slug}/snapshots",
        f"{THAME}/snapshots",
        editor_only(201),
        lambda r: {"label": f"by {r}"},
    ),
    Case(
        "GET",
        "/api/localities/{slug}/snapshots/{snapshot_id}",
        f"{THAME}/snapshots/1",
        READ,
        prepare=[("POST", f"{THAME}/snapshots", {"label": "x"})],
    ),
    Case(
        "GET",
        "/api/localities/{slug}/diff",
        f"{THAME}/diff",
        READ,
        params={"from": "1"},
        prepare=[("POST", f"{THAME}/snapshots", {"label": "x"})],
    ),
    # Editing pages (bearer clients need no CSRF token; browsers do, see test_editing.py).
    Case("GET", "/localities/{slug}/edit", "/localities/thame/edit", page_editor(200)),
    Case("GET", "/localities/{slug}/edit/{kind}/new", "/localities/thame/edit/group/new", page_editor(200)),
    Case(
        "GET", "/localities/{slug}/edit/{kind}/{ident}", "/localities/thame/edit/group/thame-network", page_editor(200)
    ),
    Case(
        "POST",
        "/localities/{slug}/edit/{kind}/new",
        "/localities/thame/edit/agency/new",
        page_editor(303),
        form={"id": "authz-agency", "name": "Authz agency", "sector": "other"},
        prepare=[("DELETE", f"{THAME}/agencies/authz-agency", None)],
    ),
    Case(
        "POST",
        "/localities/{slug}/edit/{kind}/{ident}",
        "/localities/thame/edit/agency/authz-agency",
        page_editor(303),
        form={"name": "Renamed", "sector": "other"},
        prepare=[("POST", f"{THAME}/agencies", NEW_AGENCY)],
    ),
    Case(
        "GET",
        "/localities/{slug}/edit/{kind}/{ident}/delete",
        "/localities/thame/edit/group/thame-network/delete",
        page_editor(200),
    ),
    Case(
        "GET",
        "/localities/{slug}/groups/{group_id}/members/{person_id}/remove",
        f"{GROUP_PAGE_MEMBERS}/school-nurse/remove",
        page_editor(200),
        prepare=[("POST", MEMBERS, {"person": "school-nurse"})],
    ),
    Case(
        "POST",
        "/localities/{slug}/edit/{kind}/{ident}/delete",
        "/localities/thame/edit/agency/authz-agency/delete",
        page_editor(303),
        form={},
        prepare=[("POST", f"{THAME}/agencies", NEW_AGENCY)],
    ),
    Case(
        "POST",
        "/localities/{slug}/groups/{group_id}/members",
        GROUP_PAGE_MEMBERS,
        page_editor(303),
        form={"person": "school-nurse", "role": "member"},
        prepare=[("DELETE", f"{MEMBERS}/school-nurse", None)],
    ),
    Case(
        "POST",
        "/localities/{slug}/groups/{group_id}/members/{person_id}/remove",
        f"{GROUP_PAGE_MEMBERS}/school-nurse/remove",
        page_editor(303),
        form={},
        prepare=[("POST", MEMBERS, {"person": "school-nurse"})],
    ),
    Case("GET", "/localities/{slug}/history", "/localities/thame/history", page_editor(200)),
    Case(
        "GET",
        "/localities/{slug}/history/{entry_id}/revert",
        "",
        page_editor(200),
        prepare=[TOUCH],
        dynamic_path=latest_change_page,
    ),
    Case(
        "POST",
        "/localities/{slug}/history/{entry_id}/revert",
        "",
        page_editor(303),
        form={},
        prepare=[TOUCH],
        dynamic_path=latest_change_page,
    ),
    Case(
        "POST",
        "/localities/{slug}/snapshots",
        "/localities/thame/snapshots",
        page_editor(303),
        form={"label": "page snapshot"},
    ),
    # What-if: anyone who reads may run one; only the locality's editors save or apply it.
    Case("GET", "/localities/{slug}/whatif", "/localities/thame/whatif", PAGE, params={"group": "thame-network"}),
    Case("GET", "/localities/{slug}/route", "/localities/thame/route", PAGE, params={"from": "lord-williams"}),
    Case("GET", "/localities/{slug}/directory", "/localities/thame/directory", PAGE),
    Case("GET", "/localities/{slug}/roles", "/localities/thame/roles", PAGE, params={"role": "senco"}),
    Case("GET", "/roles", "/roles", PAGE, params={"role": "senco"}),
    Case(
        "POST",
        "/localities/{slug}/whatif/snapshot",
        "/localities/thame/whatif/snapshot",
        page_editor(303),
        form={"group": "thame-network"},
    ),
    Case(
        "POST",
        "/localities/{slug}/whatif/apply",
        "/localities/thame/whatif/apply",
        page_editor(303),
        form={"draft_name": "Authz forum", "draft_type": "forum"},
        prepare=[("DELETE", f"{THAME}/groups/authz-forum", None)],
    ),
    # Files in and out.
    Case("GET", "/api/localities/{slug}/download/{fmt}", f"{THAME}/download/xlsx", READ),
    Case("GET", "/api/localities/{slug}/measures.csv", f"{THAME}/measures.csv", READ),
    Case(
        "POST",
        "/api/localities/import",
        "/api/localities/import",
        {**editor_only(200), "viewer": 403},
        params={"format": "yaml"},
        content=(SAMPLES_DIR / "thame.yaml").read_bytes(),
    ),
    Case("GET", "/upload", "/upload", {**PAGE, "viewer": 403}),
    Case(
        "POST",
        "/upload",
        "/upload",
        {"anonymous": 303, "viewer": 403, "editor": 303, "other_editor": 403, "admin": 303},
        form={},
        files={"file": ("thame.yaml", (SAMPLES_DIR / "thame.yaml").read_bytes())},
    ),
    Case("GET", "/static/template.xlsx", "/static/template.xlsx", PUBLIC),
    # The member census: the locality's editors run it; a personal link opens one respondent's answers.
    Case("POST", CENSUS_ROUTE, CENSUS, editor_only(201), prepare=[CLOSE_CENSUS]),
    Case("GET", CENSUS_ROUTE, CENSUS, editor_only(200)),
    Case("GET", CENSUS_ROUTE + "/{number}", f"{CENSUS}/1", editor_only(200), prepare=[OPEN_CENSUS]),
    Case("GET", CENSUS_ROUTE + "/{number}/links", f"{CENSUS}/1/links", editor_only(200), prepare=[OPEN_CENSUS]),
    Case("GET", CENSUS_ROUTE + "/{number}/links.csv", f"{CENSUS}/1/links.csv", editor_only(200), prepare=[OPEN_CENSUS]),
    Case(
        "GET",
        CENSUS_ROUTE + "/{number}/results",
        f"{CENSUS}/1/results",
        editor_only(200),
        prepare=[OPEN_CENSUS, CLOSE_CENSUS],
    ),
    Case(
        "GET",
        CENSUS_ROUTE + "/{number}/corrections",
        f"{CENSUS}/1/corrections",
        editor_only(200),
        prepare=[OPEN_CENSUS],
    ),
    Case(
        "POST",
        CENSUS_ROUTE + "/{number}/apply",
        "",
        editor_only(201),
        lambda r: {"corrections": None},
        dynamic_path=census_correction,
    ),
    Case("POST", CENSUS_ROUTE + "/close", f"{CENSUS}/close", editor_only(200), prepare=[OPEN_CENSUS]),
    Case(
        "POST",
        CENSUS_ROUTE + "/reissue",
        f"{CENSUS}/reissue",
        editor_only(200),
        lambda r: {"person": "senco-lws"},
        prepare=[OPEN_CENSUS],
    ),
    # Token-bound: the link is the credential whoever asks (a sign-in neither helps nor hinders).
    Case("GET", CENSUS_ROUTE + "/respond/{token}", "", PUBLIC, dynamic_path=census_respondent),
    Case("PUT", CENSUS_ROUTE + "/respond/{token}", "", PUBLIC, lambda r: {}, dynamic_path=census_respondent),
    # The census's pages: its editors' pages, and the respondent's own (the token in the address is the credential).
    Case("GET", CENSUS_PAGE_ROUTE, CENSUS_PAGE, page_editor(200)),
    Case("POST", CENSUS_PAGE_ROUTE, CENSUS_PAGE, PAGE_FORM_DONE, form={}, prepare=[CLOSE_CENSUS]),
    *[
        Case(
            "GET",
            f"{CENSUS_PAGE_ROUTE}/{{number}}/{tail}",
            f"{CENSUS_PAGE}/1/{tail}",
            page_editor(200),
            prepare=[OPEN_CENSUS],
        )
        for tail in ("links", "links.csv", "close", "chart.svg", "chart.png")
    ],
    Case("POST", CENSUS_PAGE_ROUTE + "/{number}/close", "", PAGE_FORM_DONE, form={}, dynamic_path=census_page_close),
    Case(
        "POST",
        CENSUS_PAGE_ROUTE + "/{number}/apply",
        "",
        PAGE_FORM_DONE,
        form={"chosen": "attendance:county-iss-steering-group:la-county-officer"},
        dynamic_path=census_page_apply,
    ),
    Case("GET", CENSUS_PAGE_ROUTE + "/{token}", "", PUBLIC, dynamic_path=census_page_respondent),
    Case(
        "POST",
        CENSUS_PAGE_ROUTE + "/{token}",
        "",
        {r: 303 for r in ROLES},
        form={},
        dynamic_path=census_page_respondent,
    ),
]

PUBLIC_ROUTES = {
    ("GET", "/static/template.xlsx"),
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/signout"),
    # Token-bound: a census respondent's personal link is the credential, for their own answers only.
    ("GET", "/api/localities/{slug}/census/respond/{token}"),
    ("PUT", "/api/localities/{slug}/census/respond/{token}"),
    ("GET", "/localities/{slug}/census/{token}"),
    ("POST", "/localities/{slug}/census/{token}"),
}


def api_routes(app) -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every API route, routers included."""
    from fastapi.routing import iter_route_contexts

    return [
        (method, ctx.path, ctx.route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.route, APIRoute)
        for method in ctx.route.methods
    ]


def _routes(app) -> set[tuple[str, str]]:
    return {(method, path) for method, path, _ in api_routes(app)}


def _dependency_calls(dependant) -> set:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _dependency_calls(sub)
    return calls


def test_every_route_has_a_row_in_the_matrix(service):
    client, _ = service
    covered = {(c.method, c.route) for c in CASES}
    assert _routes(client.app) == covered


def test_every_non_public_route_declares_an_access_dependency(service):
    client, _ = service
    routes = api_routes(client.app)
    assert len(routes) > 30
    for method, path, route in routes:
        if (method, path) in PUBLIC_ROUTES:
            continue
        assert _dependency_calls(route.dependant) & set(ACCESS_DEPENDENCIES), f"{method} {path} has no access check"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.route}" for c in CASES])
def test_authorisation_matrix(service, case):
    client, tokens = service
    admin = auth(tokens, "admin")
    observed = {}
    for role in ROLES:
        for method, path, body in case.prepare:
            client.request(method, path, headers={**admin, "If-Match": "*"}, json=body)
        body = case.body(role) if case.body else None
        if body == "THAME_EXPORT":
            body = client.get(f"{THAME}/export", headers=admin).json()
        kwargs = {"json": body} if body is not None else {}
        if case.form is not None:
            kwargs = {"data": case.form}
        if case.files is not None:
            kwargs["files"] = case.files
        if case.content is not None:
            kwargs = {"content": case.content}
        path = case.dynamic_path(client, admin) if case.dynamic_path else case.path
        if case.route == "/signin" and case.method == "POST":
            kwargs = {"data": {"name": "ed", "password": "not it"}}
        client.cookies.clear()
        response = client.request(
            case.method,
            path,
            headers={**auth(tokens, role), "If-Match": "*"},
            params=case.params,
            follow_redirects=False,
            **kwargs,
        )
        observed[role] = response.status_code
    unexpected = [role for role in ROLES if case.expected[role] >= 300 and observed[role] < 300]
    assert not unexpected, f"unexpected authorisation successes for {unexpected}"
    assert observed == case.expected


def test_matrix_size_for_the_record():
    from tests.conftest import reliability

    reliability(
        f"authorisation matrix: {len(CASES)} routes x {len(ROLES)} roles = {len(CASES) * len(ROLES)} checks; unexpected successes fail the run"
    )


def test_demo_mode_lets_anonymous_visitors_read_but_never_write(service):
    client, tokens = service
    client.app.state.settings.demo = True
    try:
        assert client.get("/api/localities").status_code == 200
        assert client.get(f"{THAME}/audit").status_code == 200
        assert client.post(f"{THAME}/agencies", json=NEW_AGENCY).status_code == 401
        assert client.delete(THAME).status_code == 401
        assert client.get("/api/audit-log").status_code == 401
        # A bad token is refused even in a demo, never downgraded to anonymous.
        assert client.get("/api/localities", headers={"Authorization": "Bearer lm_forged"}).status_code == 401
    finally:
        client.app.state.settings.demo = False


def test_revoked_and_malformed_tokens(service):
    client, tokens = service
    for header in ("Bearer lm_forged", "Basic abc", "Bearer ", "lm_only"):
        assert client.get("/api/localities", headers={"Authorization": header}).status_code == 401
    assert client.delete("/api/users/ed", headers=auth(tokens, "admin")).status_code == 204
    assert client.get("/api/localities", headers=auth(tokens, "editor")).status_code == 401
