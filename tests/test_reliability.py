"""Reliability: nothing is lost or half-written, whatever happens.

Each test prints a line starting ``RELIABILITY`` with its figure, for
docs/reliability.md.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.storage import store
from app.storage.backup import backup, restore, row_counts
from app.storage.db import create_schema, make_engine, session_scope
from models.validation import DocumentError, canonical, load_text, validate_data
from tests.browser_support import live_server
from tests.conftest import LOCMAP_SCRIPT, copy_template, reliability
from tests.test_csrf import sign_in_form

#: The console script under test: killing a real ``locmap import`` process is the point.
LOCMAP = [str(LOCMAP_SCRIPT)] if LOCMAP_SCRIPT.exists() else [sys.executable, "-m", "app.cli"]


def report(text: str) -> None:
    reliability(text)


@pytest.fixture(scope="module")
def big_locality(tmp_path_factory) -> Path:
    """A county's worth of groups, people and seats as one locality file (a long import), made once."""
    from app.synth import synth_locality

    path = tmp_path_factory.mktemp("big") / "big.json"
    document = synth_locality("big", random.Random(3), groups=2000, people=10000)
    path.write_text(json.dumps(document.to_data()))
    return path


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return row_counts(engine)
    finally:
        engine.dispose()


def integrity_ok(path: Path) -> bool:
    with sqlite3.connect(path) as connection:
        return (
            connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            and not connection.execute("PRAGMA foreign_key_check").fetchall()
        )


@pytest.mark.slow
def test_an_import_killed_at_ten_random_moments_is_all_or_nothing(tmp_path, big_locality):
    big = big_locality
    # The state after a complete import, for comparison.
    after_db = tmp_path / "after.db"
    subprocess.run(
        [*LOCMAP, "import", "--samples", str(big), "--db", f"sqlite:///{after_db}"], check=True, capture_output=True
    )
    after = counts(f"sqlite:///{after_db}")
    target = tmp_path / "target.db"
    url = f"sqlite:///{target}"
    subprocess.run([*LOCMAP, "import", "--samples", "--db", url], check=True, capture_output=True)
    before = counts(url)
    start = time.perf_counter()
    subprocess.run(
        [*LOCMAP, "import", str(big), "--db", f"sqlite:///{tmp_path / 'timing.db'}"], check=True, capture_output=True
    )
    duration = time.perf_counter() - start
    rng = random.Random(20051101)
    atomic = 0
    for _run in range(10):
        if counts(url) == after:  # an earlier run finished: start again from "before"
            engine = make_engine(url)
            with session_scope(engine) as session:
                store.delete_locality(session, "big")
            engine.dispose()
        process = subprocess.Popen(
            [*LOCMAP, "import", str(big), "--db", url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = counts(url)
        if integrity_ok(target) and state in (before, after):
            atomic += 1
    report(
        f"kill runs atomic: {atomic}/10 (import of {after['membership'] - before['membership']:,} seats, ~{duration:.1f} s)"
    )
    assert atomic == 10


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 2_500, 39_000])
def test_a_failure_at_row_k_of_an_import_changes_nothing(tmp_path, capsys, big_locality, k):
    from app.cli import main

    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["import", "--samples", "--db", url]) == 0
    before = counts(url)
    with sqlite3.connect(tmp_path / "k.db") as connection:  # the database itself fails the k-th new seat
        connection.execute(
            f"CREATE TRIGGER fail_at_k BEFORE INSERT ON membership WHEN (SELECT count(*) FROM membership) >= {before['membership'] + k - 1} "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    capsys.readouterr()
    code = main(["import", str(big_locality), "--db", url])
    stderr = capsys.readouterr().err
    assert code != 0 and "injected failure" in stderr and "Traceback" not in stderr
    assert counts(url) == before
    report(f"failure injected at seat {k}: database unchanged")


@pytest.mark.slow
def test_eight_concurrent_writers_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    create_schema(engine)
    from app.storage.accounts import create_user
    from app.web.main import load_samples_if_empty

    load_samples_if_empty(engine)
    with session_scope(engine) as session:
        token = create_user(session, "writer", "admin")[1]
    engine.dispose()
    statuses: list[int] = []
    bodies: list[str] = []
    lock = threading.Lock()
    with live_server(url, demo=False) as (base, _):

        def writer(n: int) -> None:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
                for i in range(50):
                    response = client.post(
                        "/api/localities/thame/agencies",
                        json={"id": f"w{n}-{i}", "name": f"Writer {n} agency {i}", "sector": "other"},
                    )
                    with lock:
                        statuses.append(response.status_code)
                        if response.status_code >= 500 or "locked" in response.text:
                            bodies.append(response.text)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            stored = {
                a["id"]
                for a in client.get("/api/localities/thame/agencies", params={"limit": 200, "offset": 0}).json()[
                    "items"
                ]
            }
            page = 200
            total = client.get("/api/localities/thame/agencies").json()["total"]
            while page < total:
                stored |= {
                    a["id"]
                    for a in client.get("/api/localities/thame/agencies", params={"limit": 200, "offset": page}).json()[
                        "items"
                    ]
                }
                page += 200
    written = {f"w{n}-{i}" for n in range(8) for i in range(50)}
    lost = len(written - stored)
    server_errors = sum(s >= 500 for s in statuses)
    report(
        f"concurrent writes: 8 writers x 50, lost {lost}, 5xx {server_errors}, 'locked' {len(bodies)}, {elapsed:.1f} s"
    )
    assert statuses.count(201) == 400 and lost == 0 and server_errors == 0 and not bodies


def test_backup_while_writing_and_restore_drill(tmp_path, engine, service_template):
    from app.storage import edits
    from app.web.main import load_samples_if_empty

    if engine.dialect.name == "sqlite":  # a file, as served (in WAL mode), holding the samples
        live = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
        copy_template(service_template[0], live)
    else:
        live = engine
        create_schema(live)
        load_samples_if_empty(live)
    agencies_before = row_counts(live)["agency"]
    stop = threading.Event()
    committed = [0]  # writes committed so far (counted just after each commit)

    def keep_writing():
        while not stop.is_set():
            n = committed[0]
            entry = edits.create_entry("agency", {"id": f"bk-{n}", "name": f"Agency {n}", "sector": "other"})
            with session_scope(live) as session:
                edits.edit(session, "city", "writer", entry)
            committed[0] += 1

    suffix = ".db" if live.dialect.name == "sqlite" else ".json.gz"
    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while committed[0] < 3:  # the writer is under way
            time.sleep(0.01)
        for _attempt in range(100):  # a backup is quick: take them until one spans a commit
            at_start = committed[0]
            taken = backup(live, tmp_path / f"backup{suffix}")
            at_end = committed[0]
            if at_end > at_start:
                break
    finally:
        stop.set()
        thread.join()
    assert at_end > at_start, "no write was committed while a backup ran"
    # A consistent snapshot: every write committed before the backup began, none half-written
    # (a commit may be in it before its count went up, hence the + 1).
    assert agencies_before + at_start <= taken["agency"] <= agencies_before + at_end + 1
    restored = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    counts_after = restore(restored, tmp_path / f"backup{suffix}")
    assert counts_after == taken and taken["locality"] == 6
    with session_scope(restored) as session:
        for slug in ("abingdon", "thame", "city"):
            assert store.export_document(session, slug).locality.id == slug
        agencies = {a.id for a in store.export_document(session, "city").agencies}
    assert {f"bk-{n}" for n in range(at_start)} <= agencies
    restored.dispose()
    if live is not engine:
        live.dispose()
    report(
        f"restore drill ({engine.dialect.name}): {sum(taken.values())} rows backed up while "
        f"{at_end - at_start} write(s) were committed, restored with integrity checked"
    )


# ---------------------------------------------------------------- properties

IDS = st.from_regex(r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$", fullmatch=True)
NAMES = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs"), blacklist_characters="\u2028\u2029"), min_size=1, max_size=40
).filter(lambda s: s.strip() and s.strip() == s)


@st.composite
def localities(draw):
    agencies = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    people = draw(st.lists(IDS, min_size=1, max_size=8, unique=True))
    groups = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    data = {
        "format": "locmap/1",
        "locality": {
            "id": draw(IDS),
            "name": draw(NAMES),
            "authority": draw(NAMES),
            "boundary": draw(st.sampled_from(["clear", "partial", "unclear"])),
        },
        "agencies": [
            {"id": a, "name": draw(NAMES), "sector": draw(st.sampled_from(["education", "health", "voluntary"]))}
            for a in agencies
        ],
        "people": [
            {
                "id": p,
                "name": draw(NAMES),
                "agency": draw(st.sampled_from(agencies)),
                "systems_minder": draw(st.booleans()),
                "hours_per_week": draw(st.one_of(st.none(), st.floats(min_value=1, max_value=60, allow_nan=False))),
            }
            for p in people
        ],
        "groups": [],
        "links": [],
    }
    for g in groups:
        members = draw(st.lists(st.sampled_from(people), unique=True, max_size=len(people)))
        data["groups"].append(
            {
                "id": g,
                "name": draw(NAMES),
                "type": draw(st.sampled_from(["forum", "panel", "network", "steering_group"])),
                "meets": draw(st.sampled_from(["weekly", "termly", "monthly"])),
                "members": [
                    {"person": m, "role": draw(st.sampled_from(["chair", "member", "key_worker"]))} for m in members
                ],
            }
        )
    if len(groups) > 1:
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(groups), st.sampled_from(groups), st.sampled_from(["reports_to", "consults"])
                ),
                unique=True,
                max_size=6,
            )
        )
        data["links"] = [{"from": a, "to": b, "kind": k} for a, b, k in pairs if a != b]
    for person in data["people"]:
        if person["hours_per_week"] is None:
            del person["hours_per_week"]
    return data


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=localities())
def test_export_then_import_returns_the_same_locality(schema_template, data):
    document = validate_data(data)
    engine = make_engine("sqlite://")
    copy_template(schema_template, engine)
    with session_scope(engine) as session:
        store.import_document(session, document)
    with session_scope(engine) as session:
        exported = store.export_document(session, document.locality.id)
    engine.dispose()
    assert canonical(exported) == canonical(document)
    for suffix in (".yaml", ".json"):
        from models.validation import dump_document

        assert canonical(load_text(dump_document(exported, suffix), suffix=suffix)) == canonical(document)


@settings(max_examples=300, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
def test_the_parser_never_raises_on_arbitrary_bytes(content):
    for suffix in (None, ".yaml", ".json"):
        try:
            load_text(content, suffix=suffix)
        except DocumentError as exc:
            assert exc.problems and all(p.msg for p in exc.problems)


@settings(max_examples=200, deadline=None)
@given(content=st.binary(max_size=3000))
def test_the_spreadsheet_readers_never_raise_on_arbitrary_bytes(content):
    from app.formats.spreadsheets import WorkbookError, read_csv_zip, read_xlsx

    for reader in (read_xlsx, read_csv_zip):
        try:
            reader(content)
        except WorkbookError as exc:
            assert exc.problems


def test_sign_in_is_rate_limited(service):
    client, _ = service
    statuses = [client.post("/auth/login", json={"name": "ed", "password": f"guess {i}"}).status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    response = client.post("/auth/login", json={"name": "ed", "password": "correct horse battery"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert (
        client.post("/auth/login", json={"name": "ada", "password": "admin password 1"}).status_code == 200
    )  # others unaffected
    signin = sign_in_form(client, name="ada")
    form = [client.post("/signin", data={**signin, "password": f"x{i}"}).status_code for i in range(6)]
    assert form[-1] == 429


def test_cors_is_off_unless_configured(engine):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.main import create_app

    for origins, allowed in (("", None), ("https://intranet.example", "https://intranet.example")):
        app = create_app(
            Settings(database_url="sqlite://", load_samples=False, cors_origins=origins, demo=True), engine=engine
        )
        with TestClient(app) as client:
            response = client.options(
                "/api/localities",
                headers={"Origin": "https://intranet.example", "Access-Control-Request-Method": "GET"},
            )
            assert response.headers.get("access-control-allow-origin") == allowed
            evil = client.get("/api/localities", headers={"Origin": "https://evil.example"})
            assert "access-control-allow-origin" not in evil.headers


def test_unknown_users_cost_one_password_check_like_known_ones(schema_template, monkeypatch):
    """Every refusal verifies exactly one Argon2 hash of the same cost, whether the name exists or not.

    Counted rather than timed, so a busy machine cannot make it fail or pass.
    """
    from app.storage import accounts
    from app.storage.accounts import authenticate, create_user, revoke_user

    engine = make_engine("sqlite://")
    copy_template(schema_template, engine)
    with session_scope(engine) as session:
        create_user(session, "known", "viewer", password="a long password")
        create_user(session, "gone", "viewer", password="another password")
        create_user(session, "tokens-only", "viewer")
        revoke_user(session, "gone")
    checked: list[str] = []
    verify = accounts._hasher.verify
    monkeypatch.setattr(
        accounts._hasher, "verify", lambda password, hash: checked.append(hash) or verify(password, hash)
    )

    def cost(stored_hash: str) -> str:
        return stored_hash.rsplit("$", 2)[0]  # $argon2id$v=19$m=...,t=...,p=...: the parameters

    for name in ("known", "nobody", "gone", "tokens-only"):
        checked.clear()
        with session_scope(engine) as session:
            assert authenticate(session, name, "wrong password") is None
        assert len(checked) == 1, (name, checked)
        assert cost(checked[0]) == cost(accounts.hash_password("x")), name
    with session_scope(engine) as session:
        assert authenticate(session, "known", "a long password").name == "known"
    engine.dispose()
