"""Spreadsheets, graph exports and pseudonymised exports through the CLI, the API and the upload form."""

from __future__ import annotations

import io
import json
import re
import zipfile

import networkx as nx
import openpyxl
import pytest

from app.cli import main
from app.formats.spreadsheets import write_xlsx
from models.validation import canonical, load_path
from tests.conftest import SAMPLE_PATHS, SAMPLES_DIR, auth
from tests.test_csrf import sign_in_form

THAME = SAMPLES_DIR / "thame.yaml"


def broken_workbook(path):
    """Thame's workbook with errors on three rows of three sheets."""
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(load_path(THAME))))
    book["people"]["D3"] = "no-such-agency"  # people row 3, column agency
    book["groups"]["C5"] = "committee"  # groups row 5, column type
    book["members"]["B7"] = "nobody"  # members row 7, column person
    book.save(path)


def headers(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def test_broken_workbook_cells_are_where_the_test_thinks(tmp_path):
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(load_path(THAME))))
    assert (
        headers(book["people"])[3] == "agency"
        and headers(book["groups"])[2] == "type"
        and headers(book["members"])[1] == "person"
    )


def test_import_of_a_workbook_with_three_bad_rows_reports_all_and_writes_nothing(capsys, tmp_path, db_url):
    assert main(["import", str(SAMPLES_DIR / "abingdon.yaml"), "--db", db_url]) == 0
    bad = tmp_path / "thame.xlsx"
    broken_workbook(bad)
    capsys.readouterr()
    assert main(["import", str(bad), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert "people, row 3, column agency: unknown agency 'no-such-agency'" in err
    assert "groups, row 5, column type: 'committee' is not one of" in err
    assert "members, row 7, column person: unknown person 'nobody'" in err
    main(["list", "--json", "--db", db_url])
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == ["abingdon"]


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_spreadsheet_round_trip_through_the_database(tmp_path, db_url, suffix):
    for path in SAMPLE_PATHS:
        assert main(["import", str(path), "--db", db_url]) == 0
        slug = path.stem
        sheet = tmp_path / f"{slug}{suffix}"
        assert main(["export", slug, "-o", str(sheet), "--db", db_url]) == 0
        assert main(["import", str(sheet), "--db", db_url]) == 0
        again = tmp_path / f"{slug}.yaml"
        assert main(["export", slug, "-o", str(again), "--db", db_url]) == 0
        assert canonical(load_path(again)) == canonical(load_path(path))


def test_graph_exports_through_the_cli(tmp_path, db_url):
    assert main(["import", str(THAME), "--db", db_url]) == 0
    for suffix, reader in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
        target = tmp_path / f"thame{suffix}"
        assert main(["export", "thame", "-o", str(target), "--db", db_url]) == 0
        graph = reader(target)
        kinds = {d["kind"] for _, d in graph.nodes(data=True)}
        assert kinds == {"group", "person", "agency"}
        assert graph.nodes["group:thame-network"]["type"] == "network"
    kumu = tmp_path / "thame-kumu.json"
    assert main(["export", "thame", "-o", str(kumu), "--format", "kumu", "--db", db_url]) == 0
    data = json.loads(kumu.read_text())
    assert {"elements", "connections", "provenance"} == set(data)
    assert data["provenance"]["sources"][0]["revision"] == 1  # the stored locality's revision


def test_pseudonymised_export_hides_names_and_keeps_findings(capsys, tmp_path, db_url, monkeypatch):
    from analysis.audit import audit

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the two exports below may straddle a second

    assert main(["import", str(THAME), "--db", db_url]) == 0
    key = tmp_path / "research.key"
    assert main(["keygen", str(key)]) == 0
    assert key.stat().st_mode & 0o077 == 0  # only the owner may read it
    assert main(["keygen", str(key)]) != 0  # never overwritten
    target = tmp_path / "thame-research.yaml"
    assert main(["export", "thame", "-o", str(target), "--pseudonymise", "--key-file", str(key), "--db", db_url]) == 0
    text = target.read_text()
    original = load_path(THAME)
    for person in original.people:
        assert person.name not in text
    research = load_path(target)
    assert sorted(f.code for f in audit(research).findings) == sorted(f.code for f in audit(original).findings)
    again = tmp_path / "again.yaml"
    main(["export", "thame", "-o", str(again), "--pseudonymise", "--key-file", str(key), "--db", db_url])
    assert again.read_text() == text  # the same key gives the same pseudonyms
    capsys.readouterr()
    assert main(["export", "thame", "-o", str(again), "--key-file", str(key), "--db", db_url]) != 0
    assert "--key-file needs --pseudonymise" in capsys.readouterr().err
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    assert main(["export", "thame", "-o", str(again), "--pseudonymise", "--key-file", str(short), "--db", db_url]) != 0


def test_api_downloads(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    for fmt, check in (
        ("xlsx", lambda b: b[:2] == b"PK"),
        ("zip", lambda b: "people.csv" in zipfile.ZipFile(io.BytesIO(b)).namelist()),
        ("gexf", lambda b: b"<gexf" in b),
        ("graphml", lambda b: b"<graphml" in b),
        ("kumu", lambda b: "elements" in json.loads(b)),
        ("yaml", lambda b: b.startswith(b"# made by locmap") and b"\nformat: locmap/1\n" in b),
    ):
        response = client.get(f"/api/localities/thame/download/{fmt}", headers=viewer)
        assert response.status_code == 200 and check(response.content), fmt
        assert "attachment" in response.headers["content-disposition"]
    assert client.get("/api/localities/thame/download/pdf", headers=viewer).status_code == 422


def test_api_import_creates_replaces_and_reports_sheet_rows(service, tmp_path):
    client, tokens = service
    bad = tmp_path / "bad.xlsx"
    broken_workbook(bad)
    response = client.post(
        "/api/localities/import", params={"format": "xlsx"}, content=bad.read_bytes(), headers=auth(tokens, "editor")
    )
    assert response.status_code == 422
    locs = {p["loc"] for p in response.json()["detail"]}
    assert {"people, row 3, column agency", "groups, row 5, column type", "members, row 7, column person"} <= locs
    good = write_xlsx(load_path(THAME))
    assert (
        client.post(
            "/api/localities/import", params={"format": "xlsx"}, content=good, headers=auth(tokens, "editor")
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/localities/import", params={"format": "xlsx"}, content=good, headers=auth(tokens, "other_editor")
        ).status_code
        == 403
    )
    new = write_xlsx(
        load_path(THAME).model_copy(update={"locality": load_path(THAME).locality.model_copy(update={"id": "thame2"})})
    )
    assert (
        client.post(
            "/api/localities/import", params={"format": "xlsx"}, content=new, headers=auth(tokens, "editor")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/localities/import", params={"format": "xlsx"}, content=new, headers=auth(tokens, "admin")
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/localities/import", params={"format": "zip"}, content=b"junk", headers=auth(tokens, "admin")
        ).status_code
        == 422
    )


def test_an_uploaded_file_is_closed_once_read_whatever_the_answer(service, monkeypatch):
    # Nothing else closes the spooled temporary file a form holds: left open, each upload kept a file.
    from starlette.datastructures import UploadFile

    client, _ = service
    closed, close = [], UploadFile.close

    async def counting_close(self):
        closed.append(self.filename)
        await close(self)

    monkeypatch.setattr(UploadFile, "close", counting_close)
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/upload").text).group(1)
    for name, body, answer in [("notes.txt", b"hello", 400), ("thame.yaml", b"format: [", 422)]:
        files = {"file": (name, body)}
        response = client.post("/upload", params={"csrf": token}, data={"csrf": token}, files=files)
        assert response.status_code == answer
    assert closed == ["notes.txt", "thame.yaml"]


def test_upload_form(service, tmp_path):
    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    page = client.get("/upload").text
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    bad = tmp_path / "bad.xlsx"
    broken_workbook(bad)
    response = client.post(
        "/upload", params={"csrf": token}, data={"csrf": token}, files={"file": ("thame.xlsx", bad.read_bytes())}
    )
    assert response.status_code == 422
    assert "people, row 3, column agency" in response.text and "nothing was stored" in response.text
    response = client.post(
        "/upload",
        params={"csrf": token},
        data={"csrf": token},
        files={"file": ("thame.xlsx", write_xlsx(load_path(THAME)))},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/localities/thame"
    response = client.post(
        "/upload", params={"csrf": token}, data={"csrf": token}, files={"file": ("notes.txt", b"hello")}
    )
    assert response.status_code == 400 and "use a spreadsheet" in response.text
    assert client.post("/upload", files={"file": ("thame.xlsx", b"x")}).status_code == 403  # no CSRF token
    template = client.get("/static/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
