"""Per-revision caching: single flight, ETags and 304s, gzip, the map's data apart from the page, cheap sign-ins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from app.web.cache import RevisionCache
from tests.conftest import auth

THAME = "/api/localities/thame"


def test_single_flight_computes_a_key_once_for_concurrent_callers():
    cache = RevisionCache()
    calls, started, release = [], threading.Event(), threading.Event()

    def compute():
        calls.append(1)
        started.set()
        release.wait(10)
        return "audit"

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get_or_compute, ("thame", (2, "t")), compute) for _ in range(8)]
        started.wait(10)
        release.set()
        assert [f.result() for f in futures] == ["audit"] * 8
    assert len(calls) == 1


def test_a_failed_computation_reaches_every_waiter_and_is_not_kept():
    cache = RevisionCache()

    def broken():
        raise ValueError("no such person")

    with pytest.raises(ValueError):
        cache.get_or_compute(("thame", (1, "t")), broken)
    assert cache.get_or_compute(("thame", (1, "t")), lambda: "fine") == "fine"


def test_a_value_computed_across_a_forget_is_not_kept():
    cache = RevisionCache()

    def compute():
        cache.forget("thame")  # a change committed meanwhile
        return "stale"

    assert cache.get_or_compute(("thame", (1, "t")), compute) == "stale"
    assert cache.peek(("thame", (1, "t"))) is None


def test_a_variant_is_recomputed_in_the_background_at_most_once_per_spacing(monkeypatch):
    from app.web import cache as cache_module
    from app.web.cache import Version

    clock = [100.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    cache, computed = RevisionCache(), []

    def compute(revision):
        def work():
            computed.append(revision)
            clock[0] += 0.1  # each computation takes 0.1 s
            return revision

        return work

    def refresh(revision):
        cache.refresh(("thame", Version(revision, "t"), "page"), compute(revision))
        cache.settle()

    refresh(2)
    refresh(3)  # asked 0 s after the last finished: within 5 x 0.1 s
    clock[0] += cache_module.REFRESH_SPACING * 0.1 - 0.01
    refresh(4)  # still within the spacing
    clock[0] += 0.02
    refresh(5)  # past it: the newest revision is computed
    assert computed == [2, 5]


def _edit_thame(client, tokens):
    """A change through the API: a new revision of Thame."""
    document = client.get(f"{THAME}/export", headers=auth(tokens, "admin")).json()
    document["locality"]["description"] = "changed"
    assert client.put(THAME, json=document, headers={**auth(tokens, "admin"), "If-Match": "*"}).status_code == 200


def test_concurrent_audits_after_an_edit_compute_once(service, monkeypatch):
    from app.web.api import analysis

    client, tokens = service
    _edit_thame(client, tokens)
    calls, release = [], threading.Event()
    real_audit = analysis.audit

    def counted(document, settings, **options):
        calls.append(document.locality.id)
        release.wait(10)
        return real_audit(document, settings, **options)

    monkeypatch.setattr(analysis, "audit", counted)
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(client.get, f"{THAME}/audit", headers=auth(tokens, "viewer")) for _ in range(6)]
        threading.Timer(0.5, release.set).start()  # let the others arrive and wait
        assert {f.result().status_code for f in futures} == {200}
    assert calls == ["thame"]


@pytest.mark.parametrize(
    "path",
    [
        f"{THAME}/audit",
        f"{THAME}/charts/profile.png",
        f"{THAME}/download/xlsx",
        f"{THAME}/download/gexf",
        "/api/compare/chart.png?locality=thame&locality=city",
        "/localities/thame",
        "/localities/thame/map.json?view=groups",
    ],
)
def test_etag_gives_304_until_the_locality_changes(service, path):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    first = client.get(path, headers=viewer)
    assert first.status_code == 200 and first.content
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get(path, headers={**viewer, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(path, headers=viewer).content == first.content  # served from the cache, byte for byte
    _edit_thame(client, tokens)
    client.get(path, headers=viewer)  # may be shown the previous revision while the new one is computed
    client.app.state.audit_cache.settle()
    changed = client.get(path, headers={**viewer, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_page_etag_differs_by_reader(service):
    client, tokens = service
    viewer = client.get("/localities/thame", headers=auth(tokens, "viewer"))
    editor = client.get("/localities/thame", headers=auth(tokens, "editor"))
    assert viewer.headers["etag"] != editor.headers["etag"]
    assert "Edit this locality" in editor.text and "Edit this locality" not in viewer.text


def test_gzip_for_html_and_json_not_for_png_or_xlsx(service):
    client, tokens = service
    gzip = {**auth(tokens, "viewer"), "Accept-Encoding": "gzip"}
    for path in ("/localities/thame", "/localities/thame/map.json", f"{THAME}/audit"):
        assert client.get(path, headers=gzip).headers.get("content-encoding") == "gzip", path
    for path in (f"{THAME}/charts/profile.png", f"{THAME}/download/xlsx", f"{THAME}/download/zip"):
        assert "content-encoding" not in client.get(path, headers=gzip).headers, path
    plain = client.get("/localities/thame/map.json", headers={**auth(tokens, "viewer"), "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["format"] == "locmap-map/1"


def test_the_page_fetches_the_map_data_that_map_json_serves(service):
    from app.maps import map_payload
    from app.samples import sample_paths
    from models.validation import load_path

    client, tokens = service
    page = client.get("/localities/thame?view=groups", headers=auth(tokens, "viewer")).text
    assert 'data-locmap-map-url="/localities/thame/map.json?view=groups"' in page
    assert 'id="map-data">null<' in page
    thame = load_path(next(p for p in sample_paths() if p.stem == "thame"))
    served = client.get("/localities/thame/map.json?view=groups", headers=auth(tokens, "viewer")).json()
    assert served == map_payload(thame, "groups", link_base="/localities/thame")
    assert client.get("/localities/thame/map.json?view=agencies", headers=auth(tokens, "viewer")).status_code == 422
    assert client.get("/localities/nowhere/map.json", headers=auth(tokens, "viewer")).status_code == 404


def _statements(engine):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lstrip().split(None, 1)[0].upper() + " " + statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def test_signed_in_requests_write_nothing_and_a_repeat_reads_no_token(service, engine):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    assert client.get(f"{THAME}/audit", headers=viewer).status_code == 200  # warm the audit
    seen, stop = _statements(engine)
    try:
        assert client.get(f"{THAME}/audit", headers=auth(tokens, "editor")).status_code == 200
        assert client.get(f"{THAME}/audit", headers=auth(tokens, "editor")).status_code == 200
    finally:
        stop()
    writes = [s for s in seen if s.split()[0] in ("UPDATE", "INSERT", "DELETE")]
    assert len(writes) <= 1 and not writes
    assert sum("api_token" in s for s in seen) == 1  # the second request is answered from memory


def test_a_revoked_token_is_refused_at_once_though_it_was_just_used(service):
    client, tokens = service
    editor = auth(tokens, "editor")
    assert client.get(f"{THAME}/audit", headers=editor).status_code == 200
    assert client.delete("/api/users/ed", headers=auth(tokens, "admin")).status_code == 204
    assert client.get(f"{THAME}/audit", headers=editor).status_code == 401


@pytest.mark.slow
def test_the_largest_county_locality_page_is_small(engine):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.storage import store
    from app.storage.db import session_scope
    from app.synth import synth
    from app.web.main import create_app

    largest = max(synth("county", 1), key=lambda d: sum(len(g.members) for g in d.groups))
    with session_scope(engine) as session:
        store.import_document(session, largest)
    app = create_app(Settings(database_url="sqlite://", load_samples=False, demo=True), engine=engine)
    with TestClient(app) as client:
        page = client.get(f"/localities/{largest.locality.id}", headers={"Accept-Encoding": "identity"})
        assert page.status_code == 200 and len(page.content) < 100_000
        data = client.get(f"/localities/{largest.locality.id}/map.json", headers={"Accept-Encoding": "gzip"})
        assert data.headers["content-encoding"] == "gzip" and data.json()["counts"]["groups"] == len(largest.groups)


def _patch_group(client, headers, group: str, **change):
    """A change of one group through the API, sending back the group's ETag when the service gives one."""
    path = f"{THAME}/groups/{group}"
    tag = client.get(path, headers=headers).headers.get("etag")
    sent = client.patch(path, json=change, headers={**headers, **({"If-Match": tag} if tag else {})})
    assert sent.status_code == 200, sent.text


def test_readers_see_the_last_page_while_a_change_is_computed_and_the_writer_sees_it_at_once(service):
    client, tokens = service
    viewer, editor = auth(tokens, "viewer"), auth(tokens, "editor")
    cache = client.app.state.audit_cache
    before = client.get("/localities/thame", headers=viewer)
    _patch_group(client, editor, "thame-network", name="Renamed network for the stale test")
    during = client.get("/localities/thame", headers=viewer)
    assert during.headers["etag"] == before.headers["etag"] and during.content == before.content
    assert cache.stale_served == 1
    own = client.get("/localities/thame", headers=editor)  # the writer is never shown their change undone
    assert "Renamed network for the stale test" in own.text
    cache.settle()
    after = client.get("/localities/thame", headers=viewer)
    assert after.headers["etag"] != before.headers["etag"] and "Renamed network for the stale test" in after.text


def test_a_reader_who_asks_for_a_fresh_answer_waits_for_it(service):
    client, tokens = service
    viewer, editor = auth(tokens, "viewer"), auth(tokens, "editor")
    before = client.get(f"{THAME}/audit", headers=viewer).headers["etag"]
    _patch_group(client, editor, "thame-network", meets="half_termly")
    fresh = client.get(f"{THAME}/audit", headers={**viewer, "Cache-Control": "no-cache"})
    assert fresh.headers["etag"] != before and client.app.state.audit_cache.stale_served == 0


def test_after_an_erasure_no_reader_is_shown_a_page_from_before(service):
    client, tokens = service
    viewer, editor = auth(tokens, "viewer"), auth(tokens, "editor")
    name = client.get(f"{THAME}/people/school-nurse", headers=editor).json()["name"]
    assert name in client.get("/localities/thame", headers=viewer).text
    assert client.get("/localities/thame/map.json", headers=viewer).status_code == 200
    tag = client.get(f"{THAME}/people/school-nurse", headers=editor).headers.get("etag")
    erased = client.delete(f"{THAME}/people/school-nurse", headers={**editor, **({"If-Match": tag} if tag else {})})
    assert erased.status_code == 200
    for path in ("/localities/thame", "/localities/thame/map.json", f"{THAME}/audit"):
        assert name not in client.get(path, headers=viewer).text, path
    assert client.app.state.audit_cache.stale_served == 0


def test_a_worker_never_serves_a_locality_deleted_and_made_again(engine, request):
    """Two app instances on one database, as two worker processes: the second must see the new locality."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.main import create_app
    from tests.conftest import add_role_users, copy_template

    if engine.dialect.name == "sqlite":
        template, tokens = request.getfixturevalue("service_template")
        copy_template(template, engine)
    else:
        tokens = None
    first, second = (TestClient(create_app(Settings(load_samples=True), engine=engine)) for _ in range(2))
    with first, second:
        admin = auth(tokens or add_role_users(engine), "admin")
        document = first.get(f"{THAME}/export", headers=admin).json()
        name = document["people"][0]["name"]
        assert name in second.get("/localities/thame", headers=admin).text
        tag = first.get(THAME, headers=admin).headers["etag"]
        assert first.delete(THAME, headers={**admin, "If-Match": tag}).status_code == 204
        document["people"][0]["name"] = "Someone Quite New"
        assert first.post("/api/localities", json=document, headers=admin).status_code == 201
        second.app.state.audit_cache.stamps.forget()  # as when its one-second version stamp runs out
        page = second.get("/localities/thame", headers=admin).text
        assert name not in page and "Someone Quite New" in page
