"""Server-rendered pages: localities, groups, people, agencies and compare.

Pages work without JavaScript except the map.  Templates autoescape every
value; names are data, never markup.
"""

from collections import defaultdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from analysis.attendance import attendance
from analysis.compare import KEY_METRICS, comparison
from analysis.counts import count_phrases, locality_counts
from analysis.graphs import build_graphs
from analysis.load import group_year, meeting_loads
from analysis.profile import DIMENSIONS
from analysis.settings import DEFAULT_SETTINGS
from app.formats.provenance import provenance
from app.formats.report import METRIC_LABELS, html_report
from app.maps import map_choices, map_json, map_payload
from app.storage import store
from app.storage.accounts import revoke_token
from app.storage.edits import entry
from app.web.api.analysis import cached_audit, cached_document, cached_source, compare_columns
from app.web.cache import Compressed, all_versions, cached_answer, cached_or_stale, etag, locality_version
from app.web.deps import SESSION_COOKIE, PageReader, PrincipalDep, SessionDep, SettingsDep
from app.web.pages.census import headline as census_headline
from app.web.pages.rendering import render, words
from app.web.routing import make_router
from app.web.security import csrf_token
from app.web.sessions import sign_in
from models.vocab import MEETINGS_PER_YEAR, STATEMENTS, MemberRole

router = make_router(include_in_schema=False)

LINK_WORDS = {
    "reports_to": "reports to",
    "feeds_issues_to": "feeds issues to",
    "refers_cases_to": "refers cases to",
    "commissions": "commissions",
    "oversees": "oversees",
    "consults": "consults",
}


#: The census rows of the compare page, as a reader names them; the shares among them print as percentages.
CENSUS_LABELS = {
    "number": "Census number",
    "invited": "People asked",
    "answered": "People who answered",
    "response_rate": "Response rate",
    "raters": "Respondents who rated",
    "groups_shown": "Groups with a score",
    **{f"holds.{key}": f"Holds: “{words}”" for key, words in STATEMENTS.items()},
    "advantage": "Lean to collaborative advantage",
    "inertia": "Lean to collaborative inertia",
}
CENSUS_SHARES = {"response_rate", "advantage", "inertia", *(f"holds.{key}" for key in STATEMENTS)}

#: The formats of ``/api/localities/{slug}/download/{fmt}`` (every one the API offers), as a reader names them.
DOWNLOAD_WORDS = {
    "xlsx": "Spreadsheet (XLSX)",
    "zip": "Spreadsheet as CSV files (zip)",
    "yaml": "locmap file (YAML)",
    "json": "locmap file (JSON)",
    "gexf": "Network for Gephi (GEXF)",
    "graphml": "Network for Cytoscape (GraphML)",
    "kumu": "Network for Kumu (JSON)",
}


def may_upload(principal) -> bool:
    """Whether to offer the upload page: editors and admins (the upload itself checks the locality)."""
    return principal is not None and principal.role in ("editor", "admin")


#: A big locality's page lists this many people (those on most groups), so it stays small;
#: ``?people=all`` lists everyone, and search finds anyone.
PEOPLE_ON_PAGE = 100


def frequency(group) -> str:
    if group.meetings_per_year is not None:
        return f"{group.meetings_per_year:g} times a year" + (f" ({words(group.meets)})" if group.meets else "")
    if group.meets is not None:
        count = MEETINGS_PER_YEAR[group.meets]
        return words(group.meets) + (f" (about {count:g} a year)" if count else "")
    return "not recorded"


def locality_context(request: Request, session, slug: str):
    """The locality at its revision (its pages show venues and contacts) and its audit (at its analysed revision)."""
    return cached_document(request, session, slug), cached_audit(request, session, slug)[1]


# ---------------------------------------------------------------- home, sign in


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PageReader, session: SessionDep):
    versions = all_versions(session)
    rows = [
        {"summary": summary, **headline(request, session, summary.id, versions[summary.id].for_analysis())}
        for summary in store.list_localities(session)
        if summary.id in versions
    ]
    return render(request, principal, "home.html", rows=rows)


def headline(request: Request, session, slug: str, version: tuple) -> dict:
    """The home page's figures of a locality, computed once per version."""

    def compute() -> dict:
        document, result = cached_audit(request, session, slug, version=version)
        key = result.metrics["key_group"]
        return {
            "counts": count_phrases(locality_counts(document)),
            "high": sum(f.severity.value == "high" for f in result.findings),
            "medium": sum(f.severity.value == "medium" for f in result.findings),
            "key_group": next((g for g in document.groups if g.id == key), None),
            "hours": result.metrics["meeting_hours_per_year"],
        }

    return request.app.state.audit_cache.get_or_compute((slug, version, "headline"), compute)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, principal: PrincipalDep, next: Annotated[str, Query(max_length=500)] = "/"):
    return render(request, principal, "signin.html", next=_safe_next(next), error=None)


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
):
    response = RedirectResponse(_safe_next(next), status_code=303)
    if sign_in(request, session, settings, response, name, password) is None:
        return render(
            request,
            principal,
            "signin.html",
            401,
            next=_safe_next(next),
            error="Unknown name or wrong password.",
            name=name,
        )
    return response


@router.post("/signout")
def signout(request: Request, session: SessionDep):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token)
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(target: str) -> str:
    """Only paths on this site: never '//elsewhere' or 'https://elsewhere'."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# ---------------------------------------------------------------- a locality


@router.get("/localities/{slug}", response_class=HTMLResponse)
async def locality_page(
    slug: str,
    request: Request,
    principal: PageReader,
    view: Annotated[str, Query(pattern="^(people|groups)$")] = "people",
    people: Annotated[str, Query(pattern="^all$", description="List every person, not only the busiest.")] = "",
):
    """The locality's page, rendered once per version, view and reader; its map data loads separately.

    While a new revision's page is rendered, other readers are shown the previous one
    (:func:`app.web.cache.cached_or_stale`).
    """
    reader = (principal.name, principal.role, principal.may_edit(slug), request.app.state.settings.demo)
    variant = ("page", view, people, reader)

    def rendered(session, version) -> Compressed:
        return Compressed(_locality_page_html(request, principal, session, slug, view, people == "all", version))

    version, page = await cached_or_stale(request, slug, variant, rendered, analysed=True)
    return page.answer(request, etag(slug, version, *variant[:3], *reader), "text/html; charset=utf-8")


def _listed_people(document, people_groups: dict[str, int], every: bool) -> list:
    """The people the page lists: everyone, or in a big locality the :data:`PEOPLE_ON_PAGE` on most groups."""
    if every or len(document.people) <= PEOPLE_ON_PAGE:
        return list(document.people)
    busiest = sorted(document.people, key=lambda p: (-people_groups[p.id], p.name.lower()))
    return busiest[:PEOPLE_ON_PAGE]


def _locality_page_html(
    request: Request, principal, session, slug: str, view: str, every: bool, version: tuple
) -> bytes:
    document, result = cached_audit(request, session, slug, version=version)
    people_groups: dict[str, int] = defaultdict(int)
    for g in document.groups:
        for m in g.members:
            people_groups[m.person] += 1
    by_principle = defaultdict(list)
    for f in result.findings:
        by_principle[f.principle.value].append(f)
    page = render(
        request,
        principal,
        "locality.html",
        document=document,
        audit=result,
        names=_names(document),
        agencies={a.id: a for a in document.agencies},
        people_groups=people_groups,
        listed_people=_listed_people(document, people_groups, every),
        all_people_url=f"/localities/{slug}?{urlencode({'view': view, 'people': 'all'})}#people",
        by_principle=dict(by_principle),
        metric_labels=METRIC_LABELS,
        map_payload=None,  # map.js fetches map_url: the page stays small and the data cacheable
        map_url=f"/localities/{slug}/map.json?{urlencode({'view': view})}",
        map_view=view,
        map_views_urls={v: f"/localities/{slug}?view={v}#map" for v in ("people", "groups")},
        frequency=frequency,
        dimensions=DIMENSIONS,
        may_edit=principal.may_edit(slug),
        may_upload=may_upload(principal),
        census_headline=census_headline(result.census),
        counts=count_phrases(locality_counts(document)),
        downloads=DOWNLOAD_WORDS,
    )
    return bytes(page.body)


@router.get("/localities/{slug}/map.json")
async def locality_map_data(
    slug: str,
    request: Request,
    _: PageReader,
    view: Annotated[str, Query(max_length=20)] = "people",
    ego: Annotated[str | None, Query(max_length=300, description="group:ID or person:ID")] = None,
    layout: Annotated[str, Query(max_length=20)] = "force",
    measure: Annotated[str | None, Query(max_length=20)] = None,
):
    """The data of one view of the locality's map (as ``app.maps.map_payload``), laid out once per version."""
    try:
        map_choices(view, ego, layout, measure)
    except ValueError as problem:
        raise HTTPException(422, str(problem)) from None

    def laid_out(session, version) -> Compressed:
        document = cached_document(request, session, slug, version)
        payload = map_payload(
            document, view, link_base=f"/localities/{slug}", ego=ego, layout=layout, measure=measure or None
        )
        return Compressed(map_json(payload).encode("utf-8"))

    variant = ("map", view, ego, layout, measure or None)
    version, data = await cached_or_stale(request, slug, variant, laid_out, analysed=True)
    return data.answer(request, etag(slug, version, *variant), "application/json")


@router.get("/localities/{slug}/report.html")
def locality_report(slug: str, request: Request, _: PageReader, session: SessionDep) -> Response:
    """The audit as a self-contained HTML report (as ``locmap report``), a download rendered once per version.

    A download, not a page: the report carries its own styles, which this site's pages may not.
    """
    cache = request.app.state.audit_cache
    version = cache.version(slug, lambda: locality_version(session, slug))

    def written() -> bytes:
        made = provenance([cached_source(request, session, slug, version)])  # names the stored revision
        return html_report([cached_audit(request, session, slug, version=version)], made).encode("utf-8")

    body = cache.get_or_compute((slug, version, "report"), written)
    disposition = {"Content-Disposition": f'attachment; filename="{slug}-report.html"'}
    return cached_answer(request, etag(slug, version, "report"), body, "text/html; charset=utf-8", disposition)


def _names(document) -> dict[str, str]:
    """Display names of every id (groups, people and agencies), for findings' subjects."""
    out = {a.id: a.name for a in document.agencies}
    out.update({p.id: p.name for p in document.people})
    out.update({g.id: g.name for g in document.groups})
    return out


@router.get("/localities/{slug}/groups/{group_id}", response_class=HTMLResponse)
def group_page(slug: str, group_id: str, request: Request, principal: PageReader, session: SessionDep):
    document, result = locality_context(request, session, slug)
    group = entry(document, "group", group_id)
    people = {p.id: p for p in document.people}
    agencies = {a.id: a for a in document.agencies}
    groups = {g.id: g for g in document.groups}
    outgoing = [
        (LINK_WORDS[link.kind.value], groups[link.to], link) for link in document.links if link.from_ == group_id
    ]
    incoming = [
        (groups[link.from_], LINK_WORDS[link.kind.value], link) for link in document.links if link.to == group_id
    ]
    findings = [f for f in result.findings if group_id in f.subjects and f.subject_kind == "group"]
    hours = group_year(group, DEFAULT_SETTINGS)[1]
    return render(
        request,
        principal,
        "group.html",
        document=document,
        group=group,
        people=people,
        agencies=agencies,
        outgoing=outgoing,
        incoming=incoming,
        findings=findings,
        frequency=frequency(group),
        hours_per_year=hours,
        school=agencies.get(group.school) if group.school else None,
        may_edit=bool(principal and principal.may_edit(slug)),
        csrf=csrf_token(request),
        candidates=[p for p in document.people if all(m.person != p.id for m in group.members)],
        roles=[r.value for r in MemberRole],
        member_error=request.query_params.get("error"),
    )


@router.get("/localities/{slug}/people/{person_id}", response_class=HTMLResponse)
def person_page(slug: str, person_id: str, request: Request, principal: PageReader, session: SessionDep):
    document, result = locality_context(request, session, slug)
    person = entry(document, "person", person_id)
    people = {p.id: p for p in document.people}
    agencies = {a.id: a for a in document.agencies}
    graphs = build_graphs(document)
    load = next(x for x in meeting_loads(graphs, DEFAULT_SETTINGS) if x.person == person_id)
    seats = []
    colleagues: dict[str, list] = defaultdict(list)
    for g in document.groups:
        for m in g.members:
            if m.person != person_id:
                continue
            hours = group_year(g, DEFAULT_SETTINGS)[1] * attendance(m)
            seats.append(
                {
                    "group": g,
                    "role": m.role.value,
                    "frequency": frequency(g),
                    "hours": hours,
                    "attendance": m.attendance,
                }
            )
            for other in g.members:
                if other.person != person_id:
                    colleagues[other.person].append(g)
    met = sorted(colleagues.items(), key=lambda item: (-len(item[1]), people[item[0]].name.lower()))
    findings = [f for f in result.findings if person_id in f.subjects and f.subject_kind == "person"]
    return render(
        request,
        principal,
        "person.html",
        document=document,
        person=person,
        agency=agencies.get(person.agency) if person.agency else None,
        seats=seats,
        colleagues=[(people[c], gs) for c, gs in met],
        load=load,
        findings=findings,
        agencies=agencies,
    )


@router.get("/localities/{slug}/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(slug: str, agency_id: str, request: Request, principal: PageReader, session: SessionDep):
    document, result = locality_context(request, session, slug)
    agency = entry(document, "agency", agency_id)
    staff = [p for p in document.people if p.agency == agency_id]
    staff_ids = {p.id for p in staff}
    present, absent = [], []
    for g in document.groups:
        who = [m for m in g.members if m.person in staff_ids]
        if who or g.school == agency_id:
            present.append((g, who))
        elif not g.external:
            absent.append(g)
    findings = [f for f in result.findings if agency_id in f.subjects and f.subject_kind == "agency"]
    people = {p.id: p for p in document.people}
    return render(
        request,
        principal,
        "agency.html",
        document=document,
        agency=agency,
        staff=staff,
        present=present,
        absent=absent,
        findings=findings,
        people=people,
    )


# ---------------------------------------------------------------- compare (search: app.web.pages.search)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    principal: PageReader,
    session: SessionDep,
    locality: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    snapshot: Annotated[
        list[Annotated[int, Query(ge=1, le=2**63 - 1)]],
        Query(max_length=20, description="Snapshots to set beside the localities."),
    ] = [],  # noqa: B006
):
    """Localities and snapshots side by side, chosen on the page's form; the chart draws every column."""
    summaries = store.list_localities(session)
    known = {s.id for s in summaries}
    asked = [slug for slug in dict.fromkeys(locality) if slug in known]
    columns = compare_columns(
        request, session, asked or ([] if snapshot else [s.id for s in summaries]), list(snapshot)
    )
    data = comparison(columns.audits)
    query = urlencode(
        [("locality", slug) for slug in columns.localities] + [("snapshot", str(n)) for n in dict.fromkeys(snapshot)]
    )
    snapshots = [s for summary in summaries for s in store.list_snapshots(session, summary.id)]
    return render(
        request,
        principal,
        "compare.html",
        summaries=summaries,
        locality_names={s.id: s.name for s in summaries},
        chosen=[a.locality for a in columns.audits],
        picked=columns.localities,
        snapshots=snapshots,
        picked_snapshots=list(snapshot),
        data=data,
        has_census=any(a.census for a in columns.audits),
        census_labels=CENSUS_LABELS,
        census_shares=CENSUS_SHARES,
        k=request.app.state.settings.census_min_respondents,
        names=columns.names,
        chart="/api/compare/chart.png?" + query,
        downloads={
            "Tidy table (CSV, one row per measure)": "/api/compare/long.csv?" + query,
            "Chart (SVG)": "/api/compare/chart.svg?" + query,
            "Chart (PDF)": "/api/compare/chart.pdf?" + query,
        },
        key_metrics=KEY_METRICS,
        metric_labels=METRIC_LABELS,
    )
